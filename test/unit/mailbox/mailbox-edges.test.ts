/**
 * The mailbox's less travelled paths, through its module-level API
 * (docs/semantics.md §6, §11): drop-oldest eviction that protects EXIT and
 * DOWN, senders kept with their messages across a flush (`removeWhere`),
 * ring growth and wrap-around, admission and withdrawal of waiting
 * senders, and `clear` handing over the messages of every lane.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkMailboxOptions,
  LANE_NORMAL,
  laneOf,
  Mailbox,
  PairRing,
} from '../../../src/mailbox/index.js';

const HIGH = laneOf('high') as number;
const LOW = laneOf('low') as number;
const CRITICAL = laneOf('critical') as number;

/** Takes everything, returning [message, sender] pairs in take order. */
function takeAll(mb: Mailbox): [unknown, unknown][] {
  const out: [unknown, unknown][] = [];
  while (mb.take()) out.push([mb.takenMessage, mb.takenSender]);
  return out;
}

/** What the runtime protects from drop-oldest eviction: its own EXIT and DOWN messages. */
const isExitOrDown = (m: unknown): boolean =>
  typeof m === 'object' &&
  m !== null &&
  ((m as { type?: string }).type === 'EXIT' || (m as { type?: string }).type === 'DOWN');

const EXIT = { type: 'EXIT', from: 9 };
const DOWN = { type: 'DOWN', ref: 1 };

describe('Mailbox: drop-oldest eviction protects EXIT and DOWN', () => {
  it('an EXIT at the head is kept and the oldest other message is evicted, with its sender; order is kept', () => {
    const mb = new Mailbox();
    mb.push(EXIT, 'sx', LANE_NORMAL);
    mb.push('m1', 's1', LANE_NORMAL);
    mb.push('m2', 's2', LANE_NORMAL);
    assert.equal(mb.evictOldest(isExitOrDown), true);
    assert.deepEqual([mb.takenMessage, mb.takenSender, mb.takenLane], ['m1', 's1', LANE_NORMAL]);
    assert.equal(mb.size, 2);
    assert.deepEqual(takeAll(mb), [
      [EXIT, 'sx'],
      ['m2', 's2'],
    ]);
  });

  it('several protected messages at the head are all kept, in order, and the first unprotected one goes', () => {
    const mb = new Mailbox();
    mb.push(DOWN, 'sd', LANE_NORMAL);
    mb.push(EXIT, 'sx', LANE_NORMAL);
    mb.push('m1', 's1', LANE_NORMAL);
    mb.push(DOWN, 'sd2', LANE_NORMAL);
    mb.push('m2', 's2', LANE_NORMAL);
    assert.equal(mb.evictOldest(isExitOrDown), true);
    assert.equal(mb.takenMessage, 'm1');
    assert.equal(mb.takenSender, 's1');
    assert.deepEqual(takeAll(mb), [
      [DOWN, 'sd'],
      [EXIT, 'sx'],
      [DOWN, 'sd2'],
      ['m2', 's2'],
    ]);
  });

  it('an unprotected message at the head is evicted at once', () => {
    const mb = new Mailbox();
    mb.push('m1', 's1', LANE_NORMAL);
    mb.push(EXIT, 'sx', LANE_NORMAL);
    assert.equal(mb.evictOldest(isExitOrDown), true);
    assert.equal(mb.takenMessage, 'm1');
    assert.deepEqual(takeAll(mb), [[EXIT, 'sx']]);
  });

  it('when every normal-lane message is protected, a higher lane gives up its oldest; with nothing else, nothing is evicted', () => {
    const mb = new Mailbox();
    mb.push(EXIT, 'sx', LANE_NORMAL);
    mb.push(DOWN, 'sd', LANE_NORMAL);
    mb.push('h1', 'sh', HIGH);
    assert.equal(mb.evictOldest(isExitOrDown), true);
    assert.deepEqual([mb.takenMessage, mb.takenSender, mb.takenLane], ['h1', 'sh', HIGH]);
    assert.equal(mb.evictOldest(isExitOrDown), false);
    assert.equal(mb.size, 2, 'the protected messages stay');
    assert.deepEqual(takeAll(mb), [
      [EXIT, 'sx'],
      [DOWN, 'sd'],
    ]);
  });

  it('the low lane goes before protected normal messages are even looked at', () => {
    const mb = new Mailbox();
    mb.push(EXIT, 'sx', LANE_NORMAL);
    mb.push('l1', 'sl', LOW);
    assert.equal(mb.evictOldest(isExitOrDown), true);
    assert.deepEqual([mb.takenMessage, mb.takenLane], ['l1', LOW]);
  });

  it('eviction in a wrapped ring keeps the order and senders of what stays', () => {
    const mb = new Mailbox();
    for (let i = 0; i < 6; i++) mb.push(`old${i}`, `s${i}`, LANE_NORMAL);
    for (let i = 0; i < 6; i++) mb.take(); // the head has moved on: later pushes wrap
    mb.push(EXIT, 'sx', LANE_NORMAL);
    for (let i = 0; i < 4; i++) mb.push(`m${i}`, `t${i}`, LANE_NORMAL);
    assert.equal(mb.evictOldest(isExitOrDown), true);
    assert.deepEqual([mb.takenMessage, mb.takenSender], ['m0', 't0']);
    assert.deepEqual(takeAll(mb), [
      [EXIT, 'sx'],
      ['m1', 't1'],
      ['m2', 't2'],
      ['m3', 't3'],
    ]);
  });
});

