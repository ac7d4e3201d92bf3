import type { Clock } from './clock.js';
import { IN_LANE, NOT_QUEUED, type TimerEntry } from './timer-entry.js';
import { TimerLane } from './timer-lane.js';

/**
 * All of a system's timers in one binary heap with a single host timer armed
 * for the earliest deadline. Insert and cancel are O(log n); a pending ask
 * costs no host timer of its own. Timers queued with
 * {@link TimerQueue.scheduleFifo} (ask timeouts) go to the lane of their
 * delay instead, O(1) both ways: only the lane is in the heap.
 *
 * @example
 * ```ts
 * const timers = new TimerQueue(realClock(), console.error);
 * timers.schedule(new CallbackTimer(() => console.log('tick')), 100);
 * ```
 */
export class TimerQueue {
  readonly #clock: Clock;
  readonly #heap: TimerEntry[] = [];
  readonly #onError: (error: unknown) => void;
  /** The lanes of {@link TimerQueue.scheduleFifo}, by delay; the last one used is cached. */
  readonly #lanes = new Map<number, TimerLane>();
  #lastLane: TimerLane | null = null;
  /** Queued timers, lanes not counted: the host timer keeps the process alive while > 0. */
  #live = 0;
  #seq = 0;
  #host: unknown;
  #hostDeadline = Number.POSITIVE_INFINITY;
  #hostHeld = false;
  readonly #tick = (): void => this.#expire();

  constructor(clock: Clock, onError: (error: unknown) => void) {
    this.#clock = clock;
    this.#onError = onError;
  }

  /** Number of queued timers. */
  get size(): number {
    return this.#live;
  }

  /** Queues `entry` to fire `delayMs` from now (negative delays count as 0). */
  schedule(entry: TimerEntry, delayMs: number): void {
    if (entry.slot !== NOT_QUEUED) this.cancel(entry);
    entry.deadline = this.#clock.now() + Math.max(delayMs, 0);
    entry.seq = this.#seq++;
    this.#live++;
    this.#insert(entry);
  }

  /**
   * Like {@link TimerQueue.schedule}, for timers that mostly share a few
   * delays and are mostly cancelled before they fire (ask timeouts): the
   * entry joins the FIFO lane of its delay, O(1), and cancelling it is O(1)
   * too. Firing order is the same as `schedule`'s: by deadline, then by
   * the order of queueing.
   */
  scheduleFifo(entry: TimerEntry, delayMs: number): void {
    if (entry.slot !== NOT_QUEUED) this.cancel(entry);
    const delay = Math.max(delayMs, 0);
    const deadline = this.#clock.now() + delay;
    let lane = this.#lastLane;
    if (lane === null || lane.delay !== delay) {
      lane = this.#lanes.get(delay) ?? this.#newLane(delay);
      this.#lastLane = lane;
    }
    entry.deadline = deadline;
    entry.seq = this.#seq++;
    this.#live++;
    if (!lane.accepts(deadline)) {
      // A clock that went back (a manual one): the heap keeps the order exact.
      this.#insert(entry);
      return;
    }
    lane.append(entry);
    entry.slot = IN_LANE;
    if (lane.slot === NOT_QUEUED) {
      lane.deadline = deadline;
      lane.seq = entry.seq;
      this.#insert(lane);
    } else if (!this.#hostHeld) {
      // The lane is in the heap already, keyed no later than this entry.
      this.#hold(true);
    }
  }

