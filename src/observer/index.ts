/**
 * `airssys-rt/observer`: a small read-only web observer for an actor
 * system (docs/semantics.md §18). One page with the supervision tree, the
 * process table, charts and the event log, live over server-sent events;
 * `/api/snapshot` (JSON), `/metrics` (Prometheus), `/health/live` and
 * `/health/ready`. No dependencies: `node:http` only.
 *
 * @example
 * ```ts
 * import { startObserver } from 'airssys-rt/observer';
 * const observer = await startObserver(system, { port: 9465 });
 * console.log(`observer: ${observer.url}`);
 * ```
 *
 * @module
 */
export type { SeriesPoint } from './collector.js';
export type { LogEntry } from './log.js';
export { escapeLabel, METRICS_CONTENT_TYPE } from './metrics.js';
export type { Observer } from './observer.js';
export { startObserver } from './observer.js';
export type { ObserverOptions } from './options.js';
export { DEFAULT_OBSERVER_PORT, isLoopback } from './options.js';
export type { ObserverSnapshot, ProcessRow } from './snapshot.js';
