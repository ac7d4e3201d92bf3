import { InvalidArgumentError } from '../errors.js';

/**
 * Upper bounds on the numbers callers hand the runtime: sizes, capacities,
 * timeouts and counts. A value past its bound is a mistake (a size of
 * 2^53 would exhaust the heap long before it was reached), so it is
 * refused with `InvalidArgumentError` naming the option, as a negative or
 * fractional one is. Each bound is far above any real use.
 *
 * @example
 * ```ts
 * await system.startPool(worker, { size: BOUNDS.poolSize + 1 }); // rejects: ERR_INVALID_ARG
 * ```
 */
export const BOUNDS = Object.freeze({
  /** Counts and capacities: mailbox capacity, budgets, batches, intensities, thresholds. */
  count: 2 ** 30,
  /** Workers in one pool (`startPool`'s `size`, `resize`). */
  poolSize: 100_000,
  /** Threads of the scheduler pool (`poolThreads`). */
  threads: 1_024,
  /** Finite durations in ms (about 35 years); `Infinity` is allowed where waiting for ever makes sense. */
  ms: 2 ** 40,
});

/**
 * A value as an error message shows it. Never throws: a symbol, an object
 * without a prototype or a throwing `toString` is described, not converted.
 *
 * @example
 * ```ts
 * describeValue(Object.create(null)); // "an object"
 * ```
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return String(value);
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object';
  }
}

/**
 * An integer in `[min, max]`, or `fallback` when undefined; throws
 * `InvalidArgumentError` naming `option` otherwise.
 *
 * @example
 * ```ts
 * const size = checkCount('size', options.size, 0, BOUNDS.poolSize);
 * ```
 */
export function checkCount(
  option: string,
  value: unknown,
  min: number,
  max: number,
  fallback?: number,
): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(
      option,
      `must be an integer from ${min} to ${max}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/**
 * A number of ms in `[0, BOUNDS.ms]` (or `Infinity` when allowed), or
 * `fallback` when undefined; throws `InvalidArgumentError` naming `option`.
 *
 * @example
 * ```ts
 * const timeout = checkDuration('timeout', options.timeout, 5_000, true);
 * ```
 */
export function checkDuration(
  option: string,
  value: unknown,
  fallback: number,
  allowInfinity: boolean,
): number {
  if (value === undefined) return fallback;
  const ok =
    typeof value === 'number' &&
    value >= 0 &&
    (value <= BOUNDS.ms || (allowInfinity && value === Number.POSITIVE_INFINITY));
  if (!ok) {
    throw new InvalidArgumentError(
      option,
      `must be a number of ms from 0 to ${BOUNDS.ms}${allowInfinity ? ' or Infinity' : ''}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/**
 * The delay of a timer (`sendAfter`: ms >= 0) or its period (`sendInterval`:
 * ms > 0), at most `BOUNDS.ms` or `Infinity`; throws `InvalidArgumentError`
 * naming `delayMs` or `intervalMs`.
 *
 * @example
 * ```ts
 * checkTimerDelay(Symbol() as never, true); // throws: intervalMs must be a number of ms > 0 ...
 * ```
 */
export function checkTimerDelay(value: unknown, interval: boolean): number {
  const ms = checkDuration(interval ? 'intervalMs' : 'delayMs', value, Number.NaN, true);
  if (Number.isNaN(ms) || (interval && ms === 0)) {
    throw new InvalidArgumentError(
      interval ? 'intervalMs' : 'delayMs',
      `must be a number of ms ${interval ? '> 0' : '>= 0'}, got ${describeValue(value)}`,
    );
  }
  return ms;
}

/**
 * Throws `InvalidArgumentError` naming `options` when an options bag is
 * given but is not an object (`null`, a number): only `undefined` means
 * none, as spawn, tell and ask read it. Before any `options?.x` read,
 * which would take `null` for no options.
 *
 * @example
 * ```ts
 * checkOptionsBag(options); // then options?.timeout
 * ```
 */
export function checkOptionsBag(options: unknown): void {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new InvalidArgumentError('options', 'must be an object');
  }
}