  /** Removes `entry` if queued; returns whether it was. */
  cancel(entry: TimerEntry): boolean {
    const i = entry.slot;
    if (i === NOT_QUEUED) return false;
    if (i === IN_LANE) {
      // The lane keeps its key: an early key costs one wake-up that re-keys it.
      (entry.lane as TimerLane).remove(entry);
      entry.slot = NOT_QUEUED;
    } else {
      this.#removeAt(i);
    }
    // The host timer stays armed: clearing and re-arming it on every ask
    // would cost a microsecond. It fires once, finds nothing, and stops.
    if (--this.#live === 0) this.#hold(false);
    return true;
  }

  /** Milliseconds left before `entry` fires, or `false` if it is not queued. */
  remaining(entry: TimerEntry): number | false {
    if (entry.slot === NOT_QUEUED) return false;
    return Math.max(0, entry.deadline - this.#clock.now());
  }

  /** The queued entries, in no particular order: a copy, for inspection. */
  entries(): TimerEntry[] {
    const out: TimerEntry[] = [];
    for (const entry of this.#heap) {
      if (!(entry instanceof TimerLane)) out.push(entry);
    }
    for (const lane of this.#lanes.values()) {
      for (let e = lane.head; e !== null; e = e.laneNext) out.push(e);
    }
    return out;
  }

  /** Cancels every timer and the host timer. */
  clear(): void {
    for (const entry of this.#heap) entry.slot = NOT_QUEUED;
    this.#heap.length = 0;
    for (const lane of this.#lanes.values()) {
      while (lane.head !== null) {
        const entry = lane.head;
        lane.remove(entry);
        entry.slot = NOT_QUEUED;
      }
    }
    this.#live = 0;
    this.#disarm();
  }

  #newLane(delay: number): TimerLane {
    const lane = new TimerLane(delay);
    this.#lanes.set(delay, lane);
    return lane;
  }

  /** Puts `entry` (deadline and seq set) in the heap and arms the host timer if it is the earliest. */
  #insert(entry: TimerEntry): void {
    entry.slot = this.#heap.length;
    this.#heap.push(entry);
    this.#up(entry.slot);
    if (entry.deadline < this.#hostDeadline) this.#arm();
    else if (!this.#hostHeld) this.#hold(true);
  }

  #removeAt(i: number): void {
    const heap = this.#heap;
    const entry = heap[i] as TimerEntry;
    const last = heap.pop() as TimerEntry;
    entry.slot = NOT_QUEUED;
    if (last !== entry) {
      heap[i] = last;
      last.slot = i;
      this.#down(i);
      this.#up(last.slot);
    }
  }

  #expire(): void {
    this.#host = undefined;
    this.#hostDeadline = Number.POSITIVE_INFINITY;
    this.#hostHeld = false;
    const now = this.#clock.now();
    const heap = this.#heap;
    while (heap.length > 0 && (heap[0] as TimerEntry).deadline <= now) {
      let entry = heap[0] as TimerEntry;
      if (entry instanceof TimerLane) {
        const head = entry.head;
        if (head === null) {
          // Every entry of the lane was cancelled: it leaves the heap.
          this.#removeAt(0);
          continue;
        }
        if (head.deadline !== entry.deadline || head.seq !== entry.seq) {
          // Keyed by a cancelled head: re-key by the current one.
          entry.deadline = head.deadline;
          entry.seq = head.seq;
          this.#down(0);
          continue;
        }
        entry = head;
      }
      this.cancel(entry);
      try {
        entry.fire();
      } catch (error) {
        this.#onError(error);
      }
    }
    if (heap.length > 0) this.#arm();
  }

  #arm(): void {
    const head = this.#heap[0];
    if (head === undefined) return;
    if (this.#host !== undefined) this.#clock.clearTimer(this.#host);
    this.#hostDeadline = head.deadline;
    this.#host = this.#clock.setTimer(this.#tick, Math.max(0, head.deadline - this.#clock.now()));
    this.#hostHeld = true;
    // Re-armed after a firing for a lane whose timers were all cancelled
    // (answered asks): it wakes to drop the lane but holds nothing open.
    if (this.#live === 0) this.#hold(false);
  }

  #hold(keepAlive: boolean): void {
    if (this.#host === undefined) return;
    this.#hostHeld = keepAlive;
    this.#clock.keepAlive?.(this.#host, keepAlive);
  }

  #disarm(): void {
    if (this.#host !== undefined) this.#clock.clearTimer(this.#host);
    this.#host = undefined;
    this.#hostDeadline = Number.POSITIVE_INFINITY;
    this.#hostHeld = false;
  }

  #before(a: TimerEntry, b: TimerEntry): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
  }

  #up(i: number): void {
    const heap = this.#heap;
    const entry = heap[i] as TimerEntry;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p] as TimerEntry;
      if (!this.#before(entry, parent)) break;
      heap[i] = parent;
      parent.slot = i;
      i = p;
    }
    heap[i] = entry;
    entry.slot = i;
  }

  #down(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const entry = heap[i] as TimerEntry;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const right = c + 1;
      if (right < n && this.#before(heap[right] as TimerEntry, heap[c] as TimerEntry)) c = right;
      const child = heap[c] as TimerEntry;
      if (!this.#before(child, entry)) break;
      heap[i] = child;
      child.slot = i;
      i = c;
    }
    heap[i] = entry;
    entry.slot = i;
  }
}
