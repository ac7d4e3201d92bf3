/**
 * Entries of the first segment of a mailbox's normal lane: small, since
 * most mailboxes never hold more than a few messages.
 */
export const SMALL_SEGMENT_ENTRIES = 4;

/**
 * Entries of the largest segment of a mailbox's normal lane: 16,384.
 * Segments double up to it, so a deep queue costs one allocation per
 * 16,384 messages and no copying (the profile of counting put 32 % of its
 * time in copying a doubling ring), and an emptied mailbox lets them all
 * go. The size is chosen so that a full-size segment (16,386 slots of
 * 8 bytes) is above V8's largest regular object (128 KiB) and is allocated
 * in large-object space: a deep queue's segments are then promoted by the
 * scavenger without being copied (at 32 KiB segments every scavenge during
 * a 1M-message burst copied the live segments twice: 70 MB promoted over
 * six counting runs against 13 MB, `--trace-gc-nvp`).
 */
export const SEGMENT_ENTRIES = 16_384;

/**
 * A new segment: `entries` message slots, then the slot of its sender
 * column and the slot of the link to the next segment, both `null`. The
 * two `null`s give every segment the same elements kind from the start, so
 * the stores of a push see one array map, not one per segment's age.
 *
 * @example
 * ```ts
 * const seg = newSegment(4); // [ , , , , null, null]
 * seg.length - 2; // 4 entries
 * ```
 */
export function newSegment(entries: number): unknown[] {
  const seg = new Array(entries + 2);
  seg[entries] = null;
  seg[entries + 1] = null;
  return seg;
}

/**
 * Entries of the segment that follows one of `entries` entries: twice as
 * many, up to {@link SEGMENT_ENTRIES}.
 *
 * @example
 * ```ts
 * nextSegmentEntries(4); // 8
 * nextSegmentEntries(16_384); // 16_384
 * ```
 */
export function nextSegmentEntries(entries: number): number {
  return entries * 2 < SEGMENT_ENTRIES ? entries * 2 : SEGMENT_ENTRIES;
}

/**
 * The normal lane of a mailbox, as the base class of `Mailbox` (its fields
 * live in the mailbox object itself: no object more per mailbox, no
 * indirection on the hot path). A chain of segments, each an array of
 * messages whose second-to-last slot holds the segment's sender column and
 * whose last slot links the next segment. A sender column is allocated
 * only when a message with a sender is queued in that segment: messages
 * sent from outside any process (a producer loop) cost one slot, 8 bytes,
 * not two, and a burst touches half the fresh memory (page faults were
 * the largest cost of counting's enqueue on the project VM). A new mailbox
 * starts with a small segment; each later one doubles the last up to a
 * fixed size (no copying on growth), and a drained full-size one is kept
 * as a spare for the tail (no allocation in a steady producer/consumer
 * flow). When the lane empties only its last segment stays (at most
 * {@link SEGMENT_ENTRIES}), so memory shrinks after a burst.
 *
 * @example
 * ```ts
 * const mb = new Mailbox(); // a SegmentLane
 * mb.pushNormal('hi', undefined);
 * mb.takeNormal(); // true; mb.takenMessage === 'hi', mb.takenSender === undefined
 * ```
 */
export class SegmentLane {
  #hseg: unknown[] = newSegment(SMALL_SEGMENT_ENTRIES);
  /** The head segment's sender column, or null when it has none. */
  #hsnd: unknown[] | null = null;
  #hi = 0;
  #tseg: unknown[] = this.#hseg;
  /** The tail segment's sender column, or null when it has none. */
  #tsnd: unknown[] | null = null;
  #ti = 0;
  #spare: unknown[] | null = null;
  /** Messages in the normal lane. */
  normalSize = 0;
  /** The entry removed by the last successful take. */
  takenMessage: unknown = undefined;
  takenSender: unknown = undefined;

  /** Appends to the tail segment, linking a new one when it is full. */
  pushNormal(message: unknown, sender: unknown): void {
    let seg = this.#tseg;
    let i = this.#ti;
    if (i === seg.length - 2) {
      seg = this.#linkTail(seg, i);
      i = 0;
    }
    seg[i] = message;
    if (sender !== undefined) {
      const senders = this.#tsnd ?? this.#addSenders(seg);
      senders[i] = sender;
    }
    this.#ti = i + 1;
    this.normalSize++;
  }

  /** Removes the head into `taken*`; false when the lane is empty. */
  takeNormal(): boolean {
    if (this.normalSize === 0) return false;
    const seg = this.#hseg;
    const i = this.#hi;
    this.takenMessage = seg[i];
    seg[i] = undefined;
    const senders = this.#hsnd;
    if (senders === null) {
      this.takenSender = undefined;
    } else {
      this.takenSender = senders[i];
      senders[i] = undefined;
    }
    if (--this.normalSize === 0) {
      // Empty: only this segment stays (the rest of a burst's chain is
      // already gone), reused from its start; the spare goes too.
      this.#spare = null;
      this.#hi = 0;
      this.#ti = 0;
    } else if (i + 1 === seg.length - 2) {
      this.#advanceHead(seg, i + 1);
    } else {
      this.#hi = i + 1;
    }
    return true;
  }

  /** The head message, without removing it; only valid when `normalSize > 0`. */
  peekNormal(): unknown {
    return this.#hseg[this.#hi];
  }

  /**
   * Entries the segments hold before growing, the spare included, and how
   * many of them have a sender column. For memory estimates.
   */
  normalRoom(): { readonly entries: number; readonly senders: number } {
    let entries = 0;
    let senders = 0;
    const count = (seg: unknown[]): void => {
      const n = seg.length - 2;
      entries += n;
      if (seg[n] !== null) senders += n;
    };
    if (this.#spare !== null) count(this.#spare);
    for (let seg = this.#hseg; ; seg = seg[seg.length - 1] as unknown[]) {
      count(seg);
      if (seg === this.#tseg) break;
    }
    return { entries, senders };
  }

  /** The tail segment `seg` is full at `end`: links the spare or a new segment after it. */
  #linkTail(seg: unknown[], end: number): unknown[] {
    const next = this.#spare ?? newSegment(nextSegmentEntries(end));
    this.#spare = null;
    seg[end + 1] = next;
    this.#tseg = next;
    this.#tsnd = next[next.length - 2] as unknown[] | null;
    return next;
  }

  /** The head segment `seg` is used up at `end`: moves to the next, keeping a full-size one as the spare. */
  #advanceHead(seg: unknown[], end: number): void {
    const next = seg[end + 1] as unknown[];
    seg[end + 1] = null;
    this.#hseg = next;
    this.#hsnd = next[next.length - 2] as unknown[] | null;
    this.#hi = 0;
    // Stored on every advance, not only a full-size one's: a store site a
    // small queue never reaches would have no type feedback, and the first
    // burst past a full segment would deoptimize the whole run loop. A
    // spare only exists past full-size segments, so a small one stores null
    // over null.
    this.#spare = end === SEGMENT_ENTRIES ? seg : null;
  }

  /** Gives the tail segment `seg` its sender column. */
  #addSenders(seg: unknown[]): unknown[] {
    const n = seg.length - 2;
    const senders = new Array(n);
    // Entries before the first one with a sender have none; storing that
    // gives every column one elements kind (pids are small integers).
    senders[0] = undefined;
    seg[n] = senders;
    this.#tsnd = senders;
    if (seg === this.#hseg) this.#hsnd = senders;
    return senders;
  }
}
