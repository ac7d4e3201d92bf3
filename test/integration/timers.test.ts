import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ActorRef, defineActor, type Pid, type TimerRef } from '../../src/index.js';
import { deferred, failOnUnhandledRejections, turn } from '../support/guard.js';
import { manualSystem } from './fixture.js';

type Msg =
  | { type: 'after'; ms: number; text: string }
  | { type: 'every'; ms: number; text: string }
  | { type: 'cancel' }
  | { type: 'tick'; text: string }
  | { type: 'quit' };

function setup() {
  const { clock, system, letters } = manualSystem();
  const ticks: [string, number, Pid | undefined][] = [];
  const cancels: (number | false)[] = [];
  const timers: TimerRef[] = [];
  const actor = defineActor<Msg>({
    handle(msg, ctx) {
      switch (msg.type) {
        case 'after':
          timers.push(ctx.sendAfter(msg.ms, { type: 'tick', text: msg.text }));
          return;
        case 'every':
          timers.push(ctx.sendInterval(msg.ms, { type: 'tick', text: msg.text }));
          return;
        case 'cancel':
          for (const t of timers) cancels.push(ctx.cancelTimer(t));
          return;
        case 'tick':
          ticks.push([msg.text, clock.now(), ctx.sender]);
          return;
        case 'quit':
          ctx.stop();
          return;
      }
    },
  });
  const advance = async (ms: number): Promise<void> => {
    await clock.advanceAndSettle(ms, system);
  };
  return { clock, system, letters, ticks, cancels, timers, actor, advance };
}

