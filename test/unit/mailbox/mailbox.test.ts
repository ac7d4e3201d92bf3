import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  LANE_NORMAL,
  LANE_SYSTEM,
  laneOf,
  Mailbox,
  type Priority,
} from '../../../src/mailbox/index.js';

const CRITICAL = laneOf('critical') as number;
const HIGH = laneOf('high') as number;
const LOW = laneOf('low') as number;

/** Takes everything, returning [message, sender, lane] triples in take order. */
function takeAll(mb: Mailbox): [unknown, unknown, number][] {
  const out: [unknown, unknown, number][] = [];
  while (mb.take()) out.push([mb.takenMessage, mb.takenSender, mb.takenLane]);
  return out;
}

describe('laneOf', () => {
  it('maps priorities to lanes below the system lane, critical highest', () => {
    assert.equal(LANE_SYSTEM, 0);
    assert.deepEqual(
      (['critical', 'high', 'normal', 'low'] as const).map((p) => laneOf(p)),
      [1, 2, LANE_NORMAL, 4],
    );
    assert.equal(laneOf('urgent' as Priority), undefined);
  });
});

describe('Mailbox lanes', () => {
  it('takes system signals first, then critical, high, normal, low', () => {
    const mb = new Mailbox();
    mb.push('low', 1, LOW);
    mb.push('normal', 2, LANE_NORMAL);
    mb.push('high', 3, HIGH);
    mb.push('critical', 4, CRITICAL);
    mb.pushSignal('signal');
    assert.deepEqual(takeAll(mb), [
      ['signal', undefined, LANE_SYSTEM],
      ['critical', 4, CRITICAL],
      ['high', 3, HIGH],
      ['normal', 2, LANE_NORMAL],
      ['low', 1, LOW],
    ]);
    assert.equal(mb.isEmpty, true);
  });

  it('is FIFO within a lane, and a higher lane always goes first, for any push order', () => {
    const lanes = [LANE_SYSTEM, CRITICAL, HIGH, LANE_NORMAL, LOW];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...lanes), { maxLength: 200 }), (pushes) => {
        const mb = new Mailbox();
        pushes.forEach((lane, i) => {
          if (lane === LANE_SYSTEM) mb.pushSignal(i);
          else mb.push(i, `s${i}`, lane);
        });
        // Model: a stable sort by lane keeps send order within each lane.
        const expected = pushes
          .map((lane, i) => ({ lane, i }))
          .sort((a, b) => a.lane - b.lane)
          .map(({ lane, i }) => [i, lane === LANE_SYSTEM ? undefined : `s${i}`, lane]);
        assert.deepEqual(takeAll(mb), expected);
      }),
    );
  });

  it('counts messages but not signals in size, and signals in isEmpty', () => {
    const mb = new Mailbox();
    mb.pushSignal('s');
    assert.equal(mb.size, 0);
    assert.equal(mb.isEmpty, false);
    mb.push('a', undefined, HIGH);
    mb.push('b', undefined, LANE_NORMAL);
    assert.equal(mb.size, 2);
    assert.equal(mb.take(), true);
    assert.equal(mb.size, 2, 'taking the signal leaves both messages');
    assert.equal(mb.take(), true);
    assert.equal(mb.size, 1);
    assert.equal(mb.take(), true);
    assert.equal(mb.size, 0);
    assert.equal(mb.isEmpty, true);
    assert.equal(mb.take(), false);
  });

  it('keeps an interleaving of pushes and takes consistent with a lane model', () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('push' as const),
        lane: fc.constantFrom(CRITICAL, HIGH, LANE_NORMAL, LOW),
      }),
      fc.record({ kind: fc.constant('signal' as const) }),
      fc.record({ kind: fc.constant('take' as const) }),
      fc.record({ kind: fc.constant('evict' as const) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const mb = new Mailbox();
        const model: number[][] = [[], [], [], [], []];
        let n = 0;
        for (const s of steps) {
          if (s.kind === 'push') {
            mb.push(n, undefined, s.lane);
            model[s.lane]?.push(n++);
          } else if (s.kind === 'signal') {
            mb.pushSignal(n);
            model[LANE_SYSTEM]?.push(n++);
          } else if (s.kind === 'take') {
            const lane = model.findIndex((q) => q.length > 0);
            assert.equal(mb.take(), lane >= 0);
            if (lane >= 0) {
              assert.equal(mb.takenMessage, model[lane]?.shift());
              assert.equal(mb.takenLane, lane);
            }
          } else {
            let lane = -1;
            for (let i = model.length - 1; i > LANE_SYSTEM; i--) {
              if ((model[i]?.length ?? 0) > 0) {
                lane = i;
                break;
              }
            }
            assert.equal(mb.evictOldest(), lane >= 0);
            if (lane >= 0) assert.equal(mb.takenMessage, model[lane]?.shift());
          }
          const messages = model.slice(1).reduce((sum, q) => sum + q.length, 0);
          assert.equal(mb.size, messages);
          assert.equal(mb.isEmpty, messages + (model[LANE_SYSTEM]?.length ?? 0) === 0);
        }
      }),
    );
  });
});

