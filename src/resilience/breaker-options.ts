import { InvalidArgumentError } from '../errors.js';
import { BOUNDS, checkCount, checkDuration } from '../limits/index.js';
import type { Clock } from '../scheduler/index.js';
import { isClock, realClock } from '../scheduler/index.js';
import type { BreakerLimits, CircuitState } from './breaker-policy.js';

/**
 * One transition of a circuit breaker, as passed to `onStateChange` and
 * emitted on `system.events` as a `circuit-state` event.
 *
 * @example
 * ```ts
 * const onStateChange = (c: CircuitStateChange) => console.log(`${c.name}: ${c.from} -> ${c.to}`);
 * ```
 */
export interface CircuitStateChange {
  /** The breaker's name. */
  readonly name: string;
  readonly from: CircuitState;
  readonly to: CircuitState;
  /** Clock time of the transition, in ms. */
  readonly at: number;
}

/**
 * Configuration of a circuit breaker. Everything is optional.
 *
 * @example
 * ```ts
 * const breaker = new CircuitBreaker({ name: 'db', failureThreshold: 3, resetTimeout: 5_000 });
 * ```
 */
export interface CircuitBreakerOptions {
  /** A label for errors and events. Default `circuit-breaker`. */
  readonly name?: string;
  /** Consecutive failures that open a closed breaker; an integer >= 1. Default 5. */
  readonly failureThreshold?: number;
  /** Ms an open breaker rejects calls before it lets trials through; >= 0. Default 10 000. */
  readonly resetTimeout?: number;
  /**
   * Successful trial calls that close a half-open breaker; also the most
   * trials running at once (others are rejected fast). An integer >= 1. Default 1.
   */
  readonly halfOpenTrials?: number;
  /**
   * Ms after which a call counts as failed and rejects with
   * `CallTimeoutError`; its `AbortSignal` fires. Default: no limit.
   */
  readonly callTimeout?: number;
  /**
   * Whether an error a call threw or rejected with counts as a failure.
   * An error it rejects counts as a success (the breaker's dependency
   * answered); the caller still receives the error. Default: every error
   * counts. A predicate that throws counts the error as a failure.
   */
  readonly isFailure?: (error: unknown) => boolean;
  /** Called synchronously on every transition; a throw is reported as a process warning. */
  readonly onStateChange?: (change: CircuitStateChange) => void;
  /** The time source; default the real clock. An actor system passes its own. */
  readonly clock?: Clock;
}

/**
 * Circuit breaker options with defaults applied and validated.
 *
 * @example
 * ```ts
 * const { failureThreshold, resetTimeout } = resolveBreakerOptions({ failureThreshold: 3 });
 * ```
 */
export interface ResolvedBreakerOptions extends BreakerLimits {
  readonly name: string;
  readonly callTimeout: number;
  readonly isFailure: ((error: unknown) => boolean) | undefined;
  readonly onStateChange: ((change: CircuitStateChange) => void) | undefined;
  readonly clock: Clock;
}

function wholeCount(option: string, value: unknown, fallback: number): number {
  return checkCount(option, value, 1, BOUNDS.count, fallback);
}

function optionalFunction<F>(option: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new InvalidArgumentError(option, 'must be a function');
  }
  return value;
}

/**
 * Validates circuit breaker options and applies defaults; throws
 * `InvalidArgumentError` naming the bad option.
 *
 * @example
 * ```ts
 * resolveBreakerOptions({ failureThreshold: 0 }); // throws InvalidArgumentError, option 'failureThreshold'
 * ```
 */
export function resolveBreakerOptions(
  options: CircuitBreakerOptions | undefined,
): ResolvedBreakerOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new InvalidArgumentError('options', 'must be an object');
  }
  const o = options ?? {};
  if (o.name !== undefined && (typeof o.name !== 'string' || o.name.length === 0)) {
    throw new InvalidArgumentError('name', 'must be a non-empty string');
  }
  const resetTimeout = o.resetTimeout ?? 10_000;
  checkDuration('resetTimeout', resetTimeout, 0, false);
  const callTimeout = o.callTimeout ?? Number.POSITIVE_INFINITY;
  if (checkDuration('callTimeout', callTimeout, 0, true) === 0) {
    throw new InvalidArgumentError(
      'callTimeout',
      'must be a number of ms > 0 (or Infinity), got 0',
    );
  }
  const clock = o.clock;
  if (clock !== undefined && !isClock(clock)) {
    throw new InvalidArgumentError('clock', 'must have now(), setTimer() and clearTimer()');
  }
  return {
    name: o.name ?? 'circuit-breaker',
    failureThreshold: wholeCount('failureThreshold', o.failureThreshold, 5),
    resetTimeout,
    halfOpenTrials: wholeCount('halfOpenTrials', o.halfOpenTrials, 1),
    callTimeout,
    isFailure: optionalFunction('isFailure', o.isFailure),
    onStateChange: optionalFunction('onStateChange', o.onStateChange),
    clock: clock ?? realClock(),
  };
}
