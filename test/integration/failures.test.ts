import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ActorRef,
  createSystem,
  type Directive,
  defineActor,
  EscalatedError,
  type ExitReason,
  exitReason,
  type Reply,
  type SystemEvent,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { captureWarnings, failOnUnhandledRejections, turn } from '../support/guard.js';
import { manualSystem } from './fixture.js';

function setup() {
  const { clock, system, letters } = manualSystem();
  const events: SystemEvent[] = [];
  system.events.subscribe((e) => events.push(e));
  const exitOf = (ref: ActorRef<never>): ExitReason | undefined =>
    events.find(
      (e): e is Extract<SystemEvent, { type: 'exited' }> =>
        e.type === 'exited' && e.pid === ref.pid,
    )?.reason;
  return { clock, system, events, letters, exitOf };
}

type Msg =
  | { type: 'inc' }
  | { type: 'boom'; error: unknown }
  | { type: 'async-boom'; error: unknown }
  | { type: 'get'; reply: Reply<{ count: number; restarts: number; handled: number }> };

interface Log {
  inits: number;
  terminated: ExitReason[];
  errors: [unknown, unknown][];
}

/** A counter whose `onError` answers `directive`. */
function flaky(log: Log, directive: Directive | undefined) {
  return defineActor<Msg, { count: number }>({
    init() {
      log.inits++;
      return { count: 0 };
    },
    handle(msg, ctx) {
      switch (msg.type) {
        case 'inc':
          ctx.state.count++;
          return;
        case 'boom':
          throw msg.error;
        case 'async-boom':
          return Promise.reject(msg.error);
        case 'get':
          msg.reply.send({ count: ctx.state.count, restarts: ctx.restarts, handled: ctx.handled });
          return;
      }
    },
    terminate(reason) {
      log.terminated.push(reason);
    },
    ...(directive === undefined
      ? {}
      : {
          onError(error: unknown, message: Msg | undefined): Directive {
            log.errors.push([error, message]);
            return directive;
          },
        }),
  });
}

const newLog = (): Log => ({ inits: 0, terminated: [], errors: [] });