describe('Mailbox.evictOldest', () => {
  it('removes the oldest message of the lowest non-empty lane', () => {
    const mb = new Mailbox();
    mb.push('n1', 'a', LANE_NORMAL);
    mb.push('low1', 'b', LOW);
    mb.push('low2', 'c', LOW);
    mb.push('h1', 'd', HIGH);
    assert.equal(mb.evictOldest(), true);
    assert.deepEqual([mb.takenMessage, mb.takenSender, mb.takenLane], ['low1', 'b', LOW]);
    assert.equal(mb.evictOldest(), true);
    assert.equal(mb.takenMessage, 'low2');
    assert.equal(mb.evictOldest(), true);
    assert.equal(mb.takenMessage, 'n1');
    assert.equal(mb.size, 1);
    assert.deepEqual(takeAll(mb), [['h1', 'd', HIGH]]);
  });

  it('never evicts a system signal', () => {
    const mb = new Mailbox();
    mb.pushSignal('sig');
    assert.equal(mb.evictOldest(), false);
    assert.equal(mb.isEmpty, false);
    assert.equal(mb.take(), true);
    assert.equal(mb.takenMessage, 'sig');
  });
});

describe('Mailbox options and counters', () => {
  it('is unbounded with drop-newest by default and takes capacity and policy from options', () => {
    const unbounded = new Mailbox();
    assert.equal(unbounded.capacity, Number.POSITIVE_INFINITY);
    assert.equal(unbounded.policy, 'drop-newest');
    const bounded = new Mailbox({ capacity: 3, overflow: 'backpressure' });
    assert.equal(bounded.capacity, 3);
    assert.equal(bounded.policy, 'backpressure');
  });

  it('counts enqueued messages and the high-water mark of size, ignoring signals', () => {
    const mb = new Mailbox();
    mb.push(1, undefined, LANE_NORMAL);
    mb.push(2, undefined, HIGH);
    mb.pushSignal('sig');
    mb.take(); // the signal
    mb.take(); // message 2
    mb.take(); // message 1
    mb.push(3, undefined, LOW);
    const m = mb.metrics();
    assert.equal(m.enqueued, 3);
    assert.equal(m.highWater, 2);
    assert.equal(m.size, 1);
    assert.equal(m.capacity, Number.POSITIVE_INFINITY);
  });

  it('pushMessage queues in the normal lane with its sender and counts as push does', () => {
    const mb = new Mailbox();
    mb.push(1, undefined, HIGH);
    mb.pushMessage('a', 7);
    mb.pushMessage('b', undefined);
    mb.pushSignal('sig');
    assert.deepEqual(
      [mb.take(), mb.takenMessage, mb.take(), mb.takenMessage, mb.take()],
      [true, 'sig', true, 1, true],
    );
    assert.equal(mb.takenMessage, 'a');
    assert.equal(mb.takenSender, 7);
    assert.equal(mb.takenLane, LANE_NORMAL);
    const m = mb.metrics();
    assert.equal(m.enqueued, 3);
    assert.equal(m.highWater, 3);
    assert.equal(m.size, 1);
  });

  it('admits waiting senders in arrival order while there is room', () => {
    const mb = new Mailbox({ capacity: 2, overflow: 'backpressure' });
    mb.push('a', undefined, LANE_NORMAL);
    mb.push('b', undefined, LANE_NORMAL);
    const admitted: string[] = [];
    for (const m of ['c', 'd', 'e']) {
      mb.wait({
        message: m,
        sender: undefined,
        lane: LANE_NORMAL,
        resolve: () => admitted.push(m),
        reject: () => assert.fail('no waiter is rejected here'),
      });
    }
    assert.equal(mb.hasWaiters, true);
    mb.admitWaiters();
    assert.deepEqual(admitted, [], 'no room, nobody admitted');
    mb.take();
    mb.admitWaiters();
    assert.deepEqual(admitted, ['c']);
    mb.take();
    mb.take();
    mb.admitWaiters();
    assert.deepEqual(admitted, ['c', 'd', 'e']);
    assert.equal(mb.hasWaiters, false);
    assert.deepEqual(
      takeAll(mb).map(([m]) => m),
      ['d', 'e'],
    );
  });

  it('clear hands every message to `each`, drops signals and fails every waiter', () => {
    const mb = new Mailbox({ capacity: 1, overflow: 'backpressure' });
    mb.push('a', 'sa', LANE_NORMAL);
    mb.pushSignal('sig');
    const failed: unknown[] = [];
    mb.wait({
      message: 'w',
      sender: undefined,
      lane: LANE_NORMAL,
      resolve: () => assert.fail('not admitted'),
      reject: () => undefined,
    });
    const seen: unknown[] = [];
    mb.clear(
      (message, sender) => seen.push([message, sender]),
      (w) => failed.push(w.message),
    );
    assert.deepEqual(seen, [['a', 'sa']]);
    assert.deepEqual(failed, ['w']);
    assert.equal(mb.isEmpty, true);
    assert.equal(mb.size, 0);
    assert.equal(mb.hasWaiters, false);
  });
});

