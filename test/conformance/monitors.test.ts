/**
 * otp-rules.md §1.5: monitors and DOWN (R5.1–R5.7).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exitReason, type MonitorRef } from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { downsIn, exitsIn, note, setup, texts } from './harness.js';

/** An owner that monitors, by its ref or its pid, a probe killed before; settled. */
async function monitorDead(by: 'ref' | 'pid') {
  const { system, probe } = setup();
  const owner = await probe();
  const dead = await probe();
  system.kill(dead.ref);
  let ref: MonitorRef | undefined;
  owner.run((ctx) => {
    ref = ctx.monitor(dead[by]);
  });
  await system.idle();
  return { system, owner, dead, ref };
}

describe('conformance §1.5: monitors', () => {
  failOnUnhandledRejections();

  it('R5.1 monitor returns a fresh ref, and exactly one DOWN with the exit reason arrives, after which the monitor is gone', async () => {
    const { system, probe } = setup();
    const owner = await probe();
    const target = await probe();
    const refs: MonitorRef[] = [];
    owner.run((ctx) => {
      refs.push(ctx.monitor(target.ref));
      refs.push(ctx.monitor(target.pid));
    });
    await system.idle();
    const [m1, m2] = refs as [MonitorRef, MonitorRef];
    assert.notEqual(m1, m2);
    assert.notEqual(m1.id, m2.id);
    assert.equal(m1.active, true);
    target.run((ctx) => ctx.stop(exitReason.shutdown('done')));
    await system.idle();
    const downs = downsIn(owner.inbox);
    assert.deepEqual(
      downs.map((d) => [d.type, d.ref, d.pid, d.reason]),
      [
        ['DOWN', m1, target.pid, exitReason.shutdown('done')],
        ['DOWN', m2, target.pid, exitReason.shutdown('done')],
      ],
    );
    assert.equal(m1.active, false);
    let stillThere: boolean | undefined;
    owner.run((ctx) => {
      stillThere = ctx.demonitor(m1);
    });
    await system.idle();
    assert.equal(stillThere, false, 'a fired monitor is removed');
    assert.equal(downsIn(owner.inbox).length, 2, 'never a second DOWN');
    assert.equal(system.isAlive(owner.ref), true);
    await system.shutdown();
  });

  it('R5.2 monitoring a dead process gives an immediate DOWN with noproc', async () => {
    const { system, owner, dead, ref } = await monitorDead('ref');
    assert.equal(ref?.active, false);
    assert.deepEqual(
      downsIn(owner.inbox).map((d) => [d.ref, d.pid, d.reason]),
      [[ref, dead.pid, exitReason.noproc]],
    );
    assert.deepEqual(await system.exited(dead.ref), exitReason.noproc);
    await system.shutdown();
  });

  it('R5.2 monitoring by pid a process that is gone names that pid in the noproc DOWN', async () => {
    const { system, owner, dead, ref } = await monitorDead('pid');
    assert.deepEqual(
      downsIn(owner.inbox).map((d) => [d.ref, d.pid, d.reason]),
      [[ref, dead.pid, exitReason.noproc]],
    );
    await system.shutdown();
  });

  it('R5.3 a monitor by name resolves the name once: a name not registered gives DOWN noproc, and re-registering the name later does not move the monitor', async () => {
    const { system, probe } = setup();
    const owner = await probe();
    const first = await probe({ name: 'svc' });
    const second = await probe();
    let byName: MonitorRef | undefined;
    let missing: MonitorRef | undefined;
    owner.run((ctx) => {
      byName = ctx.monitor('svc');
      missing = ctx.monitor('nobody');
    });
    await system.idle();
    assert.deepEqual(
      downsIn(owner.inbox).map((d) => [d.ref, d.name, d.reason]),
      [[missing, 'nobody', exitReason.noproc]],
    );
    // The name moves to another process, which then dies: not the monitored one.
    system.unregister('svc');
    system.register('svc', second.ref);
    system.exit(second.ref, exitReason.shutdown('second'));
    await system.idle();
    assert.equal(downsIn(owner.inbox).length, 1);
    assert.equal(byName?.active, true);
    system.exit(first.ref, exitReason.shutdown('first'));
    await system.idle();
    assert.deepEqual(
      downsIn(owner.inbox).map((d) => [d.ref, d.name, d.pid, d.reason]),
      [
        [missing, 'nobody', undefined, exitReason.noproc],
        [byName, 'svc', first.pid, exitReason.shutdown('first')],
      ],
    );
    await system.shutdown();
  });

  it('R5.4 a monitor never kills: the owner survives the crash of what it monitors', async () => {
    const { system, exitsOf, probe } = setup();
    const owner = await probe();
    const target = await probe();
    owner.run((ctx) => {
      ctx.monitor(target.ref);
    });
    await system.idle();
    target.run(() => {
      throw new Error('crash');
    });
    system.exit(owner.ref, exitReason.normal); // and a normal exit signal changes nothing
    await system.idle();
    assert.equal(system.isAlive(owner.ref), true);
    assert.deepEqual(exitsOf(owner), []);
    assert.equal(downsIn(owner.inbox).length, 1);
    await system.shutdown();
  });

  it('R5.4 when the owner of a monitor dies, the monitor is removed silently and the target is told nothing', async () => {
    const { system, exitsOf, letters, probe } = setup();
    const owner = await probe();
    const target = await probe({ trap: true });
    let ref: MonitorRef | undefined;
    owner.run((ctx) => {
      ref = ctx.monitor(target.ref);
    });
    await system.idle();
    owner.run(() => {
      throw new Error('owner crash');
    });
    await system.idle();
    assert.equal(exitsOf(owner).length, 1);
    assert.equal(ref?.active, false, 'removed with its owner');
    assert.equal(system.isAlive(target.ref), true);
    assert.deepEqual(target.inbox, [], 'no EXIT, no DOWN');
    target.run((ctx) => ctx.stop());
    await system.idle();
    assert.deepEqual(letters, [], 'no DOWN is sent to the dead owner');
    await system.shutdown();
  });

  it('R5.5 several monitors on one target are independent and each gives its own DOWN', async () => {
    const { system, probe } = setup();
    const a = await probe();
    const b = await probe();
    const target = await probe();
    const mine: MonitorRef[] = [];
    let theirs: MonitorRef | undefined;
    a.run((ctx) => {
      mine.push(ctx.monitor(target.ref), ctx.monitor(target.ref), ctx.monitor(target.ref));
    });
    b.run((ctx) => {
      theirs = ctx.monitor(target.ref);
    });
    await system.idle();
    a.run((ctx) => {
      ctx.demonitor(mine[0] as MonitorRef);
    });
    await system.idle();
    system.exit(target.ref, exitReason.error('x'));
    await system.idle();
    assert.deepEqual(
      downsIn(a.inbox).map((d) => d.ref),
      [mine[1], mine[2]],
    );
    assert.deepEqual(
      downsIn(b.inbox).map((d) => d.ref),
      [theirs],
    );
    await system.shutdown();
  });

  it('R5.6 after demonitor returns no DOWN is queued; demonitor says whether the monitor was still in place', async () => {
    const { system, probe } = setup();
    const owner = await probe();
    const target = await probe();
    let ref: MonitorRef | undefined;
    const answers: boolean[] = [];
    owner.run((ctx) => {
      ref = ctx.monitor(target.ref);
    });
    await system.idle();
    owner.run((ctx) => {
      const r = ref as MonitorRef;
      answers.push(ctx.demonitor(r), ctx.demonitor(r));
    });
    await system.idle();
    system.exit(target.ref, exitReason.error('x'));
    await system.idle();
    assert.deepEqual(answers, [true, false]);
    assert.deepEqual(owner.inbox, []);
    await system.shutdown();
  });

  it('R5.6 a DOWN already queued stays after demonitor, unless flush is given', async () => {
    const { system, probe } = setup();
    const keeps = await probe();
    const flushes = await probe();
    const target = await probe();
    const refs = new Map<number, MonitorRef>();
    for (const p of [keeps, flushes]) {
      p.run((ctx) => {
        refs.set(p.pid, ctx.monitor(target.ref));
      });
    }
    await system.idle();
    const answers: boolean[] = [];
    // Each mailbox: [demonitor, DOWN].
    keeps.run((ctx) => {
      answers.push(ctx.demonitor(refs.get(keeps.pid) as MonitorRef));
    });
    flushes.run((ctx) => {
      answers.push(ctx.demonitor(refs.get(flushes.pid) as MonitorRef, { flush: true }));
    });
    system.exit(target.ref, exitReason.shutdown('gone'));
    await system.idle();
    assert.deepEqual(answers, [false, false], 'both monitors had fired already');
    assert.deepEqual(
      downsIn(keeps.inbox).map((d) => [d.ref, d.reason]),
      [[refs.get(keeps.pid), exitReason.shutdown('gone')]],
    );
    assert.deepEqual(flushes.inbox, [], 'flush removed the queued DOWN');
    await system.shutdown();
  });

  it('R5.7 the DOWN (and the EXIT) arrive after every message the process sent before it ended', async () => {
    const { system, probe } = setup();
    const owner = await probe({ trap: true });
    const target = await probe();
    owner.run((ctx) => {
      ctx.monitor(target.ref);
      ctx.link(target.ref);
    });
    await system.idle();
    target.run(() => {
      owner.ref.tell(note('one'));
      owner.ref.tell(note('two'));
      throw new Error('after sending');
    });
    await system.idle();
    assert.deepEqual(texts(owner.inbox), ['one', 'two']);
    assert.deepEqual(
      owner.inbox.map((m) => m.type).slice(0, 2),
      ['note', 'note'],
      'both notes come before the DOWN and the EXIT',
    );
    assert.equal(downsIn(owner.inbox).length, 1);
    assert.equal(exitsIn(owner.inbox).length, 1);
    await system.shutdown();
  });

  it('R5.7 a message sent from terminate still arrives before the DOWN', async () => {
    const { system, probe } = setup();
    const owner = await probe();
    const target = system.spawn({
      handle(_msg: 'stop', ctx) {
        ctx.stop(exitReason.shutdown('bye'));
      },
      terminate() {
        owner.ref.tell(note('last words'));
      },
    });
    owner.run((ctx) => {
      ctx.monitor(target);
    });
    await system.idle();
    target.tell('stop');
    await system.idle();
    assert.deepEqual(
      owner.inbox.map((m) => (m.type === 'note' ? m.text : m.type)),
      ['last words', 'DOWN'],
    );
    await system.shutdown();
  });
});