describe('Mailbox: senders stay with their messages', () => {
  it('after removeWhere, each kept message keeps its own sender and its place', () => {
    const mb = new Mailbox();
    for (let i = 0; i < 5; i++) mb.push(i, `s${i}`, LANE_NORMAL);
    assert.equal(
      mb.removeWhere((m) => m === 1 || m === 3),
      2,
    );
    assert.equal(mb.size, 3);
    assert.deepEqual(takeAll(mb), [
      [0, 's0'],
      [2, 's2'],
      [4, 's4'],
    ]);
  });

  it('removeWhere in a wrapped ring, then more pushes that grow it, keeps every pair and the order', () => {
    const mb = new Mailbox();
    for (let i = 0; i < 3; i++) mb.push(`x${i}`, `sx${i}`, LANE_NORMAL);
    for (let i = 0; i < 3; i++) mb.take();
    for (let i = 0; i < 4; i++) mb.push(i, `s${i}`, LANE_NORMAL); // wraps around the end
    assert.equal(
      mb.removeWhere((m) => m === 0),
      1,
    );
    for (let i = 4; i < 12; i++) mb.push(i, `s${i}`, LANE_NORMAL); // grows past 4 slots
    const all = takeAll(mb);
    assert.deepEqual(
      all,
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((i) => [i, `s${i}`]),
    );
  });

  it('removeWhere only touches the normal lane, and removing nothing changes nothing', () => {
    const mb = new Mailbox();
    mb.push('h', 'sh', HIGH);
    mb.push('n', 'sn', LANE_NORMAL);
    assert.equal(
      mb.removeWhere(() => false),
      0,
    );
    assert.equal(
      mb.removeWhere((m) => m === 'h'),
      0,
    );
    assert.deepEqual(takeAll(mb), [
      ['h', 'sh'],
      ['n', 'sn'],
    ]);
  });

  it('after the ring wraps and grows, every message is taken with its own sender', () => {
    const mb = new Mailbox();
    const expected: [unknown, unknown][] = [];
    let next = 0;
    // Interleave pushes and takes so the head wraps several times while the ring grows.
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < round + 3; i++) {
        mb.push(next, `s${next}`, LANE_NORMAL);
        expected.push([next, `s${next}`]);
        next++;
      }
      for (let i = 0; i < 2; i++) {
        assert.equal(mb.take(), true);
        assert.deepEqual([mb.takenMessage, mb.takenSender], expected.shift());
      }
    }
    assert.deepEqual(takeAll(mb), expected);
  });

  it('priority lanes keep each sender with its message after their rings wrap and grow', () => {
    const mb = new Mailbox();
    for (let i = 0; i < 3; i++) mb.push(`a${i}`, `sa${i}`, HIGH);
    for (let i = 0; i < 3; i++) mb.take();
    for (let i = 0; i < 9; i++) mb.push(`h${i}`, `sh${i}`, HIGH);
    assert.deepEqual(
      takeAll(mb),
      Array.from({ length: 9 }, (_, i) => [`h${i}`, `sh${i}`]),
    );
  });
});