describe('error hook directives', () => {
  failOnUnhandledRejections();

  it('resume skips the failed message and keeps state, mailbox and process', async () => {
    const { system } = setup();
    const log = newLog();
    const ref = system.spawn(flaky(log, 'resume'));
    const error = new Error('skip me');
    ref.tell({ type: 'inc' });
    ref.tell({ type: 'boom', error });
    ref.tell({ type: 'inc' });
    ref.tell({ type: 'async-boom', error });
    ref.tell({ type: 'inc' });
    assert.deepEqual(await ref.ask({ type: 'get' }), { count: 3, restarts: 0, handled: 6 });
    assert.equal(log.inits, 1);
    assert.deepEqual(log.terminated, []);
    assert.deepEqual(log.errors, [
      [error, { type: 'boom', error }],
      [error, { type: 'async-boom', error }],
    ]);
    await system.shutdown();
  });

  it('restart gives fresh state from init in the same process, keeps the mailbox, counts the restart and emits restarted', async () => {
    const { system, events } = setup();
    const log = newLog();
    const ref = system.spawn(flaky(log, 'restart'), { name: 'flaky' });
    const error = new Error('restart me');
    ref.tell({ type: 'inc' });
    ref.tell({ type: 'inc' });
    ref.tell({ type: 'boom', error });
    ref.tell({ type: 'inc' });
    const after = await ref.ask({ type: 'get' });
    assert.deepEqual(after, { count: 1, restarts: 1, handled: 5 });
    assert.equal(log.inits, 2);
    assert.equal(log.terminated.length, 1, 'terminate ran before the restart');
    assert.deepEqual(log.terminated[0], exitReason.error(error));
    assert.equal(system.isAlive(ref), true);
    assert.equal(system.whereis('flaky')?.pid, ref.pid, 'the name is kept');
    assert.equal(system.info(ref)?.restarts, 1);
    assert.equal(system.stats().restarts, 1);
    const restarted = events.filter((e) => e.type === 'restarted');
    assert.equal(restarted.length, 1);
    assert.deepEqual(
      restarted.map((e) => [e.pid, e.error, e.restarts]),
      [[ref.pid, error, 1]],
    );
    await system.shutdown();
  });

  it('restart after an async failure also restarts in place', async () => {
    const { system } = setup();
    const log = newLog();
    const ref = system.spawn(flaky(log, 'restart'));
    ref.tell({ type: 'inc' });
    ref.tell({ type: 'async-boom', error: 'async' });
    ref.tell({ type: 'inc' });
    assert.deepEqual(await ref.ask({ type: 'get' }), { count: 1, restarts: 1, handled: 4 });
    await system.shutdown();
  });

  it('restart aborts the old signal and cancels the timers of the old incarnation', async () => {
    const { clock, system } = setup();
    const signals: AbortSignal[] = [];
    let ticks = 0;
    const ref = system.spawn(
      defineActor<'tick' | 'boom'>({
        init(ctx) {
          signals.push(ctx.signal);
          ctx.sendAfter(100, 'tick');
        },
        handle(msg) {
          if (msg === 'boom') throw new Error('boom');
          ticks++;
        },
        onError: () => 'restart',
      }),
    );
    await system.idle();
    ref.tell('boom');
    await system.idle();
    assert.equal(signals.length, 2);
    assert.equal(signals[0]?.aborted, true);
    assert.equal(signals[1]?.aborted, false);
    assert.equal(system.info(ref)?.timers, 1, 'only the new incarnation timer is left');
    clock.advance(100);
    await system.idle();
    assert.equal(ticks, 1);
    await system.shutdown();
  });

  it('stop exits with an error reason carrying the thrown value, after terminate runs', async () => {
    const { system, exitOf } = setup();
    const log = newLog();
    const ref = system.spawn(flaky(log, 'stop'));
    const error = new Error('stop me');
    ref.tell({ type: 'boom', error });
    ref.tell({ type: 'inc' });
    await system.idle();
    assert.deepEqual(log.terminated, [exitReason.error(error)]);
    const reason = exitOf(ref);
    assert.equal(reason?.kind, 'error');
    assert.equal((reason as { error: unknown }).error, error);
    assert.equal(system.status(ref), 'failed');
    assert.equal(system.isAlive(ref), false);
    await system.shutdown();
  });

  it('with no error hook a throwing handler makes the process exit with an error reason and status failed', async () => {
    const { system, exitOf, letters } = setup();
    const log = newLog();
    const ref = system.spawn(flaky(log, undefined));
    const error = new TypeError('unhandled');
    ref.tell({ type: 'boom', error });
    ref.tell({ type: 'inc' });
    await system.idle();
    assert.deepEqual(exitOf(ref), exitReason.error(error));
    assert.equal(system.status(ref), 'failed');
    assert.deepEqual(log.terminated, [exitReason.error(error)], 'terminate runs, as for stop');
    assert.deepEqual(
      letters.map((d) => [d.message, d.reason]),
      [[{ type: 'inc' }, 'stopped']],
    );
    await system.shutdown();
  });

  it('escalate exits the child and the parent onError receives an EscalatedError with the cause', async () => {
    const { system, events, exitOf } = setup();
    const parentErrors: [unknown, unknown][] = [];
    const childLog = newLog();
    let child: ActorRef<Msg> | undefined;
    const parent = system.spawn(
      defineActor<'spawn'>({
        handle(_msg, ctx) {
          child = ctx.spawn(flaky(childLog, 'escalate'));
        },
        onError(error, message) {
          parentErrors.push([error, message]);
          return 'resume';
        },
      }),
    );
    parent.tell('spawn');
    await system.idle();
    const error = new Error('too hard for me');
    child?.tell({ type: 'boom', error });
    await system.idle();
    const c = child as ActorRef<Msg>;
    assert.deepEqual(exitOf(c), exitReason.error(error));
    assert.deepEqual(childLog.terminated, [exitReason.error(error)]);
    assert.equal(parentErrors.length, 1);
    const [escalated, message] = parentErrors[0] as [unknown, unknown];
    assert.ok(escalated instanceof EscalatedError);
    assert.equal(escalated.cause, error);
    assert.equal(escalated.child, c.pid);
    assert.equal(message, undefined, 'an escalation has no message');
    assert.equal(system.isAlive(parent), true, 'the parent resumed');
    const escalatedEvents = events.filter((e) => e.type === 'escalated');
    assert.deepEqual(
      escalatedEvents.map((e) => [e.pid, e.parent, e.error]),
      [[c.pid, parent.pid, error]],
    );
    await system.shutdown();
  });

  it('an escalation to a parent without an error hook fails the parent too', async () => {
    const { system, exitOf } = setup();
    let child: ActorRef<Msg> | undefined;
    const parent = system.spawn(
      defineActor<'spawn'>({
        handle(_msg, ctx) {
          child = ctx.spawn(flaky(newLog(), 'escalate'));
        },
      }),
    );
    parent.tell('spawn');
    await system.idle();
    child?.tell({ type: 'boom', error: 'bad' });
    await system.idle();
    const reason = exitOf(parent);
    assert.equal(reason?.kind, 'error');
    const escalated = (reason as { error: unknown }).error;
    assert.ok(escalated instanceof EscalatedError);
    assert.equal(escalated.cause, 'bad');
    assert.equal(system.status(parent), 'failed');
    await system.shutdown();
  });

  it('a top-level process that escalates just exits with the error', async () => {
    const { system, exitOf, events } = setup();
    const ref = system.spawn(flaky(newLog(), 'escalate'));
    ref.tell({ type: 'boom', error: 'top' });
    await system.idle();
    assert.deepEqual(exitOf(ref), exitReason.error('top'));
    assert.deepEqual(
      events.filter((e) => e.type === 'escalated').map((e) => [e.pid, e.parent]),
      [[ref.pid, undefined]],
    );
    await system.shutdown();
  });
});

