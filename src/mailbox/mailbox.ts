import { LANE_COUNT, LANE_NORMAL, LANE_SYSTEM } from './envelope.js';
import type { MailboxOptions, OverflowPolicy } from './overflow.js';
import { PairRing } from './ring.js';

/**
 * Counters of one mailbox, as returned by `system.info(pid).mailbox`.
 *
 * @example
 * ```ts
 * const m = system.info(ref.pid)?.mailbox;
 * console.log(m?.size, m?.highWater, m?.dropped);
 * ```
 */
export interface MailboxMetrics {
  /** Messages queued now (system signals excluded). */
  readonly size: number;
  /** Messages ever accepted. */
  readonly enqueued: number;
  /** Messages handed to the handler. */
  readonly handled: number;
  /** Messages dropped by an overflow policy. */
  readonly dropped: number;
  /** Messages refused with `MailboxFullError`. */
  readonly rejected: number;
  /** Messages whose TTL passed before they were handled. */
  readonly expired: number;
  /** The largest `size` ever seen. */
  readonly highWater: number;
  /** Capacity (`Infinity` when unbounded). */
  readonly capacity: number;
}

/** A sender waiting for room in a backpressure mailbox. */
interface Waiter {
  readonly message: unknown;
  readonly sender: unknown;
  readonly lane: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A process's queue: a normal lane inline, other lanes allocated on first
 * use, bounds and overflow policy, and counters. Entries are (message,
 * sender) pairs; a message may be an `Envelope` when metadata was attached.
 */
export class Mailbox {
  readonly #normal = new PairRing();
  #lanes: (PairRing | undefined)[] | null = null;
  /** Entries in lanes other than normal, signals included. */
  #other = 0;
  #signals = 0;
  #waiters: Waiter[] | null = null;
  capacity = Number.POSITIVE_INFINITY;
  policy: OverflowPolicy = 'drop-newest';
  enqueued = 0;
  handled = 0;
  dropped = 0;
  rejected = 0;
  expired = 0;
  highWater = 0;
  /** The entry removed by the last successful {@link Mailbox.take}. */
  takenMessage: unknown;
  takenSender: unknown;
  /** Lane of the entry removed by the last {@link Mailbox.take}. */
  takenLane = LANE_NORMAL;

  constructor(options?: MailboxOptions) {
    if (options?.capacity !== undefined) this.capacity = options.capacity;
    if (options?.overflow !== undefined) this.policy = options.overflow;
  }

  /** Messages queued (system signals excluded). */
  get size(): number {
    return this.#normal.size + this.#other - this.#signals;
  }

  /** Whether anything at all (messages or signals) is queued. */
  get isEmpty(): boolean {
    return this.#normal.size === 0 && this.#other === 0;
  }

  /** Whether senders wait in `offer`. */
  get hasWaiters(): boolean {
    return this.#waiters !== null && this.#waiters.length > 0;
  }

  /** Appends a user message to `lane`; the caller has already applied overflow policy. */
  push(message: unknown, sender: unknown, lane: number): void {
    if (lane === LANE_NORMAL) this.#normal.push(message, sender);
    else {
      this.#lane(lane).push(message, sender);
      this.#other++;
    }
    this.enqueued++;
    const size = this.#normal.size + this.#other - this.#signals;
    if (size > this.highWater) this.highWater = size;
  }

  /** Appends a system signal; signals go ahead of every message and ignore capacity. */
  pushSignal(signal: unknown): void {
    this.#lane(LANE_SYSTEM).push(signal, undefined);
    this.#other++;
    this.#signals++;
  }

  /** Removes the next entry in lane order; false when empty. */
  take(): boolean {
    let ring = this.#normal;
    let lane = LANE_NORMAL;
    if (this.#other > 0) {
      const lanes = this.#lanes as (PairRing | undefined)[];
      for (let i = 0; i < LANE_COUNT; i++) {
        const candidate = i === LANE_NORMAL ? this.#normal : lanes[i];
        if (candidate !== undefined && candidate.size > 0) {
          ring = candidate;
          lane = i;
          break;
        }
      }
      if (lane !== LANE_NORMAL) {
        this.#other--;
        if (lane === LANE_SYSTEM) this.#signals--;
      }
    }
    if (ring.size === 0) return false;
    this.takenMessage = ring.peekMessage();
    this.takenSender = ring.peekSender();
    this.takenLane = lane;
    ring.drop();
    return true;
  }

  /** Removes the oldest message of the lowest non-empty lane into `taken*`; false if none. */
  evictOldest(): boolean {
    for (let i = LANE_COUNT - 1; i > LANE_SYSTEM; i--) {
      const ring = i === LANE_NORMAL ? this.#normal : this.#lanes?.[i];
      if (ring === undefined || ring.size === 0) continue;
      this.takenMessage = ring.peekMessage();
      this.takenSender = ring.peekSender();
      this.takenLane = i;
      ring.drop();
      if (i !== LANE_NORMAL) this.#other--;
      return true;
    }
    return false;
  }

  /** Queues a sender that waits for room (backpressure). */
  wait(waiter: Waiter): void {
    if (this.#waiters === null) this.#waiters = [];
    this.#waiters.push(waiter);
  }

  /** Moves waiting senders in while there is room; resolves their promises. */
  admitWaiters(): void {
    const waiters = this.#waiters;
    if (waiters === null) return;
    while (waiters.length > 0 && this.size < this.capacity) {
      const w = waiters.shift() as Waiter;
      this.push(w.message, w.sender, w.lane);
      w.resolve();
    }
  }

  /** Removes every message and waiter; `each` sees each message, `fail` each waiter. */
  clear(
    each: (message: unknown, sender: unknown) => void,
    fail: (waiter: { message: unknown; reject: (error: unknown) => void }) => void,
  ): void {
    const lanes = this.#lanes;
    for (let i = 0; i < LANE_COUNT; i++) {
      const ring = i === LANE_NORMAL ? this.#normal : lanes?.[i];
      if (ring === undefined) continue;
      // Signals are runtime-internal and are discarded, not dead-lettered.
      ring.drain(i === LANE_SYSTEM ? noop : each);
    }
    this.#other = 0;
    this.#signals = 0;
    const waiters = this.#waiters;
    this.#waiters = null;
    if (waiters !== null) for (const w of waiters) fail(w);
  }

  /** A snapshot of the counters. */
  metrics(): MailboxMetrics {
    return {
      size: this.size,
      enqueued: this.enqueued,
      handled: this.handled,
      dropped: this.dropped,
      rejected: this.rejected,
      expired: this.expired,
      highWater: this.highWater,
      capacity: this.capacity,
    };
  }

  #lane(i: number): PairRing {
    if (this.#lanes === null) this.#lanes = new Array(LANE_COUNT).fill(undefined);
    const lanes = this.#lanes;
    let ring = lanes[i];
    if (ring === undefined) {
      ring = new PairRing(4);
      lanes[i] = ring;
    }
    return ring;
  }
}

function noop(): void {}
