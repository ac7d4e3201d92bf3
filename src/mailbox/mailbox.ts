import { LANE_COUNT, LANE_NORMAL, LANE_SYSTEM } from './envelope.js';
import type { MailboxOptions, OverflowPolicy } from './overflow.js';
import { PairRing, SEGMENT_SLOTS, SMALL_SEGMENT_SLOTS } from './ring.js';

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

/** The rarely used parts of a mailbox, allocated on first use. */
class MailboxExtra {
  lanes: (PairRing | undefined)[] = new Array(LANE_COUNT).fill(undefined);
  signals = 0;
  waiters: Waiter[] = [];
  policy: OverflowPolicy = 'drop-newest';
  dropped = 0;
  rejected = 0;
  expired = 0;
}

/**
 * A process's queue: the normal lane inline as a ring of (message, sender)
 * pairs, other lanes and overflow state allocated on first use, bounds,
 * overflow policy, and counters. A message may be an `Envelope` when
 * metadata was attached.
 */
export class Mailbox {
  // The normal lane, inline: a chain of segments, each an array of
  // (message, sender) pairs whose last slot links the next segment. A new
  // mailbox starts with a small segment; each later one doubles the last up
  // to a fixed size (no copying on growth), and a drained full-size one is
  // kept as a spare for the tail (no allocation in a steady
  // producer/consumer flow). When the lane empties only its last segment
  // stays (at most SEGMENT_SLOTS), so memory shrinks after a burst.
  #hseg: unknown[] = new Array(SMALL_SEGMENT_SLOTS + 1);
  #hi = 0;
  #tseg: unknown[] = this.#hseg;
  #ti = 0;
  #spare: unknown[] | null = null;
  #size = 0;
  /** Entries in lanes other than normal, signals included. */
  #other = 0;
  #x: MailboxExtra | null = null;
  capacity = Number.POSITIVE_INFINITY;
  enqueued = 0;
  handled = 0;
  highWater = 0;
  /** The entry removed by the last successful {@link Mailbox.take}. */
  takenMessage: unknown;
  takenSender: unknown;
  /** Lane of the entry removed by the last {@link Mailbox.take}. */
  takenLane = LANE_NORMAL;

  constructor(options?: MailboxOptions) {
    if (options?.capacity !== undefined) this.capacity = options.capacity;
    if (options?.overflow !== undefined) this.#extra().policy = options.overflow;
  }

  get policy(): OverflowPolicy {
    return this.#x?.policy ?? 'drop-newest';
  }

  get dropped(): number {
    return this.#x?.dropped ?? 0;
  }

  set dropped(n: number) {
    this.#extra().dropped = n;
  }

  get rejected(): number {
    return this.#x?.rejected ?? 0;
  }

  set rejected(n: number) {
    this.#extra().rejected = n;
  }

  get expired(): number {
    return this.#x?.expired ?? 0;
  }

  set expired(n: number) {
    this.#extra().expired = n;
  }

  /** Messages queued (system signals excluded). */
  get size(): number {
    return this.#other === 0 ? this.#size : this.#size + this.#other - (this.#x?.signals ?? 0);
  }

