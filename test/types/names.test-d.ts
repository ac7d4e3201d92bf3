/**
 * Type-level tests of typed name tokens and service keys: this file only has
 * to compile. Each `@ts-expect-error` line must be an error, or `tsc` fails
 * with "unused directive". It compiles to `names.test-d.js`, which the test
 * runner does not run (names.test.ts runs the same calls).
 */
import type { ActorRef, Address, DownMessage, Reply } from '../../src/index.js';
import {
  childSpec,
  createSystem,
  defineActor,
  group,
  name,
  serviceKey,
  startChild,
  supervisor,
} from '../../src/index.js';

type Equals<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_proof?: T): void {}

type CounterMsg =
  | { readonly type: 'inc' }
  | { readonly type: 'get'; readonly reply: Reply<number> };
type ChatMsg = { readonly type: 'say'; readonly text: string };

const counter = defineActor<CounterMsg, number>({
  init: () => 0,
  handle(msg, ctx) {
    if (msg.type === 'inc') ctx.state++;
    else msg.reply.send(ctx.state);
  },
});
const chat = defineActor<ChatMsg>({ handle() {} });

const counterName = name<CounterMsg>('counter');
const chatName = name<ChatMsg>('chat');
const getOnly = name<Extract<CounterMsg, { type: 'get' }>>('counter');
const sessions = serviceKey<CounterMsg>('sessions');
const room = group<ChatMsg>('room');

export async function positiveCases(): Promise<void> {
  const system = createSystem();
  // Spawning under a token of the actor's type, or of a narrower one.
  const ref = system.spawn(counter, { name: counterName });
  system.unregister(counterName);
  system.spawn(counter, { name: getOnly });
  await system.start(counter, { name: counterName });

  // whereis and named give the token's type, no type argument, no cast.
  const found = system.whereis(counterName);
  expectType<Equals<typeof found, ActorRef<CounterMsg> | undefined>>();
  const n = await found?.ask({ type: 'get' });
  expectType<Equals<typeof n, number | undefined>>();
  const byName = system.named(counterName);
  expectType<Equals<typeof byName, Address<CounterMsg> & { readonly name: string }>>();
  byName.tell({ type: 'inc' });
  system.register(counterName, ref);

  // A child spec checked as one, in a supervisor and for startChild.
  const sup = system.spawn(
    supervisor({
      children: [childSpec({ id: 'c', actor: counter, options: { name: counterName } })],
    }),
  );
  const started = await startChild(sup, { id: 'd', actor: counter });
  expectType<Equals<typeof started, ActorRef<CounterMsg> | undefined>>();

  // Monitors by token, from a handler.
  defineActor<DownMessage | ChatMsg>({
    handle(_msg, ctx) {
      ctx.monitor(counterName);
      const addr = ctx.named(counterName);
      addr.tell({ type: 'inc' });
    },
  });

  // Services by typed key.
  system.services.define(sessions, { keys: 'unique' });
  system.services.register(sessions, 'u1', ref);
  const session = system.services.ref(sessions, 'u1');
  const m = await session.ask({ type: 'get' });
  expectType<Equals<typeof m, number>>();
  const entries = system.services.lookup(sessions, 'u1');
  expectType<Equals<(typeof entries)[number]['ref'], ActorRef<CounterMsg>>>();
  defineActor<CounterMsg>({
    handle(_msg, ctx) {
      ctx.registerService(sessions, 'u2');
    },
  });
  // Timers aimed at a typed name.
  system.sendAfter(10, counterName, { type: 'inc' });
  system.cancelTimer(system.sendInterval(10, counterName, { type: 'inc' }));

  // Groups by typed token.
  const chatter = system.spawn(chat);
  system.groups.typed(room).join(chatter);
  const reached: number = system.groups.typed(room).broadcast({ type: 'say', text: 'hi' });
  void reached;
  await system.shutdown();
}

export async function negativeCases(): Promise<void> {
  const system = createSystem();
  // @ts-expect-error: the chat actor does not accept CounterMsg
  system.spawn(chat, { name: counterName });
  // @ts-expect-error: the counter does not accept ChatMsg
  await system.start(counter, { name: chatName });
  // @ts-expect-error: a child spec whose name does not fit its actor
  childSpec({ id: 'c', actor: chat, options: { name: counterName } });
  const sup = system.spawn(supervisor({ children: [] }));
  const spec = { id: 'c', actor: chat, options: { name: counterName } };
  // @ts-expect-error: the same through startChild
  await startChild(sup, spec);

  const ref = system.whereis(counterName);
  // @ts-expect-error: the token's type rules the message
  ref?.tell({ type: 'say', text: 'hi' });
  // @ts-expect-error: and the reply
  const s: string | undefined = await ref?.ask({ type: 'get' });
  void s;
  // @ts-expect-error: a named address of the token's type
  system.named(chatName).tell({ type: 'inc' });
  const chatRef = system.spawn(chat);
  // @ts-expect-error: registering a ref that does not accept the token's type
  system.register(counterName, chatRef);

  // @ts-expect-error: a service ref of the key's type
  system.services.ref(sessions, 'u1').tell({ type: 'say', text: 'hi' });
  // @ts-expect-error: registering a ref that does not accept the key's type
  system.services.register(sessions, 'u1', chatRef);
  // @ts-expect-error: a timer message the named actor does not accept
  system.sendAfter(10, counterName, { type: 'say', text: 'hi' });
  // @ts-expect-error: a counter cannot join a group of ChatMsg
  system.groups.typed(room).join(system.spawn(counter));
  // @ts-expect-error: a broadcast of the wrong type
  system.groups.typed(room).broadcast({ type: 'inc' });
  defineActor<ChatMsg>({
    handle(_msg, ctx) {
      // @ts-expect-error: a chat actor cannot join a service of CounterMsg
      ctx.registerService(sessions, 'u3');
    },
  });
  await system.shutdown();
}
