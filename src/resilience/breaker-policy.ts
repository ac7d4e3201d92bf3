/**
 * The circuit breaker's state machine as pure functions over plain data:
 * whether a call may run at time `t`, and what its success or failure does
 * to the breaker. {@link CircuitBreaker} only carries the decisions out
 * (clock readings, timers, events).
 *
 * Every transition bumps `epoch`; a call remembers the epoch it was admitted
 * in, and its outcome is ignored when the breaker has moved on since (a slow
 * call admitted while closed cannot close a breaker that opened meanwhile,
 * a trial of an earlier half-open period cannot count towards this one).
 *
 * @module
 */

/**
 * The three states of a circuit breaker: `closed` (calls run, consecutive
 * failures are counted), `open` (calls are rejected at once) and
 * `half-open` (a limited number of trial calls run to probe recovery).
 *
 * @example
 * ```ts
 * const healthy = (s: CircuitState): boolean => s === 'closed';
 * ```
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * The limits a breaker enforces, already validated.
 *
 * @example
 * ```ts
 * const limits: BreakerLimits = { failureThreshold: 5, resetTimeout: 10_000, halfOpenTrials: 1 };
 * ```
 */
export interface BreakerLimits {
  /** Consecutive failures (while closed) that open the breaker. */
  readonly failureThreshold: number;
  /** Ms an open breaker waits before letting trial calls through. */
  readonly resetTimeout: number;
  /** Successful trials that close a half-open breaker; also the most trials in flight at once. */
  readonly halfOpenTrials: number;
}

/**
 * Everything the state machine remembers, as plain immutable data.
 *
 * @example
 * ```ts
 * const s: BreakerSnapshot = initialBreaker();
 * s.state; // 'closed'
 * ```
 */
export interface BreakerSnapshot {
  readonly state: CircuitState;
  /** Counts transitions; outcomes of calls admitted in an older epoch are ignored. */
  readonly epoch: number;
  /** Failures in a row while closed. */
  readonly consecutiveFailures: number;
  /** Clock time at which the breaker last opened; undefined while closed. */
  readonly openedAt: number | undefined;
  /** Trial calls running while half-open. */
  readonly trialsInFlight: number;
  /** Trial calls that succeeded in this half-open period. */
  readonly trialSuccesses: number;
}

/**
 * What a call admitted by {@link admitCall} carries until it ends: the
 * epoch it was admitted in and whether it is a half-open trial.
 *
 * @example
 * ```ts
 * const ticket: CallTicket = { epoch: 0, trial: false };
 * ```
 */
export interface CallTicket {
  readonly epoch: number;
  readonly trial: boolean;
}

/**
 * The decision of {@link admitCall}: run the call (with its ticket), or
 * reject it fast, saying how long until the breaker lets calls through
 * (0 when half-open and waiting only for trials in flight to finish).
 *
 * @example
 * ```ts
 * const a: Admission = admitCall(initialBreaker(), limits, 0);
 * if (a.decision === 'reject') console.log(a.retryAfterMs);
 * ```
 */
export type Admission =
  | { readonly decision: 'run'; readonly next: BreakerSnapshot; readonly ticket: CallTicket }
  | { readonly decision: 'reject'; readonly next: BreakerSnapshot; readonly retryAfterMs: number };

/**
 * A closed breaker with no failures, at the given epoch.
 *
 * @example
 * ```ts
 * initialBreaker().state; // 'closed'
 * ```
 */
export function initialBreaker(epoch = 0): BreakerSnapshot {
  return {
    state: 'closed',
    epoch,
    consecutiveFailures: 0,
    openedAt: undefined,
    trialsInFlight: 0,
    trialSuccesses: 0,
  };
}

/**
 * The breaker as seen at time `now`: an open breaker whose `resetTimeout`
 * has elapsed becomes half-open (lazily: no timer does it). Any other
 * snapshot is returned unchanged.
 *
 * @example
 * ```ts
 * elapseBreaker({ ...initialBreaker(), state: 'open', openedAt: 0 }, limits, 10_000).state; // 'half-open'
 * ```
 */