  /**
   * Entries its segments and rings (every lane) hold before growing, the
   * spare segment included. For memory estimates.
   */
  get slots(): number {
    let n = this.#spare === null ? 0 : SEGMENT_SLOTS >> 1;
    for (let seg = this.#hseg; ; seg = seg[seg.length - 1] as unknown[]) {
      n += (seg.length - 1) >> 1;
      if (seg === this.#tseg) break;
    }
    const lanes = this.#x?.lanes;
    if (lanes !== undefined) for (const ring of lanes) n += ring?.capacity ?? 0;
    return n;
  }

  /** Whether anything at all (messages or signals) is queued. */
  get isEmpty(): boolean {
    return this.#size === 0 && this.#other === 0;
  }

  /** Whether senders wait in `offer`. */
  get hasWaiters(): boolean {
    return this.#x !== null && this.#x.waiters.length > 0;
  }

  /** Appends a user message to `lane`; the caller has already applied overflow policy. */
  push(message: unknown, sender: unknown, lane: number): void {
    if (lane === LANE_NORMAL) {
      this.#pushNormal(message, sender);
    } else {
      this.#lane(lane).push(message, sender);
      this.#other++;
    }
    this.enqueued++;
    const size = this.#other === 0 ? this.#size : this.size;
    if (size > this.highWater) this.highWater = size;
  }

  /** Appends a system signal; signals go ahead of every message and ignore capacity. */
  pushSignal(signal: unknown): void {
    this.#lane(LANE_SYSTEM).push(signal, undefined);
    this.#other++;
    this.#extra().signals++;
  }

  /** Removes the next entry in lane order; false when empty. */
  take(): boolean {
    if (this.#other > 0) {
      const lanes = (this.#x as MailboxExtra).lanes;
      for (let i = 0; i < LANE_COUNT; i++) {
        if (i === LANE_NORMAL) {
          if (this.#size > 0) break;
          continue;
        }
        const ring = lanes[i];
        if (ring !== undefined && ring.size > 0) {
          this.takenMessage = ring.peekMessage();
          this.takenSender = ring.peekSender();
          this.takenLane = i;
          ring.drop();
          this.#other--;
          if (i === LANE_SYSTEM) (this.#x as MailboxExtra).signals--;
          return true;
        }
      }
    }
    return this.#takeNormal();
  }

  /** Appends to the normal lane's tail segment, linking a new one when it is full. */
  #pushNormal(message: unknown, sender: unknown): void {
    let seg = this.#tseg;
    let i = this.#ti;
    if (i === seg.length - 1) {
      // Each new segment doubles the last, up to SEGMENT_SLOTS: a short queue stays small.
      const next = this.#spare ?? new Array(Math.min(i * 2, SEGMENT_SLOTS) + 1);
      this.#spare = null;
      seg[i] = next;
      this.#tseg = seg = next;
      i = 0;
    }
    seg[i] = message;
    seg[i + 1] = sender;
    this.#ti = i + 2;
    this.#size++;
  }

  /** Removes the head of the normal lane into `taken*`; false when that lane is empty. */
  #takeNormal(): boolean {
    if (this.#size === 0) return false;
    const seg = this.#hseg;
    const i = this.#hi;
    this.takenMessage = seg[i];
    this.takenSender = seg[i + 1];
    this.takenLane = LANE_NORMAL;
    seg[i] = undefined;
    seg[i + 1] = undefined;
    if (--this.#size === 0) {
      // Empty: only this segment stays (the rest of a burst's chain is
      // already gone), reused from its start; the spare goes too.
      this.#spare = null;
      this.#hi = this.#ti = 0;
    } else if (i + 2 === seg.length - 1) {
      // The head segment is used up: move to the next, keep this one as the spare.
      this.#hseg = seg[i + 2] as unknown[];
      seg[i + 2] = undefined;
      if (seg.length === SEGMENT_SLOTS + 1) this.#spare = seg;
      this.#hi = 0;
    } else {
      this.#hi = i + 2;
    }
    return true;
  }

  /**
   * Removes every normal-lane message for which `matches` is true, keeping
   * the others in order; returns how many were removed. O(n): it serves
   * `demonitor(ref, { flush: true })` and unlink-and-flush, which remove the
   * runtime's own EXIT and DOWN messages (they always take the normal lane).
   */
  removeWhere(matches: (message: unknown) => boolean): number {
    const kept: unknown[] = [];
    let removed = 0;
    while (this.#takeNormal()) {
      if (matches(this.takenMessage)) removed++;
      else kept.push(this.takenMessage, this.takenSender);
    }
    this.#refill(kept);
    return removed;
  }

  /**
   * Puts back (message, sender) pairs taken out of the normal lane, in
   * order. The lane was emptied first, so this only chains segments again.
   */
  #refill(kept: readonly unknown[]): void {
    for (let i = 0; i < kept.length; i += 2) this.#pushNormal(kept[i], kept[i + 1]);
  }

  /** Removes the oldest message of the lowest non-empty lane into `taken*`; false if none. */
  evictOldest(keep?: (message: unknown) => boolean): boolean {
    for (let i = LANE_COUNT - 1; i > LANE_SYSTEM; i--) {
      if (i === LANE_NORMAL) {
        if (this.#size === 0) continue;
        if (keep === undefined || !keep(this.#hseg[this.#hi])) return this.#takeNormal();
        if (this.#evictFirstNormal(keep)) return true;
        continue;
      }
      const ring = this.#x?.lanes[i];
      if (ring === undefined || ring.size === 0) continue;
      this.takenMessage = ring.peekMessage();
      this.takenSender = ring.peekSender();
      this.takenLane = i;
      ring.drop();
      this.#other--;
      return true;
    }
    return false;
  }

  /**
   * Removes the oldest normal-lane entry that `keep` does not protect into
   * `taken*`, keeping the others in order; false when every entry is
   * protected. O(n), and only reached when the oldest entry is protected.
   */
  #evictFirstNormal(keep: (message: unknown) => boolean): boolean {
    let found = false;
    const kept: unknown[] = [];
    let evicted: unknown;
    let evictedSender: unknown;
    while (this.#takeNormal()) {
      if (!found && !keep(this.takenMessage)) {
        found = true;
        evicted = this.takenMessage;
        evictedSender = this.takenSender;
      } else kept.push(this.takenMessage, this.takenSender);
    }
    this.#refill(kept);
    this.takenMessage = evicted;
    this.takenSender = evictedSender;
    this.takenLane = LANE_NORMAL;
    return found;
  }

  /** Queues a sender that waits for room (backpressure). */
  wait(waiter: Waiter): void {
    this.#extra().waiters.push(waiter);
  }

  /**
   * Takes back the first waiting sender whose message matches, without
   * queueing it (an ask that timed out while waiting for room); its promise
   * resolves. Returns whether one was found.
   */
  withdrawWaiter(matches: (message: unknown) => boolean): boolean {
    const waiters = this.#x?.waiters;
    if (waiters === undefined) return false;
    const i = waiters.findIndex((w) => matches(w.message));
    if (i < 0) return false;
    const [w] = waiters.splice(i, 1);
    w?.resolve();
    return true;
  }

  /** Moves waiting senders in while there is room; resolves their promises. */
  admitWaiters(): void {
    const waiters = this.#x?.waiters;
    if (waiters === undefined) return;
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
    const x = this.#x;
    for (let i = 0; i < LANE_COUNT; i++) {
      if (i === LANE_NORMAL) {
        while (this.#takeNormal()) each(this.takenMessage, this.takenSender);
        continue;
      }
      // Signals are runtime-internal and are discarded, not dead-lettered.
      x?.lanes[i]?.drain(i === LANE_SYSTEM ? noop : each);
    }
    this.#other = 0;
    if (x !== null) {
      x.signals = 0;
      const waiters = x.waiters;
      x.waiters = [];
      for (const w of waiters) fail(w);
    }
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

  #extra(): MailboxExtra {
    let x = this.#x;
    if (x === null) {
      x = new MailboxExtra();
      this.#x = x;
    }
    return x;
  }

  #lane(i: number): PairRing {
    const lanes = this.#extra().lanes;
    let ring = lanes[i];
    if (ring === undefined) {
      ring = new PairRing(4);
      lanes[i] = ring;
    }
    return ring;
  }
}

function noop(): void {}
