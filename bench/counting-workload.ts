/**
 * The counting workload (Savina #2) on airssys and on the plain-JS
 * baseline, shared by `counting.ts` and
 * `inspection.ts`: one producer sends `n` increments to one counter, then
 * asks it for the count.
 */
import type { ActorSystem, Reply } from '../src/index.js';
import { defineActor } from '../src/index.js';
import { BaseRuntime } from './baseline.js';
import { now } from './common.js';

export type CountMsg = number | { readonly type: 'get'; readonly reply: Reply<number> };

export const counter = defineActor<CountMsg, number>({
  label: 'counter',
  init: () => 0,
  handle(msg, ctx) {
    if (typeof msg === 'number') ctx.state += msg;
    else msg.reply.send(ctx.state);
  },
});

/**
 * Spawns a counter in `system`, then times `n` increments and the final
 * ask (ordered behind the tells); returns the elapsed ms. The spawn and the
 * counter's init are not timed.
 */
export async function timeCounting(system: ActorSystem, n: number): Promise<number> {
  const ref = system.spawn(counter);
  await system.idle();
  const t0 = now();
  for (let i = 0; i < n; i++) ref.tell(1);
  const count = await ref.ask({ type: 'get' });
  const elapsed = now() - t0;
  if (count !== n) throw new Error(`counted ${count}, expected ${n}`);
  return elapsed;
}

type BaseMsg = number | { readonly reply: (count: number) => void };

/** The same on the plain-JS baseline runtime (a fresh one per call); returns the elapsed ms. */
export async function timeCountingBaseline(n: number): Promise<number> {
  const rt = new BaseRuntime();
  const ref = rt.spawn<BaseMsg, number>((msg, self) => {
    if (typeof msg === 'number') self.state += msg;
    else msg.reply(self.state);
  }, 0);
  const t0 = now();
  for (let i = 0; i < n; i++) ref.tell(1);
  const count = await rt.ask<BaseMsg, number>(ref, (reply) => ({ reply }));
  const elapsed = now() - t0;
  if (count !== n) throw new Error(`counted ${count}, expected ${n}`);
  return elapsed;
}
