/**
 * The normal lane of a mailbox as a chain of segments (docs/semantics.md §6,
 * "mailbox memory shrinks after a burst", and the room `memoryBytes` counts,
 * §16, read through `slots`): a new mailbox starts small, each new
 * segment doubles the last up to SEGMENT_ENTRIES entries, a used-up full-size
 * segment is kept as the spare for the tail, and an emptied lane keeps only
 * its last segment. Messages and senders keep their order through it all.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LANE_NORMAL, laneOf, Mailbox } from '../../../src/mailbox/index.js';
import { SEGMENT_ENTRIES, SMALL_SEGMENT_ENTRIES } from '../../../src/mailbox/segments.js';

/** Takes everything, returning [message, sender] pairs in take order. */
function takeAll(mb: Mailbox): [unknown, unknown][] {
  const out: [unknown, unknown][] = [];
  while (mb.take()) out.push([mb.takenMessage, mb.takenSender]);
  return out;
}

describe('Mailbox: the normal lane’s segments', () => {
  /** Entries per segment, in chain order: small first, doubling up to the full size. */
  const segmentSizes = (count: number): number[] => {
    const sizes: number[] = [];
    let entries = SMALL_SEGMENT_ENTRIES;
    for (let i = 0; i < count; i++) {
      sizes.push(entries);
      entries = Math.min(entries * 2, SEGMENT_ENTRIES);
    }
    return sizes;
  };
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const push = (mb: Mailbox, n: number): void => {
    for (let i = 0; i < n; i++) mb.push(i, undefined, LANE_NORMAL);
  };
  const take = (mb: Mailbox, n: number): void => {
    for (let i = 0; i < n; i++) assert.ok(mb.take());
  };

  it('each new segment doubles the last, up to SEGMENT_ENTRIES entries, and slots counts them exactly', () => {
    const mb = new Mailbox();
    const count = segmentSizes(32).indexOf(SEGMENT_ENTRIES) + 2; // the first full-size ones
    const sizes = segmentSizes(count);
    let queued = 0;
    for (let k = 1; k <= sizes.length; k++) {
      const room = sum(sizes.slice(0, k));
      push(mb, room - queued);
      queued = room;
      assert.equal(mb.slots, room, `${k} segment(s) full`);
    }
    push(mb, 1);
    assert.equal(mb.slots, sum(segmentSizes(count + 1)), 'a full-size one more');
    assert.equal(sizes.at(-1), SEGMENT_ENTRIES, 'the last ones are full-size');
  });

  it('a used-up small segment is let go; a used-up full-size one is kept as the spare and counted', () => {
    const mb = new Mailbox();
    const small = SMALL_SEGMENT_ENTRIES;
    const full = SEGMENT_ENTRIES;
    const firstFull = segmentSizes(32).indexOf(full);
    const sizes = segmentSizes(firstFull + 2); // up to the first full-size segment, and one more
    const upToFirstFull = sum(sizes.slice(0, firstFull + 1));
    assert.ok(firstFull > 0);
    push(mb, upToFirstFull + 1);
    assert.equal(mb.slots, sum(sizes));
    take(mb, small);
    assert.equal(mb.slots, sum(sizes) - small, 'the first (small) segment is gone, no spare');
    take(mb, upToFirstFull - small);
    assert.equal(mb.size, 1);
    assert.equal(mb.slots, full + full, 'the last segment and the spare');
    push(mb, full);
    assert.equal(mb.slots, full + full, 'the tail took the spare instead of a new segment');
    take(mb, full + 1);
    assert.equal(mb.size, 0);
    assert.equal(mb.slots, full, 'emptied: only its last segment stays');
    assert.deepEqual(takeAll(mb), []);
  });

  it('messages keep their order across segments and the spare', () => {
    const mb = new Mailbox();
    const n = sum(segmentSizes(11)) + 5;
    for (let i = 0; i < n; i++) mb.push(i, `s${i}`, LANE_NORMAL);
    const out = takeAll(mb);
    assert.equal(out.length, n);
    assert.ok(out.every(([m, s], i) => m === i && s === `s${i}`));
  });

  it('a segment gets a sender column only once a message with a sender is queued in it', () => {
    const mb = new Mailbox();
    push(mb, 3);
    assert.equal(mb.senderSlots, 0, 'messages from outside any process cost no sender slot');
    mb.push('x', 7, LANE_NORMAL);
    assert.equal(
      mb.senderSlots,
      SMALL_SEGMENT_ENTRIES,
      'the segment that got a sender has a column',
    );
    mb.push('y', undefined, LANE_NORMAL);
    assert.equal(
      mb.senderSlots,
      SMALL_SEGMENT_ENTRIES,
      'the next segment (8 entries) has none yet',
    );
    mb.push('z', 9, LANE_NORMAL);
    assert.equal(mb.senderSlots, SMALL_SEGMENT_ENTRIES * 3, 'now it has one');
    assert.deepEqual(takeAll(mb), [
      [0, undefined],
      [1, undefined],
      [2, undefined],
      ['x', 7],
      ['y', undefined],
      ['z', 9],
    ]);
  });

  it('ctx.sender is undefined for a send from outside any process, even right after a message that had a sender', () => {
    // §2: a message queued without a sender is taken without one. The next
    // segment gets no sender column when only outside sends fill it, and a
    // priority lane's ring keeps senders too: neither leaves the previous
    // take's sender behind.
    const mb = new Mailbox();
    for (let i = 0; i < SMALL_SEGMENT_ENTRIES; i++) mb.push(i, 100 + i, LANE_NORMAL);
    mb.push('outside', undefined, LANE_NORMAL); // the second segment: no sender column
    assert.deepEqual(takeAll(mb), [
      ...Array.from({ length: SMALL_SEGMENT_ENTRIES }, (_, i) => [i, 100 + i]),
      ['outside', undefined],
    ]);
    const fresh = new Mailbox();
    fresh.push('urgent', 7, laneOf('high') as number);
    fresh.push('outside', undefined, LANE_NORMAL);
    assert.deepEqual(takeAll(fresh), [
      ['urgent', 7],
      ['outside', undefined],
    ]);
  });

  it('a reused segment and the spare keep no sender of an earlier message', () => {
    const mb = new Mailbox();
    const full = SEGMENT_ENTRIES;
    // Fill past the first full-size segment with senders, drain, refill without.
    const n = sum(segmentSizes(32).slice(0, segmentSizes(32).indexOf(full) + 1)) + 10;
    for (let i = 0; i < n; i++) mb.push(i, i + 1, LANE_NORMAL);
    take(mb, n - 1);
    for (let i = 0; i < full; i++) mb.push(-i, undefined, LANE_NORMAL);
    const out = takeAll(mb);
    assert.deepEqual(out[0], [n - 1, n]);
    assert.equal(out.length, full + 1);
    assert.ok(
      out.slice(1).every(([m, s], i) => m === -i && s === undefined),
      'messages queued without a sender come out without one',
    );
    mb.push('a', undefined, LANE_NORMAL);
    assert.deepEqual(
      takeAll(mb),
      [['a', undefined]],
      'the emptied lane reuses its segment cleanly',
    );
  });
});

describe('memoryBytes counts 8 B more per entry of a priority-lane ring (the sender slots)', () => {
  it('every entry of a priority-lane ring is a sender slot, added to the normal segments’ columns', () => {
    // §16: a priority-lane ring keeps a sender beside every entry, so each of
    // its entries is a sender slot whether or not its messages had senders.
    const mb = new Mailbox();
    mb.push('x', 7, LANE_NORMAL);
    const normalSenders = mb.senderSlots;
    assert.equal(normalSenders, SMALL_SEGMENT_ENTRIES);
    const normalEntries = mb.slots;
    mb.push('urgent', undefined, laneOf('high') as number);
    const ringEntries = mb.slots - normalEntries;
    assert.ok(ringEntries > 0, 'the high lane has a ring now');
    assert.equal(mb.senderSlots, normalSenders + ringEntries);
    mb.push('first', undefined, laneOf('critical') as number);
    const rings = mb.slots - normalEntries;
    assert.ok(rings > ringEntries, 'and the critical lane one more');
    assert.equal(mb.senderSlots, normalSenders + rings);
  });
});
