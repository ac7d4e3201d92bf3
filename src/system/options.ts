import { availableParallelism } from 'node:os';
import type { Listener, SystemEvent } from '../broker/index.js';
import type { ClusterOptions } from '../cluster/index.js';
import { InvalidArgumentError } from '../errors.js';
import { BOUNDS, checkCount, checkDuration, checkOptionsBag } from '../limits/index.js';
import type { Clock, SchedulerOptions } from '../scheduler/index.js';
import { isClock } from '../scheduler/index.js';
import type { AuditSink, SecurityPolicy } from '../security/index.js';
import type { InspectOptions } from './inspection.js';

/**
 * Configuration of one actor system. Everything is optional.
 *
 * @example
 * ```ts
 * const system = createSystem({ name: 'orders', askTimeout: 2_000, scheduler: { longHandlerMs: 20 } });
 * ```
 */
export interface SystemOptions {
  /** A label for logs and the observer. Default `airssys`. */
  readonly name?: string;
  /** The time source; inject a `ManualClock` (from `airssys-rt/testing`) in tests. */
  readonly clock?: Clock;
  /** Scheduler tuning. */
  readonly scheduler?: SchedulerOptions;
  /** Default `ask` timeout in ms. Default 5000. */
  readonly askTimeout?: number;
  /** How long `stop` and `shutdown` wait for one process before killing it, in ms. Default 5000. */
  readonly shutdownTimeout?: number;
  /** How many recent dead letters `system.recentDeadLetters()` keeps. Default 100. */
  readonly deadLetterBuffer?: number;
  /**
   * Scheduler threads for `placement: 'pool'`, started as needed. Default:
   * the machine's available parallelism.
   */
  readonly poolThreads?: number;
  /**
   * The first pid (default 1). A host starts high, so the processes it
   * spawns itself never share a pid with its main system's processes.
   */
  readonly firstPid?: number;
  /**
   * The system's security policy, which every process's narrows (see
   * `SpawnOptions.security`). Default: none, so ports and file actors are
   * denied everything unless a process is given a policy.
   */
  readonly security?: SecurityPolicy;
  /** Where operations under security policies are recorded (an `AuditLog`). */
  readonly audit?: AuditSink;
  /**
   * Join a cluster over NATS: the system becomes a node (see
   * `system.cluster`; await `system.cluster.ready` before relying on it).
   * Its pids can then be sent to other nodes, and `spawn(def, { node })`
   * runs a portable definition on another node.
   */
  readonly cluster?: ClusterOptions;
  /**
   * An inspector attached from the start, so even the first spawn is seen
   * (see `system.inspect`): a listener, or a listener with its options.
   */
  readonly inspect?:
    | Listener<SystemEvent>
    | (InspectOptions & { readonly listener: Listener<SystemEvent> });
}

/** Options with defaults applied. */
export interface ResolvedOptions {
  readonly name: string;
  readonly askTimeout: number;
  readonly shutdownTimeout: number;
  readonly deadLetterBuffer: number;
  readonly poolThreads: number;
  readonly firstPid: number;
  readonly scheduler: Required<SchedulerOptions>;
}

function positiveInteger(option: string, value: unknown, fallback: number, max = BOUNDS.count) {
  return checkCount(option, value, 1, max, fallback);
}

/** A number of ms (or Infinity when allowed), `fallback` when undefined; throws naming `option`. */
export const duration = checkDuration;

/** The options-bag check (limits), here beside the other option checks the system's calls use. */
export { checkOptionsBag };

/** Validates options and applies defaults; throws `InvalidArgumentError` naming the bad option. */
export function resolveOptions(options: SystemOptions | undefined): ResolvedOptions {
  checkOptionsBag(options);
  const o = options ?? {};
  if (o.name !== undefined && (typeof o.name !== 'string' || o.name.length === 0)) {
    throw new InvalidArgumentError('name', 'must be a non-empty string');
  }
  const clock = o.clock;
  if (clock !== undefined && !isClock(clock)) {
    throw new InvalidArgumentError('clock', 'must have now(), setTimer() and clearTimer()');
  }
  const s = o.scheduler ?? {};
  if (typeof s !== 'object' || o.scheduler === null) {
    throw new InvalidArgumentError('scheduler', 'must be an object');
  }
  return {
    name: o.name ?? 'airssys',
    askTimeout: duration('askTimeout', o.askTimeout, 5_000, true),
    shutdownTimeout: duration('shutdownTimeout', o.shutdownTimeout, 5_000, true),
    deadLetterBuffer:
      o.deadLetterBuffer === 0 ? 0 : positiveInteger('deadLetterBuffer', o.deadLetterBuffer, 100),
    firstPid: positiveInteger('firstPid', o.firstPid, 1),
    poolThreads: positiveInteger(
      'poolThreads',
      o.poolThreads,
      Math.max(1, availableParallelism()),
      BOUNDS.threads,
    ),
    scheduler: {
      budget: positiveInteger('scheduler.budget', s.budget, 16_384),
      batch: positiveInteger('scheduler.batch', s.batch, 64),
      sliceMs: duration('scheduler.sliceMs', s.sliceMs, 10, false),
      longHandlerMs: duration('scheduler.longHandlerMs', s.longHandlerMs, 50, true),
    },
  };
}
