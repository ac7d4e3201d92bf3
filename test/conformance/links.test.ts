/**
 * otp-rules.md §1.2: links and sending exit signals (R2.1–R2.7).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineActor, exitReason, NoProcError, type Pid } from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { exitsIn, type Note, note, probeActor, setup, spawner } from './harness.js';

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

describe('conformance §1.2: plain spawn and the reason linked peers see', () => {
  failOnUnhandledRejections();

  it('a detached process (plain spawn) outlives its spawner, whether the spawner stops or crashes', async () => {
    const s = setup();
    const { system } = s;
    const a = await spawner(s);
    const b = await spawner(s);
    a.spawn('spawn', { detached: true });
    b.spawn('spawnMonitor', { detached: true });
    await system.idle();
    const [fromA, fromB] = [a.spawned[0]?.pid as Pid, b.spawned[0]?.pid as Pid];
    await system.stop(a.parent.ref);
    b.parent.run(crash(new Error('b')));
    await system.idle();
    assert.deepEqual(s.exitsOf(fromA), [], 'alive after its spawner stopped');
    assert.deepEqual(s.exitsOf(fromB), [], 'alive after its spawner crashed');
    assert.equal(system.isAlive(fromA), true);
    assert.equal(system.isAlive(fromB), true);
    await system.shutdown();
  });

  it('a detached process has no parent; a spawned one keeps its spawner as parent', async () => {
    const s = setup();
    const parents: (Pid | undefined)[] = [];
    const child = defineActor<'who'>({
      handle(_m, ctx) {
        parents.push(ctx.parent);
      },
    });
    const p = await s.probe();
    p.run((ctx) => {
      ctx.spawn(child).tell('who');
      ctx.spawn(child, { detached: true }).tell('who');
    });
    await s.system.idle();
    assert.deepEqual(parents, [p.pid, undefined]);
    await s.system.shutdown();
  });

  it('R2.3 a linked child of a process that crashes ends with its real reason, not shutdown; its terminate sees that reason', async () => {
    const s = setup();
    const a = await spawner(s);
    const linked = a.spawn('spawnLink');
    const plain = a.spawn('spawn');
    await s.system.idle();
    const boom = new Error('boom');
    a.parent.run(crash(boom));
    await s.system.idle();
    const [linkedPid, plainPid] = a.spawned.map((c) => c.pid) as [Pid, Pid];
    assert.deepEqual(s.exitsOf(a.parent), [exitReason.error(boom)]);
    assert.deepEqual(s.exitsOf(linkedPid), [exitReason.error(boom)]);
    assert.deepEqual(linked.terminated, [exitReason.error(boom)]);
    assert.deepEqual(
      s.exitsOf(plainPid),
      [exitReason.shutdown()],
      'an unlinked child stops with shutdown',
    );
    assert.deepEqual(plain.terminated, [exitReason.shutdown()]);
    await s.system.shutdown();
  });

  it('R2.3 a linked child of a process ended by an exit signal ends with that reason; an unlinked one is killed', async () => {
    const s = setup();
    const a = await spawner(s);
    a.spawn('spawnLink');
    a.spawn('spawn');
    await s.system.idle();
    const reason = exitReason.error('lost');
    s.system.exit(a.parent.ref, reason);
    const [linkedPid, plainPid] = a.spawned.map((c) => c.pid) as [Pid, Pid];
    assert.deepEqual(s.exitsOf(linkedPid), [reason]);
    assert.deepEqual(s.exitsOf(plainPid), [exitReason.killed]);
    await s.system.shutdown();
  });

  it("R2.3 the peers linked to a linked child see its spawner's real reason, not shutdown", async () => {
    const s = setup();
    const a = await spawner(s);
    a.spawn('spawnLink');
    const watcher = await s.probe({ trap: true });
    await s.system.idle();
    const childPid = a.spawned[0]?.pid as Pid;
    watcher.run((ctx) => ctx.link(childPid));
    await s.system.idle();
    const boom = new Error('boom');
    a.parent.run(crash(boom));
    await s.system.idle();
    assert.deepEqual(exitsIn(watcher.inbox), [[childPid, exitReason.error(boom)]]);
    await s.system.shutdown();
  });

  it('R2.3 a detached process linked to its spawner (OTP spawn_link) gets its real reason: it dies with it, or, trapping, receives the EXIT and lives on', async () => {
    const s = setup();
    const a = await spawner(s);
    a.spawn('spawnLink', { detached: true });
    const trapper = a.spawn('spawnLink', { detached: true, trap: true });
    await s.system.idle();
    const [dies, traps] = a.spawned.map((c) => c.pid) as [Pid, Pid];
    const boom = new Error('boom');
    a.parent.run(crash(boom));
    await s.system.idle();
    assert.deepEqual(s.exitsOf(dies), [exitReason.error(boom)]);
    assert.deepEqual(s.exitsOf(traps), []);
    assert.deepEqual(exitsIn(trapper.inbox), [[a.parent.pid, exitReason.error(boom)]]);
    await s.system.shutdown();
  });

  it("a detached process runs under its spawner's security policy", async () => {
    const s = setup();
    const seen: unknown[] = [];
    const child = defineActor<'who'>({
      handle(_m, ctx) {
        seen.push(ctx.security.policies);
      },
    });
    const narrow = s.system.spawn(
      defineActor<'go'>({
        handle(_m, ctx) {
          seen.push(ctx.security.policies);
          ctx.spawn(child, { detached: true }).tell('who');
        },
      }),
      { security: { fs: { read: ['/tmp'] } } },
    );
    narrow.tell('go');
    await s.system.idle();
    assert.equal(seen.length, 2);
    assert.deepEqual(seen[1], seen[0]);
    assert.equal((seen[1] as unknown[]).length, 1, "the spawner's narrowing applies to it");
    await s.system.shutdown();
  });
});
