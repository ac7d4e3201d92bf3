import type { ActorRef } from '../actor/index.js';
import type { Stream, SystemEvent } from '../broker/index.js';
import { CallTimeoutError, CircuitOpenError, InvalidArgumentError } from '../errors.js';
import type { Clock } from '../scheduler/index.js';
import {
  type CircuitBreakerOptions,
  type ResolvedBreakerOptions,
  resolveBreakerOptions,
} from './breaker-options.js';
import {
  admitCall,
  type BreakerSnapshot,
  type CallTicket,
  type CircuitState,
  elapseBreaker,
  initialBreaker,
  recordFailure,
  recordSuccess,
} from './breaker-policy.js';

/**
 * Counters and state of a circuit breaker.
 *
 * @example
 * ```ts
 * const { state, failures, rejections } = breaker.stats();
 * ```
 */
export interface CircuitBreakerStats {
  readonly state: CircuitState;
  /** Calls that failed (threw, rejected with a failure, or timed out). */
  readonly failures: number;
  /** Calls that succeeded, including errors `isFailure` did not count. */
  readonly successes: number;
  /** Calls rejected fast with `CircuitOpenError`, never run. */
  readonly rejections: number;
  /** Clock time at which the breaker last opened; undefined while closed. */
  readonly openedAt: number | undefined;
}

/**
 * The part of an address a breaker can guard: `ask` goes through the
 * breaker, `tell` passes straight through (it has no outcome to count).
 *
 * @example
 * ```ts
 * const db: GuardedAddress<DbMsg> = breaker.wrap(dbRef);
 * await db.ask({ type: 'query', sql });
 * ```
 */
export type GuardedAddress<M> = Pick<ActorRef<M>, 'tell' | 'ask'>;

/**
 * A circuit breaker: closed, open and half-open. Closed, calls run and
 * `failureThreshold` consecutive failures open it; open, calls are rejected
 * at once with `CircuitOpenError` (`ERR_CIRCUIT_OPEN`) without running;
 * once `resetTimeout` has elapsed it is half-open (noticed lazily, at the
 * next call or reading, with no timer), and up to `halfOpenTrials` trial
 * calls run at once: that many successes close it, one failure opens it
 * again. Time comes from the injected clock, so a `ManualClock` makes it
 * deterministic.
 *
 * It is a plain object, so an actor can receive one in its args and call
 * through it from an async handler.
 *
 * @example
 * ```ts
 * const breaker = system.circuitBreaker('db', { failureThreshold: 3, resetTimeout: 5_000 });
 * const rows = await breaker.call(() => db.ask({ type: 'query', sql }));
 * const guarded = breaker.wrap(db); // guarded.ask goes through the breaker
 * ```
 */
export class CircuitBreaker {
  readonly #options: ResolvedBreakerOptions;
  #snapshot: BreakerSnapshot = initialBreaker();
  #failures = 0;
  #successes = 0;
  #rejections = 0;

  /** Throws `InvalidArgumentError` naming a bad option. */
  constructor(options?: CircuitBreakerOptions) {
    this.#options = resolveBreakerOptions(options);
  }

  /** The breaker's name, as given in its options. */
  get name(): string {
    return this.#options.name;
  }

  /** The current state; `half-open` as soon as `resetTimeout` has elapsed since it opened. */
  get state(): CircuitState {
    this.#elapse();
    return this.#snapshot.state;
  }

  /** Counters since creation or the last {@link CircuitBreaker.reset}, and the state. */
  stats(): CircuitBreakerStats {
    this.#elapse();
    return {
      state: this.#snapshot.state,
      failures: this.#failures,
      successes: this.#successes,
      rejections: this.#rejections,
      openedAt: this.#snapshot.openedAt,
    };
  }

  /**
   * Closes the breaker and clears its counters. Calls still in flight no
   * longer count towards its state.
   */
  reset(): void {
    this.#failures = 0;
    this.#successes = 0;
    this.#rejections = 0;
    this.#commit(initialBreaker(this.#snapshot.epoch + 1));
  }