describe('timers', () => {
  failOnUnhandledRejections();

  it('ctx.sendAfter delivers once, no earlier than asked, with no sender', async () => {
    const { system, ticks, timers, actor, advance } = setup();
    const ref = system.spawn(actor);
    ref.tell({ type: 'after', ms: 100, text: 'once' });
    await system.idle();
    assert.equal(timers[0]?.active, true);
    await advance(99);
    assert.deepEqual(ticks, []);
    await advance(1);
    assert.deepEqual(ticks, [['once', 100, undefined]]);
    assert.equal(timers[0]?.active, false);
    await advance(1_000);
    assert.equal(ticks.length, 1);
    await system.shutdown();
  });

  it('ctx.sendInterval delivers every interval until cancelled', async () => {
    const { system, ticks, cancels, actor, advance } = setup();
    const ref = system.spawn(actor);
    ref.tell({ type: 'every', ms: 100, text: 'beat' });
    await system.idle();
    const counts: number[] = [];
    for (const step of [99, 1, 99, 1, 150]) {
      await advance(step);
      counts.push(ticks.length);
    }
    assert.deepEqual(counts, [0, 1, 1, 2, 3], 'one tick at each of 100, 200 and 300 ms');
    ref.tell({ type: 'cancel' });
    await system.idle();
    assert.deepEqual(cancels, [50]);
    await advance(1_000);
    assert.equal(ticks.length, 3);
    await system.shutdown();
  });

  it('ctx.cancelTimer returns the ms left, or false once fired or cancelled', async () => {
    const { system, ticks, cancels, timers, actor, advance } = setup();
    const ref = system.spawn(actor);
    ref.tell({ type: 'after', ms: 100, text: 'a' });
    ref.tell({ type: 'after', ms: 10, text: 'b' });
    await system.idle();
    await advance(30);
    assert.deepEqual(
      ticks.map(([t]) => t),
      ['b'],
    );
    ref.tell({ type: 'cancel' });
    ref.tell({ type: 'cancel' });
    await system.idle();
    assert.deepEqual(cancels, [70, false, false, false]);
    assert.equal(timers[0]?.active, false);
    await advance(100);
    assert.equal(ticks.length, 1, 'the cancelled timer never fires');
    await system.shutdown();
  });

  it("a process's timers are all cancelled when it ends", async () => {
    const { system, ticks, letters, actor, advance } = setup();
    const ref = system.spawn(actor);
    ref.tell({ type: 'after', ms: 100, text: 'a' });
    ref.tell({ type: 'every', ms: 30, text: 'b' });
    await system.idle();
    assert.equal(system.info(ref)?.timers, 2);
    assert.equal(system.stats().timers, 2);
    ref.tell({ type: 'quit' });
    await system.idle();
    assert.equal(system.stats().timers, 0);
    await advance(1_000);
    assert.deepEqual(ticks, []);
    assert.deepEqual(letters, [], 'a cancelled timer makes no dead letter either');
    await system.shutdown();
  });

  it('a timer aimed at another process is cancelled when its creator ends, and when its destination ends', async () => {
    const { system, letters, advance } = setup();
    const received: string[] = [];
    const sink = system.spawn(
      defineActor<string>({
        handle(msg) {
          received.push(msg);
        },
      }),
    );
    const other = system.spawn(
      defineActor<string>({
        handle(msg) {
          received.push(msg);
        },
      }),
    );
    const setter = defineActor<{ to: ActorRef<string>; text: string }>({
      handle(msg, ctx) {
        ctx.sendAfter(100, msg.text, msg.to);
        ctx.stop();
      },
    });
    system.spawn(setter).tell({ to: sink, text: 'creator gone' });
    const keeper = system.spawn(
      defineActor<{ to: ActorRef<string>; text: string }>({
        handle(msg, ctx) {
          ctx.sendAfter(100, msg.text, msg.to);
        },
      }),
    );
    keeper.tell({ to: other, text: 'destination gone' });
    await system.idle();
    assert.equal(system.stats().timers, 1, "the stopped creator's timer is gone already");
    await system.stop(other);
    assert.equal(system.stats().timers, 0);
    await advance(200);
    assert.deepEqual(received, []);
    assert.deepEqual(letters, []);
    await system.shutdown();
  });

  it('system.sendAfter delivers from outside with no sender, and is cancelled when the destination exits', async () => {
    const { system, ticks, letters, actor, advance } = setup();
    const ref = system.spawn(actor);
    const other = system.spawn(actor);
    system.sendAfter(50, ref, { type: 'tick', text: 'outside' });
    const doomed = system.sendAfter(50, other, { type: 'tick', text: 'never' });
    await advance(10);
    await system.stop(other);
    assert.equal(doomed.active, false);
    assert.equal(system.cancelTimer(doomed), false);
    await advance(40);
    assert.deepEqual(ticks, [['outside', 50, undefined]]);
    assert.deepEqual(letters, []);
    assert.equal(system.stats().timers, 0);
    await system.shutdown();
  });

  it('system.sendInterval repeats until system.cancelTimer, which returns the ms left', async () => {
    const { system, ticks, actor, advance } = setup();
    const ref = system.spawn(actor);
    const t = system.sendInterval(40, ref, { type: 'tick', text: 'i' });
    await advance(130);
    assert.equal(ticks.length, 3);
    assert.equal(system.cancelTimer(t), 30);
    assert.equal(system.cancelTimer(t), false);
    await advance(200);
    assert.equal(ticks.length, 3);
    await system.shutdown();
  });

  it('a timer to a process that is already dead is a noproc dead letter and schedules nothing', async () => {
    const { system, letters } = setup();
    const ref = system.spawn(defineActor<string>({ handle() {} }));
    await system.stop(ref);
    const t = system.sendAfter(10, ref, 'late');
    assert.equal(t.active, false);
    assert.equal(system.stats().timers, 0);
    assert.deepEqual(
      letters.map((d) => [d.message, d.reason]),
      [['late', 'noproc']],
    );
    await system.shutdown();
  });

  it('a timer message refused by a full reject mailbox is a dead letter, not lost', async () => {
    const { clock, system, letters } = setup();
    const handled: string[] = [];
    const release = deferred();
    const ref = system.spawn(
      defineActor<string>({
        async handle(msg) {
          handled.push(msg);
          if (msg === 'busy') await release.promise;
        },
      }),
      { mailbox: { capacity: 1, overflow: 'reject' } },
    );
    ref.tell('busy');
    await turn();
    ref.tell('fills the mailbox');
    system.sendAfter(10, ref, 'from timer');
    clock.advance(10);
    assert.equal(system.info(ref)?.mailbox.rejected, 1);
    release.resolve();
    await system.idle();
    assert.deepEqual(handled, ['busy', 'fills the mailbox']);
    assert.deepEqual(
      letters.map((d) => [d.message, d.target, d.sender, d.reason]),
      [['from timer', ref.pid, undefined, 'dropped-newest']],
    );
    await system.shutdown();
  });

  it('a zero delay fires on the next clock advance, not synchronously', async () => {
    const { system, ticks, actor, advance } = setup();
    const ref = system.spawn(actor);
    system.sendAfter(0, ref, { type: 'tick', text: 'zero' });
    await system.idle();
    assert.deepEqual(ticks, []);
    await advance(0);
    assert.equal(ticks.length, 1);
    await system.shutdown();
  });
});