describe('Mailbox: admitting waiting senders', () => {
  const waiter = (message: string, admitted: string[]) => ({
    message,
    sender: `from-${message}`,
    lane: LANE_NORMAL,
    resolve: () => admitted.push(message),
    reject: () => assert.fail('not rejected'),
  });

  it('with more room than waiters, every waiter is admitted in order and the mailbox holds exactly them', () => {
    const mb = new Mailbox({ capacity: 10, overflow: 'backpressure' });
    const admitted: string[] = [];
    mb.wait(waiter('a', admitted));
    mb.wait(waiter('b', admitted));
    mb.admitWaiters();
    assert.deepEqual(admitted, ['a', 'b']);
    assert.equal(mb.hasWaiters, false);
    assert.equal(mb.size, 2);
    assert.deepEqual(takeAll(mb), [
      ['a', 'from-a'],
      ['b', 'from-b'],
    ]);
  });

  it('admitting with no waiters, or into a full mailbox, admits nothing', () => {
    const mb = new Mailbox({ capacity: 1, overflow: 'backpressure' });
    mb.admitWaiters();
    assert.equal(mb.size, 0);
    mb.push('x', undefined, LANE_NORMAL);
    const admitted: string[] = [];
    mb.wait(waiter('w', admitted));
    mb.admitWaiters();
    assert.deepEqual(admitted, []);
    assert.equal(mb.size, 1);
    assert.equal(mb.hasWaiters, true);
  });

  it('a waiter for a priority lane is admitted into that lane', () => {
    const mb = new Mailbox({ capacity: 5, overflow: 'backpressure' });
    mb.push('n', 'sn', LANE_NORMAL);
    const admitted: string[] = [];
    mb.wait({ ...waiter('h', admitted), lane: HIGH });
    mb.admitWaiters();
    assert.deepEqual(takeAll(mb), [
      ['h', 'from-h'],
      ['n', 'sn'],
    ]);
  });
});

describe('Mailbox: clear hands over every lane', () => {
  it('messages of every priority lane go to `each` with their senders; signals do not', () => {
    const mb = new Mailbox();
    mb.push('n', 'sn', LANE_NORMAL);
    mb.push('c', 'sc', CRITICAL);
    mb.push('h', 'sh', HIGH);
    mb.push('l', 'sl', LOW);
    mb.pushSignal('sig');
    const seen: [unknown, unknown][] = [];
    mb.clear(
      (m, s) => seen.push([m, s]),
      () => assert.fail('no waiters'),
    );
    assert.deepEqual(
      seen.sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      [
        ['c', 'sc'],
        ['h', 'sh'],
        ['l', 'sl'],
        ['n', 'sn'],
      ],
    );
    assert.equal(mb.isEmpty, true);
    assert.equal(mb.size, 0);
    assert.equal(mb.take(), false);
  });

  it('after clear the mailbox is reusable: size and lanes start again from empty', () => {
    const mb = new Mailbox();
    mb.push('h', 'sh', HIGH);
    mb.pushSignal('sig');
    mb.clear(
      () => {},
      () => {},
    );
    mb.push('n', 'sn', LANE_NORMAL);
    assert.equal(mb.size, 1);
    assert.deepEqual(takeAll(mb), [['n', 'sn']]);
  });
});

describe('Mailbox and PairRing: room for memory estimates', () => {
  it('slots always covers what is queued, in every lane; a drained normal lane keeps one segment', () => {
    const mb = new Mailbox();
    const empty = mb.slots;
    assert.ok(empty >= 1);
    let seen = empty;
    for (let i = 0; i < 40; i++) {
      mb.push(i, undefined, i % 3 === 0 ? HIGH : LANE_NORMAL);
      assert.ok(mb.slots >= mb.size, `slots ${mb.slots} >= size ${mb.size}`);
      assert.ok(mb.slots >= seen, 'pushing never shrinks it');
      seen = mb.slots;
    }
    assert.ok(mb.slots > empty, 'grew');
    takeAll(mb);
    assert.ok(
      mb.slots < seen,
      `taking everything lets earlier segments go (${mb.slots} < ${seen})`,
    );
    assert.ok(mb.slots >= empty, 'but never below a new mailbox');
    const withLane = new Mailbox();
    const before = withLane.slots;
    withLane.push('l', undefined, LOW);
    assert.ok(withLane.slots > before, 'a priority lane adds its ring');
  });

  it('a ring holds at least what it was asked for and what it holds, and never shrinks', () => {
    for (const asked of [1, 4, 5, 8, 9, 100]) {
      const ring = new PairRing(asked);
      assert.ok(ring.capacity >= asked, `capacity ${ring.capacity} for ${asked}`);
      assert.ok(
        ring.capacity < asked * 2 + 4,
        `capacity ${ring.capacity} for ${asked} is not wasteful`,
      );
      let last = ring.capacity;
      for (let i = 0; i < asked * 3; i++) {
        ring.push(i, i);
        assert.ok(ring.capacity >= ring.size);
        assert.ok(ring.capacity >= last);
        last = ring.capacity;
      }
      ring.drain(() => {});
      assert.equal(ring.capacity, last);
    }
    assert.ok(new PairRing().capacity >= 1);
  });
});

