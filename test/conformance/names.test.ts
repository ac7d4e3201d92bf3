/**
 * otp-rules.md §1.7: registered names (R7.1–R7.4). JavaScript API
 * differences: `badarg` is a thrown `RuntimeError` subclass, `unregister`
 * of a free name returns false instead of throwing, and there is no
 * send-by-name yet (a name is looked up with `whereis`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  exitReason,
  NameTakenError,
  NoProcError,
  type Pid,
  type Reply,
  RuntimeError,
} from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { type Note, note, setup } from './harness.js';

describe('conformance §1.7: registered names', () => {
  failOnUnhandledRejections();

  it('R7.1 register fails when the name is taken, the process already has a name, the process is not alive, or the name is missing', async () => {
    const { system, probe } = setup();
    const a = await probe();
    const b = await probe();
    const dead = await probe();
    system.kill(dead.ref);
    system.register('a', a.ref);
    assert.throws(() => system.register('a', b.ref), NameTakenError, 'name in use');
    assert.throws(() => system.register('a2', a.ref), RuntimeError, 'a already has a name');
    assert.throws(() => system.register('d', dead.ref), RuntimeError, 'dead by ref');
    assert.throws(() => system.register('d', dead.pid), RuntimeError, 'dead by pid');
    assert.throws(() => system.register('d', 99_999 as Pid), RuntimeError, 'never existed');
    assert.throws(
      () => system.register(undefined as unknown as string, b.ref),
      RuntimeError,
      'no name',
    );
    assert.throws(() => system.register('', b.ref), RuntimeError, 'empty name');
    // Nothing changed: one name per process, one process per name.
    assert.equal(system.whereis('a')?.pid, a.pid);
    for (const name of ['a2', 'd']) assert.equal(system.whereis(name), undefined);
    system.register('b', b.ref);
    assert.equal(system.whereis('b')?.pid, b.pid);
    await system.shutdown();
  });

  it('R7.1 a process that is stopping or killed cannot take a name', async () => {
    const { system, probe } = setup();
    const p = await probe();
    const attempts: unknown[] = [];
    p.run((ctx) => {
      ctx.exit(ctx.self, exitReason.shutdown('gone'));
      try {
        system.register('zombie', ctx.self);
        attempts.push('registered');
      } catch (error) {
        attempts.push(error);
      }
    });
    await system.idle();
    assert.equal(attempts.length, 1);
    assert.ok(attempts[0] instanceof NoProcError, String(attempts[0]));
    assert.equal(system.whereis('zombie'), undefined);
    await system.shutdown();
  });

  it('R7.2 the name is removed when its process ends, however it ends, before its EXIT and DOWN are handled', async () => {
    const { system, probe } = setup();
    const ways = ['stop', 'crash', 'kill', 'exit signal'] as const;
    const seenOnDown: [string, Pid | undefined][] = [];
    for (const way of ways) {
      const named = await probe({ name: way });
      const watcher = await probe();
      watcher.run((ctx) => {
        ctx.monitor(named.ref);
      });
      await system.idle();
      if (way === 'stop') named.run((ctx) => ctx.stop());
      else if (way === 'crash') {
        named.run(() => {
          throw new Error('crash');
        });
      } else if (way === 'kill') system.kill(named.ref);
      else system.exit(named.ref, exitReason.shutdown());
      await system.idle();
      assert.equal(system.whereis(way), undefined, `released after ${way}`);
      watcher.run(() => {
        seenOnDown.push([way, system.whereis(way)?.pid]);
      });
      await system.idle();
    }
    assert.deepEqual(
      seenOnDown,
      ways.map((w) => [w, undefined]),
    );
    await system.shutdown();
  });

  it('R7.2 the name is already gone when the exit is reported', async () => {
    const { system, probe } = setup();
    const named = await probe({ name: 'svc' });
    const atExit: (Pid | undefined)[] = [];
    system.events.subscribe(
      (e) => {
        if (e.type === 'exited' && e.pid === named.pid) atExit.push(system.whereis('svc')?.pid);
      },
      ['exited'],
    );
    system.kill(named.ref);
    assert.deepEqual(atExit, [undefined]);
    await system.shutdown();
  });

  it('R7.3 whereis returns the holder or undefined; unregistering a free name changes nothing and says so', async () => {
    const { system, probe } = setup();
    const a = await probe({ name: 'a' });
    const b = await probe({ name: 'b' });
    assert.equal(system.whereis('a')?.pid, a.pid);
    assert.equal(system.whereis('nobody'), undefined);
    assert.equal(system.unregister('nobody'), false);
    assert.equal(system.unregister('a'), true);
    assert.equal(system.whereis('a'), undefined);
    assert.equal(system.unregister('a'), false, 'a second unregister finds nothing');
    assert.equal(system.whereis('b')?.pid, b.pid, 'other names untouched');
    assert.equal(system.isAlive(a.ref), true, 'unregister leaves the process alone');
    system.register('a2', a.ref);
    assert.equal(system.whereis('a2')?.pid, a.pid, 'an unregistered process may take a name again');
    await system.shutdown();
  });

  it('R7.4 a name whose process is gone resolves to nothing; a ref kept from it gets noproc for calls and dead letters for casts', async () => {
    const { system, letters, probe } = setup();
    await probe({ name: 'svc' });
    const ref = system.whereis<Note | { type: 'ping'; reply: Reply<string> }>('svc');
    assert.ok(ref !== undefined);
    system.exit(ref, exitReason.shutdown());
    assert.equal(system.whereis('svc'), undefined);
    assert.doesNotThrow(() => ref.tell(note('cast')));
    await assert.rejects(ref.ask({ type: 'ping' }), (e: unknown) => e instanceof NoProcError);
    assert.deepEqual(
      letters.map((d) => [(d.message as { text?: string }).text, d.reason]),
      [['cast', 'noproc']],
    );
    await system.shutdown();
  });
});
