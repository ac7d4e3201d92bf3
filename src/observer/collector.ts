import type { SystemEvent, SystemEventType } from '../broker/index.js';
import type { HealthReport } from '../observe/index.js';
import type { Pid } from '../process/index.js';
import type { ActorSystem, ProcessInfo } from '../system/index.js';
import { type LogEntry, logEntry, Ring } from './log.js';

/**
 * What the observer remembers between snapshots: the event log, the chart
 * history, which processes are supervisors and how often each supervised
 * child was restarted. Fed by one inspector (lifecycle events only; message
 * sampling stays off) and by {@link Collector.sample}, which the observer
 * calls every `intervalMs`.
 *
 * @module
 */

/**
 * One point of the charts: the interval that ended at `t`.
 *
 * @example
 * ```ts
 * const last: SeriesPoint = snapshot.series.at(-1)!;
 * console.log(last.messagesPerSecond, last.restarts, last.deadLetters);
 * ```
 */
export interface SeriesPoint {
  /** Wall-clock time (`Date.now()`) at the end of the interval. */
  readonly t: number;
  /** Messages handled per second of wall time over the interval. */
  readonly messagesPerSecond: number;
  /** Restarts during the interval. */
  readonly restarts: number;
  /** Dead letters during the interval. */
  readonly deadLetters: number;
  /** Live processes at `t`. */
  readonly processes: number;
}

/** Every event kind but the sampled message events. */
const LOG_TYPES: readonly SystemEventType[] = [
  'spawned',
  'exited',
  'restarted',
  'escalated',
  'dead-letter',
  'long-handler',
  'mailbox-overflow',
  'hook-failed',
  'circuit-state',
  'child-started',
  'child-exited',
  'child-restarted',
  'child-start-failed',
  'supervisor-shutdown',
];

/** Labels the runtime gives its supervisors (`supervisor()`, `dynamicSupervisor()`, pools). */
const SUPERVISOR_LABELS = new Set(['supervisor', 'dynamic-supervisor', 'pool']);

interface Restarted {
  count: number;
  readonly supervisor: Pid;
}

/**
 * Collects events and samples for one observer.
 *
 * @example
 * ```ts
 * const collector = new Collector(system, { eventLog: 200, history: 120 });
 * collector.sample();
 * collector.close();
 * ```
 */
export class Collector {
  readonly #system: ActorSystem;
  readonly #log: Ring<LogEntry>;
  readonly #series: Ring<SeriesPoint>;
  readonly #healthOptions: Parameters<ActorSystem['health']>[0];
  readonly #supervisors = new Set<Pid>();
  /** Supervisor restarts per child, carried from each pid to the next. */
  readonly #restarted = new Map<Pid, Restarted>();
  /** Restarts each supervisor performed while observed. */
  readonly #performed = new Map<Pid, number>();
  readonly #unsubscribe: () => void;
  #seq = 0;
  #health: HealthReport;
  #prevWall: number;
  #prevHandled: number;
  #prevRestarts: number;
  #prevDeadLetters: number;

  constructor(
    system: ActorSystem,
    options: {
      readonly eventLog: number;
      readonly history: number;
      readonly health?: Parameters<ActorSystem['health']>[0];
    },
  ) {
    this.#system = system;
    this.#log = new Ring(options.eventLog);
    this.#series = new Ring(options.history);
    this.#healthOptions = options.health;
    for (const pid of system.processes()) {
      const info = system.info(pid);
      if (info !== undefined) this.isSupervisor(info);
    }
    const stats = system.stats();
    this.#prevWall = performance.now();
    this.#prevHandled = stats.scheduler.handled;
    this.#prevRestarts = stats.restarts;
    this.#prevDeadLetters = stats.deadLetters;
    this.#health = system.health(this.#healthOptions);
    this.#unsubscribe = system.inspect((event) => this.#record(event), { types: LOG_TYPES });
  }

  /** The health report of the latest sample. */
  get health(): HealthReport {
    return this.#health;
  }

