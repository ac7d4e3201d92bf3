import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ActorRef,
  createSystem,
  defineActor,
  Envelope,
  InvalidArgumentError,
  type Pid,
  type Reply,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { deferred, failOnUnhandledRejections, turn } from '../support/guard.js';
import { recorder } from './fixture.js';

type CounterMsg =
  | { type: 'add'; n: number }
  | { type: 'get'; reply: Reply<number> }
  | { type: 'echo'; text: string; reply: Reply<string> };

const counter = defineActor<CounterMsg, number>({
  init: () => 0,
  handle(msg, ctx) {
    switch (msg.type) {
      case 'add':
        ctx.state += msg.n;
        return;
      case 'get':
        msg.reply.send(ctx.state);
        return;
      case 'echo':
        msg.reply.send(msg.text);
        return;
    }
  },
});

describe('spawn, tell and ask', () => {
  failOnUnhandledRejections();

  it('a told message changes state that a later ask observes', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(counter);
    ref.tell({ type: 'add', n: 2 });
    ref.tell({ type: 'add', n: 3 });
    assert.equal(await ref.ask({ type: 'get' }), 5);
    assert.equal(await ref.ask({ type: 'echo', text: 'hi' }), 'hi');
    await system.shutdown();
  });

  it('pids count up from 1 and are never reused', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const a = system.spawn(counter);
    const b = system.spawn(counter);
    assert.deepEqual([a.pid, b.pid], [1, 2]);
    await system.stop(a);
    const c = system.spawn(counter);
    assert.equal(c.pid, 3);
    assert.deepEqual(system.processes(), [2, 3]);
    await system.shutdown();
  });

  it('an ask from outside is answered without waiting for an event-loop turn', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(counter);
    await system.idle();
    let answer: number | undefined;
    const asked = ref.ask({ type: 'get' }).then((n) => {
      answer = n;
    });
    let immediateSaw: number | undefined = -1;
    setImmediate(() => {
      immediateSaw = answer;
    });
    await asked;
    await turn();
    assert.equal(immediateSaw, 0, 'the reply arrived before the next immediate');
    await system.shutdown();
  });

  it('messages from one sender are handled in send order', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const { ref: sink, handled: seen } = recorder<[string, number]>(system);
    const relay = system.spawn(
      defineActor<number>({
        handle(n) {
          sink.tell(['relay', n]);
        },
      }),
    );
    for (let i = 0; i < 200; i++) {
      sink.tell(['outside', i]);
      relay.tell(i);
    }
    await system.idle();
    const from = (who: string) => seen.filter(([w]) => w === who).map(([, n]) => n);
    const expected = Array.from({ length: 200 }, (_, i) => i);
    assert.deepEqual(from('outside'), expected);
    assert.deepEqual(from('relay'), expected);
    await system.shutdown();
  });

  it('async handlers are processed strictly one at a time, in order', async () => {
    const system = createSystem({ clock: new ManualClock() });
    let active = 0;
    let maxActive = 0;
    const order: number[] = [];
    const ref = system.spawn(
      defineActor<number>({
        async handle(n) {
          active++;
          maxActive = Math.max(maxActive, active);
          // Vary how long each handler takes, across real event-loop turns.
          for (let i = 0; i < n % 3; i++) await turn();
          await Promise.resolve();
          order.push(n);
          active--;
        },
      }),
    );
    for (let i = 0; i < 20; i++) ref.tell(i);
    await system.idle();
    assert.equal(maxActive, 1);
    assert.deepEqual(
      order,
      Array.from({ length: 20 }, (_, i) => i),
    );
    await system.shutdown();
  });

  it('a message is not taken until the async handler before it has settled', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const gate = deferred();
    const log: string[] = [];
    const ref = system.spawn(
      defineActor<string>({
        async handle(msg) {
          log.push(`start ${msg}`);
          if (msg === 'first') await gate.promise;
          log.push(`end ${msg}`);
        },
      }),
    );
    ref.tell('first');
    ref.tell('second');
    await turn();
    await turn();
    assert.deepEqual(log, ['start first']);
    assert.equal(system.info(ref)?.mailbox.size, 1);
    gate.resolve();
    await system.idle();
    assert.deepEqual(log, ['start first', 'end first', 'start second', 'end second']);
    await system.shutdown();
  });

  it('a sync handler is called within the scheduler loop: 1000 tells are all handled before one microtask queued after them', async () => {
    const system = createSystem({ clock: new ManualClock() });
    let handled = 0;
    const ref = system.spawn(
      defineActor<number>({
        handle() {
          handled++;
        },
      }),
    );
    for (let i = 0; i < 1000; i++) ref.tell(i);
    assert.equal(handled, 0, 'tell never runs the handler synchronously');
    const seen = await new Promise<number>((resolve) => queueMicrotask(() => resolve(handled)));
    assert.equal(seen, 1000);
    await system.shutdown();
  });

  it('messages sent while an async init is pending wait and are handled after it, in order', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ready = deferred<string[]>();
    const ref = system.spawn(
      defineActor<string, string[]>({
        init: () => ready.promise,
        handle(msg, ctx) {
          ctx.state.push(msg);
        },
      }),
    );
    ref.tell('a');
    ref.tell('b');
    await turn();
    assert.equal(system.status(ref), 'starting');
    const state = ['init'];
    ready.resolve(state);
    await system.idle();
    assert.deepEqual(state, ['init', 'a', 'b']);
    assert.equal(system.status(ref), 'waiting');
    await system.shutdown();
  });

  it('init receives the spawn args, on each start', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const seen: unknown[] = [];
    const ref = system.spawn(
      defineActor<{ get: true; reply: Reply<number> }, number, { start: number }>({
        init: (_ctx, args) => {
          seen.push(args);
          return args.start;
        },
        handle(msg, ctx) {
          msg.reply.send(ctx.state);
        },
      }),
      { args: { start: 41 } },
    );
    assert.equal(await ref.ask({ get: true }), 41);
    assert.deepEqual(seen, [{ start: 41 }]);
    await system.shutdown();
  });

  it('sending undefined throws InvalidArgumentError and queues nothing', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(defineActor<string | undefined>({ handle() {} }));
    assert.throws(
      () => ref.tell(undefined),
      (e: unknown) =>
        e instanceof InvalidArgumentError && e.code === 'ERR_INVALID_ARG' && e.option === 'message',
    );
    assert.equal(system.info(ref)?.mailbox.enqueued, 0);
    await system.shutdown();
  });

  it('a message to a stopped process is a dead letter with reason noproc', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(counter);
    await system.stop(ref);
    const letters: unknown[] = [];
    system.deadLetters.subscribe((d) => letters.push([d.message, d.target, d.reason]));
    ref.tell({ type: 'add', n: 1 });
    assert.deepEqual(letters, [[{ type: 'add', n: 1 }, ref.pid, 'noproc']]);
    assert.equal(system.stats().deadLetters, 1);
    assert.equal(system.recentDeadLetters().at(-1)?.reason, 'noproc');
    await system.shutdown();
  });
});

