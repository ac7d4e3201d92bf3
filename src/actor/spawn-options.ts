import { InvalidArgumentError } from '../errors.js';
import type { MailboxOptions } from '../mailbox/index.js';
import { checkMailboxOptions } from '../mailbox/index.js';
import type { Pid } from '../process/index.js';
import type { SecurityPolicy } from '../security/index.js';
import type { AnyDefinition } from './host.js';
import type { ActorProcess } from './process.js';

/**
 * How to spawn one process.
 *
 * @example
 * ```ts
 * system.spawn(worker, {
 *   name: 'worker-1',
 *   args: { retries: 3 },
 *   mailbox: { capacity: 1_000, overflow: 'backpressure' },
 *   copyOnSend: true,
 * });
 * ```
 */
export interface SpawnOptions<A = undefined> {
  /** A unique name to register; released when the process ends. */
  readonly name?: string;
  /** Arguments passed to `init` (and again on each restart). */
  readonly args?: A;
  /** Bounds and overflow policy; default unbounded. */
  readonly mailbox?: MailboxOptions;
  /** Honour message priorities (default true). When false, every message is FIFO in one lane. */
  readonly priorityLanes?: boolean;
  /** Deep-copy every message at send (`structuredClone`), as between Erlang processes. Default false. */
  readonly copyOnSend?: boolean;
  /** Give every message an envelope (id, sender, timestamp) even when the sender attached no options. */
  readonly envelopes?: boolean;
  /**
   * How its parent stops it (OTP child spec `shutdown`): ask it to stop and
   * kill it after this many ms, `'brutalKill'` to kill it outright, or
   * `'infinity'` (the default) to wait as long as it takes.
   */
  readonly shutdown?: ShutdownRule;
  /**
   * Where it runs: `main` (this thread, the default), `worker` (a worker
   * thread of its own), `process` (a child process of its own) or `pool`
   * (one of the system's scheduler threads). Off the main thread the
   * definition must be made `portable`.
   */
  readonly placement?: Placement;
  /** Heap limits of a `worker` (a `process` honours `maxOldGenerationSizeMb`). */
  readonly resourceLimits?: ResourceLimits;
  /** Node's permission model for a `process`: what it may read, write and start. */
  readonly sandbox?: Sandbox;
  /**
   * The cluster node to run it on (a node id, or a node's name when one
   * node of that name is up). The definition must be made `portable`; the
   * process here is its stand-in (links, monitors, supervision), the body
   * runs there. Needs a system that joined a cluster.
   */
  readonly node?: string;
  /**
   * A security policy narrowing the one it inherits (its parent's, or the
   * system's): what it and its children may execute and which files they
   * may touch. Validated at spawn (`PolicyError` for a bad field).
   */
  readonly security?: SecurityPolicy;
}

/**
 * Internal: a host spawns a placed process's body under the pid and parent
 * its main system knows, so `ctx.pid` and `ctx.parent` mean the same on
 * both sides. Not part of the public options.
 */
export const HOSTED_AS: unique symbol = Symbol('airssys.hostedAs');

/**
 * Internal: the cluster makes the process record of a remote pid (a
 * subclass whose sends go to its node). Not part of the public options.
 */
export const MAKE_PROCESS: unique symbol = Symbol('airssys.makeProcess');

/** Makes the record of a process (see {@link MAKE_PROCESS}). */
export type ProcessMaker = (
  runtime: ActorProcess['runtime'],
  pid: Pid,
  def: AnyDefinition,
  parent: ActorProcess | null,
  flags: number,
) => ActorProcess;

/** The identity a host gives a body (see {@link HOSTED_AS}). */
export interface HostedIdentity {
  readonly pid: number;
  readonly parent: number | undefined;
  /** The stand-in's policy chain: the body runs under exactly the same context. */
  readonly security: readonly SecurityPolicy[];
}

/**
 * Where a process runs; see `SpawnOptions.placement`.
 *
 * @example
 * ```ts
 * system.spawn(hasher, { placement: 'pool' });
 * ```
 */
export type Placement = 'main' | 'worker' | 'process' | 'pool';

