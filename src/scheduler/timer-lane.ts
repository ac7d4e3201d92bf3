import { TimerEntry } from './timer-entry.js';

/**
 * The timers of one delay, in a FIFO list: they were queued with the same
 * delay on a clock that never goes back, so they come due in the order they
 * were queued. Only the lane sits in the timer heap, keyed by (at most) its
 * head's deadline, so queueing and cancelling one of these timers is O(1):
 * an `ask` under a default timeout costs no heap work at all, however many
 * asks are in flight. A lane's key may be older than its current head (a
 * cancelled head is not re-keyed); the queue re-keys it when it comes due.
 *
 * @example
 * ```ts
 * const lane = new TimerLane(5_000);
 * lane.append(entry); // entry.deadline already set, not earlier than lane.tail's
 * lane.remove(entry);
 * ```
 */
export class TimerLane extends TimerEntry {
  /** The delay every timer of this lane was queued with, in ms. */
  readonly delay: number;
  head: TimerEntry | null = null;
  tail: TimerEntry | null = null;

  constructor(delay: number) {
    super();
    this.delay = delay;
  }

  /** Whether an entry due at `deadline` may join at the tail (FIFO order holds). */
  accepts(deadline: number): boolean {
    return this.tail === null || this.tail.deadline <= deadline;
  }

  /** Appends `entry` (its deadline and seq set) at the tail. */
  append(entry: TimerEntry): void {
    const tail = this.tail;
    entry.lane = this;
    entry.lanePrev = tail;
    entry.laneNext = null;
    if (tail === null) this.head = entry;
    else tail.laneNext = entry;
    this.tail = entry;
  }

  /** Unlinks `entry`, which is in this lane. */
  remove(entry: TimerEntry): void {
    const prev = entry.lanePrev;
    const next = entry.laneNext;
    if (prev === null) this.head = next;
    else prev.laneNext = next;
    if (next === null) this.tail = prev;
    else next.lanePrev = prev;
    entry.lane = null;
    entry.lanePrev = null;
    entry.laneNext = null;
  }

  /** Never called: the queue fires a lane's entries itself. */
  fire(): void {}
}
