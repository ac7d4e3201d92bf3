import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { type ActorRef, createSystem, defineActor } from '../../../src/index.js';
import {
  PACE_FAST,
  PACE_SLOW,
  PACE_UNKNOWN,
  paceAfterTurn,
  turnLimit,
} from '../../../src/scheduler/index.js';
import { ManualClock } from '../../../src/testing/index.js';
import { failOnUnhandledRejections } from '../../support/guard.js';

/** Burns `ms` of wall time on the CPU, as a CPU-bound handler does. */
function burn(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

describe('Scheduler time slice (§9: a round ends at most one handler past sliceMs)', () => {
  failOnUnhandledRejections();

  it('a due timer fires while one process works through queued 20 ms CPU-bound messages, not after its batch', async () => {
    // §9: once the slice is spent a round ends after the running handler, so
    // a timer due at 50 ms fires by 50 ms + one 20 ms handler: when it fires
    // the process has handled at most (50 + 20) / 20 + 1 = 4 messages (the
    // one running when it fell due included). Before the bound, all 40 (one
    // batch of 64) ran first.
    const handlerMs = 20;
    const timerMs = 50;
    const total = 40;
    const system = createSystem();
    let handled = 0;
    const worker = defineActor<number>({
      handle() {
        burn(handlerMs);
        handled++;
      },
    });
    const ref = system.spawn(worker);
    let handledWhenFired = -1;
    const fired = new Promise<void>((resolve) =>
      setTimeout(() => {
        handledWhenFired = handled;
        resolve();
      }, timerMs),
    );
    for (let i = 0; i < total; i++) ref.tell(i);
    await fired;
    await system.idle();
    assert.equal(handled, total);
    const bound = Math.floor((timerMs + handlerMs) / handlerMs) + 1;
    assert.ok(
      handledWhenFired >= 0 && handledWhenFired <= bound,
      `the timer fired after ${handledWhenFired} of ${total} messages, more than ${bound}`,
    );
    await system.shutdown();
  });

  it('a process whose messages are slow runs one message per round; once they are fast again it runs full batches', async () => {
    // The handler advances the manual clock by its "cost": 20 ms for the
    // first 10 messages, nothing after. Rounds are counted by the scheduler.
    const clock = new ManualClock();
    const batch = 64;
    const system = createSystem({ clock, scheduler: { batch } });
    const slowCount = 10;
    const total = 200;
    const roundOf: number[] = [];
    const worker = defineActor<number>({
      handle(n) {
        roundOf.push(system.stats().scheduler.rounds);
        if (n < slowCount) clock.advance(20);
      },
    });
    const ref = system.spawn(worker);
    for (let i = 0; i < total; i++) ref.tell(i);
    await system.idle();
    assert.equal(roundOf.length, total);
    const perRound = new Map<number, number>();
    for (const r of roundOf) perRound.set(r, (perRound.get(r) ?? 0) + 1);
    const counts = [...perRound.values()];
    // Each slow message ended its round (the slice was spent).
    assert.deepEqual(counts.slice(0, slowCount), new Array(slowCount).fill(1));
    // The first fast message, timed alone, clears the mark, and the clock
    // stands still from then on: the rest run in one round.
    assert.deepEqual(counts.slice(slowCount), [total - slowCount]);
    await system.shutdown();
  });

  it('a process known to be fast whose messages turn slow runs one batch of them, then one per round', async () => {
    const clock = new ManualClock();
    const system = createSystem({ clock });
    const roundOf: number[] = [];
    const worker = defineActor<number>({
      handle(cost) {
        if (cost === 0) return;
        roundOf.push(system.stats().scheduler.rounds);
        clock.advance(cost);
      },
    });
    const ref = system.spawn(worker);
    for (let i = 0; i < 64; i++) ref.tell(0);
    await system.idle(); // one full batch timed alone: the process is fast
    const slow = 100;
    for (let i = 0; i < slow; i++) ref.tell(20);
    await system.idle();
    const perRound = new Map<number, number>();
    for (const r of roundOf) perRound.set(r, (perRound.get(r) ?? 0) + 1);
    const counts = [...perRound.values()];
    assert.deepEqual(counts, [64, ...new Array(slow - 64).fill(1)]);
    await system.shutdown();
  });

  it('an interval of several turns that spent the slice times the next turns one by one: after one overrun, rounds end at most one handler past sliceMs', async () => {
    // §9: the clock is read once per 16 turns of fast processes, so 16 slow
    // single-message turns can run before a round sees its slice is spent.
    // A ring of 16 processes passing one token, each handler costing 3 ms
    // (16 x 3 = 48 ms, under longHandlerMs): every 16-turn interval ends
    // with the same process, so before the rule that an interval of several
    // turns past the slice times the next turns one by one, only that one
    // was ever marked slow and every round spanned 48 ms, forever.
    const clock = new ManualClock();
    const sliceMs = 10;
    const costMs = 3;
    const ringSize = 16;
    const system = createSystem({ clock, scheduler: { sliceMs } });
    const spans = new Map<number, { first: number; last: number }>();
    let hops = 0;
    const hopLimit = 200;
    const refs: ActorRef<number>[] = [];
    const stage = (index: number) =>
      defineActor<number>({
        handle(hop) {
          if (hop < 0) return; // a warm-up message: free
          const round = system.stats().scheduler.rounds;
          const now = clock.now();
          const span = spans.get(round);
          if (span === undefined) spans.set(round, { first: now, last: now + costMs });
          else span.last = now + costMs;
          clock.advance(costMs);
          hops++;
          if (hop < hopLimit) (refs[(index + 1) % ringSize] as ActorRef<number>).tell(hop + 1);
        },
      });
    for (let i = 0; i < ringSize; i++) {
      const ref = system.spawn(stage(i));
      for (let k = 0; k < 64; k++) ref.tell(-1);
      await system.idle(); // one full batch timed alone: this stage is fast
      refs.push(ref);
    }
    (refs[0] as ActorRef<number>).tell(0);
    await system.idle();
    assert.equal(hops, hopLimit + 1);
    const lengths = [...spans.values()].map((s) => s.last - s.first);
    // The first round runs 16 slow turns before the clock is read.
    assert.equal(lengths[0], ringSize * costMs);
    // Every later round ends at most one handler past the slice.
    const later = lengths.slice(1);
    assert.ok(later.length > 0);
    for (const length of later) {
      assert.ok(
        length <= sliceMs + costMs,
        `a later round spanned ${length} ms: ${lengths.join(', ')}`,
      );
    }
    await system.shutdown();
  });

  it('turnLimit: one message per turn while the pace is unknown or slow, a batch once it is fast', () => {
    assert.equal(turnLimit(PACE_UNKNOWN, 64, 16_384), 1);
    assert.equal(turnLimit(PACE_SLOW, 64, 16_384), 1);
    assert.equal(turnLimit(PACE_FAST, 64, 16_384), 64);
    assert.equal(turnLimit(PACE_FAST, 64, 10), 10);
  });

  it('paceAfterTurn: slow when a full batch at the turn rate would exceed the slice; a turn of no messages keeps the pace', () => {
    assert.equal(paceAfterTurn(20, 1, 10, 64, PACE_UNKNOWN), PACE_SLOW);
    assert.equal(paceAfterTurn(0.2, 1, 10, 64, PACE_FAST), PACE_SLOW);
    assert.equal(paceAfterTurn(0.1, 1, 10, 64, PACE_SLOW), PACE_FAST);
    assert.equal(paceAfterTurn(5, 64, 10, 64, PACE_SLOW), PACE_FAST);
    assert.equal(paceAfterTurn(0, 0, 10, 64, PACE_SLOW), PACE_SLOW);
    assert.equal(paceAfterTurn(0, 0, 10, 64, PACE_UNKNOWN), PACE_UNKNOWN);
  });
});
