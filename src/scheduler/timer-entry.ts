import type { TimerLane } from './timer-lane.js';

/** {@link TimerEntry.slot} of an entry that is not queued. */
export const NOT_QUEUED = -1;
/** {@link TimerEntry.slot} of an entry queued in a lane (FIFO of one delay), not in the heap. */
export const IN_LANE = -2;

/**
 * One pending timer. Subclasses say what firing means (deliver a message,
 * time out an ask, call a function). The queue owns `deadline`, `seq`,
 * `slot` and the lane links.
 *
 * @example
 * ```ts
 * class Ping extends TimerEntry { fire(): void { ref.tell('ping'); } }
 * timers.schedule(new Ping(), 1_000);
 * ```
 */
export abstract class TimerEntry {
  /** Absolute clock time at which the timer fires. */
  deadline = 0;
  /** Insertion order, so equal deadlines fire first-in first-out. */
  seq = 0;
  /** Index in the heap, {@link IN_LANE}, or {@link NOT_QUEUED}. */
  slot = NOT_QUEUED;
  /** The lane holding this entry, when {@link TimerQueue.scheduleFifo} queued it. */
  lane: TimerLane | null = null;
  lanePrev: TimerEntry | null = null;
  laneNext: TimerEntry | null = null;

  /** Called once when the deadline is reached. */
  abstract fire(): void;

  /** True while the timer is queued (not fired, not cancelled). */
  get active(): boolean {
    return this.slot !== NOT_QUEUED;
  }
}

/**
 * A timer that calls a function.
 *
 * @example
 * ```ts
 * timers.schedule(new CallbackTimer(() => console.log('later')), 50);
 * ```
 */
export class CallbackTimer extends TimerEntry {
  readonly #callback: () => void;

  constructor(callback: () => void) {
    super();
    this.#callback = callback;
  }

  fire(): void {
    this.#callback();
  }
}