/**
 * Heap limits of a worker thread (Node `resourceLimits`), in MB.
 *
 * @example
 * ```ts
 * system.spawn(parser, { placement: 'worker', resourceLimits: { maxOldGenerationSizeMb: 64 } });
 * ```
 */
export interface ResourceLimits {
  readonly maxOldGenerationSizeMb?: number;
  readonly maxYoungGenerationSizeMb?: number;
  readonly codeRangeSizeMb?: number;
  readonly stackSizeMb?: number;
}

/**
 * Node's permission model for a child process: with a sandbox it may read
 * and write only the listed paths (plus the runtime's code and the actor's
 * module directory, which it must read) and start neither child processes
 * nor workers unless allowed.
 *
 * @example
 * ```ts
 * system.spawn(tool, { placement: 'process', sandbox: { allowFsRead: ['/srv/data'] } });
 * ```
 */
export interface Sandbox {
  readonly allowFsRead?: readonly string[];
  readonly allowFsWrite?: readonly string[];
  readonly allowChildProcess?: boolean;
  readonly allowWorker?: boolean;
}

/**
 * How a parent or supervisor stops a child: a timeout in ms before a kill,
 * `brutalKill`, or `infinity`.
 *
 * @example
 * ```ts
 * const rule: ShutdownRule = 5_000;
 * ```
 */
export type ShutdownRule = number | 'brutalKill' | 'infinity';

/** Whether `value` is a valid {@link ShutdownRule}. */
export function isShutdownRule(value: unknown): value is ShutdownRule {
  return (
    value === 'brutalKill' ||
    value === 'infinity' ||
    (typeof value === 'number' && Number.isFinite(value) && value >= 0)
  );
}

/** Throws `InvalidArgumentError` naming the first invalid option. */
export function validateSpawnOptions(options: SpawnOptions<unknown> | undefined): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'spawn options must be an object');
  }
  const { name, mailbox, priorityLanes, copyOnSend, envelopes, shutdown } = options;
  checkPlacement(options);
  if (shutdown !== undefined && !isShutdownRule(shutdown)) {
    throw new InvalidArgumentError('shutdown', "must be ms >= 0, 'brutalKill' or 'infinity'");
  }
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) {
    throw new InvalidArgumentError('name', 'must be a non-empty string');
  }
  if (mailbox !== undefined) {
    if (typeof mailbox !== 'object' || mailbox === null) {
      throw new InvalidArgumentError('mailbox', 'must be an object');
    }
    const problem = checkMailboxOptions(mailbox);
    if (problem !== undefined) throw new InvalidArgumentError('mailbox', problem);
  }
  // Plain checks, no array of pairs: this runs on every spawn with options.
  checkBoolean('priorityLanes', priorityLanes);
  checkBoolean('copyOnSend', copyOnSend);
  checkBoolean('envelopes', envelopes);
}

function checkBoolean(option: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new InvalidArgumentError(option, `must be a boolean, got ${typeof value}`);
  }
}

const PLACEMENTS: readonly string[] = ['main', 'worker', 'process', 'pool'];

function checkPlacement(options: SpawnOptions<unknown>): void {
  const { placement, resourceLimits, sandbox } = options;
  if (placement !== undefined && !PLACEMENTS.includes(placement)) {
    throw new InvalidArgumentError('placement', `must be one of ${PLACEMENTS.join(', ')}`);
  }
  if (resourceLimits !== undefined) {
    if (placement !== 'worker' && placement !== 'process') {
      throw new InvalidArgumentError('resourceLimits', "needs placement 'worker' or 'process'");
    }
    for (const [key, value] of Object.entries(resourceLimits)) {
      if (typeof value !== 'number' || !(value > 0)) {
        throw new InvalidArgumentError(`resourceLimits.${key}`, 'must be a number of MB > 0');
      }
    }
  }
  if (sandbox !== undefined && placement !== 'process') {
    throw new InvalidArgumentError('sandbox', "needs placement 'process'");
  }
  const node = options.node;
  if (node !== undefined) {
    if (typeof node !== 'string' || !/^[a-zA-Z0-9_-]+$/.test(node)) {
      throw new InvalidArgumentError('node', 'must be a node id or name');
    }
    if (placement !== undefined && placement !== 'main') {
      throw new InvalidArgumentError('node', 'cannot be combined with a placement');
    }
  }
}