describe('mailbox options: each refusal says what is expected', () => {
  it('names the bound and the policies, and what was given', () => {
    assert.equal(
      checkMailboxOptions({ capacity: 0 }),
      'capacity must be an integer from 1 to 1073741824 or Infinity, got 0',
    );
    assert.equal(
      checkMailboxOptions({ overflow: 'x' as never }),
      'overflow must be one of drop-newest, drop-oldest, reject, backpressure, got "x"',
    );
    assert.equal(checkMailboxOptions({ capacity: 1, overflow: 'reject' }), undefined);
    assert.equal(checkMailboxOptions({ capacity: Number.POSITIVE_INFINITY }), undefined);
  });
});

describe('Mailbox and PairRing: growth and defaults', () => {
  it('a ring grows only when it is full, and a power-of-two request is used exactly', () => {
    for (const asked of [4, 8, 16]) assert.equal(new PairRing(asked).capacity, asked);
    const ring = new PairRing(4);
    for (let i = 0; i < 40; i++) {
      const before = ring.capacity;
      const full = ring.size === before;
      ring.push(i, i);
      if (!full) assert.equal(ring.capacity, before, `no growth at size ${ring.size - 1}`);
      else assert.ok(ring.capacity > before);
    }
  });

  it("a mailbox's normal lane grows only when it is full", () => {
    const mb = new Mailbox();
    for (let i = 0; i < 40; i++) {
      const before = mb.slots;
      const full = mb.size === before;
      mb.push(i, undefined, LANE_NORMAL);
      if (!full) assert.equal(mb.slots, before, `no growth at size ${mb.size - 1}`);
      else assert.ok(mb.slots > before);
    }
  });

  it('a bounded mailbox without an overflow option uses drop-newest, even once it holds priority messages', () => {
    const mb = new Mailbox({ capacity: 2 });
    mb.push('h', undefined, HIGH);
    mb.pushSignal('sig');
    assert.equal(mb.policy, 'drop-newest');
    assert.equal(mb.dropped, 0);
    assert.equal(mb.rejected, 0);
    assert.equal(mb.expired, 0);
  });

  it('a plain mailbox has no waiters to admit', () => {
    const mb = new Mailbox();
    assert.equal(mb.hasWaiters, false);
    mb.admitWaiters();
    assert.equal(mb.size, 0);
    assert.equal(mb.isEmpty, true);
  });
});

describe('Mailbox: withdrawing a waiting sender', () => {
  const waiter = (message: string, log: string[]) => ({
    message,
    sender: undefined,
    lane: LANE_NORMAL,
    resolve: () => log.push(`resolved ${message}`),
    reject: () => log.push(`rejected ${message}`),
  });

  it('takes back the first matching waiter without queueing it, resolves it, and keeps the others in order', () => {
    const mb = new Mailbox({ capacity: 1, overflow: 'backpressure' });
    mb.push('full', undefined, LANE_NORMAL);
    const log: string[] = [];
    mb.wait(waiter('a', log));
    mb.wait(waiter('b', log));
    mb.wait(waiter('b', log));
    assert.equal(
      mb.withdrawWaiter((m) => m === 'b'),
      true,
    );
    assert.deepEqual(log, ['resolved b']);
    assert.equal(mb.size, 1, 'nothing was queued');
    mb.take();
    mb.admitWaiters();
    assert.deepEqual(log, ['resolved b', 'resolved a']);
    mb.take();
    mb.admitWaiters();
    assert.deepEqual(log, ['resolved b', 'resolved a', 'resolved b'], 'the second b still waited');
    assert.equal(mb.hasWaiters, false);
  });

  it('takes back the first waiter in line too', () => {
    const mb = new Mailbox({ capacity: 1, overflow: 'backpressure' });
    mb.push('full', undefined, LANE_NORMAL);
    const log: string[] = [];
    mb.wait(waiter('a', log));
    mb.wait(waiter('b', log));
    assert.equal(
      mb.withdrawWaiter((m) => m === 'a'),
      true,
    );
    assert.deepEqual(log, ['resolved a']);
    mb.take();
    mb.admitWaiters();
    assert.deepEqual(takeAll(mb), [['b', undefined]], 'only b was admitted');
    assert.equal(mb.hasWaiters, false);
  });

  it('returns false and changes nothing when no waiter matches, or none waits', () => {
    const plain = new Mailbox();
    assert.equal(
      plain.withdrawWaiter(() => true),
      false,
    );
    const mb = new Mailbox({ capacity: 1, overflow: 'backpressure' });
    mb.push('full', undefined, LANE_NORMAL);
    const log: string[] = [];
    mb.wait(waiter('a', log));
    assert.equal(
      mb.withdrawWaiter((m) => m === 'z'),
      false,
    );
    assert.deepEqual(log, []);
    assert.equal(mb.hasWaiters, true);
  });
});