describe('Mailbox segments (normal lane)', () => {
  it('keeps FIFO order and senders across many full-size segments while draining and refilling', () => {
    const mb = new Mailbox();
    let next = 0;
    let expected = 0;
    // Deep enough to chain several 8,192-entry segments; takes interleave so drained
    // segments come back as the spare while the tail is still growing.
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 28_000; i++) mb.push(next, `s${next++}`, LANE_NORMAL);
      for (let i = 0; i < 16_000; i++) {
        assert.equal(mb.take(), true);
        assert.equal(mb.takenMessage, expected);
        assert.equal(mb.takenSender, `s${expected++}`);
      }
    }
    while (mb.take()) {
      assert.equal(mb.takenMessage, expected);
      assert.equal(mb.takenSender, `s${expected++}`);
    }
    assert.equal(expected, next);
    assert.equal(mb.size, 0);
  });

  it('lets a burst’s memory go once drained: only one segment of at most 16,384 entries stays', () => {
    const mb = new Mailbox();
    assert.equal(mb.slots, 4, 'a new mailbox starts with a 4-entry segment');
    for (let i = 0; i < 100_000; i++) mb.push(i, undefined, LANE_NORMAL);
    assert.ok(mb.slots >= 100_000, `holding 100k entries needs room for them (${mb.slots})`);
    while (mb.take());
    assert.ok(mb.slots <= 16_384, `after draining, ${mb.slots} entries of room stay`);
    for (let i = 0; i < 10; i++) mb.push(i, undefined, LANE_NORMAL);
    assert.deepEqual(
      takeAll(mb).map(([m]) => m),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
  });
});
