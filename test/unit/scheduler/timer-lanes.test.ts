/**
 * Timers queued in FIFO lanes (`scheduleFifo`, the ask timeouts) keep the
 * timer rules of docs/semantics.md §8 — delivered no earlier than asked, at
 * their deadline, equal deadlines in the order they were set — however they
 * mix with heap timers, whatever was cancelled or fired before them, on a
 * clock that goes back, and through `clear` (a system's shutdown). These
 * are fixed sequences: the model test in timers.test.ts finds such cases
 * only when its random runs happen to build them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallbackTimer, type Clock, TimerQueue } from '../../../src/scheduler/index.js';
import { ManualClock } from '../../../src/testing/index.js';

function setup(clock: Clock & { now(): number } = new ManualClock()) {
  const queue = new TimerQueue(clock, (error) => assert.fail(String(error)));
  const fired: [string, number][] = [];
  const timer = (label: string): CallbackTimer =>
    new CallbackTimer(() => fired.push([label, clock.now()]));
  return { queue, fired, timer };
}

/** A clock the test sets, which may go back (a user's own `Clock`); fires due host timers on `set`. */
class SettableClock implements Clock {
  time = 0;
  readonly #timers = new Map<number, { at: number; callback: () => void }>();
  #next = 1;

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, delayMs: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.time + delayMs, callback });
    return id;
  }

  clearTimer(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  set(time: number): void {
    this.time = time;
    for (const [id, t] of [...this.#timers]) {
      if (t.at <= this.time && this.#timers.delete(id)) t.callback();
    }
  }
}

describe('TimerQueue: FIFO lanes keep the timer rules (§8)', () => {
  it('equal deadlines fire in the order they were set, lane and heap timers mixed, also after a lane’s first was cancelled', () => {
    const clock = new ManualClock();
    const { queue, fired, timer } = setup(clock);
    const first = timer('fifo-1');
    queue.scheduleFifo(first, 10);
    queue.schedule(timer('heap-1'), 10);
    queue.scheduleFifo(timer('fifo-2'), 10);
    queue.schedule(timer('heap-2'), 10);
    queue.scheduleFifo(timer('fifo-3'), 10);
    queue.cancel(first);
    clock.advance(10);
    assert.deepEqual(
      fired.map(([label]) => label),
      ['heap-1', 'fifo-2', 'heap-2', 'fifo-3'],
    );
  });

  it('a lane timer fires at its own deadline, with later ones of its delay queued behind it and after earlier ones fired', () => {
    const clock = new ManualClock();
    const { queue, fired, timer } = setup(clock);
    queue.scheduleFifo(timer('a'), 10); // due 10
    clock.advance(4);
    queue.scheduleFifo(timer('b'), 10); // due 14
    clock.advance(6); // 10: a fires alone
    assert.deepEqual(fired, [['a', 10]]);
    queue.scheduleFifo(timer('c'), 10); // due 20, behind b
    clock.advance(4); // 14
    queue.scheduleFifo(timer('d'), 10); // due 24, behind c
    clock.advance(20);
    assert.deepEqual(fired, [
      ['a', 10],
      ['b', 14],
      ['c', 20],
      ['d', 24],
    ]);
    assert.equal(queue.size, 0);
  });

  it('cancelling a lane’s head or middle timer leaves the others to fire in order, and new ones join behind them', () => {
    const clock = new ManualClock();
    const { queue, fired, timer } = setup(clock);
    const t = ['a', 'b', 'c', 'd'].map(timer) as [
      CallbackTimer,
      CallbackTimer,
      CallbackTimer,
      CallbackTimer,
    ];
    for (const entry of t) {
      queue.scheduleFifo(entry, 10);
      clock.advance(1);
    }
    queue.cancel(t[0]); // the head
    queue.cancel(t[2]); // a middle one
    queue.scheduleFifo(timer('e'), 10);
    assert.deepEqual(queue.entries().length, 3);
    clock.advance(20);
    assert.deepEqual(fired, [
      ['b', 11],
      ['d', 13],
      ['e', 14],
    ]);
  });

  it('a lane whose cancelled head came due fires its next timer at that timer’s deadline, before later heap timers', () => {
    const clock = new ManualClock();
    const { queue, fired, timer } = setup(clock);
    const answered = timer('answered');
    queue.scheduleFifo(answered, 10); // due 10: keys the lane
    queue.schedule(timer('heap-20'), 20);
    queue.schedule(timer('heap-30'), 30);
    clock.advance(5);
    queue.scheduleFifo(timer('next'), 10); // due 15, behind the head
    queue.cancel(answered);
    clock.advance(30); // at 10 the lane is re-keyed at 15, ahead of both heap timers
    assert.deepEqual(fired, [
      ['next', 15],
      ['heap-20', 20],
      ['heap-30', 30],
    ]);
  });

  it('on a clock that goes back, timers still fire by deadline, then in the order they were set', () => {
    const clock = new SettableClock();
    const { queue, fired, timer } = setup(clock);
    clock.time = 100;
    queue.scheduleFifo(timer('late'), 10); // due 110
    clock.time = 50; // the clock went back
    queue.scheduleFifo(timer('early'), 10); // due 60: not behind 'late'
    clock.set(60);
    assert.deepEqual(fired, [['early', 60]]);
    clock.set(110);
    assert.deepEqual(fired, [
      ['early', 60],
      ['late', 110],
    ]);
  });

  it('clear cancels lane timers too (a shutdown leaves no ask timeout behind)', () => {
    const clock = new ManualClock();
    const { queue, fired, timer } = setup(clock);
    const a = timer('a');
    const b = timer('b');
    queue.scheduleFifo(a, 10);
    queue.scheduleFifo(b, 10);
    queue.clear();
    assert.equal(queue.size, 0);
    assert.equal(a.active, false);
    assert.equal(b.active, false);
    assert.deepEqual(queue.entries(), []);
    queue.scheduleFifo(timer('after'), 10);
    clock.advance(20);
    assert.deepEqual(fired, [['after', 10]]);
  });
});
