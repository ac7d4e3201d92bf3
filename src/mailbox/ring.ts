/**
 * Copies a full ring of (message, sender) pairs into a buffer twice its
 * capacity, oldest entry first at index 0.
 */
export function doubledPairs(old: unknown[], head: number, size: number, mask: number): unknown[] {
  const buf = new Array((mask + 1) * 4);
  for (let k = 0; k < size; k++) {
    const from = ((head + k) & mask) << 1;
    buf[k << 1] = old[from];
    buf[(k << 1) + 1] = old[from + 1];
  }
  return buf;
}

/**
 * A growable ring buffer of (message, sender) pairs: two array slots per
 * entry, so enqueueing allocates nothing once the buffer is warm.
 */
export class PairRing {
  #buf: unknown[];
  #head = 0;
  #size = 0;
  #mask: number;

  constructor(capacity = 8) {
    let cap = 4;
    while (cap < capacity) cap <<= 1;
    this.#buf = new Array(cap * 2);
    this.#mask = cap - 1;
  }

  /** Number of entries. */
  get size(): number {
    return this.#size;
  }

  /** Entries the ring holds before it grows (it never shrinks). */
  get capacity(): number {
    return this.#mask + 1;
  }

  /** Appends an entry at the tail. */
  push(message: unknown, sender: unknown): void {
    if (this.#size > this.#mask) this.#grow();
    const i = ((this.#head + this.#size) & this.#mask) << 1;
    this.#buf[i] = message;
    this.#buf[i + 1] = sender;
    this.#size++;
  }

  /** The message at the head; only valid when `size > 0`. */
  peekMessage(): unknown {
    return this.#buf[this.#head << 1];
  }

  /** The sender at the head; only valid when `size > 0`. */
  peekSender(): unknown {
    return this.#buf[(this.#head << 1) + 1];
  }

  /** Drops the head entry; only valid when `size > 0`. */
  drop(): void {
    const i = this.#head << 1;
    this.#buf[i] = undefined;
    this.#buf[i + 1] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.#size--;
  }

  /** Removes every entry, calling `each` on it first, oldest first. */
  drain(each: (message: unknown, sender: unknown) => void): void {
    while (this.#size > 0) {
      const message = this.peekMessage();
      const sender = this.peekSender();
      this.drop();
      each(message, sender);
    }
  }

  #grow(): void {
    this.#buf = doubledPairs(this.#buf, this.#head, this.#size, this.#mask);
    this.#head = 0;
    this.#mask = this.#mask * 2 + 1;
  }
}
