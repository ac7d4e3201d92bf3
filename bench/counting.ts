/**
 * Counting (Savina #2): one producer sends 1M increments to one counter,
 * then asks it for the count. The counter's mailbox fills up first and is
 * then drained in batches, so this measures raw enqueue and the batched
 * dequeue → handle loop, plus one ask at the end (ordered behind the tells).
 *
 * Prints `RESULT {"msgsPerSec": …}`.
 */
import type { Reply } from '../src/index.js';
import { createSystem, defineActor } from '../src/index.js';
import { BaseRuntime } from './baseline.js';
import { childOptions, emit, now, runMain, warmThenRun } from './common.js';

const DEFAULT_MESSAGES = 1_000_000;

type CountMsg = number | { readonly type: 'get'; readonly reply: Reply<number> };

const counter = defineActor<CountMsg, number>({
  label: 'counter',
  init: () => 0,
  handle(msg, ctx) {
    if (typeof msg === 'number') ctx.state += msg;
    else msg.reply.send(ctx.state);
  },
});

/** Returns the elapsed ms for `n` increments and the final ask. */
async function airssys(n: number): Promise<number> {
  const system = createSystem();
  const ref = system.spawn(counter);
  await system.idle();
  const t0 = now();
  for (let i = 0; i < n; i++) ref.tell(1);
  const count = await ref.ask({ type: 'get' });
  const elapsed = now() - t0;
  if (count !== n) throw new Error(`counted ${count}, expected ${n}`);
  await system.shutdown();
  return elapsed;
}

type BaseMsg = number | { readonly reply: (count: number) => void };

async function baseline(n: number): Promise<number> {
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

runMain(async () => {
  const options = childOptions();
  const n = options.n ?? DEFAULT_MESSAGES;
  const run = options.impl === 'airssys' ? airssys : baseline;
  const ms = await warmThenRun(options, n, run);
  emit({ msgsPerSec: n / (ms / 1000) });
});
