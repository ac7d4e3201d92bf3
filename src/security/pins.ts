import { CompiledRule } from './argv.js';
import type { ExecRule, SecurityPolicy } from './policy.js';
import { type PinnedRoot, pinRoots } from './roots.js';

/**
 * What a policy becomes when it loads, besides its frozen data: its roots
 * pinned (real path, device, inode) and its exec rules compiled. Kept on
 * the loaded policy under a private symbol — not enumerable, so it is not
 * part of the policy's data and `structuredClone` drops it. A policy sent
 * to a host travels with its roots as main pinned them (`rootsOf`), and
 * the host attaches those (`attachRoots`) instead of pinning again: roots
 * are pinned once, in the main system, and every host checks against
 * main's pins (semantics §22).
 *
 * @module
 */

/**
 * One policy's roots, pinned, and its rules, compiled.
 *
 * @example
 * ```ts
 * const pins = pinsOf(loadPolicy({ fs: { read: ['/srv/data'] } }));
 * pins.read[0]?.path; // '/srv/data'
 * ```
 */
export interface Pins {
  /** Read roots, write roots included. */
  readonly read: readonly PinnedRoot[];
  readonly write: readonly PinnedRoot[];
  readonly cwd: readonly PinnedRoot[] | undefined;
  readonly rules: ReadonlyMap<ExecRule, CompiledRule>;
}

/**
 * A policy's pinned roots as they cross to a host (plain data: the device
 * and inode are BigInts, which structured cloning and V8 serialization keep).
 *
 * @example
 * ```ts
 * const roots: PinnedRoots = rootsOf(loadPolicy({ fs: { read: ['/srv/data'] } }));
 * ```
 */
export interface PinnedRoots {
  readonly read: readonly PinnedRoot[];
  readonly write: readonly PinnedRoot[];
  readonly cwd: readonly PinnedRoot[] | undefined;
}

const PINS = Symbol('airssys.policyPins');

function pin(policy: SecurityPolicy): Pins {
  const write = pinRoots(policy.fs?.write ?? []);
  return {
    read: [...pinRoots(policy.fs?.read ?? []), ...write],
    write,
    cwd: policy.exec?.cwd === undefined ? undefined : pinRoots(policy.exec.cwd),
    rules: new Map((policy.exec?.allow ?? []).map((r) => [r, new CompiledRule(r)])),
  };
}

/**
 * Pins `policy` (not yet frozen) as it loads: attaches its pins.
 *
 * @example
 * ```ts
 * attachPins(clone); Object.freeze(clone);
 * ```
 */
export function attachPins(policy: SecurityPolicy): void {
  Object.defineProperty(policy, PINS, { value: pin(policy), enumerable: false });
}

/**
 * The roots of a loaded policy as main pinned them, to send with it to a host.
 *
 * @example
 * ```ts
 * post({ op: 'spawn', security: policies.map((policy) => ({ policy, roots: rootsOf(policy) })) });
 * ```
 */
export function rootsOf(policy: SecurityPolicy): PinnedRoots {
  const { read, write, cwd } = pinsOf(policy);
  return { read, write, cwd };
}

/**
 * Attaches roots pinned elsewhere (by the main system) to `policy` (not yet
 * frozen), without touching the filesystem: its rules are compiled here.
 *
 * @example
 * ```ts
 * attachRoots(clone, frame.roots); Object.freeze(clone);
 * ```
 */
export function attachRoots(policy: SecurityPolicy, roots: PinnedRoots): void {
  const pins: Pins = {
    read: roots.read,
    write: roots.write,
    cwd: roots.cwd,
    rules: new Map((policy.exec?.allow ?? []).map((r) => [r, new CompiledRule(r)])),
  };
  Object.defineProperty(policy, PINS, { value: pins, enumerable: false });
}

/**
 * The pins of a loaded policy, or — for one that did not go through
 * `loadPolicy` — pins made now.
 *
 * @example
 * ```ts
 * const pins = pinsOf(policy);
 * ```
 */
export function pinsOf(policy: SecurityPolicy): Pins {
  return (policy as { [PINS]?: Pins })[PINS] ?? pin(policy);
}

/**
 * Whether `value` is a policy `loadPolicy` returned (frozen and pinned):
 * loading it again would change nothing.
 *
 * @example
 * ```ts
 * if (isLoaded(value)) return value;
 * ```
 */
export function isLoaded(value: unknown): value is SecurityPolicy {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, PINS);
}
