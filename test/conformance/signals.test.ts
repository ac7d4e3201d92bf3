/**
 * otp-rules.md §1.3: receiving exit signals — the decision table (rows 1–6)
 * and R3.1–R3.3. JavaScript difference (§3): termination effects apply when
 * the signal is sent, so a receiver that dies is dead when the sending call
 * returns, and it dies without running `terminate`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exitReason } from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { exitsIn, note, setup, texts } from './harness.js';

describe('conformance §1.3: receiving exit signals', () => {
  failOnUnhandledRejections();

  it('row 1: a link signal that arrives after unlink is dropped, trapping or not', async () => {
    const { system, exitsOf, probe } = setup();
    const dying = await probe();
    const trapper = await probe({ trap: true });
    const plain = await probe();
    for (const p of [trapper, plain]) {
      p.run((ctx) => {
        ctx.link(dying.ref);
        ctx.unlink(dying.ref);
      });
    }
    await system.idle();
    dying.run(() => {
      throw new Error('crash');
    });
    await system.idle();
    assert.equal(exitsOf(dying).length, 1);
    assert.deepEqual(exitsIn(trapper.inbox), []);
    assert.deepEqual(exitsOf(plain), []);
    assert.equal(system.isAlive(plain.ref), true);
    await system.shutdown();
  });

  it('row 2: kill cannot be trapped: exit(P, kill) ends P with killed at once, without terminate', async () => {
    const { system, exitsOf, probe } = setup();
    const trapper = await probe({ trap: true });
    const plain = await probe();
    const fromProcess = await probe({ trap: true });
    const killer = await probe();
    system.exit(trapper.ref, exitReason.kill);
    system.exit(plain.ref, exitReason.kill);
    let aliveAfter: boolean | undefined;
    killer.run((ctx) => {
      ctx.exit(fromProcess.ref, exitReason.kill);
      aliveAfter = system.isAlive(fromProcess.ref);
    });
    assert.equal(system.isAlive(trapper.ref), false);
    assert.equal(system.isAlive(plain.ref), false);
    await system.idle();
    assert.equal(aliveAfter, false);
    for (const p of [trapper, plain, fromProcess]) {
      assert.deepEqual(exitsOf(p), [exitReason.killed]);
      assert.deepEqual(p.terminated, [], 'terminate does not run');
      assert.deepEqual(exitsIn(p.inbox), [], 'no EXIT message either');
    }
    await system.shutdown();
  });

  it('row 3: a trapping process gets any other signal as an EXIT message at the end of its mailbox; a kill that comes over a link stays kill', async () => {
    const { system, probe } = setup();
    const trapper = await probe({ trap: true });
    const sender = await probe();
    const suicidal = await probe();
    trapper.run((ctx) => ctx.link(suicidal.ref));
    await system.idle();
    trapper.ref.tell(note('before'));
    sender.run((ctx) => ctx.exit(trapper.ref, exitReason.error('explicit')));
    await system.idle();
    suicidal.run((ctx) => ctx.stop(exitReason.kill));
    await system.idle();
    trapper.ref.tell(note('after'));
    await system.idle();
    assert.equal(system.isAlive(trapper.ref), true);
    assert.deepEqual(
      trapper.inbox.map((m) => m.type),
      ['note', 'EXIT', 'EXIT', 'note'],
    );
    assert.deepEqual(exitsIn(trapper.inbox), [
      [sender.pid, exitReason.error('explicit')],
      [suicidal.pid, exitReason.kill],
    ]);
    await system.shutdown();
  });

  it('row 4: a normal exit signal from another process is dropped by a process that does not trap', async () => {
    const { system, exitsOf, probe } = setup();
    const target = await probe();
    const sender = await probe();
    const linkedNormal = await probe();
    target.run((ctx) => ctx.link(linkedNormal.ref));
    await system.idle();
    system.exit(target.ref, exitReason.normal);
    sender.run((ctx) => ctx.exit(target.ref, exitReason.normal));
    linkedNormal.run((ctx) => ctx.stop());
    await system.idle();
    assert.deepEqual(exitsOf(linkedNormal), [exitReason.normal]);
    assert.equal(system.isAlive(target.ref), true);
    target.ref.tell(note('still here'));
    await system.idle();
    assert.deepEqual(texts(target.inbox), ['still here']);
    assert.deepEqual(exitsOf(target), []);
    await system.shutdown();
  });

  it('row 5: exit(self, normal) ends a process that does not trap, with reason normal', async () => {
    const { system, exitsOf, probe } = setup();
    const p = await probe();
    let aliveAfter: boolean | undefined;
    p.run((ctx) => {
      ctx.exit(ctx.self, exitReason.normal);
      aliveAfter = system.isAlive(ctx.self);
    });
    p.ref.tell(note('never handled'));
    await system.idle();
    assert.equal(aliveAfter, false);
    assert.deepEqual(exitsOf(p), [exitReason.normal]);
    assert.deepEqual(texts(p.inbox), []);
    await system.shutdown();
  });

  it('row 6: any other signal ends a process that does not trap with the same reason, at once and without terminate', async () => {
    const { system, exitsOf, probe } = setup();
    const a = await probe();
    const b = await probe();
    const c = await probe();
    const sender = await probe();
    const boom = new Error('boom');
    system.exit(a.ref, exitReason.shutdown({ code: 7 }));
    assert.equal(system.isAlive(a.ref), false, 'dead when exit returns');
    let bAlive: boolean | undefined;
    sender.run((ctx) => {
      ctx.exit(b.ref, exitReason.error(boom));
      bAlive = system.isAlive(b.ref);
    });
    system.exit(c.ref, exitReason.noproc);
    await system.idle();
    assert.equal(bAlive, false);
    assert.deepEqual(exitsOf(a), [exitReason.shutdown({ code: 7 })]);
    assert.deepEqual(exitsOf(b), [exitReason.error(boom)]);
    assert.deepEqual(exitsOf(c), [exitReason.noproc]);
    for (const p of [a, b, c]) assert.deepEqual(p.terminated, []);
    assert.equal(system.isAlive(sender.ref), true);
    await system.shutdown();
  });

  it('R3.1 an exit signal is not an exception: try/catch cannot stop one, not even one sent to yourself', async () => {
    const { system, exitsOf, probe } = setup();
    const p = await probe();
    let caught: unknown;
    let aliveAfter: boolean | undefined;
    p.run((ctx) => {
      try {
        ctx.exit(ctx.self, exitReason.shutdown('self'));
      } catch (error) {
        caught = error;
      }
      aliveAfter = system.isAlive(ctx.self);
    });
    p.ref.tell(note('never handled'));
    await system.idle();
    assert.equal(aliveAfter, false, `caught or not (caught: ${String(caught)}), it is dead`);
    assert.deepEqual(exitsOf(p), [exitReason.shutdown('self')]);
    assert.deepEqual(texts(p.inbox), []);
    await system.shutdown();
  });

  it('R3.1 (§3) code that runs on after the process sent itself an exit has no effect: its sends are not delivered', async () => {
    const { system, probe } = setup();
    const p = await probe();
    const other = await probe();
    p.run((ctx) => {
      ctx.exit(ctx.self, exitReason.error('gone'));
      other.ref.tell(note('from a dead process'));
    });
    await system.idle();
    assert.equal(system.isAlive(p.ref), false);
    assert.deepEqual(texts(other.inbox), [], 'a dead process cannot send');
    await system.shutdown();
  });

  it('R3.2 after exit(P, kill) returns, isAlive(P) is false', async () => {
    const { system, probe } = setup();
    const a = await probe({ trap: true });
    const b = await probe({ trap: true });
    const killer = await probe();
    let seen: boolean | undefined;
    killer.run((ctx) => {
      ctx.exit(a.ref, exitReason.kill);
      seen = system.isAlive(a.pid);
    });
    await system.idle();
    system.exit(b.ref, exitReason.kill);
    assert.equal(system.isAlive(b.pid), false);
    assert.equal(seen, false);
    await system.shutdown();
  });

  it('R3.3 kill along a chain of links: exit(P, kill) makes every linked process see killed', async () => {
    const { system, exitsOf, probe } = setup();
    const a = await probe();
    const b = await probe();
    const c = await probe();
    const observer = await probe({ trap: true });
    b.run((ctx) => {
      ctx.link(a.ref);
      ctx.link(c.ref);
    });
    observer.run((ctx) => ctx.link(c.ref));
    await system.idle();
    system.exit(a.ref, exitReason.kill);
    await system.idle();
    assert.deepEqual(exitsOf(a), [exitReason.killed]);
    assert.deepEqual(exitsOf(b), [exitReason.killed]);
    assert.deepEqual(exitsOf(c), [exitReason.killed]);
    assert.deepEqual(exitsIn(observer.inbox), [[c.pid, exitReason.killed]]);
    await system.shutdown();
  });

  it('R3.3 kill along a chain of links: a process that exits itself with kill passes kill on, which can be trapped and is not turned into killed', async () => {
    const { system, exitsOf, probe } = setup();
    const a = await probe();
    const b = await probe();
    const c = await probe();
    const trapper = await probe({ trap: true });
    b.run((ctx) => {
      ctx.link(a.ref);
      ctx.link(c.ref);
    });
    trapper.run((ctx) => ctx.link(a.ref));
    await system.idle();
    a.run((ctx) => ctx.stop(exitReason.kill));
    await system.idle();
    assert.deepEqual(exitsOf(a), [exitReason.kill]);
    assert.deepEqual(a.terminated, [exitReason.kill], 'exiting itself is graceful');
    assert.deepEqual(exitsOf(b), [exitReason.kill], 'b does not trap: it dies with kill');
    assert.deepEqual(exitsOf(c), [exitReason.kill], 'and passes kill on, not killed');
    assert.deepEqual(exitsIn(trapper.inbox), [[a.pid, exitReason.kill]]);
    assert.equal(system.isAlive(trapper.ref), true, 'a trapping process survives it');
    await system.shutdown();
  });
});
