import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { ActorProcess } from '../actor/index.js';
import { InvalidArgumentError } from '../errors.js';
import { checkOptionsBag } from '../limits/index.js';
import type { Pid } from '../process/index.js';
import type { Clock, SchedulerStats } from '../scheduler/index.js';
import { SupervisorState } from '../supervisor/index.js';

/** Event-loop delay sampling interval, in ms. */
export const LOOP_DELAY_RESOLUTION_MS = 10;
/** Default of {@link HealthOptions.mailboxWarn}. */
export const DEFAULT_MAILBOX_WARN = 10_000;
/** Default of {@link HealthOptions.loopDelayWarnMs}. */
export const DEFAULT_LOOP_DELAY_WARN_MS = 100;

/**
 * Thresholds of `system.health()`: past either one the report is `degraded`.
 *
 * @example
 * ```ts
 * const report = system.health({ mailboxWarn: 1_000, loopDelayWarnMs: 50 });
 * ```
 */
export interface HealthOptions {
  /** A mailbox holding more than this many messages degrades health. Default 10 000. */
  readonly mailboxWarn?: number;
  /** An event-loop delay p99 above this many ms degrades health. Default 100. */
  readonly loopDelayWarnMs?: number;
}

/**
 * Event-loop delay since the previous `health()` call, in ms: how late the
 * loop ran a timer due every {@link LOOP_DELAY_RESOLUTION_MS} ms (the
 * interval itself is subtracted, so an idle loop reads near 0).
 *
 * @example
 * ```ts
 * const delay = system.health().eventLoopDelayMs;
 * if (delay !== undefined && delay.p99 > 50) console.warn('the event loop is blocked');
 * ```
 */
export interface LoopDelay {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * The health of a whole system (`system.health()`); see docs/semantics.md §16.
 *
 * @example
 * ```ts
 * const h = system.health();
 * console.log(h.status, h.processes, h.messagesPerSecond, h.mailboxes.largest);
 * ```
 */
export interface HealthReport {
  /** `shut-down` once shutdown has begun; `degraded` past a threshold; else `ok`. */
  readonly status: 'ok' | 'degraded' | 'shut-down';
  /** Which thresholds made it `degraded` (empty otherwise). */
  readonly warnings: readonly ('mailbox' | 'event-loop')[];
  /** Live processes. */
  readonly processes: number;
  readonly mailboxes: {
    /** Messages queued now, over every live process. */
    readonly totalQueued: number;
    /** The fullest mailbox, or undefined when every mailbox is empty. */
    readonly largest: { readonly pid: Pid; readonly size: number } | undefined;
    /** Messages live processes' overflow policies dropped or refused. */
    readonly overflowDrops: number;
  };
  /** Messages handled per second since the previous call (the first: since creation). */
  readonly messagesPerSecond: number;
  /** Messages handled since the system was created. */
  readonly handledTotal: number;
  /** Restarts since creation (`onError` restarts and supervisor restarts). */
  readonly restarts: number;
  /** Dead letters since creation. */
  readonly deadLetters: number;
  readonly supervisors: {
    /** Live supervisors. */
    readonly count: number;
    /** Children they know of, running or not. */
    readonly children: number;
    /** Children running now. */
    readonly activeChildren: number;
    /** Children waiting for a (backoff) restart. */
    readonly restarting: number;
  };
  /** Undefined until a sample exists (the first call) and after shutdown. */
  readonly eventLoopDelayMs: LoopDelay | undefined;
  /** Clock ms since the system was created. */
  readonly uptimeMs: number;
  /** Clock time of this report. */
  readonly at: number;
}

/**
 * What the monitor reads from a system; `SystemCore` has all of it.
 *
 * @example
 * ```ts
 * const monitor = new HealthMonitor(core, core.clock.now());
 * ```
 */
export interface HealthSource {
  readonly clock: Clock;
  readonly table: { readonly size: number; values(): Iterable<ActorProcess> };
  readonly scheduler: { stats(): SchedulerStats };
  readonly phase: 'running' | 'draining' | 'closed';
  readonly deadLetterCount: number;
  readonly restartCount: number;
}

const NS_PER_MS = 1e6;

function threshold(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0)) {
    throw new InvalidArgumentError(name, 'must be a number >= 0');
  }
  return value;
}

/** A histogram reading in ms, less the sampling interval, never negative. */
function lateness(ns: number): number {
  return Math.max(0, ns / NS_PER_MS - LOOP_DELAY_RESOLUTION_MS);
}

