import { LANE_COUNT, LANE_NORMAL, LANE_SYSTEM } from './envelope.js';
import type { MailboxOptions, OverflowPolicy } from './overflow.js';
import { PairRing } from './ring.js';
import { SegmentLane } from './segments.js';

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
 * A process's queue: the normal lane inline (the {@link SegmentLane} it
 * extends), other lanes and overflow state allocated on first use, bounds,
 * overflow policy, and counters. A message may be an `Envelope` when
 * metadata was attached.
 *
 * @example
 * ```ts
 * const mb = new Mailbox({ capacity: 100 });
 * mb.push('job', undefined, LANE_NORMAL);
 * if (mb.take()) handle(mb.takenMessage);
 * ```
 */
export class Mailbox extends SegmentLane {
  /** Entries in lanes other than normal, signals included. */
  #other = 0;
  #x: MailboxExtra | null = null;
  capacity = Number.POSITIVE_INFINITY;
  enqueued = 0;
  handled = 0;
  highWater = 0;
  /** Lane of the entry removed by the last {@link Mailbox.take}. */
  takenLane = LANE_NORMAL;

  constructor(options?: MailboxOptions) {
    super();
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
    return this.#other === 0
      ? this.normalSize
      : this.normalSize + this.#other - (this.#x?.signals ?? 0);
  }

  /**
   * Entries its segments and rings (every lane) hold before growing, the
   * spare segment included. For memory estimates.
   */
  get slots(): number {
    let n = this.normalRoom().entries;
    const lanes = this.#x?.lanes;
    if (lanes !== undefined) for (const ring of lanes) n += ring?.capacity ?? 0;
    return n;
  }

  /**
   * Pointer slots its queue holds for senders: one per entry of a normal
   * segment that has a sender column, one per entry of every ring. For
   * memory estimates, beside {@link Mailbox.slots}.
   */
  get senderSlots(): number {
    let n = this.normalRoom().senders;
    const lanes = this.#x?.lanes;
    if (lanes !== undefined) for (const ring of lanes) n += ring?.capacity ?? 0;
    return n;
  }

  /** Whether anything at all (messages or signals) is queued. */
  get isEmpty(): boolean {
    return this.normalSize === 0 && this.#other === 0;
  }

  /** Whether senders wait in `offer`. */
  get hasWaiters(): boolean {
    return this.#x !== null && this.#x.waiters.length > 0;
  }

  /** Appends a user message to `lane`; the caller has already applied overflow policy. */
  push(message: unknown, sender: unknown, lane: number): void {
    if (lane === LANE_NORMAL) {
      this.pushNormal(message, sender);
    } else {
      this.#lane(lane).push(message, sender);
      this.#other++;
    }
    this.enqueued++;
    const size = this.#other === 0 ? this.normalSize : this.size;
    if (size > this.highWater) this.highWater = size;
  }

  /**
   * {@link Mailbox.push} to the normal lane: the send path's, without the
   * lane switch (less bytecode for V8 to inline into every `tell`).
   */
  pushMessage(message: unknown, sender: unknown): void {
    this.pushNormal(message, sender);
    this.enqueued++;
    const size = this.#other === 0 ? this.normalSize : this.size;
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
          if (this.normalSize > 0) break;
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
    this.takenLane = LANE_NORMAL;
    return this.takeNormal();
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
    while (this.takeNormal()) {
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
    for (let i = 0; i < kept.length; i += 2) this.pushNormal(kept[i], kept[i + 1]);
  }

  /** Removes the oldest message of the lowest non-empty lane into `taken*`; false if none. */
  evictOldest(keep?: (message: unknown) => boolean): boolean {
    for (let i = LANE_COUNT - 1; i > LANE_SYSTEM; i--) {
      if (i === LANE_NORMAL) {
        if (this.normalSize === 0) continue;
        if (keep === undefined || !keep(this.peekNormal())) {
          this.takenLane = LANE_NORMAL;
          return this.takeNormal();
        }
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
    while (this.takeNormal()) {
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
        while (this.takeNormal()) each(this.takenMessage, this.takenSender);
        continue;
      }
      // Signals are runtime-internal and are discarded, not dead-lettered.
      x?.lanes[i]?.drain(i === LANE_SYSTEM ? noop : each);
    }
    if (this.#other !== 0) this.#other = 0;
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
