import { performance } from 'node:perf_hooks';

/**
 * The source of time for a system: a monotonic millisecond reading and one-shot
 * host timers. Injected so that timers, TTL, ask timeouts and intensity windows
 * run deterministically under a {@link ManualClock} in tests.
 *
 * @example
 * ```ts
 * const clock: Clock = { now: () => performance.now(), setTimer: setTimeout, clearTimer: clearTimeout };
 * createSystem({ clock });
 * ```
 */
export interface Clock {
  /** Monotonic time in milliseconds. Never goes backwards. */
  now(): number;
  /** Calls `callback` once, no earlier than `delayMs` from now. Returns a handle for {@link Clock.clearTimer}. */
  setTimer(callback: () => void, delayMs: number): unknown;
  /** Cancels a timer made by {@link Clock.setTimer}; unknown handles are ignored. */
  clearTimer(handle: unknown): void;
  /**
   * Optional: says whether a pending timer should keep the host process
   * alive. The timer queue leaves an idle host timer armed (cheaper than
   * clearing it on every ask) but stops it from holding the process open.
   */
  keepAlive?(handle: unknown, keepAlive: boolean): void;
}

/** The longest delay `setTimeout` accepts; longer timers are re-armed in steps. */
const MAX_HOST_DELAY = 2 ** 31 - 1;

/**
 * A delay the host's `setTimeout` takes without a warning: within 0 and
 * its maximum. A deadline already past gives 0 (Node 24 warns
 * `TimeoutNegativeWarning` for a negative delay); NaN gives 0.
 *
 * @example
 * ```ts
 * setTimeout(fire, hostDelay(deadline - clock.now()));
 * ```
 */
export function hostDelay(ms: number): number {
  return ms > 0 ? Math.min(MAX_HOST_DELAY, ms) : 0;
}

/**
 * The real clock: `performance.now()` and `setTimeout`.
 *
 * @example
 * ```ts
 * const clock = realClock();
 * const t0 = clock.now();
 * ```
 */
export function realClock(): Clock {
  return {
    now: () => performance.now(),
    setTimer: (callback, delayMs) => setTimeout(callback, hostDelay(delayMs)),
    clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
    keepAlive: (handle, keepAlive) => {
      const timeout = handle as NodeJS.Timeout;
      if (keepAlive) timeout.ref();
      else timeout.unref();
    },
  };
}

/**
 * Whether `value` can serve as a clock (an injected option is checked with it).
 *
 * @example
 * ```ts
 * isClock(new ManualClock()); // true
 * ```
 */
export function isClock(value: unknown): value is Clock {
  const c = value as Partial<Clock> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.now === 'function' &&
    typeof c.setTimer === 'function' &&
    typeof c.clearTimer === 'function'
  );
}
