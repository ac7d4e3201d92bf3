/**
 * otp-rules.md §1.8: synchronous start (proc_lib / gen), through
 * `system.start` and `ctx.spawnLink`. JS mapping: an init that calls
 * `ctx.stop()` is OTP's `ignore`; one that calls `ctx.stop(R)` is
 * `{stop, R}`; one that throws or rejects crashes with that error. There
 * is no start timeout option, so the `timeout` row of R8.3 has no test.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ActorRef,
  defineActor,
  type ExitReason,
  exitReason,
  NameTakenError,
  type Pid,
  type Reply,
  StartFailedError,
} from '../../src/index.js';
import { deferred, failOnUnhandledRejections, track } from '../support/guard.js';
import { only, quiesce, setup, type WorkerMsg, worker } from './supervisor-helpers.js';

/** What a failed `system.start` rejected with. */
async function failureOf(start: Promise<unknown>): Promise<StartFailedError> {
  try {
    await start;
  } catch (error) {
    assert.ok(error instanceof StartFailedError, String(error));
    return error;
  }
  assert.fail('the start succeeded');
}

/** A definition whose init runs `init` and records the pid it ran in. */
function initDoing(init: (ctx: { stop(r?: ExitReason): void }) => unknown, pids: Pid[]) {
  return defineActor<WorkerMsg>({
    init(ctx) {
      pids.push(ctx.pid);
      return init(ctx) as undefined;
    },
    handle() {},
  });
}