  /** The seq of the newest log entry (0 before the first). */
  get lastSeq(): number {
    return this.#seq;
  }

  /** Log entries newer than `seq`, oldest first. */
  log(since = 0): LogEntry[] {
    const all = this.#log.toArray();
    if (since <= 0) return all;
    return all.filter((e) => e.seq > since);
  }

  /** The chart history, oldest first. */
  series(): SeriesPoint[] {
    return this.#series.toArray();
  }

  /** Whether `info` is a supervisor: by its label, or by the supervision events it sent. */
  isSupervisor(info: ProcessInfo): boolean {
    if (this.#supervisors.has(info.pid)) return true;
    if (info.label !== undefined && SUPERVISOR_LABELS.has(info.label) && info.trapExit) {
      this.#supervisors.add(info.pid);
      return true;
    }
    return false;
  }

  /** The live supervisors the observer knows of, oldest first. */
  supervisors(): Pid[] {
    return [...this.#supervisors].filter((pid) => this.#system.isAlive(pid)).sort((a, b) => a - b);
  }

  /** How many times the supervisor restarted the child now running as `pid`. */
  supervisorRestartsOf(pid: Pid): number {
    return this.#restarted.get(pid)?.count ?? 0;
  }

  /** How many restarts the supervisor `pid` performed while observed. */
  restartsBy(pid: Pid): number {
    return this.#performed.get(pid) ?? 0;
  }

  /**
   * Takes a sample: a health report (with the observer's thresholds) and a
   * chart point for the interval since the previous sample; forgets what
   * belongs to processes that are gone.
   */
  sample(): void {
    const system = this.#system;
    this.#health = system.health(this.#healthOptions);
    const stats = system.stats();
    const now = performance.now();
    const seconds = (now - this.#prevWall) / 1000;
    const handled = stats.scheduler.handled;
    this.#series.push({
      t: Date.now(),
      messagesPerSecond: seconds > 0 ? Math.round((handled - this.#prevHandled) / seconds) : 0,
      restarts: stats.restarts - this.#prevRestarts,
      deadLetters: stats.deadLetters - this.#prevDeadLetters,
      processes: stats.processes,
    });
    this.#prevWall = now;
    this.#prevHandled = handled;
    this.#prevRestarts = stats.restarts;
    this.#prevDeadLetters = stats.deadLetters;
    this.#prune();
  }

  /** Stops listening to the system. Idempotent. */
  close(): void {
    this.#unsubscribe();
  }

  #prune(): void {
    const alive = (pid: Pid) => this.#system.isAlive(pid);
    for (const pid of this.#supervisors) if (!alive(pid)) this.#supervisors.delete(pid);
    for (const pid of this.#performed.keys()) if (!alive(pid)) this.#performed.delete(pid);
    // A child waiting for a backoff restart keeps its count while its supervisor lives.
    for (const [pid, r] of this.#restarted) {
      if (!alive(pid) && !alive(r.supervisor)) this.#restarted.delete(pid);
    }
  }

  #record(event: SystemEvent): void {
    this.#track(event);
    const entry = logEntry(event, this.#seq + 1, Date.now());
    if (entry === undefined) return;
    this.#seq = entry.seq;
    this.#log.push(entry);
  }

  #track(event: SystemEvent): void {
    switch (event.type) {
      case 'child-started':
        this.#supervisors.add(event.supervisor);
        break;
      case 'child-restarted': {
        this.#supervisors.add(event.supervisor);
        const previous =
          event.previous === undefined ? undefined : this.#restarted.get(event.previous);
        if (event.previous !== undefined) this.#restarted.delete(event.previous);
        this.#restarted.set(event.pid, {
          count: (previous?.count ?? 0) + 1,
          supervisor: event.supervisor,
        });
        this.#performed.set(event.supervisor, this.restartsBy(event.supervisor) + 1);
        break;
      }
      case 'child-exited':
        if (event.action !== 'restart') this.#restarted.delete(event.pid);
        break;
      case 'exited':
        this.#supervisors.delete(event.pid);
        break;
      default:
        break;
    }
  }
}
