import { CompiledRule } from './argv.js';
import type { ExecRule, SecurityPolicy } from './policy.js';
import { type PinnedRoot, pinRoots } from './roots.js';

/**
 * What a policy becomes when it loads, besides its frozen data: its roots
 * pinned (real path, device, inode) and its exec rules compiled. Kept on
 * the loaded policy under a private symbol — not enumerable, so it is not
 * part of the policy's data, and dropped by `structuredClone`, so a policy
 * sent to a host is loaded (and pinned) again there.
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
