import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ActorContext,
  defineActor,
  exitReason,
  NoProcError,
  type Pid,
} from '../../src/index.js';
import { deferred, failOnUnhandledRejections, track, turn } from '../support/guard.js';
import { exitsOf, manualSystem, recorder } from './fixture.js';

function setup(options: { shutdownTimeout?: number } = {}) {
  const { clock, system, letters } = manualSystem(options);
  return { clock, system, exits: exitsOf(system), letters };
}

describe('stopping', () => {
  failOnUnhandledRejections();

  it('a stop requested from init takes effect at once, and the parent waiting on it can stop', async () => {
    const { system, exits } = setup();
    let childPid: Pid | undefined;
    const stopsInInit = defineActor<string>({
      init(ctx: ActorContext<string>) {
        ctx.stop();
      },
      handle() {
        assert.fail('a process stopped in init handles no message');
      },
    });
    const parent = system.spawn(
      defineActor<string>({
        handle(_msg, ctx) {
          childPid = ctx.spawn(stopsInInit).pid;
        },
      }),
    );
    parent.tell('spawn');
    await system.idle();
    assert.ok(childPid !== undefined);
    assert.deepEqual(exits.get(childPid), exitReason.normal);
    assert.equal(system.isAlive(childPid), false);
    await system.stop(parent);
    assert.deepEqual(exits.get(parent.pid), exitReason.normal);
    await system.shutdown();
  });

  it('a stop during an async handler fires the AbortSignal at once and runs terminate after the handler settles', async () => {
    const { system, exits, letters } = setup();
    const log: string[] = [];
    let signal: AbortSignal | undefined;
    const release = deferred();
    const ref = system.spawn(
      defineActor<string>({
        async handle(msg, ctx) {
          log.push(`start ${msg}`);
          signal = ctx.signal;
          signal.addEventListener('abort', () => log.push('aborted'));
          await release.promise;
          log.push(`end ${msg}`);
        },
        terminate(reason) {
          log.push(`terminate ${reason.kind}`);
        },
      }),
    );
    ref.tell('slow');
    ref.tell('queued 1');
    ref.tell('queued 2');
    await turn();
    assert.deepEqual(log, ['start slow']);
    const stopped = track(system.stop(ref, { reason: exitReason.shutdown('test') }));
    assert.equal(signal?.aborted, true, 'the signal fired synchronously with the stop request');
    assert.equal(system.status(ref), 'stopping');
    await turn();
    assert.deepEqual(log, ['start slow', 'aborted'], 'terminate waits for the handler');
    assert.equal(stopped.settled(), false);
    release.resolve();
    await stopped.promise;
    assert.deepEqual(log, ['start slow', 'aborted', 'end slow', 'terminate shutdown']);
    assert.deepEqual(exits.get(ref.pid), exitReason.shutdown('test'));
    assert.equal(system.status(ref), 'stopped');
    assert.deepEqual(
      letters.map((d) => [d.message, d.reason]),
      [
        ['queued 1', 'stopped'],
        ['queued 2', 'stopped'],
      ],
    );
    await system.shutdown();
  });

  it('an async handler that rejects because it was aborted does not change the stop reason', async () => {
    const { system, exits } = setup();
    const ref = system.spawn(
      defineActor<string>({
        async handle(_msg, ctx) {
          await new Promise((_, reject) =>
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)),
          );
        },
      }),
    );
    ref.tell('work');
    await turn();
    await system.stop(ref);
    assert.deepEqual(exits.get(ref.pid), exitReason.normal);
    assert.equal(system.status(ref), 'stopped');
    await system.shutdown();
  });

  it('a signal read after the stop request is already aborted', async () => {
    const { system } = setup();
    let aborted: boolean | undefined;
    const ref = system.spawn(
      defineActor<string>({
        handle(_msg, ctx) {
          ctx.stop();
          aborted = ctx.signal.aborted;
        },
      }),
    );
    ref.tell('x');
    await system.idle();
    assert.equal(aborted, true);
    await system.shutdown();
  });

  it('a stop request goes ahead of queued messages', async () => {
    const { system, letters } = setup();
    const { ref, handled } = recorder(system);
    ref.tell('a');
    ref.tell('b');
    const stopped = system.stop(ref);
    await stopped;
    assert.deepEqual(handled, []);
    assert.deepEqual(
      letters.map((d) => d.message),
      ['a', 'b'],
    );
    await system.shutdown();
  });

  it('ctx.stop takes effect after the current handler returns', async () => {
    const { system, exits, letters } = setup();
    const handled: string[] = [];
    const ref = system.spawn(
      defineActor<string>({
        handle(msg, ctx) {
          if (msg === 'quit') ctx.stop(exitReason.shutdown('done'));
          handled.push(msg);
        },
      }),
    );
    for (const m of ['a', 'quit', 'b']) ref.tell(m);
    await system.idle();
    assert.deepEqual(handled, ['a', 'quit']);
    assert.deepEqual(exits.get(ref.pid), exitReason.shutdown('done'));
    assert.deepEqual(
      letters.map((d) => [d.message, d.reason]),
      [['b', 'stopped']],
    );
    await system.shutdown();
  });

  it('the first stop reason wins', async () => {
    const { system, exits } = setup();
    const ref = system.spawn(defineActor<string>({ handle() {} }));
    const first = system.stop(ref, { reason: exitReason.shutdown('first') });
    const second = system.stop(ref, { reason: exitReason.shutdown('second') });
    await Promise.all([first, second]);
    assert.deepEqual(exits.get(ref.pid), exitReason.shutdown('first'));
    await system.shutdown();
  });

  it('stopping a parent stops its children first, newest first, each with reason shutdown', async () => {
    const { system, exits } = setup();
    const order: string[] = [];
    const leaf = (name: string) =>
      defineActor<string>({
        handle() {},
        terminate() {
          order.push(name);
        },
      });
    const parent = system.spawn(
      defineActor<string>({
        init(ctx) {
          ctx.spawn(leaf('child 1'));
          ctx.spawn(leaf('child 2'));
          ctx.spawn(leaf('child 3'));
        },
        handle() {},
        terminate() {
          order.push('parent');
        },
      }),
    );
    await system.idle();
    const children = system.info(parent)?.children ?? [];
    assert.equal(children.length, 3);
    await system.stop(parent);
    assert.deepEqual(order, ['child 3', 'child 2', 'child 1', 'parent']);
    for (const pid of children) assert.deepEqual(exits.get(pid), exitReason.shutdown());
    assert.deepEqual(system.processes(), []);
    await system.shutdown();
  });

  it('a crashing parent stops its children first: no process outlives its parent', async () => {
    const { system, exits } = setup();
    let childPid = 0;
    const parent = system.spawn(
      defineActor<string>({
        init(ctx) {
          childPid = ctx.spawn(defineActor<string>({ handle() {} })).pid;
        },
        handle() {
          throw new Error('parent crash');
        },
      }),
    );
    await system.idle();
    parent.tell('x');
    await system.idle();
    assert.equal(system.isAlive(childPid as Pid), false);
    assert.deepEqual(exits.get(childPid), exitReason.shutdown());
    assert.equal(exits.get(parent.pid)?.kind, 'error');
    await system.shutdown();
  });

  it('kill of a process stuck in a never-resolving async handler: reason killed, no terminate, status failed, idle() resolves', async () => {
    const { system, exits } = setup();
    let terminated = false;
    let entered = false;
    const ref = system.spawn(
      defineActor<string>({
        handle() {
          entered = true;
          return new Promise<void>(() => {});
        },
        terminate() {
          terminated = true;
        },
      }),
    );
    ref.tell('hang');
    ref.tell('never');
    await turn();
    assert.equal(entered, true);
    assert.equal(system.stats().scheduler.inFlight, 1);
    system.kill(ref);
    assert.deepEqual(exits.get(ref.pid), exitReason.killed);
    assert.equal(system.status(ref), 'failed');
    assert.equal(system.isAlive(ref), false);
    assert.equal(terminated, false);
    await system.idle();
    assert.equal(system.stats().scheduler.inFlight, 0);
    await system.shutdown();
  });

  it('whatever an async handler does after its process was killed is ignored', async () => {
    const { system, letters } = setup();
    const release = deferred();
    let after = false;
    const ref = system.spawn(
      defineActor<string>({
        async handle(_msg, ctx) {
          await release.promise;
          after = true;
          ctx.self.tell('from the grave');
          ctx.stop();
        },
      }),
    );
    ref.tell('work');
    await turn();
    system.kill(ref);
    release.resolve();
    await system.idle();
    await turn();
    assert.equal(after, true);
    // The sender is refused first (§4): its own ref being gone too does not make it noproc.
    assert.deepEqual(
      letters.map((d) => [d.message, d.reason]),
      [['from the grave', 'sender-exited']],
    );
    await system.shutdown();
  });

  it('system.stop kills a process that does not stop within the timeout', async () => {
    const { clock, system, exits } = setup();
    const ref = system.spawn(
      defineActor<string>({
        handle() {
          return new Promise<void>(() => {});
        },
      }),
    );
    ref.tell('hang');
    await turn();
    const stopped = track(system.stop(ref, { timeout: 500 }));
    clock.advance(499);
    await turn();
    assert.equal(stopped.settled(), false);
    clock.advance(1);
    await stopped.promise;
    assert.deepEqual(exits.get(ref.pid), exitReason.killed);
    await system.shutdown();
  });

  it('senders waiting in offer are rejected with NoProcError when the process exits', async () => {
    const { system } = setup();
    const ref = system.spawn(defineActor<string>({ handle() {} }), {
      mailbox: { capacity: 1, overflow: 'backpressure' },
    });
    ref.tell('fills');
    const waiting = ref.offer('waits');
    system.kill(ref);
    await assert.rejects(
      waiting,
      (e: unknown) => e instanceof NoProcError && e.code === 'ERR_NOPROC',
    );
    await assert.rejects(ref.offer('after'), NoProcError);
    await system.shutdown();
  });

  it('a sender waiting in offer is rejected when the process is killed mid-handler with its mailbox empty', async () => {
    const { system } = setup();
    const ref = system.spawn(
      defineActor<string>({
        handle(_msg, ctx) {
          // The one message is taken: the mailbox is empty, the offer below still waits.
          ctx.exit(ctx.self, exitReason.kill);
        },
      }),
      { mailbox: { capacity: 1, overflow: 'backpressure' } },
    );
    ref.tell('fills');
    const waiting = ref.offer('waits');
    await assert.rejects(waiting, NoProcError);
    await system.shutdown();
  });

  it('an exited process cannot spawn: ctx.spawn throws NoProcError', async () => {
    const { system } = setup();
    let saved: ActorContext<string> | undefined;
    const ref = system.spawn(
      defineActor<string>({
        handle(_msg, ctx) {
          saved = ctx;
        },
      }),
    );
    ref.tell('x');
    await system.idle();
    await system.stop(ref);
    assert.throws(() => saved?.spawn(defineActor<string>({ handle() {} })), NoProcError);
    await system.shutdown();
  });

  it('stopping or killing an exited process is a no-op', async () => {
    const { system, exits } = setup();
    const ref = system.spawn(defineActor<string>({ handle() {} }));
    await system.stop(ref);
    await system.stop(ref);
    system.kill(ref);
    assert.deepEqual(exits.get(ref.pid), exitReason.normal);
    assert.equal(system.status(ref), 'stopped');
    await system.shutdown();
  });

  it('status goes starting, waiting, running, stopping, stopped', async () => {
    const { system } = setup();
    const statuses: (string | undefined)[] = [];
    const ready = deferred<undefined>();
    const release = deferred();
    const ref = system.spawn(
      defineActor<string>({
        init: () => ready.promise,
        async handle() {
          await release.promise;
        },
      }),
    );
    statuses.push(system.status(ref));
    ready.resolve(undefined);
    await system.idle();
    statuses.push(system.status(ref));
    ref.tell('x');
    await turn();
    statuses.push(system.status(ref));
    const stopped = system.stop(ref);
    statuses.push(system.status(ref));
    release.resolve();
    await stopped;
    statuses.push(system.status(ref));
    assert.deepEqual(statuses, ['starting', 'waiting', 'running', 'stopping', 'stopped']);
    await system.shutdown();
  });
});
