import { now } from './common.js';

/**
 * Lateness of a chain of timers, each re-armed when the previous one fires:
 * how long the event loop went without running its timers.
 *
 * @example
 * ```ts
 * const probe = new TimerProbe(1);
 * probe.start();
 * // … load …
 * await probe.stop();
 * console.log(probe.worstMs, probe.fired);
 * ```
 */
export class TimerProbe {
  worstMs = 0;
  fired = 0;
  #due = 0;
  #stopped = false;
  #last: (() => void) | undefined;
  readonly #delayMs: number;

  /** `delayMs`: the delay each timer asks for. */
  constructor(delayMs: number) {
    this.#delayMs = delayMs;
  }

  start(): void {
    this.#arm();
  }

  /** Stops re-arming; resolves when the pending timer has fired (so its lateness counts). */
  stop(): Promise<void> {
    this.#stopped = true;
    return new Promise((resolve) => {
      this.#last = resolve;
    });
  }

  #arm(): void {
    this.#due = now() + this.#delayMs;
    setTimeout(() => this.#fire(), this.#delayMs);
  }

  #fire(): void {
    const late = now() - this.#due;
    if (late > this.worstMs) this.worstMs = late;
    this.fired++;
    if (this.#stopped) this.#last?.();
    else this.#arm();
  }
}

/**
 * Runs `load` (which resolves with how many things it did) under a
 * TimerProbe of 1 ms timers: the worst timer delay, the timers fired, and
 * the load's rate per second under `rateKey`.
 *
 * @example
 * ```ts
 * const figures = await underTimerProbe('msgsPerSec', async () => {
 *   for (let i = 0; i < n; i++) ref.tell(1);
 *   await system.idle();
 *   return n;
 * });
 * ```
 */
export async function underTimerProbe(
  rateKey: string,
  load: () => Promise<number>,
): Promise<Record<string, number>> {
  const probe = new TimerProbe(1);
  probe.start();
  const t0 = now();
  const done = await load();
  const elapsed = now() - t0;
  await probe.stop();
  return {
    worstTimerDelayMs: probe.worstMs,
    timersFired: probe.fired,
    [rateKey]: (done / elapsed) * 1000,
  };
}
