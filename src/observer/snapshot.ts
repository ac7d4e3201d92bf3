import type { HealthReport } from '../observe/index.js';
import type { Pid, ProcessStatus } from '../process/index.js';
import { formatPid } from '../process/index.js';
import type { ActorSystem, ProcessInfo } from '../system/index.js';
import type { Collector, SeriesPoint } from './collector.js';
import type { LogEntry } from './log.js';

/**
 * The observer's JSON snapshot (`/api/snapshot`, and each `snapshot` event
 * of the SSE stream), built from public system APIs only.
 *
 * @module
 */

/**
 * One row of the process table (and one node of the supervision tree, by
 * its `parent` and `children`).
 *
 * @example
 * ```ts
 * const row = snapshot.processes.find((r) => r.name === 'db');
 * console.log(row?.id, row?.status, row?.mailbox, row?.restarts);
 * ```
 */
export interface ProcessRow {
  readonly pid: Pid;
  /** The pid as Erlang prints it, `<0.N>`. */
  readonly id: string;
  readonly name: string | undefined;
  /** The definition's label, or `actor` when it has none. */
  readonly behaviour: string;
  readonly kind: 'supervisor' | 'worker';
  readonly status: ProcessStatus;
  readonly parent: Pid | undefined;
  readonly children: readonly Pid[];
  /** Messages queued now. */
  readonly mailbox: number;
  readonly handled: number;
  /**
   * Restarts of this process: in place (`onError` → `restart`) plus, for a
   * supervised child, the times its supervisor restarted it while observed
   * (the count carries from each pid to the next).
   */
  readonly restarts: number;
  /** For a supervisor: the restarts it performed while observed. */
  readonly supervisorRestarts: number;
  /** `system.info(pid).memoryBytes`: an estimate, see docs/semantics.md §16. */
  readonly memoryBytes: number;
  readonly lastMessageAt: number | undefined;
}

/**
 * Everything the page shows, as plain JSON.
 *
 * @example
 * ```ts
 * const snapshot: ObserverSnapshot = await (await fetch(`${observer.url}api/snapshot`)).json();
 * console.log(snapshot.system.status, snapshot.processes.length);
 * ```
 */
export interface ObserverSnapshot {
  readonly system: {
    readonly name: string;
    readonly status: HealthReport['status'];
    readonly warnings: HealthReport['warnings'];
    /** Wall-clock time of the snapshot. */
    readonly at: number;
    readonly uptimeMs: number;
    readonly node: string;
    readonly rssBytes: number;
    readonly heapUsedBytes: number;
    /** Whether the control actions (stop, kill) are enabled. */
    readonly control: boolean;
  };
  readonly totals: {
    readonly processes: number;
    readonly supervisors: number;
    readonly handled: number;
    readonly restarts: number;
    readonly deadLetters: number;
    readonly timers: number;
    readonly mailboxQueued: number;
  };
  /** The health report of the latest sample (every `intervalMs`). */
  readonly health: HealthReport;
  /** Live processes, oldest first, at most `maxProcesses`. */
  readonly processes: readonly ProcessRow[];
  /** True when `processes` stops short of `totals.processes`. */
  readonly truncated: boolean;
  readonly series: readonly SeriesPoint[];
  /** The event log, oldest first (only in `/api/snapshot`; the SSE stream sends `log` events). */
  readonly log?: readonly LogEntry[];
}

/**
 * A table row for `info`.
 *
 * @example
 * ```ts
 * const row = processRow(system.info(ref)!, collector);
 * ```
 */
export function processRow(info: ProcessInfo, collector: Collector): ProcessRow {
  const supervisor = collector.isSupervisor(info);
  return {
    pid: info.pid,
    id: formatPid(info.pid),
    name: info.name,
    behaviour: info.label ?? 'actor',
    kind: supervisor ? 'supervisor' : 'worker',
    status: info.status,
    parent: info.parent,
    children: info.children,
    mailbox: info.mailbox.size,
    handled: info.handled,
    restarts: info.restarts + collector.supervisorRestartsOf(info.pid),
    supervisorRestarts: supervisor ? collector.restartsBy(info.pid) : 0,
    memoryBytes: info.memoryBytes,
    lastMessageAt: info.lastMessageAt,
  };
}

/**
 * Builds a snapshot of `system` as of now: live processes (at most
 * `options.maxProcesses`, oldest first), totals, the latest health sample,
 * the chart history and, with `options.log`, the event log.
 *
 * @example
 * ```ts
 * const snapshot = buildSnapshot(system, collector, { maxProcesses: 1000, control: false, log: true });
 * ```
 */
export function buildSnapshot(
  system: ActorSystem,
  collector: Collector,
  options: { readonly maxProcesses: number; readonly control: boolean; readonly log: boolean },
): ObserverSnapshot {
  const pids = system.processes();
  const rows: ProcessRow[] = [];
  for (const pid of pids) {
    if (rows.length >= options.maxProcesses) break;
    const info = system.info(pid);
    if (info !== undefined) rows.push(processRow(info, collector));
  }
  const stats = system.stats();
  const health = collector.health;
  const memory = process.memoryUsage();
  const status = system.isShutDown ? 'shut-down' : health.status;
  const snapshot: ObserverSnapshot = {
    system: {
      name: system.name,
      status,
      warnings: status === 'shut-down' ? [] : health.warnings,
      at: Date.now(),
      uptimeMs: system.clock.now() - (health.at - health.uptimeMs),
      node: process.version,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      control: options.control,
    },
    totals: {
      processes: stats.processes,
      supervisors: collector.supervisors().length,
      handled: stats.scheduler.handled,
      restarts: stats.restarts,
      deadLetters: stats.deadLetters,
      timers: stats.timers,
      mailboxQueued: health.mailboxes.totalQueued,
    },
    health,
    processes: rows,
    truncated: pids.length > options.maxProcesses,
    series: collector.series(),
  };
  return options.log ? { ...snapshot, log: collector.log() } : snapshot;
}
