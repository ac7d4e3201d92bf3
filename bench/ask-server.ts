/**
 * The server both ask benchmarks call (`ask.ts` times each call,
 * `ask-loop.ts` watches timers while calling back to back): an actor that
 * answers every `get` with 42, and the same server in the plain-JS
 * baseline runtime. Each side gives a `call` that asks it once.
 */
import type { Reply } from '../src/index.js';
import { createSystem, defineActor } from '../src/index.js';
import { BaseRuntime } from './baseline.js';

/** One ask of the server; resolves with its answer (42). */
export type Call = () => Promise<number>;

type GetMsg = { readonly type: 'get'; readonly reply: Reply<number> };

const server = defineActor<GetMsg, number>({
  label: 'ask server',
  init: () => 42,
  handle(msg, ctx) {
    msg.reply.send(ctx.state);
  },
});

/**
 * A fresh system with the server spawned and started; `close` shuts the
 * system down.
 *
 * @example
 * const { call, close } = await airssysServer();
 * await call(); // 42
 * await close();
 */
export async function airssysServer(): Promise<{ call: Call; close: () => Promise<void> }> {
  const system = createSystem();
  const ref = system.spawn(server);
  await system.idle();
  return { call: () => ref.ask({ type: 'get' }), close: () => system.shutdown() };
}

type BaseMsg = { readonly reply: (value: number) => void };

/**
 * The server in the plain-JS baseline runtime.
 *
 * @example
 * const call = baselineServer();
 * await call(); // 42
 */
export function baselineServer(): Call {
  const rt = new BaseRuntime();
  const ref = rt.spawn<BaseMsg, number>((msg, self) => msg.reply(self.state), 42);
  const make = (reply: (value: number) => void): BaseMsg => ({ reply });
  return () => rt.ask<BaseMsg, number>(ref, make);
}
