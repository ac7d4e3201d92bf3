import { InvalidArgumentError } from '../errors.js';
import type { HealthOptions } from '../observe/index.js';

/**
 * Options of `startObserver` and their validation.
 *
 * @module
 */

/**
 * Options of `startObserver`.
 *
 * @example
 * ```ts
 * const observer = await startObserver(system, { port: 9465, intervalMs: 500 });
 * ```
 */
export interface ObserverOptions {
  /** TCP port; 0 picks a free one (see `observer.port`). Default 9465. */
  readonly port?: number;
  /** Interface to bind. Default `127.0.0.1`; anything else needs a `token` (or `allowUnauthenticated`). */
  readonly host?: string;
  /**
   * A secret every request must carry, as `Authorization: Bearer <token>` or
   * `?token=<token>` (the page passes it on to its own requests). Required
   * beyond loopback and for `control`.
   */
  readonly token?: string;
  /** Serve without a token on a non-loopback interface. Default false. */
  readonly allowUnauthenticated?: boolean;
  /** Enable the control actions (stop and kill a process). Needs a `token`. Default false. */
  readonly control?: boolean;
  /** How often the page gets a new snapshot and the charts a new point, in ms. Default 1000. */
  readonly intervalMs?: number;
  /** Entries kept in the event log. Default 200. */
  readonly eventLog?: number;
  /** Points kept per chart. Default 120. */
  readonly history?: number;
  /** Processes listed in a snapshot (oldest first); the totals still count all. Default 1000. */
  readonly maxProcesses?: number;
  /** An SSE heartbeat comment every this many ms, so proxies keep the stream open. Default 15000. */
  readonly heartbeatMs?: number;
  /** Thresholds passed to `system.health()`: past them `/health/ready` answers 503. */
  readonly health?: HealthOptions;
}

/**
 * {@link ObserverOptions} with every default applied.
 *
 * @example
 * ```ts
 * const { port, host, intervalMs } = resolveObserverOptions({ port: 0 }); // 0, '127.0.0.1', 1000
 * ```
 */
export interface ResolvedObserverOptions {
  readonly port: number;
  readonly host: string;
  readonly token: string | undefined;
  readonly control: boolean;
  readonly intervalMs: number;
  readonly eventLog: number;
  readonly history: number;
  readonly maxProcesses: number;
  readonly heartbeatMs: number;
  readonly health: HealthOptions | undefined;
}

/**
 * Default port of the observer (one above the OpenTelemetry Prometheus exporter's 9464).
 *
 * @example
 * ```ts
 * const observer = await startObserver(system); // http://127.0.0.1:9465/
 * ```
 */
export const DEFAULT_OBSERVER_PORT = 9465;

function integer(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(name, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

function flag(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new InvalidArgumentError(name, 'must be a boolean');
  return value;
}

/**
 * Whether `host` is a loopback interface: `localhost`, `::1` or any
 * `127.x.x.x` address.
 *
 * @example
 * ```ts
 * isLoopback('127.0.0.1'); // true
 * isLoopback('0.0.0.0'); // false
 * ```
 */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Applies defaults and checks every option; a bad one throws
 * `InvalidArgumentError` naming it. Binding beyond loopback without a token
 * throws unless `allowUnauthenticated` is set; `control` without a token throws.
 *
 * @example
 * ```ts
 * resolveObserverOptions({ host: '0.0.0.0' }); // throws: token required
 * ```
 */
export function resolveObserverOptions(
  options: ObserverOptions | undefined,
): ResolvedObserverOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new InvalidArgumentError('options', 'must be an object');
  }
  const o = options ?? {};
  const host = o.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host === '') {
    throw new InvalidArgumentError('host', 'must be a non-empty string');
  }
  const token = o.token;
  if (token !== undefined && (typeof token !== 'string' || token.length < 8)) {
    throw new InvalidArgumentError('token', 'must be a string of at least 8 characters');
  }
  const allowUnauthenticated = flag('allowUnauthenticated', o.allowUnauthenticated);
  const control = flag('control', o.control);
  if (token === undefined && !isLoopback(host) && !allowUnauthenticated) {
    throw new InvalidArgumentError(
      'token',
      `binding ${host} (beyond loopback) needs a token, or allowUnauthenticated: true`,
    );
  }
  if (control && token === undefined) {
    throw new InvalidArgumentError('token', 'control actions need a token');
  }
  if (o.health !== undefined && (typeof o.health !== 'object' || o.health === null)) {
    throw new InvalidArgumentError('health', 'must be an object');
  }
  return {
    port: integer('port', o.port, DEFAULT_OBSERVER_PORT, 0, 65_535),
    host,
    token,
    control,
    intervalMs: integer('intervalMs', o.intervalMs, 1000, 10, 3_600_000),
    eventLog: integer('eventLog', o.eventLog, 200, 0, 100_000),
    history: integer('history', o.history, 120, 2, 100_000),
    maxProcesses: integer('maxProcesses', o.maxProcesses, 1000, 0, 10_000_000),
    heartbeatMs: integer('heartbeatMs', o.heartbeatMs, 15_000, 10, 3_600_000),
    health: o.health,
  };
}
