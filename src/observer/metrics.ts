import { formatPid } from '../process/index.js';
import type { ActorSystem } from '../system/index.js';
import type { Collector } from './collector.js';

/**
 * `/metrics`: the system's figures in the Prometheus text exposition format
 * 0.0.4 (`# HELP` and `# TYPE` before each family, label values escaped).
 * Counters come from `system.stats()` at scrape time; gauges that need a
 * walk over every process (mailboxes, event-loop delay) come from the
 * observer's latest health sample.
 *
 * @module
 */

/**
 * The `Content-Type` of the Prometheus text format 0.0.4.
 *
 * @example
 * ```ts
 * res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE });
 * ```
 */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Readonly<Record<string, string>>;

/**
 * Escapes a label value: backslash, double quote and line feed.
 *
 * @example
 * ```ts
 * escapeLabel('a"b'); // 'a\\"b'
 * ```
 */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * A sample value as the format spells it (`NaN`, `+Inf`, `-Inf`).
 *
 * @example
 * ```ts
 * formatValue(Number.POSITIVE_INFINITY); // "+Inf"
 * ```
 */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/**
 * Builds one exposition: families in the order they are added, each with
 * its HELP and TYPE lines once.
 *
 * @example
 * ```ts
 * const out = new Exposition();
 * out.family('airssys_processes', 'gauge', 'Live processes.').sample('airssys_processes', 3);
 * out.text(); // "# HELP airssys_processes Live processes.\n# TYPE airssys_processes gauge\nairssys_processes 3\n"
 * ```
 */
export class Exposition {
  readonly #lines: string[] = [];

  /** Starts a family: its HELP and TYPE lines. */
  family(name: string, type: 'counter' | 'gauge', help: string): this {
    const text = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
    this.#lines.push(`# HELP ${name} ${text}`, `# TYPE ${name} ${type}`);
    return this;
  }

  /** One sample of the current family. */
  sample(name: string, value: number, labels?: Labels): this {
    const pairs = labels === undefined ? [] : Object.entries(labels);
    const set =
      pairs.length === 0 ? '' : `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
    this.#lines.push(`${name}${set} ${formatValue(value)}`);
    return this;
  }

  /** The exposition, ending with a line feed. */
  text(): string {
    return `${this.#lines.join('\n')}\n`;
  }
}

/**
 * The Prometheus exposition of `system`.
 *
 * @example
 * ```ts
 * res.setHeader('content-type', METRICS_CONTENT_TYPE);
 * res.end(renderMetrics(system, collector));
 * ```
 */
export function renderMetrics(system: ActorSystem, collector: Collector): string {
  const stats = system.stats();
  const health = collector.health;
  const out = new Exposition();
  const one = (name: string, type: 'counter' | 'gauge', help: string, value: number) =>
    out.family(name, type, help).sample(name, value);
  one('airssys_processes', 'gauge', 'Live processes.', stats.processes);
  one(
    'airssys_messages_handled_total',
    'counter',
    'Messages handed to a handler since the system was created.',
    stats.scheduler.handled,
  );
  one(
    'airssys_restarts_total',
    'counter',
    'Restarts (in place and by supervisors) since the system was created.',
    stats.restarts,
  );
  one(
    'airssys_dead_letters_total',
    'counter',
    'Messages that were not handled, since the system was created.',
    stats.deadLetters,
  );
  one('airssys_timers', 'gauge', 'Timers pending.', stats.timers);
  one(
    'airssys_mailbox_messages',
    'gauge',
    'Messages queued over every live mailbox, at the latest sample.',
    health.mailboxes.totalQueued,
  );
  one(
    'airssys_mailbox_largest_messages',
    'gauge',
    'Messages queued in the fullest mailbox, at the latest sample.',
    health.mailboxes.largest?.size ?? 0,
  );
  one(
    'airssys_mailbox_overflow_drops',
    'gauge',
    "Messages live processes' overflow policies dropped or refused, at the latest sample.",
    health.mailboxes.overflowDrops,
  );
  one(
    'airssys_uptime_seconds',
    'gauge',
    'Clock time since the system was created.',
    health.uptimeMs / 1000,
  );
  one(
    'airssys_health_ok',
    'gauge',
    '1 when the latest health sample is ok, 0 when degraded or shut down.',
    health.status === 'ok' && !system.isShutDown ? 1 : 0,
  );
  const delay = health.eventLoopDelayMs;
  out.family(
    'airssys_event_loop_delay_seconds',
    'gauge',
    'Event-loop delay over the latest sample interval (quantile 1 is the maximum).',
  );
  if (delay !== undefined) {
    out.sample('airssys_event_loop_delay_seconds', delay.p50 / 1000, { quantile: '0.5' });
    out.sample('airssys_event_loop_delay_seconds', delay.p99 / 1000, { quantile: '0.99' });
    out.sample('airssys_event_loop_delay_seconds', delay.max / 1000, { quantile: '1' });
  }
  supervisorFamilies(system, collector, out);
  return out.text();
}

function supervisorFamilies(system: ActorSystem, collector: Collector, out: Exposition): void {
  const rows: { labels: Labels; children: number; restarts: number }[] = [];
  for (const pid of collector.supervisors()) {
    const info = system.info(pid);
    if (info === undefined) continue;
    const labels: Labels = {
      supervisor: formatPid(pid),
      name: info.name ?? '',
      label: info.label ?? '',
    };
    rows.push({ labels, children: info.children.length, restarts: collector.restartsBy(pid) });
  }
  out.family('airssys_supervisors', 'gauge', 'Live supervisors.');
  out.sample('airssys_supervisors', rows.length);
  out.family('airssys_supervisor_children', 'gauge', 'Running children per supervisor.');
  for (const r of rows) out.sample('airssys_supervisor_children', r.children, r.labels);
  out.family(
    'airssys_supervisor_restarts_total',
    'counter',
    'Child restarts per supervisor since the observer started.',
  );
  for (const r of rows) out.sample('airssys_supervisor_restarts_total', r.restarts, r.labels);
}