/** A system on a manual clock with a `sink` that records the `ctx.sender` of each message. */
function senderSink() {
  const system = createSystem({ clock: new ManualClock() });
  const senders: (Pid | undefined)[] = [];
  const sink = system.spawn(
    defineActor<string>({
      handle(_msg, ctx) {
        senders.push(ctx.sender);
      },
    }),
  );
  return { system, sink, senders };
}

describe('context', () => {
  failOnUnhandledRejections();

  it('ctx.sender is the sending pid when sent from a handler, undefined from outside', async () => {
    const { system, sink, senders } = senderSink();
    const relay = system.spawn(
      defineActor<string>({
        handle(msg) {
          sink.tell(`relayed ${msg}`);
        },
      }),
    );
    sink.tell('direct');
    relay.tell('x');
    await system.idle();
    assert.deepEqual(senders, [undefined, relay.pid]);
    await system.shutdown();
  });

  it('a message sent from init has the starting process as ctx.sender', async () => {
    const { system, sink, senders } = senderSink();
    const starter = system.spawn(
      defineActor<string>({
        init() {
          sink.tell('hello from init');
        },
        handle() {},
      }),
    );
    await system.idle();
    assert.deepEqual(senders, [starter.pid]);
    await system.shutdown();
  });

  it('ctx.sender is the async handler’s process for a send through a plain ref after its await, and undefined through ctx.named', async () => {
    const { system, sink, senders } = senderSink();
    const relay = system.spawn(
      defineActor<string>({
        async handle(_msg, ctx) {
          sink.tell('before await');
          await Promise.resolve();
          sink.tell('after await');
          ctx.named<string>('sink').tell('through a name');
        },
      }),
    );
    system.register('sink', sink);
    relay.tell('go');
    await system.idle();
    assert.deepEqual(senders, [relay.pid, relay.pid, undefined]);
    await system.shutdown();
  });

  it('ctx.self, ctx.pid and ctx.parent describe the process', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const seen: unknown[] = [];
    const child = defineActor<string>({
      handle(_msg, ctx) {
        seen.push(['child', ctx.pid, ctx.parent, ctx.self.pid]);
      },
    });
    const parent = system.spawn(
      defineActor<string, ActorRef<string> | undefined>({
        init: () => undefined,
        handle(_msg, ctx) {
          seen.push(['parent', ctx.pid, ctx.parent, ctx.self.pid]);
          ctx.state = ctx.spawn(child);
          ctx.state.tell('hi');
        },
      }),
    );
    parent.tell('go');
    await system.idle();
    assert.deepEqual(seen, [
      ['parent', parent.pid, undefined, parent.pid],
      ['child', parent.pid + 1, parent.pid, parent.pid + 1],
    ]);
    assert.deepEqual(system.info(parent)?.children, [parent.pid + 1]);
    await system.shutdown();
  });

  it('ctx.handled counts handled messages and ctx.lastMessageAt is the clock at the turn', async () => {
    const clock = new ManualClock(1_000);
    const system = createSystem({ clock });
    const seen: [number, number | undefined][] = [];
    let beforeAny: [number, number | undefined] | undefined;
    const ref = system.spawn(
      defineActor<string>({
        init(ctx) {
          beforeAny = [ctx.handled, ctx.lastMessageAt];
        },
        handle(_msg, ctx) {
          seen.push([ctx.handled, ctx.lastMessageAt]);
        },
      }),
    );
    ref.tell('a');
    ref.tell('b');
    await system.idle();
    clock.advance(250);
    ref.tell('c');
    await system.idle();
    assert.deepEqual(beforeAny, [0, undefined]);
    assert.deepEqual(seen, [
      [1, 1_000],
      [2, 1_000],
      [3, 1_250],
    ]);
    assert.equal(system.info(ref)?.handled, 3);
    assert.equal(system.info(ref)?.lastMessageAt, 1_250);
    await system.shutdown();
  });
});

