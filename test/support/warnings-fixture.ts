/**
 * A program for process-warnings.test.ts: it runs the runtime's timers the
 * ways that reach the host's `setTimeout` with a deadline already past
 * (timers of 0 ms, asks whose deadline has gone, intervals, a timer
 * cancelled and one that fires late after a busy turn) and prints what it
 * saw: every process warning, and every delay handed to `setTimeout` that
 * Node 24 would warn about (negative or NaN), so the test fails on Node 20
 * too, where no such warning exists yet.
 */
import { createSystem, defineActor, type Reply } from '../../src/index.js';

const warnings: string[] = [];
const badDelays: number[] = [];
process.on('warning', (w) => warnings.push(`${w.name}: ${w.message}`));
const hostSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = ((callback: () => void, delay?: number) => {
  if (delay !== undefined && !(delay >= 0)) badDelays.push(delay);
  return hostSetTimeout(callback, delay);
}) as typeof setTimeout;

type Msg =
  | { readonly type: 'tick' }
  | { readonly type: 'busy'; readonly ms: number }
  | { readonly type: 'get'; readonly reply: Reply<number> };

const ticker = defineActor<Msg, number>({
  init: (ctx) => {
    ctx.sendAfter(0, { type: 'tick' });
    ctx.sendAfter(1, { type: 'tick' });
    ctx.cancelTimer(ctx.sendAfter(3, { type: 'tick' }));
    return 0;
  },
  handle(msg, ctx) {
    if (msg.type === 'tick') ctx.state++;
    else if (msg.type === 'busy') {
      const until = performance.now() + msg.ms;
      while (performance.now() < until) {} // a turn that overruns the timers due meanwhile
    } else msg.reply.send(ctx.state);
  },
});

const system = createSystem();
const ref = system.spawn(ticker);
system.sendAfter(2, ref, { type: 'busy', ms: 20 });
const interval = system.sendInterval(1, ref, { type: 'tick' });
await new Promise((resolve) => hostSetTimeout(resolve, 40));
system.cancelTimer(interval);
await ref.ask({ type: 'get' }, { deadline: performance.now() - 5 }).catch(() => undefined);
await ref.ask({ type: 'get' }, { timeout: 0 }).catch(() => undefined);
const ticks = await ref.ask({ type: 'get' });
await system.shutdown();
process.stdout.write(`${JSON.stringify({ ticks, warnings, badDelays })}\n`);
