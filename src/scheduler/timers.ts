import type { Clock } from './clock.js';

/**
 * One pending timer. Subclasses say what firing means (deliver a message,
 * time out an ask, call a function). The queue owns `deadline` and `slot`.
 */
export abstract class TimerEntry {
  /** Absolute clock time at which the timer fires. */
  deadline = 0;
  /** Insertion order, so equal deadlines fire first-in first-out. */
  seq = 0;
  /** Index in the heap, or -1 when not queued. */
  slot = -1;

  /** Called once when the deadline is reached. */
  abstract fire(): void;

  /** True while the timer is queued (not fired, not cancelled). */
  get active(): boolean {
    return this.slot >= 0;
  }
}

/** A timer that calls a function. */
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

/**
 * All of a system's timers in one binary heap with a single host timer armed
 * for the earliest deadline. Insert and cancel are O(log n); a pending ask
 * costs no host timer of its own.
 */
export class TimerQueue {
  readonly #clock: Clock;
  readonly #heap: TimerEntry[] = [];
  readonly #onError: (error: unknown) => void;
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
    return this.#heap.length;
  }

  /** Queues `entry` to fire `delayMs` from now (negative delays count as 0). */
  schedule(entry: TimerEntry, delayMs: number): void {
    if (entry.slot >= 0) this.cancel(entry);
    entry.deadline = this.#clock.now() + Math.max(delayMs, 0);
    entry.seq = this.#seq++;
    entry.slot = this.#heap.length;
    this.#heap.push(entry);
    this.#up(entry.slot);
    if (entry.deadline < this.#hostDeadline) this.#arm();
    else if (!this.#hostHeld) this.#hold(true);
  }

  /** Removes `entry` if queued; returns whether it was. */
  cancel(entry: TimerEntry): boolean {
    const i = entry.slot;
    if (i < 0) return false;
    const heap = this.#heap;
    const last = heap.pop() as TimerEntry;
    entry.slot = -1;
    if (last !== entry) {
      heap[i] = last;
      last.slot = i;
      this.#down(i);
      this.#up(last.slot);
    }
    // The host timer stays armed: clearing and re-arming it on every ask
    // would cost a microsecond. It fires once, finds nothing, and stops.
    if (heap.length === 0) this.#hold(false);
    return true;
  }

  /** Milliseconds left before `entry` fires, or `false` if it is not queued. */
  remaining(entry: TimerEntry): number | false {
    if (entry.slot < 0) return false;
    return Math.max(0, entry.deadline - this.#clock.now());
  }

  /** The queued entries, in no particular order: a copy, for inspection. */
  entries(): TimerEntry[] {
    return [...this.#heap];
  }

  /** Cancels every timer and the host timer. */
  clear(): void {
    for (const entry of this.#heap) entry.slot = -1;
    this.#heap.length = 0;
    this.#disarm();
  }

  #expire(): void {
    this.#host = undefined;
    this.#hostDeadline = Number.POSITIVE_INFINITY;
    this.#hostHeld = false;
    const now = this.#clock.now();
    const heap = this.#heap;
    while (heap.length > 0 && (heap[0] as TimerEntry).deadline <= now) {
      const entry = heap[0] as TimerEntry;
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