describe('envelopes', () => {
  failOnUnhandledRejections();

  function recorder(system: ReturnType<typeof createSystem>, options?: { envelopes?: boolean }) {
    const envelopes: (Envelope<string> | undefined)[] = [];
    const ref = system.spawn(
      defineActor<string>({
        handle(_msg, ctx) {
          envelopes.push(ctx.envelope);
        },
      }),
      options,
    );
    return { ref, envelopes };
  }

  it('ctx.envelope is undefined when the sender attached no options', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const { ref, envelopes } = recorder(system);
    ref.tell('plain');
    ref.tell('with', { priority: 'normal' });
    ref.tell('plain again');
    await system.idle();
    assert.equal(envelopes.length, 3);
    assert.equal(envelopes[0], undefined);
    assert.ok(envelopes[1] instanceof Envelope);
    assert.equal(envelopes[2], undefined, 'the envelope of an earlier message does not linger');
    await system.shutdown();
  });

  it('carries id, sender, timestamp, correlation id, priority, ttl, reply-to and routing key when options are given', async () => {
    const clock = new ManualClock(500);
    const system = createSystem({ clock });
    const { ref, envelopes } = recorder(system);
    const sender = system.spawn(
      defineActor<string>({
        handle(msg) {
          ref.tell(msg, {
            ttl: 1_000,
            priority: 'high',
            correlationId: 'c-1',
            replyTo: 99 as Pid,
            routingKey: 'user-7',
          });
        },
      }),
    );
    sender.tell('payload');
    await system.idle();
    const env = envelopes[0];
    assert.ok(env instanceof Envelope);
    assert.equal(typeof env.id, 'number');
    assert.equal(env.message, 'payload');
    assert.equal(env.sender, sender.pid);
    assert.equal(env.timestamp, 500);
    assert.equal(env.correlationId, 'c-1');
    assert.equal(env.priority, 'high');
    assert.equal(env.ttl, 1_000);
    assert.equal(env.expiresAt, 1_500);
    assert.equal(env.replyTo, 99);
    assert.equal(env.routingKey, 'user-7');
    await system.shutdown();
  });

  it('with envelopes: true every message has an envelope, with a fresh id each', async () => {
    const system = createSystem({ clock: new ManualClock(42) });
    const { ref, envelopes } = recorder(system, { envelopes: true });
    ref.tell('a');
    ref.tell('b');
    await system.idle();
    assert.equal(envelopes.length, 2);
    const [a, b] = envelopes;
    assert.ok(a instanceof Envelope && b instanceof Envelope);
    assert.notEqual(a.id, b.id);
    assert.equal(a.sender, undefined, 'sent from outside any process');
    assert.equal(a.timestamp, 42);
    assert.equal(a.priority, 'normal');
    assert.equal(a.ttl, undefined);
    assert.equal(a.expiresAt, Number.POSITIVE_INFINITY);
    await system.shutdown();
  });

  it("an ask's envelope carries the reply port's correlation id", async () => {
    const system = createSystem({ clock: new ManualClock() });
    const seen: [unknown, unknown][] = [];
    const ref = system.spawn(
      defineActor<{ reply: Reply<string> }>({
        handle(msg, ctx) {
          seen.push([ctx.envelope?.correlationId, msg.reply.correlationId]);
          msg.reply.send('ok');
        },
      }),
      { envelopes: true },
    );
    assert.equal(await ref.ask({}), 'ok');
    assert.equal(await ref.ask({}, { priority: 'high' }), 'ok');
    assert.equal(seen.length, 2);
    for (const [fromEnvelope, fromPort] of seen) {
      assert.equal(typeof fromPort, 'number');
      assert.equal(fromEnvelope, fromPort);
    }
    assert.notEqual(seen[0]?.[1], seen[1]?.[1], 'correlation ids are unique');
    await system.shutdown();
  });
});

