import type { ActorProcess } from '../actor/index.js';
import type { MailboxMetrics } from '../mailbox/index.js';
import { estimateMemory } from '../observe/index.js';
import type { Pid, ProcessStatus } from '../process/index.js';
import type { SchedulerStats } from '../scheduler/index.js';
import type { SystemCore } from './core.js';

/**
 * A snapshot of one process, like Erlang's `process_info/1`.
 *
 * @example
 * ```ts
 * const info = system.info(ref);
 * console.log(info?.status, info?.mailbox.size, info?.handled);
 * ```
 */
export interface ProcessInfo {
  readonly pid: Pid;
  readonly status: ProcessStatus;
  /** The definition's `label`, when it has one. */
  readonly label: string | undefined;
  readonly name: string | undefined;
  readonly parent: Pid | undefined;
  readonly children: readonly Pid[];
  readonly handled: number;
  readonly restarts: number;
  readonly lastMessageAt: number | undefined;
  readonly timers: number;
  readonly pendingAsks: number;
  readonly mailbox: MailboxMetrics;
  /** Processes linked to this one. */
  readonly links: readonly Pid[];
  /** How many monitors this process holds on others. */
  readonly monitors: number;
  /** How many monitors others hold on this process. */
  readonly monitoredBy: number;
  readonly trapExit: boolean;
  /**
   * An estimate of the memory the runtime holds for this process, in bytes:
   * record, mailbox rings, extras, links, monitors, timers, asks. It
   * excludes the user's state object and the queued messages themselves.
   */
  readonly memoryBytes: number;
}

const EMPTY_MAILBOX: MailboxMetrics = Object.freeze({
  size: 0,
  enqueued: 0,
  handled: 0,
  dropped: 0,
  rejected: 0,
  expired: 0,
  highWater: 0,
  capacity: Number.POSITIVE_INFINITY,
});

/** Builds the snapshot of `p`. */
export function describeProcess(p: ActorProcess): ProcessInfo {
  const ext = p.ext;
  let asks = 0;
  for (let a = ext?.asks ?? null; a !== null; a = a.next) asks++;
  return {
    pid: p.pid,
    status: p.status,
    label: p.def.label,
    name: p.registeredName,
    parent: p.parent,
    children: p
      .children()
      .reverse()
      .map((c) => c.pid),
    handled: p.handled,
    restarts: ext?.restarts ?? 0,
    lastMessageAt: p.lastMessageAt,
    timers: ext?.timers?.size ?? 0,
    pendingAsks: asks,
    mailbox: p.mailbox?.metrics() ?? EMPTY_MAILBOX,
    links: ext?.links === null || ext === null ? [] : [...ext.links].map((l) => l.pid),
    monitors: ext?.monitors?.size ?? 0,
    monitoredBy: ext?.watchers?.size ?? 0,
    trapExit: p.trappingExits,
    memoryBytes: estimateMemory(p),
  };
}

/**
 * Counters of a whole system.
 *
 * @example
 * ```ts
 * const { processes, deadLetters } = system.stats();
 * ```
 */
export interface SystemStats {
  readonly processes: number;
  readonly deadLetters: number;
  readonly restarts: number;
  readonly timers: number;
  readonly scheduler: SchedulerStats;
}

/**
 * `system.stats()`: the counters of the whole system, read now.
 *
 * @example
 * ```ts
 * const { processes } = systemStats(core);
 * ```
 */
export function systemStats(core: SystemCore): SystemStats {
  return {
    processes: core.table.size,
    deadLetters: core.deadLetterCount,
    restarts: core.restartCount,
    timers: core.timers.size,
    scheduler: core.scheduler.stats(),
  };
}
