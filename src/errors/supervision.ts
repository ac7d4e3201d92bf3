// Errors of supervision and resilience: bad child specs, supervisor
// requests that cannot be met, and calls a circuit breaker refused.
import { RuntimeError } from './base.js';

/**
 * A child spec or supervisor flag is not valid (OTP `{start_spec, Err}`,
 * `{supervisor_data, Err}`); `field` names it, `childId` the child when known.
 *
 * @example
 * ```ts
 * supervisor({ children: [{ id: 'a', actor: worker, restart: 'sometimes' }] });
 * // throws InvalidChildSpecError, field 'restart'
 * ```
 */
export class InvalidChildSpecError extends RuntimeError {
  readonly field: string;
  readonly childId: string | undefined;

  constructor(field: string, message: string, childId?: string) {
    super(
      'ERR_INVALID_CHILD_SPEC',
      childId === undefined
        ? `${field}: ${message}`
        : `child ${JSON.stringify(childId)}: ${field}: ${message}`,
    );
    this.field = field;
    this.childId = childId;
  }
}

/**
 * A supervisor refused a request about one of its children (OTP's
 * `{error, not_found | running | restarting | already_present |
 * {already_started, Pid}}`, Elixir's `{:error, :max_children}`, and
 * `ERR_SUPERVISOR_TAKES_PIDS` for OTP's `{error, simple_one_for_one}`: a
 * dynamic supervisor names its children by pid, never by id).
 *
 * @example
 * ```ts
 * await deleteChild(sup, 'db'); // rejects with SupervisorError, code ERR_CHILD_RUNNING
 * ```
 */
export class SupervisorError extends RuntimeError {
  /** The child the request was about, when it has an id. */
  readonly childId: string | undefined;

  constructor(
    code:
      | 'ERR_CHILD_NOT_FOUND'
      | 'ERR_CHILD_RUNNING'
      | 'ERR_CHILD_RESTARTING'
      | 'ERR_CHILD_ALREADY_PRESENT'
      | 'ERR_CHILD_ALREADY_STARTED'
      | 'ERR_MAX_CHILDREN'
      | 'ERR_SUPERVISOR_TAKES_PIDS',
    message: string,
    childId?: string,
  ) {
    super(code, message);
    this.childId = childId;
  }
}

/**
 * A circuit breaker refused a call without running it: it is open, or
 * half-open with all its trial calls in flight. `retryAfterMs` is how long
 * until it lets a trial through (0 when half-open: as soon as a trial ends).
 *
 * @example
 * ```ts
 * try { await breaker.call(() => db.ask({ type: 'query' })); }
 * catch (e) { if (e instanceof CircuitOpenError) return cached(e.retryAfterMs); }
 * ```
 */
export class CircuitOpenError extends RuntimeError {
  /** The name of the breaker that refused the call. */
  readonly breaker: string;
  /** Ms until the breaker lets a call through. */
  readonly retryAfterMs: number;

  constructor(breaker: string, retryAfterMs: number, state: 'open' | 'half-open' = 'open') {
    super(
      'ERR_CIRCUIT_OPEN',
      state === 'open'
        ? `circuit breaker ${JSON.stringify(breaker)} is open; retry in ${retryAfterMs} ms`
        : `circuit breaker ${JSON.stringify(breaker)} is half-open and its trial calls are in flight`,
    );
    this.breaker = breaker;
    this.retryAfterMs = retryAfterMs;
  }
}