export function elapseBreaker(
  s: BreakerSnapshot,
  limits: BreakerLimits,
  now: number,
): BreakerSnapshot {
  if (s.state !== 'open' || now < (s.openedAt ?? now) + limits.resetTimeout) return s;
  return { ...s, state: 'half-open', epoch: s.epoch + 1, trialsInFlight: 0, trialSuccesses: 0 };
}

/**
 * Whether a call attempted at `now` may run. Closed: always. Open: never,
 * until `resetTimeout` has elapsed, when the breaker turns half-open. Half-open:
 * as a trial while fewer than `halfOpenTrials` trials are in flight.
 *
 * @example
 * ```ts
 * const a = admitCall(initialBreaker(), limits, 0); // { decision: 'run', ticket: { epoch: 0, trial: false }, ... }
 * ```
 */
export function admitCall(s: BreakerSnapshot, limits: BreakerLimits, now: number): Admission {
  const current = elapseBreaker(s, limits, now);
  switch (current.state) {
    case 'closed':
      return { decision: 'run', next: current, ticket: { epoch: current.epoch, trial: false } };
    case 'open':
      return {
        decision: 'reject',
        next: current,
        retryAfterMs: Math.max(0, (current.openedAt ?? now) + limits.resetTimeout - now),
      };
    case 'half-open':
      if (current.trialsInFlight >= limits.halfOpenTrials) {
        return { decision: 'reject', next: current, retryAfterMs: 0 };
      }
      return {
        decision: 'run',
        next: { ...current, trialsInFlight: current.trialsInFlight + 1 },
        ticket: { epoch: current.epoch, trial: true },
      };
  }
}

/**
 * A call admitted with `ticket` succeeded. Closed: the failure
 * count starts again. Half-open: one more trial success; enough of them
 * close the breaker. A stale ticket changes nothing.
 *
 * @example
 * ```ts
 * const a = admitCall(s, limits, now);
 * if (a.decision === 'run') s = recordSuccess(a.next, limits, a.ticket);
 * ```
 */
export function recordSuccess(
  s: BreakerSnapshot,
  limits: BreakerLimits,
  ticket: CallTicket,
): BreakerSnapshot {
  if (ticket.epoch !== s.epoch) return s;
  if (s.state === 'closed') {
    return s.consecutiveFailures === 0 ? s : { ...s, consecutiveFailures: 0 };
  }
  if (s.state !== 'half-open' || !ticket.trial) return s;
  const trialSuccesses = s.trialSuccesses + 1;
  if (trialSuccesses >= limits.halfOpenTrials) return initialBreaker(s.epoch + 1);
  return { ...s, trialSuccesses, trialsInFlight: s.trialsInFlight - 1 };
}

/**
 * A call admitted with `ticket` failed at `now`. Closed: one more
 * consecutive failure; reaching `failureThreshold` opens the breaker.
 * Half-open: a failed trial opens it again at once. A stale ticket changes
 * nothing.
 *
 * @example
 * ```ts
 * const a = admitCall(s, limits, now);
 * if (a.decision === 'run') s = recordFailure(a.next, limits, a.ticket, clock.now());
 * ```
 */
export function recordFailure(
  s: BreakerSnapshot,
  limits: BreakerLimits,
  ticket: CallTicket,
  now: number,
): BreakerSnapshot {
  if (ticket.epoch !== s.epoch) return s;
  if (s.state === 'closed') {
    const consecutiveFailures = s.consecutiveFailures + 1;
    if (consecutiveFailures < limits.failureThreshold) return { ...s, consecutiveFailures };
    return openBreaker(s, now);
  }
  if (s.state === 'half-open' && ticket.trial) return openBreaker(s, now);
  return s;
}

/**
 * The breaker opened at `now`, in a new epoch.
 *
 * @example
 * ```ts
 * openBreaker(initialBreaker(), 42); // { state: 'open', openedAt: 42, epoch: 1, ... }
 * ```
 */
export function openBreaker(s: BreakerSnapshot, now: number): BreakerSnapshot {
  return {
    state: 'open',
    epoch: s.epoch + 1,
    consecutiveFailures: 0,
    openedAt: now,
    trialsInFlight: 0,
    trialSuccesses: 0,
  };
}
