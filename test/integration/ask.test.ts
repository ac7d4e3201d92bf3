import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CallingSelfError,
  CallTimeoutError,
  createSystem,
  type DeadLetter,
  defineActor,
  exitReason,
  MailboxFullError,
  NoProcError,
  NotRepliableError,
  ProcessExitedError,
  type Reply,
  RuntimeError,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { failOnUnhandledRejections, track, turn } from '../support/guard.js';

type Msg =
  | { type: 'get'; reply: Reply<number> }
  | { type: 'hold'; reply: Reply<number> }
  | { type: 'quit'; reply: Reply<number> }
  | { type: 'crash'; reply: Reply<number> }
  | { type: 'refuse'; reply: Reply<number> }
  | { type: 'twice'; reply: Reply<number> };

/** An actor that parks `hold` reply ports in `held` instead of answering. */
function server(held: Reply<number>[] = []) {
  return defineActor<Msg>({
    handle(msg, ctx) {
      switch (msg.type) {
        case 'get':
          msg.reply.send(7);
          return;
        case 'hold':
          held.push(msg.reply);
          return;
        case 'quit':
          ctx.stop();
          return;
        case 'crash':
          throw new Error('crashed while asked');
        case 'refuse':
          msg.reply.fail(new RangeError('no'));
          return;
        case 'twice':
          msg.reply.send(1);
          msg.reply.send(2);
          return;
      }
    },
  });
}

function code(expected: string, type?: new (...args: never[]) => Error) {
  return (e: unknown): boolean => {
    if (type !== undefined) assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    assert.ok(e instanceof RuntimeError);
    assert.equal(e.code, expected);
    return true;
  };
}

