/**
 * Something the scheduler can run: a process with a "queued" flag so it is
 * in the run queue at most once.
 */
export interface Runnable {
  /** True while in the run queue. Owned by the scheduler. */
  queued: boolean;
  /** What the scheduler has learnt of its messages' cost (`PACE_*`, see `paceAfterTurn`). Owned by the scheduler. */
  pace: number;
  /** Handles up to `max` messages; `now` is the clock at the start of the turn. Returns how many it handled. Never throws. */
  run(max: number, now: number): number;
}

/** A FIFO ring of runnable processes. */
export class RunQueue {
  // Filled with undefined, not holes of small integers: every buffer then has
  // the elements kind a runnable's store gives it, and the first push to a
  // new system's queue does not deoptimize the send path ("wrong map").
  #buf: (Runnable | undefined)[] = new Array(64).fill(undefined);
  #head = 0;
  #size = 0;
  #mask = 63;

  get size(): number {
    return this.#size;
  }

  push(item: Runnable): void {
    if (this.#size > this.#mask) this.#grow();
    this.#buf[(this.#head + this.#size) & this.#mask] = item;
    this.#size++;
  }

  /** Removes and returns the head, or undefined when empty. */
  shift(): Runnable | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#buf[this.#head];
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.#size--;
    return item;
  }

  #grow(): void {
    const cap = (this.#mask + 1) * 2;
    const buf: (Runnable | undefined)[] = new Array(cap).fill(undefined);
    for (let k = 0; k < this.#size; k++) buf[k] = this.#buf[(this.#head + k) & this.#mask];
    this.#buf = buf;
    this.#head = 0;
    this.#mask = cap - 1;
  }
}