describe('bad outcomes of handlers and hooks', () => {
  failOnUnhandledRejections();

  for (const [label, thrown] of [
    ['a string', 'just a string'],
    ['a number', 42],
    ['undefined', undefined],
    ['null', null],
    ['a plain object', { code: 'E_PLAIN' }],
  ] as const) {
    it(`a handler throwing ${label} exits the process with that value as the error reason`, async () => {
      const { system, exitOf } = setup();
      const ref = system.spawn(flaky(newLog(), undefined));
      ref.tell({ type: 'boom', error: thrown });
      await system.idle();
      assert.deepEqual(exitOf(ref), exitReason.error(thrown));
      assert.equal(system.status(ref), 'failed');
      await system.shutdown();
    });

    it(`an async handler rejecting with ${label} is handled the same way`, async () => {
      const { system, exitOf } = setup();
      const ref = system.spawn(flaky(newLog(), undefined));
      ref.tell({ type: 'async-boom', error: thrown });
      await system.idle();
      assert.deepEqual(exitOf(ref), exitReason.error(thrown));
      await system.shutdown();
    });
  }

  it('onError receives a non-Error thrown value as is', async () => {
    const { system } = setup();
    const log = newLog();
    const ref = system.spawn(flaky(log, 'resume'));
    ref.tell({ type: 'boom', error: 7 });
    await system.idle();
    assert.deepEqual(log.errors, [[7, { type: 'boom', error: 7 }]]);
    await system.shutdown();
  });

  for (const kind of ['sync', 'async'] as const) {
    it(`init throwing (${kind}) exits the process with the error, skips terminate and dead-letters queued messages`, async () => {
      const { system, exitOf, letters } = setup();
      const error = new Error(`init failed ${kind}`);
      let terminated = false;
      let handled = false;
      let onErrorCalled = false;
      const ref = system.spawn(
        defineActor<string>({
          init:
            kind === 'sync'
              ? () => {
                  throw error;
                }
              : () => Promise.reject(error),
          handle() {
            handled = true;
          },
          terminate() {
            terminated = true;
          },
          onError() {
            onErrorCalled = true;
            return 'resume';
          },
        }),
      );
      ref.tell('queued');
      await system.idle();
      assert.deepEqual(exitOf(ref), exitReason.error(error));
      assert.equal(system.status(ref), 'failed');
      assert.equal(handled, false);
      assert.equal(terminated, false);
      assert.equal(onErrorCalled, false, 'the error hook is not consulted for init');
      assert.deepEqual(
        letters.map((d) => [d.message, d.reason]),
        [['queued', 'stopped']],
      );
      await system.shutdown();
    });
  }

  for (const kind of ['sync', 'async'] as const) {
    it(`terminate throwing (${kind}) makes the exit reason the terminate error and emits hook-failed`, async () => {
      const { system, events, exitOf } = setup();
      const error = new Error(`terminate failed ${kind}`);
      const ref = system.spawn(
        defineActor<string>({
          handle() {},
          terminate:
            kind === 'sync'
              ? () => {
                  throw error;
                }
              : () => Promise.reject(error),
        }),
      );
      await system.stop(ref);
      assert.deepEqual(exitOf(ref), exitReason.error(error));
      assert.equal(system.status(ref), 'failed');
      const failed = events.filter((e) => e.type === 'hook-failed');
      assert.deepEqual(
        failed.map((e) => [e.pid, e.hook, e.error]),
        [[ref.pid, 'terminate', error]],
      );
      await system.shutdown();
    });
  }

  it('onError throwing stops the process with the original error and emits hook-failed', async () => {
    const { system, events, exitOf } = setup();
    const original = new Error('original');
    const hookError = new Error('hook broke');
    const ref = system.spawn(
      defineActor<string>({
        handle() {
          throw original;
        },
        onError() {
          throw hookError;
        },
      }),
    );
    ref.tell('x');
    await system.idle();
    assert.deepEqual(exitOf(ref), exitReason.error(original));
    const failed = events.filter((e) => e.type === 'hook-failed');
    assert.deepEqual(
      failed.map((e) => [e.pid, e.hook, e.error]),
      [[ref.pid, 'onError', hookError]],
    );
    await system.shutdown();
  });

  for (const garbage of ['retry', undefined, 42, { directive: 'resume' }]) {
    it(`onError returning ${JSON.stringify(garbage) ?? 'undefined'} stops the process with the original error and emits hook-failed`, async () => {
      const { system, events, exitOf } = setup();
      const original = new Error('original');
      const ref = system.spawn(
        defineActor<string>({
          handle() {
            throw original;
          },
          onError: () => garbage as Directive,
        }),
      );
      ref.tell('x');
      await system.idle();
      assert.deepEqual(exitOf(ref), exitReason.error(original));
      const failed = events.filter((e) => e.type === 'hook-failed');
      assert.equal(failed.length, 1);
      assert.equal(failed[0]?.type === 'hook-failed' && failed[0].hook, 'onError');
      assert.ok(failed[0]?.type === 'hook-failed' && failed[0].error instanceof TypeError);
      await system.shutdown();
    });
  }

  it('a handler returning a thenable whose then throws fails the process instead of the runtime', async () => {
    const { system, exitOf } = setup();
    const error = new Error('then exploded');
    const ref = system.spawn(
      defineActor<string>({
        handle() {
          return {
            // biome-ignore lint/suspicious/noThenProperty: a hostile thenable is the point of this test
            then() {
              throw error;
            },
          } as unknown as Promise<void>;
        },
      }),
    );
    const other = system.spawn(
      defineActor<{ reply: Reply<string> }>({ handle: (m) => m.reply.send('alive') }),
    );
    ref.tell('x');
    await system.idle();
    await turn();
    assert.deepEqual(exitOf(ref), exitReason.error(error));
    assert.equal(await other.ask({}), 'alive', 'the runtime still works');
    await system.shutdown();
  });

  it('a handler returning a thenable that calls back twice ends its step once: the second call, made while the next message’s step is in flight, neither runs a third message nor lets idle() resolve', async () => {
    const { system } = setup();
    const handled: string[] = [];
    const callbacks: (() => void)[] = [];
    const ref = system.spawn(
      defineActor<string>({
        handle(msg) {
          handled.push(msg);
          return {
            // biome-ignore lint/suspicious/noThenProperty: a hostile thenable is the point of this test
            then(onFulfilled: () => void) {
              callbacks.push(onFulfilled);
            },
          } as unknown as Promise<void>;
        },
      }),
    );
    for (const m of ['a', 'b', 'c']) ref.tell(m);
    await turn();
    assert.deepEqual(handled, ['a']);
    const [first] = callbacks as [() => void];
    first();
    await turn();
    assert.deepEqual(handled, ['a', 'b']);
    first();
    await turn();
    await turn();
    assert.deepEqual(handled, ['a', 'b'], 'c waits for b’s step');
    let idle = false;
    void system.idle().then(() => {
      idle = true;
    });
    await turn();
    await turn();
    assert.equal(idle, false, 'b’s step is still in flight');
    (callbacks[1] as () => void)();
    await turn();
    assert.deepEqual(handled, ['a', 'b', 'c']);
    (callbacks[2] as () => void)();
    await system.idle();
    await system.shutdown();
  });

  it('a listener that throws does not affect the runtime', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const warnings = captureWarnings();
    try {
      system.events.subscribe(() => {
        throw new Error('listener broke');
      });
      const ref = system.spawn(
        defineActor<{ reply: Reply<number> }>({ handle: (m) => m.reply.send(1) }),
      );
      assert.equal(await ref.ask({}), 1);
      await system.shutdown();
      await turn();
      assert.match(
        warnings.text(),
        /AirssysWarning: a system event listener threw: Error: listener broke/,
      );
    } finally {
      warnings.restore();
    }
  });
});