describe('conformance §1.8: synchronous start', () => {
  failOnUnhandledRejections();

  it('R8.1 start resolves only once init has finished', async () => {
    const { system } = setup();
    const log: string[] = [];
    const gate = deferred();
    const started = track(system.start(worker('w', log, { initGate: gate.promise })));
    await quiesce(system);
    assert.deepEqual(log, ['init-begin:w']);
    assert.equal(started.settled(), false);
    gate.resolve();
    const ref = await started.promise;
    assert.deepEqual(log, ['init-begin:w', 'init:w'], 'init had finished when start resolved');
    assert.equal(system.isAlive(ref), true);
    assert.notEqual(system.status(ref), 'starting');
    await system.shutdown();
  });

  it('R8.1 a failing start also returns only once init has finished, and the process has exited', async () => {
    const { system, exits } = setup();
    const log: string[] = [];
    const gate = deferred();
    const pids: Pid[] = [];
    const def = worker('w', log, { initGate: gate.promise, failInit: true });
    const started = track(
      system.start(
        defineActor({
          ...def,
          init(ctx, args: undefined) {
            pids.push(ctx.pid);
            return def.init?.(ctx, args);
          },
        }),
      ),
    );
    await quiesce(system);
    assert.equal(started.settled(), false);
    gate.resolve();
    const failure = await failureOf(started.promise);
    const [pid] = pids;
    assert.ok(pid !== undefined);
    assert.equal(system.isAlive(pid), false);
    assert.deepEqual(exits.get(pid), failure.reason);
    await system.shutdown();
  });

  it('R8.1 spawnLink creates the link together with the process, before its init runs', async () => {
    const { system } = setup();
    const log: string[] = [];
    const parent = await system.start(worker('parent', log, { trap: true }));
    let links: readonly Pid[] | undefined;
    let child: ActorRef<WorkerMsg> | undefined;
    parent.tell({
      type: 'run',
      fn: (ctx) => {
        child = ctx.spawnLink(worker('child', log));
        links = system.info(child)?.links;
      },
    });
    await system.idle();
    assert.deepEqual(links, [parent.pid]);
    assert.ok(child !== undefined);
    assert.deepEqual(system.info(parent)?.links, [child.pid]);
    await system.shutdown();
  });

  it('R8.2 a name is registered before init runs', async () => {
    const { system } = setup();
    let seen: Pid | undefined;
    const ref = await system.start(
      defineActor<string>({
        init(ctx) {
          seen = system.whereis('early')?.pid;
          assert.equal(seen, ctx.pid);
        },
        handle() {},
      }),
      { name: 'early' },
    );
    assert.equal(seen, ref.pid);
    await system.shutdown();
  });

  it('R8.2 a start with a taken name fails without ever running init, and the holder keeps its name', async () => {
    const { system } = setup();
    const log: string[] = [];
    const holder = await system.start(worker('holder', log), { name: 'taken' });
    const before = system.processes().length;
    await assert.rejects(system.start(worker('second', log), { name: 'taken' }), NameTakenError);
    assert.deepEqual(only(log, 'init-begin:second'), []);
    assert.equal(system.whereis('taken')?.pid, holder.pid);
    assert.equal(system.processes().length, before, 'no process was left behind');
    await system.shutdown();
  });

  it('R8.3 init returning a state: start resolves with a running process', async () => {
    const { system } = setup();
    const ref = await system.start(
      defineActor<{ type: 'get'; reply: Reply<number> }, number>({
        init: () => 42,
        handle(msg, ctx) {
          msg.reply.send(ctx.state);
        },
      }),
    );
    assert.equal(system.isAlive(ref), true);
    assert.equal(await ref.ask({ type: 'get' }), 42);
    await system.shutdown();
  });

  it('R8.3 init calling ctx.stop() is ignore: start rejects with reason normal and the process exits normal', async () => {
    const { system, exits } = setup();
    const pids: Pid[] = [];
    const failure = await failureOf(system.start(initDoing((ctx) => ctx.stop(), pids)));
    assert.deepEqual(failure.reason, exitReason.normal);
    assert.deepEqual(exits.get(pids[0] as Pid), exitReason.normal);
    await system.shutdown();
  });

  it('R8.3 init calling ctx.stop(R) is {stop, R}: start rejects with R and the process exits R', async () => {
    const { system, exits } = setup();
    const pids: Pid[] = [];
    const reason = exitReason.shutdown({ because: 'config missing' });
    const failure = await failureOf(system.start(initDoing((ctx) => ctx.stop(reason), pids)));
    assert.deepEqual(failure.reason, reason);
    assert.deepEqual(exits.get(pids[0] as Pid), reason);
    await system.shutdown();
  });

  it('R8.3 init that throws: start rejects with the error reason and the process exits with it', async () => {
    const { system, exits } = setup();
    const pids: Pid[] = [];
    const error = new Error('bad config');
    const failure = await failureOf(
      system.start(
        initDoing(() => {
          throw error;
        }, pids),
      ),
    );
    assert.deepEqual(failure.reason, exitReason.error(error));
    assert.deepEqual(exits.get(pids[0] as Pid), exitReason.error(error));
    const thrown = await failureOf(
      system.start(
        initDoing(() => {
          throw 'not an Error';
        }, pids),
      ),
    );
    assert.deepEqual(thrown.reason, exitReason.error('not an Error'));
    await system.shutdown();
  });

  it('R8.3 an async init that rejects: start rejects with the error reason', async () => {
    const { system, exits } = setup();
    const pids: Pid[] = [];
    const error = new Error('no database');
    const failure = await failureOf(system.start(initDoing(() => Promise.reject(error), pids)));
    assert.deepEqual(failure.reason, exitReason.error(error));
    assert.deepEqual(exits.get(pids[0] as Pid), exitReason.error(error));
    await system.shutdown();
  });

  it('R8.4 after a failed start the process has terminated and its name is free for an immediate retry', async () => {
    const { system } = setup();
    const log: string[] = [];
    const behaviour = { failInit: true };
    for (const ignore of [false, true]) {
      const b = ignore ? { ignore: true } : behaviour;
      await assert.rejects(system.start(worker('w', log, b), { name: 'svc' }), StartFailedError);
      assert.equal(system.whereis('svc'), undefined);
      assert.deepEqual(system.processes(), []);
    }
    const ref = await system.start(worker('w', log), { name: 'svc' });
    assert.equal(system.whereis('svc')?.pid, ref.pid);
    await system.shutdown();
  });

  it('R8.5 a non-trapping caller of spawnLink is killed when the new process crashes in init', async () => {
    const { system, exits } = setup();
    const log: string[] = [];
    const caller = await system.start(worker('caller', log));
    const error = new Error('init crash');
    caller.tell({
      type: 'run',
      fn: (ctx) => {
        ctx.spawnLink(
          defineActor<string>({
            init() {
              throw error;
            },
            handle() {},
          }),
        );
      },
    });
    await system.idle();
    assert.deepEqual(exits.get(caller.pid), exitReason.error(error));
    await system.shutdown();
  });

  it('R8.5 a non-trapping caller of spawnLink survives a new process that ignores its start (exits normal)', async () => {
    const { system } = setup();
    const log: string[] = [];
    const caller = await system.start(worker('caller', log));
    caller.tell({
      type: 'run',
      fn: (ctx) => {
        ctx.spawnLink(worker('ignorer', log, { ignore: true }));
      },
    });
    await system.idle();
    assert.equal(system.isAlive(caller), true);
    assert.equal(await caller.ask({ type: 'ping' }), caller.pid);
    await system.shutdown();
  });
});
