/**
 * otp-rules.md §1.4: trap_exit (R4.1–R4.3), and the §3 rule for a trapping
 * process that gets an exit signal from its parent.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exitReason } from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { asProbe, exitsIn, note, type Probe, probeActor, setup, texts } from './harness.js';

describe('conformance §1.4: trapping exits', () => {
  failOnUnhandledRejections();

  it('R4.1 a process does not trap exits by default, and trapExit returns the previous setting', async () => {
    const { system, exitsOf, probe } = setup();
    const p = await probe();
    const answers: unknown[] = [];
    p.run((ctx) => {
      answers.push(ctx.trappingExits);
      answers.push(ctx.trapExit(true));
      answers.push(ctx.trapExit(true));
      answers.push(ctx.trappingExits);
      answers.push(ctx.trapExit(false));
      answers.push(ctx.trappingExits);
    });
    await system.idle();
    assert.deepEqual(answers, [false, false, true, true, true, false]);
    // The default really is off: a linked crash takes a fresh process down.
    const fresh = await probe();
    const crasher = await probe();
    fresh.run((ctx) => ctx.link(crasher.ref));
    await system.idle();
    system.exit(crasher.ref, exitReason.error('crash'));
    assert.deepEqual(exitsOf(fresh), [exitReason.error('crash')]);
    await system.shutdown();
  });

  it('R4.2 the flag counts when the signal is received: an EXIT already queued stays a message after trapping is switched off', async () => {
    const { system, exitsOf, probe } = setup();
    const p = await probe({ trap: true });
    const first = await probe();
    const second = await probe();
    p.run((ctx) => {
      ctx.link(first.ref);
      ctx.link(second.ref);
    });
    await system.idle();
    // p's mailbox: [switch trapping off, EXIT from first].
    p.run((ctx) => {
      ctx.trapExit(false);
    });
    system.exit(first.ref, exitReason.error('first'));
    await system.idle();
    assert.equal(system.isAlive(p.ref), true, 'the queued EXIT was handled as a message');
    assert.deepEqual(exitsIn(p.inbox), [[first.pid, exitReason.error('first')]]);
    // Now a signal arrives while trapping is off: it is fatal.
    system.exit(second.ref, exitReason.error('second'));
    assert.deepEqual(exitsOf(p), [exitReason.error('second')]);
    await system.shutdown();
  });

  it('R4.2 a signal received before trapping is switched on is fatal, even if a trapExit(true) is queued', async () => {
    const { system, exitsOf, probe } = setup();
    const p = await probe();
    const linked = await probe();
    p.run((ctx) => ctx.link(linked.ref));
    await system.idle();
    p.run((ctx) => {
      ctx.trapExit(true);
    });
    system.exit(linked.ref, exitReason.shutdown('now'));
    await system.idle();
    assert.deepEqual(exitsOf(p), [exitReason.shutdown('now')]);
    assert.deepEqual(p.inbox, []);
    await system.shutdown();
  });

  it('R4.3 a trapping process receives every exit signal as a message, normal ones included, except an explicit kill', async () => {
    const { system, exitsOf, probe } = setup();
    const p = await probe({ trap: true });
    const normalLinked = await probe();
    const crashLinked = await probe();
    const sender = await probe();
    p.run((ctx) => {
      ctx.link(normalLinked.ref);
      ctx.link(crashLinked.ref);
    });
    await system.idle();
    normalLinked.run((ctx) => ctx.stop());
    await system.idle();
    crashLinked.run(() => {
      throw 'crash';
    });
    await system.idle();
    sender.run((ctx) => ctx.exit(p.ref, exitReason.normal));
    await system.idle();
    system.exit(p.ref, exitReason.normal);
    system.exit(p.ref, exitReason.shutdown('outside'));
    await system.idle();
    assert.equal(system.isAlive(p.ref), true);
    assert.deepEqual(exitsIn(p.inbox), [
      [normalLinked.pid, exitReason.normal],
      [crashLinked.pid, exitReason.error('crash')],
      [sender.pid, exitReason.normal],
      [undefined, exitReason.normal],
      [undefined, exitReason.shutdown('outside')],
    ]);
    system.exit(p.ref, exitReason.kill);
    await system.idle();
    assert.deepEqual(exitsOf(p), [exitReason.killed]);
    assert.equal(exitsIn(p.inbox).length, 5, 'the kill was not delivered as a message');
    await system.shutdown();
  });

  it('§3 a trapping process that gets an exit signal from its parent stops gracefully with that reason, running terminate', async () => {
    const { system, exitsOf, probe } = setup();
    const parent = await probe();
    let child: Probe | undefined;
    parent.run((ctx) => {
      const parts = probeActor({ trap: true });
      child = asProbe(ctx.spawn(parts.def), parts);
    });
    await system.idle();
    assert.ok(child !== undefined);
    const c = child;
    c.ref.tell(note('before'));
    await system.idle();
    parent.run((ctx) => ctx.exit(c.ref, exitReason.shutdown('from parent')));
    await system.idle();
    assert.deepEqual(exitsOf(c), [exitReason.shutdown('from parent')]);
    assert.deepEqual(c.terminated, [exitReason.shutdown('from parent')]);
    assert.deepEqual(exitsIn(c.inbox), [], 'not delivered as an EXIT message');
    assert.deepEqual(texts(c.inbox), ['before']);
    assert.equal(system.isAlive(parent.ref), true);
    await system.shutdown();
  });
});