/**
 * Computes health reports for one system. It keeps the previous sample
 * (time and handled count) so each report's rate covers the interval
 * since the previous one, and an event-loop delay histogram that is
 * enabled on first use, reset at each report and disabled by
 * {@link HealthMonitor.close} (the system's shutdown). The histogram's
 * timer does not keep the process alive.
 *
 * @example
 * ```ts
 * const monitor = new HealthMonitor(core, createdAt);
 * const report = monitor.report({ mailboxWarn: 500 });
 * monitor.close();
 * ```
 */
export class HealthMonitor {
  readonly #source: HealthSource;
  readonly #createdAt: number;
  #prevAt: number;
  #prevHandled = 0;
  #histogram: IntervalHistogram | null = null;
  #closed = false;

  constructor(source: HealthSource, createdAt: number) {
    this.#source = source;
    this.#createdAt = createdAt;
    this.#prevAt = createdAt;
  }

  /** Disables the event-loop delay histogram for good. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#histogram?.disable();
    this.#histogram = null;
  }

  /** A report as of now. Throws `InvalidArgumentError` for a bad threshold. */
  report(options?: HealthOptions): HealthReport {
    checkOptionsBag(options);
    const mailboxWarn = threshold('mailboxWarn', options?.mailboxWarn, DEFAULT_MAILBOX_WARN);
    const loopWarn = threshold(
      'loopDelayWarnMs',
      options?.loopDelayWarnMs,
      DEFAULT_LOOP_DELAY_WARN_MS,
    );
    const source = this.#source;
    if (source.phase !== 'running') this.close();
    const at = source.clock.now();
    const handledTotal = source.scheduler.stats().handled;
    const elapsed = at - this.#prevAt;
    const messagesPerSecond =
      elapsed > 0 ? ((handledTotal - this.#prevHandled) * 1000) / elapsed : 0;
    this.#prevAt = at;
    this.#prevHandled = handledTotal;
    const { mailboxes, supervisors } = survey(source.table.values());
    const eventLoopDelayMs = this.#loopDelay();
    const warnings: ('mailbox' | 'event-loop')[] = [];
    if (mailboxes.largest !== undefined && mailboxes.largest.size > mailboxWarn) {
      warnings.push('mailbox');
    }
    if (eventLoopDelayMs !== undefined && eventLoopDelayMs.p99 > loopWarn) {
      warnings.push('event-loop');
    }
    return {
      status: this.#closed ? 'shut-down' : warnings.length > 0 ? 'degraded' : 'ok',
      warnings,
      processes: source.table.size,
      mailboxes,
      messagesPerSecond,
      handledTotal,
      restarts: source.restartCount,
      deadLetters: source.deadLetterCount,
      supervisors,
      eventLoopDelayMs,
      uptimeMs: at - this.#createdAt,
      at,
    };
  }

  /** Reads and resets the histogram, enabling it on first use. */
  #loopDelay(): LoopDelay | undefined {
    if (this.#closed) return undefined;
    const h = this.#histogram;
    if (h === null) {
      const created = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
      created.enable();
      this.#histogram = created;
      return undefined;
    }
    if (h.count === 0) return undefined;
    const delay = {
      p50: lateness(h.percentile(50)),
      p99: lateness(h.percentile(99)),
      max: lateness(h.max),
    };
    h.reset();
    return delay;
  }
}

/** One pass over the live processes: mailbox and supervisor figures. */
function survey(processes: Iterable<ActorProcess>): {
  mailboxes: HealthReport['mailboxes'];
  supervisors: HealthReport['supervisors'];
} {
  let totalQueued = 0;
  let overflowDrops = 0;
  let largest: ActorProcess | null = null;
  let largestSize = 0;
  let count = 0;
  let children = 0;
  let activeChildren = 0;
  let restarting = 0;
  for (const p of processes) {
    const mb = p.mailbox;
    if (mb !== null) {
      const size = mb.size;
      totalQueued += size;
      overflowDrops += mb.dropped + mb.rejected;
      if (size > largestSize) {
        largestSize = size;
        largest = p;
      }
    }
    const state = p.state;
    if (state instanceof SupervisorState) {
      count++;
      children += state.children.size;
      activeChildren += state.children.active;
      for (const child of state.children.list) if (child.status === 'restarting') restarting++;
    }
  }
  return {
    mailboxes: {
      totalQueued,
      largest: largest === null ? undefined : { pid: largest.pid, size: largestSize },
      overflowDrops,
    },
    supervisors: { count, children, activeChildren, restarting },
  };
}
