/**
 * Type-level tests: this file only has to compile. Each `@ts-expect-error`
 * line must be an error, or `tsc` fails with "unused directive". It compiles
 * to `refs.test-d.js`, which the test runner does not run.
 */
import type { ActorRef, Reply, ReplyOf, RequestOf } from '../../src/index.js';
import { createSystem, defineActor } from '../../src/index.js';

/** True when A and B are the same type (not merely assignable). */
type Equals<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_proof?: T): void {}

type CounterMsg =
  | { readonly type: 'inc'; readonly by: number }
  | { readonly type: 'get'; readonly reply: Reply<number> }
  | { readonly type: 'name'; readonly upper: boolean; readonly reply: Reply<string> }
  | { readonly type: 'level'; readonly level: 1 | 2 | 3; readonly reply: Reply<boolean> };

const counter = defineActor<CounterMsg, number>({
  init: () => 0,
  handle(msg, ctx) {
    if (msg.type === 'inc') ctx.state += msg.by;
    else if (msg.type === 'get') msg.reply.send(ctx.state);
    else if (msg.type === 'name') msg.reply.send(msg.upper ? 'COUNTER' : 'counter');
    else msg.reply.send(ctx.state >= msg.level);
  },
});

export async function positiveCases(): Promise<void> {
  const system = createSystem();
  const ref = system.spawn(counter);
  // The ref's message type is inferred from the definition, no generic arguments.
  expectType<Equals<typeof ref, ActorRef<CounterMsg>>>();

  ref.tell({ type: 'inc', by: 1 });

  // The reply type is inferred exactly from the request, no generic arguments.
  const n = await ref.ask({ type: 'get' });
  expectType<Equals<typeof n, number>>();
  const s = await ref.ask({ type: 'name', upper: true }, { timeout: 100 });
  expectType<Equals<typeof s, string>>();
  // Literal values for wider fields (`true` for boolean, `2` for 1 | 2 | 3) still infer the reply.
  const flag: boolean = n > 0;
  const t = await ref.ask({ type: 'name', upper: flag });
  expectType<Equals<typeof t, string>>();
  const b = await ref.ask({ type: 'level', level: 2 });
  expectType<Equals<typeof b, boolean>>();

  // The helper types agree.
  expectType<Equals<ReplyOf<CounterMsg, { type: 'get' }>, number>>();
  expectType<Equals<RequestOf<CounterMsg>['type'], 'get' | 'name' | 'level'>>();
  expectType<Equals<ReplyOf<CounterMsg, { type: 'name'; upper: boolean }>, string>>();

  // A ref of a wider union can stand in for a ref of a narrower one.
  const narrow: ActorRef<{ readonly type: 'inc'; readonly by: number }> = ref;
  narrow.tell({ type: 'inc', by: 2 });
  await system.shutdown();
}

export async function negativeCases(): Promise<void> {
  const system = createSystem();
  const ref = system.spawn(counter);

  // A ref is an address: the process's state and controls are not on it.
  // @ts-expect-error: no state on a ref
  void ref.state;
  // @ts-expect-error: no stop on a ref (stop through the system or a message)
  ref.stop();

  // A message the actor does not accept does not compile.
  // @ts-expect-error: 'dec' is not a CounterMsg
  ref.tell({ type: 'dec', by: 1 });
  // @ts-expect-error: `by` must be a number
  ref.tell({ type: 'inc', by: '1' });
  // @ts-expect-error: a missing field
  ref.tell({ type: 'inc' });
  // @ts-expect-error: not even an object
  ref.tell(42);

  // A wrong reply type does not compile.
  // @ts-expect-error: a `get` replies with a number, not a string
  const wrong: string = await ref.ask({ type: 'get' });
  void wrong;
  // @ts-expect-error: a `name` replies with a string, not a number
  const alsoWrong: number = await ref.ask({ type: 'name', upper: false });
  void alsoWrong;
  // @ts-expect-error: 4 is not a level
  await ref.ask({ type: 'level', level: 4 });
  // @ts-expect-error: the reply type is exact, not any or unknown
  const exact: symbol = await ref.ask({ type: 'level', level: 1 });
  void exact;

  // A message without a reply port cannot be asked.
  // @ts-expect-error: 'inc' has no `reply: Reply<T>` field
  await ref.ask({ type: 'inc', by: 1 });

  // A handler cannot send a wrong reply.
  defineActor<CounterMsg>({
    handle(msg) {
      // @ts-expect-error: Reply<number> does not accept a string
      if (msg.type === 'get') msg.reply.send('five');
    },
  });

  // A ref of a narrower union cannot stand in for a wider one.
  const narrow = system.spawn(
    defineActor<{ readonly type: 'inc'; readonly by: number }>({ handle() {} }),
  );
  // @ts-expect-error: ActorRef<Inc> does not accept `get`
  const wide: ActorRef<CounterMsg> = narrow;
  void wide;

  // A Reply<number> is not a Reply<string>: reply ports are invariant.
  const port = {} as Reply<number>;
  // @ts-expect-error: Reply is invariant in its type
  const other: Reply<string> = port;
  void other;
  // @ts-expect-error: nor is it a Reply of a wider type
  const wider: Reply<number | string> = port;
  void wider;
  await system.shutdown();
}
