/**
 * Whether the timer queue keeps the host process alive (docs/semantics.md
 * §8, §10): a pending timer must hold the process open, or its message is
 * lost when Node exits; a queue with nothing pending must not, or a
 * program that is done waits for a stale ask timeout.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallbackTimer, type Clock, TimerQueue } from '../../../src/scheduler/index.js';

/** Host timers as Node would keep them: ref'd when made, until `keepAlive(false)`. */
class RecordingClock implements Clock {
  time = 0;
  readonly #timers = new Map<number, { at: number; callback: () => void; ref: boolean }>();
  #next = 1;

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, delayMs: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.time + delayMs, callback, ref: true });
    return id;
  }

  clearTimer(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Like Node's `Timeout.ref()`/`unref()`: there must be a timer to call it on. */
  keepAlive(handle: unknown, keepAlive: boolean): void {
    if (typeof handle !== 'number') throw new TypeError(`keepAlive on ${String(handle)}`);
    const t = this.#timers.get(handle);
    if (t !== undefined) t.ref = keepAlive;
  }

  /** Whether a pending host timer would keep Node's event loop alive. */
  get holdsProcessOpen(): boolean {
    return [...this.#timers.values()].some((t) => t.ref);
  }

  get pending(): number {
    return this.#timers.size;
  }

  advance(ms: number): void {
    this.time += ms;
    for (const [id, t] of [...this.#timers]) {
      if (t.at <= this.time && this.#timers.delete(id)) t.callback();
    }
  }
}

function setup() {
  const clock = new RecordingClock();
  const queue = new TimerQueue(clock, (error) => assert.fail(String(error)));
  const fired: string[] = [];
  const timer = (label: string) => new CallbackTimer(() => fired.push(label));
  return { clock, queue, fired, timer };
}

describe('TimerQueue: keeping the host process alive', () => {
  it('a pending timer holds the process open until it fires; then nothing does', () => {
    const { clock, queue, fired, timer } = setup();
    queue.schedule(timer('a'), 100);
    assert.equal(clock.holdsProcessOpen, true);
    clock.advance(100);
    assert.deepEqual(fired, ['a']);
    assert.equal(clock.holdsProcessOpen, false);
  });

  it('once the last timer is cancelled (an answered ask), the idle host timer no longer holds the process open', () => {
    const { clock, queue, timer } = setup();
    const ask = timer('ask timeout');
    queue.schedule(ask, 3_000);
    assert.equal(queue.cancel(ask), true);
    assert.equal(clock.pending, 1, 'the host timer stays armed (cheaper than clearing it)');
    assert.equal(clock.holdsProcessOpen, false, 'but it does not keep the process alive');
  });

  it('a FIFO lane (scheduleFifo, ask timeouts) holds the process open while it has a timer, and not once the last is cancelled', () => {
    const { clock, queue, fired, timer } = setup();
    const first = timer('first');
    queue.scheduleFifo(first, 3_000);
    assert.equal(clock.holdsProcessOpen, true);
    assert.equal(queue.cancel(first), true);
    assert.equal(clock.holdsProcessOpen, false, 'an emptied lane keeps nothing alive');
    clock.advance(1_000);
    queue.scheduleFifo(timer('second'), 3_000);
    assert.equal(
      clock.holdsProcessOpen,
      true,
      'the lane is still keyed at 3 000; it holds the process again',
    );
    clock.advance(2_000);
    assert.deepEqual(fired, [], 'woken at the cancelled head’s deadline, it fires nothing');
    assert.equal(clock.holdsProcessOpen, true, 're-keyed at the current head');
    clock.advance(1_000);
    assert.deepEqual(fired, ['second']);
    assert.equal(clock.holdsProcessOpen, false);
    assert.equal(queue.size, 0);
  });

  it('once a timer fires while an emptied FIFO lane is still keyed (answered asks), the host timer re-armed for the lane holds nothing open', () => {
    const { clock, queue, fired, timer } = setup();
    const answered = timer('answered ask');
    queue.scheduleFifo(answered, 50_000);
    queue.cancel(answered);
    queue.scheduleFifo(timer('short ask'), 100);
    assert.equal(clock.holdsProcessOpen, true);
    clock.advance(100);
    assert.deepEqual(fired, ['short ask']);
    assert.equal(queue.size, 0);
    assert.equal(
      clock.holdsProcessOpen,
      false,
      'a program whose asks have all ended must not wait for the longest timeout',
    );
    clock.advance(49_900);
    assert.deepEqual(fired, ['short ask'], 'the lane wakes, finds nothing and stops');
    assert.equal(clock.pending, 0);
  });

  it('a timer set after a cancelled one, due later than the idle host timer, holds the process open again and fires', () => {
    const { clock, queue, fired, timer } = setup();
    const ask = timer('ask timeout');
    queue.schedule(ask, 3_000);
    queue.cancel(ask);
    queue.schedule(timer('sendAfter'), 10_000);
    assert.equal(clock.holdsProcessOpen, true, 'the pending message must not be lost at exit');
    clock.advance(3_000);
    assert.deepEqual(fired, []);
    assert.equal(clock.holdsProcessOpen, true, 're-armed for the pending timer');
    clock.advance(7_000);
    assert.deepEqual(fired, ['sendAfter']);
    assert.equal(clock.holdsProcessOpen, false);
  });

  it('a timer set after a cancelled one, due sooner, re-arms a host timer that holds the process open', () => {
    const { clock, queue, fired, timer } = setup();
    const ask = timer('ask timeout');
    queue.schedule(ask, 3_000);
    queue.cancel(ask);
    queue.schedule(timer('soon'), 10);
    assert.equal(clock.holdsProcessOpen, true);
    clock.advance(10);
    assert.deepEqual(fired, ['soon']);
    assert.equal(clock.holdsProcessOpen, false);
  });

  it('cancelling one of two timers keeps the process open for the other', () => {
    const { clock, queue, timer } = setup();
    const a = timer('a');
    queue.schedule(a, 100);
    queue.schedule(timer('b'), 200);
    queue.cancel(a);
    assert.equal(clock.holdsProcessOpen, true);
  });

  it('clear leaves no host timer at all', () => {
    const { clock, queue, timer } = setup();
    queue.schedule(timer('a'), 100);
    queue.clear();
    assert.equal(clock.pending, 0);
    assert.equal(queue.size, 0);
  });

  it('firing the last timer touches no host timer that is already gone', () => {
    const { clock, queue, fired, timer } = setup();
    queue.schedule(timer('a'), 10);
    queue.schedule(timer('b'), 10);
    clock.advance(10); // a strict clock throws if the queue un-refs a host timer it no longer has
    assert.deepEqual(fired, ['a', 'b']);
    assert.equal(clock.holdsProcessOpen, false);
  });

  it('remaining never goes below 0 when the host timer is late', () => {
    const { clock, queue, timer } = setup();
    const t = timer('late');
    queue.schedule(t, 10);
    clock.time += 50; // time passes, the host timer has not run yet
    assert.equal(queue.remaining(t), 0);
  });
});

describe('TimerQueue: one host timer, and order under churn', () => {
  it('timers due no sooner than the armed host timer cost no host timer of their own (an ask is cheap)', () => {
    const clock = new RecordingClock();
    let armed = 0;
    const setTimer = clock.setTimer.bind(clock);
    clock.setTimer = (callback, delayMs) => {
      armed++;
      return setTimer(callback, delayMs);
    };
    const queue = new TimerQueue(clock, (error) => assert.fail(String(error)));
    queue.schedule(new CallbackTimer(() => {}), 100);
    for (let i = 0; i < 50; i++) queue.schedule(new CallbackTimer(() => {}), 100 + i);
    assert.equal(armed, 1, 'one host timer for all of them');
    queue.schedule(new CallbackTimer(() => {}), 10);
    assert.equal(armed, 2, 'an earlier one re-arms it');
    assert.equal(clock.pending, 1, 'and the previous host timer is cleared');
  });

  it('under many schedules and cancels in random order, timers fire in deadline order, ties in schedule order', () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const clock = new RecordingClock();
    const queue = new TimerQueue(clock, (error) => assert.fail(String(error)));
    const fired: number[] = [];
    const entries: { id: number; deadline: number; timer: CallbackTimer; live: boolean }[] = [];
    for (let id = 0; id < 400; id++) {
      const deadline = random(60);
      const timer = new CallbackTimer(() => fired.push(id));
      queue.schedule(timer, deadline);
      entries.push({ id, deadline, timer, live: true });
      if (random(3) === 0) {
        const victim = entries[random(entries.length)] as (typeof entries)[number];
        if (victim.live) {
          assert.equal(queue.cancel(victim.timer), true);
          victim.live = false;
        }
      }
    }
    const expected = entries
      .filter((e) => e.live)
      .sort((a, b) => a.deadline - b.deadline || a.id - b.id)
      .map((e) => e.id);
    for (let t = 0; t < 60; t++) clock.advance(1);
    assert.deepEqual(fired, expected);
    assert.equal(queue.size, 0);
  });
});
