/**
 * otp-rules.md §1.2: links and sending exit signals (R2.1–R2.7).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineActor, exitReason, NoProcError, type Pid } from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { exitsIn, type Note, note, probeActor, setup } from './harness.js';

const crash = (error: unknown) => () => {
  throw error;
};

describe('conformance §1.2: links and exit signals', () => {
  failOnUnhandledRejections();

  it('R2.1 a link is bidirectional: whichever end dies takes the other down with its reason', async () => {
    const { system, exitsOf, probe } = setup();
    const a = await probe();
    const b = await probe();
    const c = await probe();
    const d = await probe();
    a.run((ctx) => ctx.link(b.ref)); // a made the link, b dies
    c.run((ctx) => ctx.link(d.ref)); // c made the link, c dies
    await system.idle();
    const boomB = new Error('b');
    const boomC = new Error('c');
    b.run(crash(boomB));
    c.run(crash(boomC));
    await system.idle();
    assert.deepEqual(exitsOf(a), [exitReason.error(boomB)]);
    assert.deepEqual(exitsOf(d), [exitReason.error(boomC)]);
    await system.shutdown();
  });

  it('R2.1 linking twice makes one link, which one unlink removes, from either side', async () => {
    const { system, exitsOf, probe } = setup();
    const a = await probe();
    const b = await probe();
    const c = await probe();
    const d = await probe();
    a.run((ctx) => {
      ctx.link(b.ref);
      ctx.link(b.ref);
      ctx.link(b.pid);
    });
    b.run((ctx) => ctx.link(a.ref));
    c.run((ctx) => ctx.link(d.ref));
    await system.idle();
    a.run((ctx) => ctx.unlink(b.ref)); // one unlink by the side that linked
    d.run((ctx) => ctx.unlink(c.ref)); // one unlink by the other side
    await system.idle();
    b.run(crash(new Error('b')));
    c.run(crash(new Error('c')));
    await system.idle();
    assert.equal(exitsOf(b).length, 1);
    assert.equal(exitsOf(c).length, 1);
    assert.equal(system.isAlive(a.ref), true, 'no second link was left behind');
    assert.equal(system.isAlive(d.ref), true, 'the other side can unlink');
    await system.shutdown();
  });

  it('R2.1 linking to yourself does nothing', async () => {
    const { system, exitsOf, probe } = setup();
    const a = await probe({ trap: true });
    let threw: unknown;
    a.run((ctx) => {
      try {
        ctx.link(ctx.self);
        ctx.link(ctx.pid);
      } catch (error) {
        threw = error;
      }
    });
    await system.idle();
    assert.equal(threw, undefined);
    a.run((ctx) => ctx.stop(exitReason.shutdown('done')));
    await system.idle();
    assert.deepEqual(exitsOf(a), [exitReason.shutdown('done')]);
    assert.deepEqual(exitsIn(a.inbox), [], 'no EXIT from itself');
    await system.shutdown();
  });

  it('R2.2 spawnLink is atomic: a child that dies at once still sends its real reason, never noproc', async () => {
    const { system, probe } = setup();
    const parent = await probe({ trap: true });
    const initError = new Error('init failed');
    const children: Pid[] = [];
    parent.run((ctx) => {
      children.push(
        ctx.spawnLink(
          defineActor<never>({
            init() {
              throw initError;
            },
            handle() {},
          }),
        ).pid,
      );
      children.push(
        ctx.spawnLink(
          defineActor<never>({
            init(c) {
              c.stop(exitReason.shutdown('early'));
            },
            handle() {},
          }),
        ).pid,
      );
      const doomed = ctx.spawnLink(probeActor().def);
      children.push(doomed.pid);
      ctx.exit(doomed, exitReason.kill);
    });
    await system.idle();
    const byChild = new Map(exitsIn(parent.inbox));
    assert.equal(byChild.size, 3);
    assert.deepEqual(byChild.get(children[0] as Pid), exitReason.error(initError));
    assert.deepEqual(byChild.get(children[1] as Pid), exitReason.shutdown('early'));
    assert.deepEqual(byChild.get(children[2] as Pid), exitReason.killed);
    await system.shutdown();
  });

  it('R2.3 when a process ends, every linked process gets an exit signal with its reason', async () => {
    const { system, exitsOf, probe } = setup();
    const dying = await probe();
    const trapping1 = await probe({ trap: true });
    const trapping2 = await probe({ trap: true });
    const plain = await probe();
    for (const p of [trapping1, trapping2, plain]) p.run((ctx) => ctx.link(dying.ref));
    await system.idle();
    dying.run((ctx) => ctx.stop(exitReason.shutdown('bye')));
    await system.idle();
    assert.deepEqual(exitsIn(trapping1.inbox), [[dying.pid, exitReason.shutdown('bye')]]);
    assert.deepEqual(exitsIn(trapping2.inbox), [[dying.pid, exitReason.shutdown('bye')]]);
    assert.deepEqual(exitsOf(plain), [exitReason.shutdown('bye')]);
    await system.shutdown();
  });

  it('R2.4 linking to a dead process throws noproc when not trapping exits', async () => {
    const { system, probe } = setup();
    const dead = await probe();
    system.kill(dead.ref);
    const a = await probe();
    const caught: unknown[] = [];
    a.run((ctx) => {
      for (const target of [dead.ref, dead.pid, 99_999 as Pid]) {
        try {
          ctx.link(target);
          caught.push('returned');
        } catch (error) {
          caught.push(error);
        }
      }
    });
    await system.idle();
    assert.equal(caught.length, 3);
    for (const e of caught) assert.ok(e instanceof NoProcError, `threw ${String(e)}`);
    assert.equal(system.isAlive(a.ref), true, 'the throw is an ordinary exception it caught');
    await system.shutdown();
  });

  it('R2.4 linking to a dead process while trapping returns and delivers EXIT from it with noproc', async () => {
    const { system, probe } = setup();
    const dead = await probe();
    system.kill(dead.ref);
    const a = await probe({ trap: true });
    let threw: unknown;
    a.run((ctx) => {
      try {
        ctx.link(dead.ref);
      } catch (error) {
        threw = error;
      }
    });
    await system.idle();
    assert.equal(threw, undefined);
    assert.deepEqual(exitsIn(a.inbox), [[dead.pid, exitReason.noproc]]);
    assert.equal(system.isAlive(a.ref), true);
    await system.shutdown();
  });

  it('R2.4 linking by pid to a process that is gone names that pid in the noproc EXIT', async () => {
    const { system, probe } = setup();
    const dead = await probe();
    system.kill(dead.ref);
    const a = await probe({ trap: true });
    a.run((ctx) => ctx.link(dead.pid));
    await system.idle();
    assert.deepEqual(exitsIn(a.inbox), [[dead.pid, exitReason.noproc]]);
    await system.shutdown();
  });

  it('R2.5 once unlink returns the link cannot affect the caller, but an EXIT already queued stays', async () => {
    const { system, exitsOf, probe } = setup();
    const a = await probe({ trap: true });
    const b = await probe();
    const c = await probe();
    const d = await probe();
    a.run((ctx) => ctx.link(b.ref));
    c.run((ctx) => ctx.link(d.ref));
    await system.idle();
    // b dies while a's unlink is still queued: the EXIT is already in a's mailbox.
    a.run((ctx) => ctx.unlink(b.ref));
    system.exit(b.ref, exitReason.shutdown('gone'));
    // c, not trapping, unlinks before d dies: nothing reaches c.
    c.run((ctx) => ctx.unlink(d.ref));
    await system.idle();
    system.exit(d.ref, exitReason.error(new Error('d')));
    await system.idle();
    assert.deepEqual(exitsIn(a.inbox), [[b.pid, exitReason.shutdown('gone')]]);
    assert.equal(system.isAlive(a.ref), true);
    assert.equal(system.isAlive(c.ref), true);
    assert.deepEqual(exitsOf(c), []);
    await system.shutdown();
  });

  it('R2.6 sending to a dead process is silently dropped: no error, a noproc dead letter', async () => {
    const { system, letters, probe } = setup();
    const dead = await probe();
    system.kill(dead.ref);
    const sender = await probe();
    let threw: unknown;
    sender.run(() => {
      try {
        dead.ref.tell(note('into the void'));
      } catch (error) {
        threw = error;
      }
    });
    assert.doesNotThrow(() => dead.ref.tell(note('from outside')));
    await system.idle();
    assert.equal(threw, undefined);
    assert.equal(system.isAlive(sender.ref), true);
    assert.deepEqual(
      letters.map((d) => [(d.message as Note).text, d.target, d.sender, d.reason]),
      [
        ['from outside', dead.pid, undefined, 'noproc'],
        ['into the void', dead.pid, sender.pid, 'noproc'],
      ],
    );
    await system.shutdown();
  });

  it('R2.6 a name is not found once its process has exited (sends by name cannot reach it)', async () => {
    const { system, probe } = setup();
    const named = await probe({ name: 'svc' });
    assert.equal(system.whereis('svc')?.pid, named.pid);
    system.exit(named.ref, exitReason.shutdown());
    assert.equal(system.whereis('svc'), undefined);
    assert.equal(system.whereis('never-registered'), undefined);
    await system.shutdown();
  });

  it('R2.7 exit(P, R) needs no link, and its signal is never a link signal', async () => {
    const { system, exitsOf, probe } = setup();
    const sender = await probe({ trap: true });
    const unlinked = await probe();
    const trapper = await probe({ trap: true });
    const linkedTrapper = await probe({ trap: true });
    sender.run((ctx) => ctx.link(linkedTrapper.ref));
    await system.idle();
    sender.run((ctx) => {
      ctx.exit(unlinked.ref, exitReason.shutdown('no link needed'));
      ctx.exit(trapper.ref, exitReason.error('told'));
      // Linked, but exit/2 carries no link flag: kill stays untrappable.
      ctx.exit(linkedTrapper.ref, exitReason.kill);
    });
    await system.idle();
    assert.deepEqual(exitsOf(unlinked), [exitReason.shutdown('no link needed')]);
    assert.deepEqual(exitsIn(trapper.inbox), [[sender.pid, exitReason.error('told')]]);
    assert.deepEqual(exitsOf(linkedTrapper), [exitReason.killed]);
    assert.deepEqual(exitsIn(linkedTrapper.inbox), [], 'the kill was not trapped');
    // The link itself then carries linkedTrapper's own exit back to the sender.
    assert.deepEqual(exitsIn(sender.inbox), [[linkedTrapper.pid, exitReason.killed]]);
    await system.shutdown();
  });
});
