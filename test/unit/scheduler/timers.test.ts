import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CallbackTimer, TimerQueue } from '../../../src/scheduler/index.js';
import { ManualClock } from '../../../src/testing/index.js';

function setup(start = 0) {
  const clock = new ManualClock(start);
  const errors: unknown[] = [];
  const queue = new TimerQueue(clock, (error) => errors.push(error));
  const fired: string[] = [];
  const firedAt: number[] = [];
  const timer = (label: string): CallbackTimer =>
    new CallbackTimer(() => {
      fired.push(label);
      firedAt.push(clock.now());
    });
  return { clock, queue, errors, fired, firedAt, timer };
}

describe('TimerQueue on a ManualClock', () => {
  it('fires timers in deadline order, at their deadline', () => {
    const { clock, queue, fired, firedAt, timer } = setup(100);
    queue.schedule(timer('c'), 30);
    queue.schedule(timer('a'), 10);
    queue.schedule(timer('b'), 20);
    clock.advance(25);
    assert.deepEqual(fired, ['a', 'b']);
    assert.deepEqual(firedAt, [110, 120]);
    clock.advance(5);
    assert.deepEqual(fired, ['a', 'b', 'c']);
    assert.equal(queue.size, 0);
  });

  it('fires timers with equal deadlines in insertion order', () => {
    const { clock, queue, fired, timer } = setup();
    for (const label of ['x', 'y', 'z', 'w']) queue.schedule(timer(label), 7);
    clock.advance(7);
    assert.deepEqual(fired, ['x', 'y', 'z', 'w']);
  });

  it('does not fire before the deadline; a negative delay counts as zero', () => {
    const { clock, queue, fired, timer } = setup();
    queue.schedule(timer('later'), 10);
    queue.schedule(timer('now'), -5);
    clock.advance(0);
    assert.deepEqual(fired, ['now']);
    clock.advance(9);
    assert.deepEqual(fired, ['now']);
    clock.advance(1);
    assert.deepEqual(fired, ['now', 'later']);
  });

  it('cancel removes a queued timer and reports whether it was queued', () => {
    const { clock, queue, fired, timer } = setup();
    const a = timer('a');
    const b = timer('b');
    queue.schedule(a, 5);
    queue.schedule(b, 10);
    assert.equal(a.active, true);
    assert.equal(queue.cancel(a), true);
    assert.equal(a.active, false);
    assert.equal(queue.cancel(a), false);
    assert.equal(queue.size, 1);
    clock.advance(20);
    assert.deepEqual(fired, ['b']);
    assert.equal(b.active, false);
    assert.equal(queue.cancel(b), false, 'a fired timer is no longer queued');
  });

  it('remaining is the ms left before the deadline, or false once fired or cancelled', () => {
    const { clock, queue, timer } = setup(1_000);
    const t = timer('t');
    assert.equal(queue.remaining(t), false);
    queue.schedule(t, 50);
    assert.equal(queue.remaining(t), 50);
    clock.advance(20);
    assert.equal(queue.remaining(t), 30);
    clock.advance(30);
    assert.equal(queue.remaining(t), false);
    const u = timer('u');
    queue.schedule(u, 10);
    queue.cancel(u);
    assert.equal(queue.remaining(u), false);
  });

  it('rescheduling a queued timer moves it instead of queueing it twice', () => {
    const { clock, queue, fired, timer } = setup();
    const t = timer('t');
    queue.schedule(t, 5);
    queue.schedule(t, 15);
    assert.equal(queue.size, 1);
    clock.advance(10);
    assert.deepEqual(fired, []);
    clock.advance(5);
    assert.deepEqual(fired, ['t']);
  });

  it('a timer scheduled earlier than the armed host timer re-arms it', () => {
    const { clock, queue, fired, timer } = setup();
    queue.schedule(timer('late'), 100);
    queue.schedule(timer('early'), 1);
    clock.advance(1);
    assert.deepEqual(fired, ['early']);
  });

  it('a timer callback that throws is reported and the others still fire', () => {
    const { clock, queue, errors, fired, timer } = setup();
    const boom = new Error('boom');
    queue.schedule(
      new CallbackTimer(() => {
        throw boom;
      }),
      1,
    );
    queue.schedule(timer('after'), 1);
    clock.advance(1);
    assert.deepEqual(errors, [boom]);
    assert.deepEqual(fired, ['after']);
  });

  it('clear cancels every timer and the host timer', () => {
    const { clock, queue, fired, timer } = setup();
    const a = timer('a');
    queue.schedule(a, 1);
    queue.schedule(timer('b'), 2);
    queue.clear();
    assert.equal(queue.size, 0);
    assert.equal(a.active, false);
    assert.equal(clock.pending, 0);
    clock.advance(10);
    assert.deepEqual(fired, []);
  });

  it('keeps one host timer however many timers are queued', () => {
    const { clock, queue, timer } = setup();
    for (let i = 0; i < 50; i++) queue.schedule(timer(`t${i}`), 100 - i);
    assert.equal(clock.pending, 1);
  });

  type Op =
    | { readonly op: 'schedule'; readonly id: number; readonly delay: number }
    | { readonly op: 'fifo'; readonly id: number; readonly delay: number }
    | { readonly op: 'cancel'; readonly id: number }
    | { readonly op: 'advance'; readonly ms: number };

  const opArb: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        op: fc.constant('schedule' as const),
        id: fc.nat({ max: 11 }),
        delay: fc.integer({ min: -2, max: 40 }),
      }),
    },
    {
      // Lanes of a few shared delays (ask timeouts), mixed with heap timers.
      weight: 4,
      arbitrary: fc.record({
        op: fc.constant('fifo' as const),
        id: fc.nat({ max: 11 }),
        delay: fc.constantFrom(-1, 0, 5, 10, 30),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant('cancel' as const), id: fc.nat({ max: 11 }) }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.nat({ max: 30 }) }),
    },
  );

  it('matches a sorted-list model: order by deadline then insertion, cancel, remaining, with FIFO lanes (scheduleFifo) mixed in', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => {
        const clock = new ManualClock();
        const queue = new TimerQueue(clock, (error) => {
          throw error;
        });
        const fired: [number, number][] = [];
        const timers = Array.from(
          { length: 12 },
          (_, id) => new CallbackTimer(() => fired.push([id, clock.now()])),
        );
        // Model: queued entries with their deadline and insertion number.
        let model: { id: number; deadline: number; seq: number }[] = [];
        let seq = 0;
        const expected: [number, number][] = [];
        for (const step of ops) {
          if (step.op === 'schedule' || step.op === 'fifo') {
            model = model.filter((e) => e.id !== step.id);
            model.push({
              id: step.id,
              deadline: clock.now() + Math.max(0, step.delay),
              seq: seq++,
            });
            if (step.op === 'fifo')
              queue.scheduleFifo(timers[step.id] as CallbackTimer, step.delay);
            else queue.schedule(timers[step.id] as CallbackTimer, step.delay);
          } else if (step.op === 'cancel') {
            const queued = model.some((e) => e.id === step.id);
            model = model.filter((e) => e.id !== step.id);
            assert.equal(queue.cancel(timers[step.id] as CallbackTimer), queued);
          } else {
            const target = clock.now() + step.ms;
            const due = model
              .filter((e) => e.deadline <= target)
              .sort((a, b) => a.deadline - b.deadline || a.seq - b.seq);
            model = model.filter((e) => e.deadline > target);
            for (const e of due) expected.push([e.id, e.deadline]);
            clock.advance(step.ms);
          }
          assert.deepEqual(fired, expected);
          assert.equal(queue.size, model.length);
          assert.deepEqual(
            queue
              .entries()
              .map((e) => timers.indexOf(e as CallbackTimer))
              .sort((a, b) => a - b),
            model.map((e) => e.id).sort((a, b) => a - b),
          );
          for (const [id, t] of timers.entries()) {
            const entry = model.find((e) => e.id === id);
            assert.equal(
              queue.remaining(t),
              entry === undefined ? false : entry.deadline - clock.now(),
            );
            assert.equal(t.active, entry !== undefined);
          }
        }
      }),
    );
  });
});

describe('TimerQueue: inspection', () => {
  it('entries() lists exactly the queued timers, as a copy', () => {
    const clock = new ManualClock();
    const queue = new TimerQueue(clock, (e) => {
      throw e;
    });
    assert.deepEqual(queue.entries(), []);
    const a = new CallbackTimer(() => {});
    const b = new CallbackTimer(() => {});
    const c = new CallbackTimer(() => {});
    queue.schedule(a, 10);
    queue.schedule(b, 5);
    queue.schedule(c, 20);
    queue.cancel(c);
    const listed = queue.entries();
    assert.equal(listed.length, 2);
    assert.ok(listed.includes(a) && listed.includes(b) && !listed.includes(c));
    listed.length = 0;
    assert.equal(queue.entries().length, 2, 'changing the copy changes nothing');
    clock.advance(5);
    assert.deepEqual(queue.entries(), [a], 'a fired timer is no longer listed');
  });
});
