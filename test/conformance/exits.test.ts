/**
 * otp-rules.md §1.1: process termination and exit reasons (R1.1–R1.5).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DownMessage,
  defineActor,
  type ExitMessage,
  exitReason,
  isCleanExit,
  type Pid,
} from '../../src/index.js';
import { deferred, failOnUnhandledRejections, turn } from '../support/guard.js';
import { exitsIn, note, probeActor, setup, texts } from './harness.js';

describe('conformance §1.1: termination and exit reasons', () => {
  failOnUnhandledRejections();

  it('R1.1 a process always ends with a reason: stop() gives normal, stop(R) gives R, a throw gives an error carrying the thrown value', async () => {
    const { system, exitsOf, probe } = setup();
    const plain = await probe();
    const withReason = await probe();
    const thrower = await probe();
    const nonError = await probe();
    const boom = new Error('boom');
    const watched = [plain, withReason, thrower, nonError].map((p) => system.exited(p.ref));
    plain.run((ctx) => ctx.stop());
    withReason.run((ctx) => ctx.stop(exitReason.shutdown({ why: 'done' })));
    thrower.run(() => {
      throw boom;
    });
    nonError.run(() => {
      throw 'a string';
    });
    await system.idle();
    assert.deepEqual(exitsOf(plain), [exitReason.normal]);
    assert.deepEqual(exitsOf(withReason), [exitReason.shutdown({ why: 'done' })]);
    const [crash] = exitsOf(thrower);
    assert.equal(crash?.kind, 'error');
    assert.equal(crash?.kind === 'error' ? crash.error : undefined, boom, 'the very value thrown');
    assert.deepEqual(exitsOf(nonError), [exitReason.error('a string')]);
    assert.deepEqual(await Promise.all(watched), [
      exitReason.normal,
      exitReason.shutdown({ why: 'done' }),
      exitReason.error(boom),
      exitReason.error('a string'),
    ]);
    await system.shutdown();
  });

  it('R1.2 normal, shutdown and {shutdown, T} are clean; killed, kill, noproc and errors are abnormal', async () => {
    assert.equal(isCleanExit(exitReason.normal), true);
    assert.equal(isCleanExit(exitReason.shutdown()), true);
    assert.equal(isCleanExit(exitReason.shutdown({ detail: 1 })), true);
    assert.equal(isCleanExit(exitReason.killed), false);
    assert.equal(isCleanExit(exitReason.kill), false);
    assert.equal(isCleanExit(exitReason.noproc), false);
    assert.equal(isCleanExit(exitReason.error(new Error('x'))), false);
    // The runtime applies the same split to the status a process ends in.
    const { system, probe } = setup();
    const clean = await probe();
    const shutdownDetail = await probe();
    const killed = await probe();
    const crashed = await probe();
    clean.run((ctx) => ctx.stop());
    shutdownDetail.run((ctx) => ctx.stop(exitReason.shutdown('t')));
    crashed.run(() => {
      throw new Error('crash');
    });
    system.kill(killed.ref);
    await system.idle();
    assert.deepEqual(
      [clean, shutdownDetail, killed, crashed].map((p) => system.status(p.ref)),
      ['stopped', 'stopped', 'failed', 'failed'],
    );
    await system.shutdown();
  });

  it('R1.3 pids are unique and never reused while the system lives', async () => {
    const { system, probe } = setup();
    const seen = new Set<Pid>();
    const dead: Pid[] = [];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 20; i++) {
        const p = await probe();
        assert.equal(seen.has(p.pid), false, `pid ${p.pid} was handed out before`);
        seen.add(p.pid);
        if (i % 2 === 0) {
          system.kill(p.ref);
          dead.push(p.pid);
        } else {
          p.run((ctx) => ctx.stop());
        }
      }
      await system.idle();
    }
    assert.equal(seen.size, 100);
    assert.equal(system.processes().length, 0);
    for (const pid of dead) assert.equal(system.isAlive(pid), false, 'a dead pid stays dead');
    await system.shutdown();
  });

  it('R1.4 when a linked or monitoring process handles the EXIT or DOWN, the name is already free and can be registered again at once', async () => {
    const { system } = setup();
    const seen: [string, Pid | undefined][] = [];
    let replacement: Pid | undefined;
    const named = await system.start(probeActor().def, { name: 'svc' });
    const watcher = defineActor<ExitMessage | DownMessage>({
      init(ctx) {
        ctx.trapExit(true);
        ctx.link(named);
        ctx.monitor(named);
      },
      handle(msg, ctx) {
        seen.push([msg.type, system.whereis('svc')?.pid]);
        // A restart under the same name, straight from the handler.
        if (msg.type === 'EXIT') replacement = ctx.spawn(probeActor().def, { name: 'svc' }).pid;
      },
    });
    await system.start(watcher);
    named.tell({
      type: 'run',
      fn: () => {
        throw new Error('crash');
      },
    });
    await system.idle();
    seen.sort(([a], [b]) => a.localeCompare(b));
    assert.equal(seen.length, 2);
    assert.deepEqual(seen[1], ['EXIT', undefined], 'free when the EXIT is handled');
    assert.equal(seen[0]?.[0], 'DOWN');
    assert.notEqual(seen[0]?.[1], named.pid, 'never the dead holder when the DOWN is handled');
    assert.notEqual(replacement, undefined);
    assert.equal(system.whereis('svc')?.pid, replacement);
    await system.shutdown();
  });

  it('R1.4 a linked process that dies of the exit signal already finds the name free as it dies', async () => {
    const { system, probe } = setup();
    const named = await probe({ name: 'svc' });
    const linked = await probe();
    linked.run((ctx) => ctx.link(named.ref));
    await system.idle();
    // The linked process dies inside the kill call; its exit is reported synchronously.
    const holderWhenLinkedDied: (Pid | undefined)[] = [];
    system.events.subscribe(
      (e) => {
        if (e.type === 'exited' && e.pid === linked.pid) {
          holderWhenLinkedDied.push(system.whereis('svc')?.pid);
        }
      },
      ['exited'],
    );
    system.kill(named.ref);
    assert.deepEqual(holderWhenLinkedDied, [undefined]);
    await system.shutdown();
  });

  it('R1.5 a process exits at most once: later exit signals, kills and stops have no effect', async () => {
    const { system, exitsOf, probe } = setup();
    const victim = await probe();
    const watcher = await probe({ trap: true });
    watcher.run((ctx) => ctx.link(victim.ref));
    await system.idle();
    system.exit(victim.ref, exitReason.shutdown('first'));
    system.exit(victim.ref, exitReason.error(new Error('second')));
    system.kill(victim.ref);
    await system.stop(victim.ref, { reason: exitReason.shutdown('third') });
    victim.ref.tell(note('too late'));
    await system.idle();
    assert.deepEqual(exitsOf(victim), [exitReason.shutdown('first')]);
    assert.deepEqual(exitsIn(watcher.inbox), [[victim.pid, exitReason.shutdown('first')]]);
    assert.deepEqual(victim.terminated, [], 'an exit signal ends it without terminate');
    assert.deepEqual(texts(victim.inbox), []);
    assert.deepEqual(await system.exited(victim.ref), exitReason.noproc);
    await system.shutdown();
  });

  it('R1.5 a kill during a slow terminate ends the process once; the terminate finishing later changes nothing', async () => {
    const { system, exitsOf, probe } = setup();
    const release = deferred();
    const slow = system.spawn(
      defineActor<string>({
        handle() {},
        terminate() {
          return release.promise;
        },
      }),
    );
    const watcher = await probe({ trap: true });
    watcher.run((ctx) => ctx.link(slow));
    await system.idle();
    const stopped = system.stop(slow, { reason: exitReason.shutdown('asked') });
    await turn();
    assert.equal(system.status(slow), 'stopping', 'terminate is running');
    system.kill(slow);
    assert.equal(system.isAlive(slow), false);
    release.resolve();
    await stopped;
    await system.idle();
    assert.deepEqual(exitsOf(slow.pid), [exitReason.killed]);
    assert.deepEqual(exitsIn(watcher.inbox), [[slow.pid, exitReason.killed]]);
    await system.shutdown();
  });
});