describe('copyOnSend', () => {
  failOnUnhandledRejections();

  it('the receiver gets a deep copy of the message', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const { ref, handled: received } = recorder<{ list: number[]; nested: { x: number } }>(system, {
      copyOnSend: true,
    });
    const sent = { list: [1, 2], nested: { x: 1 } };
    ref.tell(sent);
    sent.list.push(3);
    sent.nested.x = 99;
    await system.idle();
    assert.deepEqual(received, [{ list: [1, 2], nested: { x: 1 } }]);
    assert.notEqual(received[0], sent);
    await system.shutdown();
  });

  it('without copyOnSend the receiver gets the same object', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const { ref, handled: received } = recorder<object>(system);
    const sent = { a: 1 };
    ref.tell(sent);
    await system.idle();
    assert.equal(received[0], sent);
    await system.shutdown();
  });

  it('an uncloneable message throws InvalidArgumentError at send and is not queued', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(defineActor<{ fn: () => number }>({ handle() {} }), {
      copyOnSend: true,
    });
    assert.throws(
      () => ref.tell({ fn: () => 1 }),
      (e: unknown) =>
        e instanceof InvalidArgumentError && e.code === 'ERR_INVALID_ARG' && e.option === 'message',
    );
    assert.equal(system.info(ref)?.mailbox.enqueued, 0);
    await system.shutdown();
  });

  it('an ask copies the request but keeps the reply port working', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(
      defineActor<{ items: number[]; reply: Reply<number> }>({
        handle(msg) {
          msg.items.push(100);
          msg.reply.send(msg.items.length);
        },
      }),
      { copyOnSend: true },
    );
    const items = [1, 2];
    assert.equal(await ref.ask({ items }), 3);
    assert.deepEqual(items, [1, 2], 'the handler mutated its own copy');
    await assert.rejects(
      ref.ask({ items: [() => 1] as never }),
      (e: unknown) => e instanceof InvalidArgumentError && e.option === 'message',
    );
    await system.shutdown();
  });
});

describe('dead letters', () => {
  failOnUnhandledRejections();

  it('recentDeadLetters keeps the last deadLetterBuffer letters; stats count them all', async () => {
    const system = createSystem({ clock: new ManualClock(), deadLetterBuffer: 2 });
    const ref = system.spawn(defineActor<string>({ handle() {} }));
    await system.stop(ref);
    for (const m of ['a', 'b', 'c']) ref.tell(m);
    assert.deepEqual(
      system.recentDeadLetters().map((d) => d.message),
      ['b', 'c'],
    );
    assert.equal(system.stats().deadLetters, 3);
    await system.shutdown();
  });

  it('with deadLetterBuffer 0 none are kept, but they are still counted and streamed', async () => {
    const system = createSystem({ clock: new ManualClock(), deadLetterBuffer: 0 });
    const ref = system.spawn(defineActor<string>({ handle() {} }));
    await system.stop(ref);
    ref.tell('unseen');
    const streamed: unknown[] = [];
    const off = system.deadLetters.subscribe((d) => streamed.push(d.message));
    ref.tell('seen');
    off();
    ref.tell('unsubscribed');
    assert.deepEqual(system.recentDeadLetters(), []);
    assert.deepEqual(streamed, ['seen']);
    assert.equal(system.stats().deadLetters, 3);
    await system.shutdown();
  });
});