describe('ask', () => {
  failOnUnhandledRejections();

  it('resolves with what the handler sends to the reply port', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(server());
    assert.equal(await ref.ask({ type: 'get' }), 7);
    assert.equal(system.info(ref)?.pendingAsks, 0);
    await system.shutdown();
  });

  it('rejects with what the handler passes to reply.fail', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(server());
    await assert.rejects(ref.ask({ type: 'refuse' }), RangeError);
    assert.equal(system.isAlive(ref), true);
    await system.shutdown();
  });

  it('an ask to a dead process rejects with NoProcError (ERR_NOPROC)', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(server());
    await system.stop(ref);
    await assert.rejects(ref.ask({ type: 'get' }), code('ERR_NOPROC', NoProcError));
    await system.shutdown();
  });

  it('an ask with no reply rejects with CallTimeoutError (ERR_CALL_TIMEOUT) exactly at the timeout', async () => {
    const clock = new ManualClock();
    const system = createSystem({ clock });
    const ref = system.spawn(server());
    const asked = track(ref.ask({ type: 'hold' }, { timeout: 100 }));
    await system.idle();
    clock.advance(99);
    await turn();
    assert.equal(asked.settled(), false);
    clock.advance(1);
    await assert.rejects(asked.promise, (e: unknown) => {
      assert.ok(e instanceof CallTimeoutError);
      assert.equal(e.code, 'ERR_CALL_TIMEOUT');
      assert.equal(e.timeout, 100);
      return true;
    });
    await system.shutdown();
  });

  it('the default ask timeout is the system askTimeout', async () => {
    const clock = new ManualClock();
    const system = createSystem({ clock, askTimeout: 300 });
    const ref = system.spawn(server());
    const asked = track(ref.ask({ type: 'hold' }));
    await system.idle();
    clock.advance(299);
    await turn();
    assert.equal(asked.settled(), false);
    clock.advance(1);
    await assert.rejects(asked.promise, code('ERR_CALL_TIMEOUT'));
    await system.shutdown();
  });

  it('an Infinity timeout never times out and costs no timer', async () => {
    const clock = new ManualClock();
    const held: Reply<number>[] = [];
    const system = createSystem({ clock });
    const ref = system.spawn(server(held));
    const asked = ref.ask({ type: 'hold' }, { timeout: Number.POSITIVE_INFINITY });
    await system.idle();
    assert.equal(system.stats().timers, 0);
    clock.advance(1e9);
    held[0]?.send(5);
    assert.equal(await asked, 5);
    await system.shutdown();
  });

  it('a late reply after the timeout goes to dead letters as late-reply, never to the caller', async () => {
    const clock = new ManualClock();
    const held: Reply<number>[] = [];
    const system = createSystem({ clock });
    const letters: DeadLetter[] = [];
    system.deadLetters.subscribe((d) => letters.push(d));
    const ref = system.spawn(server(held));
    let resolvedWith: unknown;
    const asked = ref.ask({ type: 'hold' }, { timeout: 10 }).then((v) => {
      resolvedWith = v;
    });
    await system.idle();
    clock.advance(10);
    await assert.rejects(asked, code('ERR_CALL_TIMEOUT'));
    const port = held[0] as Reply<number>;
    assert.equal(port.pending, false);
    port.send(42);
    await turn();
    assert.equal(resolvedWith, undefined);
    assert.equal(letters.length, 1);
    assert.equal(letters[0]?.reason, 'late-reply');
    assert.equal(letters[0]?.message, 42);
    await system.shutdown();
  });

  it('a late reply through a kept port never settles the ask made after it ended, though that ask reuses its record', async () => {
    const clock = new ManualClock();
    const held: Reply<number>[] = [];
    const system = createSystem({ clock });
    const letters: DeadLetter[] = [];
    system.deadLetters.subscribe((d) => letters.push(d));
    const ref = system.spawn(server(held));
    const first = ref.ask({ type: 'hold' }, { timeout: 10 });
    await system.idle();
    clock.advance(10);
    await assert.rejects(first, code('ERR_CALL_TIMEOUT'));
    let secondValue: unknown;
    const second = ref.ask({ type: 'hold' }, { timeout: 10 }).then((v) => {
      secondValue = v;
    });
    await system.idle();
    const [oldPort, newPort] = held as [Reply<number>, Reply<number>];
    oldPort.send(42);
    await turn();
    assert.equal(secondValue, undefined, 'the old port settled nothing');
    assert.equal(newPort.pending, true);
    assert.deepEqual(
      letters.map((d) => [d.message, d.reason, d.correlationId]),
      [[42, 'late-reply', oldPort.correlationId]],
    );
    newPort.send(5);
    await second;
    assert.equal(secondValue, 5);
    await system.shutdown();
  });

  it('a second answer to the same reply port is a late-reply dead letter', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const letters: DeadLetter[] = [];
    system.deadLetters.subscribe((d) => letters.push(d));
    const ref = system.spawn(server());
    assert.equal(await ref.ask({ type: 'twice' }), 1);
    assert.deepEqual(
      letters.map((d) => [d.message, d.reason, d.sender]),
      [[2, 'late-reply', ref.pid]],
    );
    await system.shutdown();
  });

  it('an ask to self from a handler rejects with CallingSelfError (ERR_CALLING_SELF)', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const outcomes: unknown[] = [];
    type SelfMsg = { type: 'go' } | { type: 'get'; reply: Reply<number> };
    const ref = system.spawn(
      defineActor<SelfMsg>({
        handle(msg, ctx) {
          if (msg.type === 'go') {
            ctx.self.ask({ type: 'get' }).then(
              (v) => outcomes.push(v),
              (e: unknown) => outcomes.push(e),
            );
          } else msg.reply.send(1);
        },
      }),
    );
    ref.tell({ type: 'go' });
    await system.idle();
    await turn();
    assert.equal(outcomes.length, 1);
    assert.ok(outcomes[0] instanceof CallingSelfError);
    assert.equal(outcomes[0].code, 'ERR_CALLING_SELF');
    assert.equal(system.isAlive(ref), true);
    await system.shutdown();
  });

  it('an async handler that asks itself through its ref after an await fails at once with CallingSelfError', async () => {
    const clock = new ManualClock();
    const system = createSystem({ clock });
    const outcomes: unknown[] = [];
    type SelfMsg = { type: 'go' } | { type: 'get'; reply: Reply<number> };
    const ref = system.spawn(
      defineActor<SelfMsg>({
        async handle(msg, ctx) {
          if (msg.type === 'get') {
            msg.reply.send(1);
            return;
          }
          await Promise.resolve();
          try {
            outcomes.push(await ctx.self.ask({ type: 'get' }, { timeout: 50 }));
          } catch (e) {
            outcomes.push(e);
          }
        },
      }),
    );
    ref.tell({ type: 'go' });
    await turn();
    await system.idle();
    assert.equal(outcomes.length, 1, 'no timeout needed');
    assert.ok(outcomes[0] instanceof CallingSelfError);
    assert.equal(system.isAlive(ref), true);
    await system.shutdown();
  });

  it('the process exiting before replying rejects the ask with ProcessExitedError carrying the reason', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(server());
    await assert.rejects(ref.ask({ type: 'quit' }), (e: unknown) => {
      assert.ok(e instanceof ProcessExitedError);
      assert.equal(e.code, 'ERR_PROCESS_EXITED');
      assert.deepEqual(e.reason, exitReason.normal);
      return true;
    });
    const crashing = system.spawn(server());
    await assert.rejects(crashing.ask({ type: 'crash' }), (e: unknown) => {
      assert.ok(e instanceof ProcessExitedError);
      const reason = e.reason as { kind: string; error: unknown };
      assert.equal(reason.kind, 'error');
      assert.ok(reason.error instanceof Error && reason.error.message === 'crashed while asked');
      return true;
    });
    await system.shutdown();
  });

  it('asks queued behind a stop are rejected with ProcessExitedError, not left to time out', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(server());
    const first = ref.ask({ type: 'quit' });
    const second = ref.ask({ type: 'get' });
    await assert.rejects(first, ProcessExitedError);
    await assert.rejects(second, ProcessExitedError);
    assert.equal(system.stats().timers, 0, 'their timeouts were cancelled');
    await system.shutdown();
  });

  it('an ask of something that is not a plain object rejects with NotRepliableError', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(server());
    for (const bad of [42, null, 'get', [1]]) {
      await assert.rejects(ref.ask(bad as never), code('ERR_NOT_REPLIABLE', NotRepliableError));
    }
    await system.shutdown();
  });

  it('an ask to a full reject mailbox rejects with MailboxFullError', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(server(), { mailbox: { capacity: 1, overflow: 'reject' } });
    const first = ref.ask({ type: 'get' });
    await assert.rejects(ref.ask({ type: 'get' }), code('ERR_MAILBOX_FULL', MailboxFullError));
    assert.equal(await first, 7);
    assert.equal(system.stats().timers, 0, 'the refused ask left no timer behind');
    await system.shutdown();
  });

  it('the caller’s request object is never changed: the handler sees a copy of its own keys with reply added', async () => {
    const seen: Record<string, unknown>[] = [];
    const system = createSystem();
    const ref = system.spawn(
      defineActor<{ type: 'echo'; reply: Reply<number> }>({
        handle(msg) {
          seen.push(msg as unknown as Record<string, unknown>);
          msg.reply.send(Object.keys(msg).length);
        },
      }),
    );
    const request = { type: 'echo' as const, extra: 1 };
    assert.equal(await ref.ask(request), 3);
    assert.deepEqual(Object.keys(request), ['type', 'extra']);
    assert.notEqual(seen[0], request);
    const parsed = JSON.parse('{"type":"echo","__proto__":{"polluted":true}}') as { type: 'echo' };
    assert.equal(await ref.ask(parsed), 3);
    const copy = seen[1] as Record<string, unknown>;
    assert.equal(
      Object.getPrototypeOf(copy),
      Object.prototype,
      'an own __proto__ key sets no prototype',
    );
    assert.ok(Object.hasOwn(copy, '__proto__'));
    assert.equal((copy as { polluted?: unknown }).polluted, undefined);
    await system.shutdown();
  });

  it('an ask answered in time cancels its timeout timer', async () => {
    const clock = new ManualClock();
    const system = createSystem({ clock });
    const ref = system.spawn(server());
    assert.equal(await ref.ask({ type: 'get' }, { timeout: 50 }), 7);
    assert.equal(system.stats().timers, 0);
    clock.advance(100);
    assert.equal(system.stats().deadLetters, 0);
    await system.shutdown();
  });
});
