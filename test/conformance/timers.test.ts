/**
 * otp-rules.md §1.13: timers (R13.1–R13.6), aimed at refs or at names. By
 * design (docs/semantics.md §8) a timer is also cancelled when the process
 * that created it ends, which OTP does not do for a one-shot timer aimed at
 * another process (S113).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineActor, exitReason, name, type TimerRef } from '../../src/index.js';
import { deferred, failOnUnhandledRejections, turn } from '../support/guard.js';
import { note, type ProbeMsg, setup, texts } from './harness.js';

describe('conformance §1.13: timers', () => {
  failOnUnhandledRejections();

  it('R13.1 a timer is never early: each message arrives no sooner than asked', async () => {
    const { clock, system } = setup();
    const arrivals: [string, number][] = [];
    const ref = system.spawn(
      defineActor<string>({
        init(ctx) {
          ctx.sendAfter(100, 'once');
          ctx.sendAfter(0, 'zero');
          ctx.sendInterval(30, 'every');
        },
        handle(msg) {
          arrivals.push([msg, clock.now()]);
        },
      }),
    );
    system.sendAfter(50, ref, 'outside');
    await system.idle();
    assert.deepEqual(arrivals, [], 'not even a 0 ms timer arrives before time is advanced');
    await clock.advanceAndSettle(0, system);
    assert.deepEqual(arrivals, [['zero', 0]]);
    for (let t = 1; t <= 100; t++) await clock.advanceAndSettle(1, system);
    assert.deepEqual(arrivals, [
      ['zero', 0],
      ['every', 30],
      ['outside', 50],
      ['every', 60],
      ['every', 90],
      ['once', 100],
    ]);
    await system.shutdown();
  });

  it('R13.2 a timer aimed at a process is cancelled when that process exits, and cancelTimer then returns false', async () => {
    const { clock, system, letters, probe } = setup();
    const target = await probe();
    const owner = await probe();
    const timers: TimerRef[] = [system.sendAfter(100, target.ref, note('outside'))];
    owner.run((ctx) => {
      timers.push(ctx.sendAfter(100, note('from owner'), target.ref));
    });
    await system.idle();
    assert.equal(system.stats().timers, 2);
    system.exit(target.ref, exitReason.shutdown());
    assert.deepEqual(
      timers.map((t) => t.active),
      [false, false],
    );
    assert.equal(system.stats().timers, 0);
    assert.equal(system.cancelTimer(timers[0] as TimerRef), false);
    const fromOwner: (number | false)[] = [];
    owner.run((ctx) => {
      fromOwner.push(ctx.cancelTimer(timers[1] as TimerRef));
    });
    await clock.advanceAndSettle(200, system);
    assert.deepEqual(fromOwner, [false]);
    assert.deepEqual(letters, [], 'nothing fired at the dead process');
    await system.shutdown();
  });

  it('R13.2 a timer aimed at a process that is not alive is cancelled at once', async () => {
    const { clock, system, probe } = setup();
    const dead = await probe();
    system.kill(dead.ref);
    const owner = await probe();
    const timers: TimerRef[] = [system.sendAfter(100, dead.ref, note('outside'))];
    owner.run((ctx) => {
      timers.push(ctx.sendInterval(10, note('from owner'), dead.ref));
    });
    await system.idle();
    assert.deepEqual(
      timers.map((t) => t.active),
      [false, false],
    );
    assert.equal(system.stats().timers, 0);
    assert.equal(system.cancelTimer(timers[0] as TimerRef), false);
    assert.equal(system.cancelTimer(timers[1] as TimerRef), false);
    await clock.advanceAndSettle(200, system);
    assert.deepEqual(texts(dead.inbox), []);
    await system.shutdown();
  });

  it('R13.3 cancelTimer returns the ms left and the message never comes; false once fired or cancelled, and a delivered message stays', async () => {
    const { clock, system } = setup();
    const handled: string[] = [];
    const gate = deferred();
    const ref = system.spawn(
      defineActor<string>({
        async handle(msg) {
          handled.push(msg);
          if (msg === 'hold') await gate.promise;
        },
      }),
    );
    const cancelled = system.sendAfter(100, ref, 'cancelled');
    const fires = system.sendAfter(40, ref, 'fires');
    await clock.advanceAndSettle(30, system);
    assert.equal(system.cancelTimer(cancelled), 70);
    assert.equal(system.cancelTimer(cancelled), false, 'already cancelled');
    // The next timer fires while the process is busy: its message waits in the mailbox.
    ref.tell('hold');
    await turn();
    clock.advance(10);
    assert.equal(fires.active, false);
    assert.equal(system.cancelTimer(fires), false, 'already fired');
    gate.resolve();
    await clock.advanceAndSettle(200, system);
    assert.deepEqual(handled, ['hold', 'fires'], 'the fired message was still handled');
    await system.shutdown();
  });

  it('R13.4 an interval timer stops when its destination dies', async () => {
    const { clock, system, exitsOf, probe } = setup();
    const target = await probe();
    const creator = await probe();
    const self = await probe();
    let fromCreator: TimerRef | undefined;
    let ownInterval: TimerRef | undefined;
    const outside = system.sendInterval(10, target.ref, note('outside'));
    creator.run((ctx) => {
      fromCreator = ctx.sendInterval(10, note('creator'), target.ref);
    });
    self.run((ctx) => {
      ownInterval = ctx.sendInterval(10, note('own'));
    });
    await system.idle();
    await clock.advanceAndSettle(25, system);
    assert.equal(texts(target.inbox).length, 4, 'two ticks from each interval');
    system.exit(target.ref, exitReason.error('die'));
    system.exit(self.ref, exitReason.shutdown());
    assert.equal(outside.active, false);
    assert.equal(fromCreator?.active, false);
    assert.equal(ownInterval?.active, false);
    assert.equal(system.stats().timers, 0);
    await clock.advanceAndSettle(100, system);
    assert.equal(texts(target.inbox).length, 4);
    assert.equal(texts(self.inbox).length, 2);
    assert.deepEqual(exitsOf(creator), [], 'the creator is not affected');
    await system.shutdown();
  });

  it("R13.5 a process's own timers die with it, whether it stops, crashes or is killed", async () => {
    const { clock, system, letters, probe } = setup();
    const stops = await probe();
    const crashes = await probe();
    const killed = await probe();
    const ps = [stops, crashes, killed];
    const timers: TimerRef[] = [];
    for (const p of ps) {
      p.run((ctx) => {
        timers.push(ctx.sendAfter(50, note('later')), ctx.sendInterval(20, note('tick')));
      });
    }
    await system.idle();
    assert.equal(system.stats().timers, 6);
    stops.run((ctx) => ctx.stop());
    crashes.run(() => {
      throw new Error('crash');
    });
    system.kill(killed.ref);
    await system.idle();
    assert.equal(system.stats().timers, 0);
    assert.ok(timers.every((t) => !t.active));
    await clock.advanceAndSettle(100, system);
    for (const p of ps) assert.deepEqual(texts(p.inbox), []);
    assert.deepEqual(letters, [], 'no timer fired into a dead process');
    await system.shutdown();
  });

  it('R13.6 when a process ends, every timer aimed at it is cancelled and no host callback is left pending for it; timers aimed elsewhere live on', async () => {
    const { clock, system, probe } = setup();
    const doomed = await probe();
    const other = await probe();
    doomed.run((ctx) => {
      ctx.sendAfter(500, note('self once'));
      ctx.sendInterval(70, note('self every'));
    });
    other.run((ctx) => {
      ctx.sendAfter(300, note('to doomed'), doomed.ref);
      ctx.sendInterval(90, note('to doomed every'), doomed.ref);
      ctx.sendAfter(150, note('to itself'));
    });
    system.sendAfter(400, doomed.ref, note('outside'));
    await system.idle();
    assert.equal(system.stats().timers, 6);
    system.kill(doomed.ref);
    assert.equal(system.stats().timers, 1, "only other's own timer is left");
    await clock.advanceAndSettle(1_000, system);
    assert.deepEqual(texts(other.inbox), ['to itself']);
    assert.deepEqual(texts(doomed.inbox), []);
    assert.equal(system.stats().timers, 0);
    assert.equal(clock.pending, 0, 'no host timer left behind');
    await system.shutdown();
  });

  it('R13.2 a timer aimed at a name resolves the name when it fires, not when it is set', async () => {
    const { clock, system, probe } = setup();
    const first = await probe({ name: 'svc' });
    const owner = await probe();
    owner.run((ctx) => {
      ctx.sendAfter(100, note('by name'), 'svc');
      ctx.sendAfter(100, note('by address'), ctx.named('svc'));
      ctx.sendAfter(100, note('by token'), name<ProbeMsg>('svc'));
    });
    await system.idle();
    const outside = system.sendAfter(100, 'svc', note('from outside'));
    await system.stop(first.ref);
    const second = await probe({ name: 'svc' });
    await clock.advanceAndSettle(100, system);
    assert.deepEqual(texts(first.inbox), [], 'the holder when the timer was set gets nothing');
    assert.deepEqual(texts(second.inbox), ['by name', 'by address', 'by token', 'from outside']);
    assert.equal(system.readTimer(outside), false);
    await system.shutdown();
  });

  it('R13.2 a timer aimed at a name is not cancelled when its holder exits, and a name nobody holds when it fires makes a dead letter', async () => {
    const { clock, system, probe, letters } = setup();
    const holder = await probe({ name: 'svc' });
    const timer = system.sendAfter(50, 'svc', note('late'));
    await system.stop(holder.ref);
    assert.equal(system.readTimer(timer), 50, 'still pending after its holder exited');
    await clock.advanceAndSettle(50, system);
    assert.deepEqual(
      letters.map((d) => [d.reason, d.address, (d.message as { text?: string }).text]),
      [['unregistered', 'name:svc', 'late']],
    );
    await system.shutdown();
  });

  it('R13.2 an interval aimed at a name reaches whoever holds it at each tick', async () => {
    const { clock, system, probe } = setup();
    const a = await probe({ name: 'svc' });
    const timer = system.sendInterval(10, 'svc', note('tick'));
    await clock.advanceAndSettle(10, system);
    await system.stop(a.ref);
    const b = await probe({ name: 'svc' });
    await clock.advanceAndSettle(10, system);
    assert.deepEqual([texts(a.inbox), texts(b.inbox)], [['tick'], ['tick']]);
    assert.equal(system.cancelTimer(timer), 10);
    await system.shutdown();
  });

  it('R13.3 readTimer returns the ms left without cancelling; false once fired or cancelled', async () => {
    const { clock, system, probe } = setup();
    const p = await probe();
    let timer: TimerRef | undefined;
    const read: (number | false)[] = [];
    p.run((ctx) => {
      timer = ctx.sendAfter(100, note('due'));
    });
    await system.idle();
    await clock.advanceAndSettle(30, system);
    p.run((ctx) => {
      read.push(ctx.readTimer(timer as TimerRef));
      read.push(ctx.readTimer(timer as TimerRef));
    });
    await system.idle();
    await clock.advanceAndSettle(70, system);
    p.run((ctx) => {
      read.push(ctx.readTimer(timer as TimerRef));
    });
    await system.idle();
    assert.deepEqual(read, [70, 70, false]);
    assert.deepEqual(texts(p.inbox), ['due'], 'reading did not cancel it');
    const cancelled = system.sendAfter(40, p.ref, note('never'));
    assert.equal(system.cancelTimer(cancelled), 40);
    assert.equal(system.readTimer(cancelled), false);
    await system.shutdown();
  });

  it('a timer a process aimed at a name is still cancelled when that process ends (no timer outlives its creator, §8)', async () => {
    const { clock, system, probe } = setup();
    const holder = await probe({ name: 'svc' });
    const owner = await probe();
    let timer: TimerRef | undefined;
    owner.run((ctx) => {
      timer = ctx.sendAfter(100, note('orphan'), 'svc');
    });
    await system.idle();
    await system.stop(owner.ref);
    assert.equal(system.readTimer(timer as TimerRef), false);
    await clock.advanceAndSettle(100, system);
    assert.deepEqual(texts(holder.inbox), []);
    await system.shutdown();
  });
});