  /**
   * Runs `fn` if the breaker lets it, and resolves or rejects as it does. A
   * throw or rejection counts as a failure (unless `isFailure` says
   * otherwise), so does exceeding `callTimeout` (the call then rejects with
   * `CallTimeoutError` and the signal passed to `fn` fires). While open,
   * rejects at once with `CircuitOpenError` without calling `fn`.
   */
  call<T>(fn: (signal?: AbortSignal) => Promise<T> | T): Promise<T> {
    if (typeof fn !== 'function') {
      return Promise.reject(new InvalidArgumentError('fn', 'must be a function'));
    }
    const { clock, name } = this.#options;
    const now = clock.now();
    const admission = admitCall(this.#snapshot, this.#options, now);
    this.#commit(admission.next, now);
    if (admission.decision === 'reject') {
      this.#rejections++;
      const state = admission.next.state === 'half-open' ? 'half-open' : 'open';
      return Promise.reject(new CircuitOpenError(name, admission.retryAfterMs, state));
    }
    return this.#run(fn, admission.ticket);
  }

  /**
   * An address whose `ask` goes through the breaker and whose `tell` goes
   * straight to `address`.
   */
  wrap<M>(address: GuardedAddress<M>): GuardedAddress<M> {
    if (typeof address !== 'object' || address === null || typeof address.ask !== 'function') {
      throw new InvalidArgumentError('address', 'must have tell() and ask()');
    }
    return {
      tell: (message, options) => address.tell(message, options),
      ask: (request, options) => this.call(() => address.ask(request, options)),
    };
  }

  #run<T>(fn: (signal?: AbortSignal) => Promise<T> | T, ticket: CallTicket): Promise<T> {
    const { callTimeout, clock, name } = this.#options;
    const controller = callTimeout === Number.POSITIVE_INFINITY ? undefined : new AbortController();
    let result: Promise<T> | T;
    try {
      result = fn(controller?.signal);
    } catch (error) {
      this.#failed(error, ticket);
      return Promise.reject(error);
    }
    if (!isThenable(result)) {
      this.#succeeded(ticket);
      return Promise.resolve(result);
    }
    const pending = Promise.resolve(result);
    if (controller === undefined) {
      return pending.then(
        (value) => {
          this.#succeeded(ticket);
          return value;
        },
        (error: unknown) => {
          this.#failed(error, ticket);
          throw error;
        },
      );
    }
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const timer = clock.setTimer(() => {
        if (settled) return;
        settled = true;
        const error = new CallTimeoutError(`circuit breaker ${JSON.stringify(name)}`, callTimeout);
        controller.abort(error);
        this.#counted(false, ticket);
        reject(error);
      }, callTimeout);
      pending.then(
        (value) => {
          if (settled) return;
          settled = true;
          clock.clearTimer(timer);
          this.#succeeded(ticket);
          resolve(value);
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          clock.clearTimer(timer);
          this.#failed(error, ticket);
          reject(error);
        },
      );
    });
  }

  #succeeded(ticket: CallTicket): void {
    this.#counted(true, ticket);
  }

  #failed(error: unknown, ticket: CallTicket): void {
    const { isFailure } = this.#options;
    let failure = true;
    if (isFailure !== undefined) {
      try {
        failure = isFailure(error) !== false;
      } catch {
        failure = true;
      }
    }
    this.#counted(!failure, ticket);
  }

  #counted(success: boolean, ticket: CallTicket): void {
    const now = this.#options.clock.now();
    const current = elapseBreaker(this.#snapshot, this.#options, now);
    if (success) {
      this.#successes++;
      this.#commit(recordSuccess(current, this.#options, ticket), now);
    } else {
      this.#failures++;
      this.#commit(recordFailure(current, this.#options, ticket, now), now);
    }
  }

  #elapse(): void {
    const now = this.#options.clock.now();
    this.#commit(elapseBreaker(this.#snapshot, this.#options, now), now);
  }

  /** Adopts `next`, announcing a change of state (at most one per step). */
  #commit(next: BreakerSnapshot, now = this.#options.clock.now()): void {
    const previous = this.#snapshot;
    this.#snapshot = next;
    if (previous.state === next.state) return;
    const { onStateChange, name } = this.#options;
    if (onStateChange === undefined) return;
    try {
      onStateChange({ name, from: previous.state, to: next.state, at: now });
    } catch (error) {
      process.emitWarning(
        `onStateChange of circuit breaker ${name} threw: ${String(error)}`,
        'AirssysWarning',
      );
    }
  }
}

function isThenable<T>(value: Promise<T> | T): value is Promise<T> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * A breaker that reads the system's clock and reports each transition as a
 * `circuit-state` event on the system's event stream (and to the caller's
 * own `onStateChange`, if any). Used by `system.circuitBreaker`.
 *
 * @example
 * ```ts
 * const breaker = systemCircuitBreaker('db', { failureThreshold: 3 }, core.clock, core.events);
 * ```
 */
export function systemCircuitBreaker(
  name: string,
  options: Omit<CircuitBreakerOptions, 'name' | 'clock'> | undefined,
  clock: Clock,
  events: Pick<Stream<SystemEvent>, 'observed' | 'emit'>,
): CircuitBreaker {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new InvalidArgumentError('options', 'must be an object');
  }
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError('name', 'must be a non-empty string');
  }
  const own = options?.onStateChange;
  if (own !== undefined && typeof own !== 'function') {
    throw new InvalidArgumentError('onStateChange', 'must be a function');
  }
  return new CircuitBreaker({
    ...options,
    name,
    clock,
    onStateChange: (change) => {
      if (events.observed) events.emit({ type: 'circuit-state', ...change });
      own?.(change);
    },
  });
}
