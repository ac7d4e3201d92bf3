import type { Clock } from '../scheduler/index.js';

interface ManualTimer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/**
 * A clock that only moves when told to. Inject it with
 * `createSystem({ clock })` so timers, TTLs, ask timeouts and shutdown
 * timeouts are deterministic in tests.
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * const system = createSystem({ clock });
 * const reply = ref.ask({ type: 'slow' }, { timeout: 100 });
 * clock.advance(100); // the ask rejects with ERR_CALL_TIMEOUT
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: ManualTimer[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(callback: () => void, delayMs: number): unknown {
    const timer: ManualTimer = { at: this.#now + Math.max(0, delayMs), seq: this.#seq++, callback };
    this.#timers.push(timer);
    return timer;
  }

  clearTimer(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t !== handle);
  }

  /** Number of host timers pending. */
  get pending(): number {
    return this.#timers.length;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due, in
   * deadline order, with `now()` equal to each timer's deadline as it fires.
   */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance needs ms >= 0, got ${ms}`);
    const target = this.#now + ms;
    for (;;) {
      const next = this.#earliest();
      if (next === undefined || next.at > target) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
    }
    this.#now = target;
  }

  /** Like {@link ManualClock.advance}, then lets the system's actors run until idle. */
  async advanceAndSettle(ms: number, system: { idle(): Promise<void> }): Promise<void> {
    this.advance(ms);
    await system.idle();
  }

  #earliest(): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.#timers) {
      if (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
