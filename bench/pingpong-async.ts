/**
 * Ping-pong with async handlers: the cost of the async context (semantics
 * §4) that lets a plain ref know, after an `await`, which process sends.
 * Two players bounce a counter; each handler awaits once, then tells its
 * peer through a plain ref. Two forms of the same handler:
 *
 * - `async`: an `async handle` — it runs in its process's async context
 *   (AsyncLocalStorage), and the send after the `await` looks it up;
 * - `promise`: a plain `handle` that returns the promise of an inner async
 *   function — the same work, but no async context (the runtime enters it
 *   for async functions only), so its sends after the `await` have no sender.
 *
 * Each form runs in a fresh process (on Node 20 and 22 an AsyncLocalStorage
 * turns on promise hooks for the whole process once it is entered).
 *
 * Usage: node --expose-gc build/bench/pingpong-async.js [--rounds N] [--trips N] [--node PATH]...
 * Prints one line per node: the median messages/s of each form and their
 * same-round ratio. `--form async|promise` runs one form once (a child).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ActorRef } from '../src/index.js';
import { createSystem, defineActor } from '../src/index.js';

type Msg = number | { readonly peer: ActorRef<Msg> };
type Form = 'async' | 'promise';

const asyncPlayer = defineActor<Msg, ActorRef<Msg> | undefined>({
  label: 'async ping-pong player',
  async handle(msg, ctx) {
    if (typeof msg !== 'number') {
      ctx.state = msg.peer;
      return;
    }
    const peer = ctx.state as ActorRef<Msg>;
    await null;
    if (msg > 0) peer.tell(msg - 1);
  },
});

const promisePlayer = defineActor<Msg, ActorRef<Msg> | undefined>({
  label: 'promise ping-pong player',
  handle(msg, ctx) {
    if (typeof msg !== 'number') {
      ctx.state = msg.peer;
      return;
    }
    const peer = ctx.state as ActorRef<Msg>;
    const step = async (): Promise<void> => {
      await null;
      if (msg > 0) peer.tell(msg - 1);
    };
    return step();
  },
});

/** CPU ms (not wall time: the machine may be shared) for `trips` round trips of `form`. */
async function trips(form: Form, n: number): Promise<number> {
  const system = createSystem();
  const player = form === 'async' ? asyncPlayer : promisePlayer;
  const a = system.spawn(player);
  const b = system.spawn(player);
  a.tell({ peer: b });
  b.tell({ peer: a });
  await system.idle();
  const t0 = process.cpuUsage();
  a.tell(2 * n - 1);
  while (system.stats().scheduler.handled < 2 * n + 2) await new Promise(setImmediate);
  const used = process.cpuUsage(t0);
  const elapsed = (used.user + used.system) / 1000;
  await system.shutdown();
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const { values } = parseArgs({
  options: {
    form: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    trips: { type: 'string', default: '200000' },
    node: { type: 'string', multiple: true },
  },
});
const n = Number(values.trips);
if (values.form !== undefined) {
  const form = values.form as Form;
  await trips(form, Math.max(1, Math.floor(n / 10))); // warm-up
  const ms = await trips(form, n);
  process.stdout.write(`${JSON.stringify({ form, msgsPerSec: (2 * n) / (ms / 1000) })}\n`);
} else {
  const self = fileURLToPath(import.meta.url);
  for (const node of values.node ?? [process.execPath]) {
    const rates: Record<Form, number[]> = { async: [], promise: [] };
    const ratios: number[] = [];
    for (let round = 0; round < Number(values.rounds); round++) {
      const order: Form[] = round % 2 === 0 ? ['async', 'promise'] : ['promise', 'async'];
      const got: Partial<Record<Form, number>> = {};
      for (const form of order) {
        const out = spawnSync(node, [self, '--form', form, '--trips', String(n)], {
          encoding: 'utf8',
        });
        if (out.status !== 0) throw new Error(`${node} ${form}: ${out.stderr}`);
        got[form] = (JSON.parse(out.stdout) as { msgsPerSec: number }).msgsPerSec;
        rates[form].push(got[form]);
      }
      ratios.push((got.async ?? 0) / (got.promise ?? 1));
    }
    const version = spawnSync(node, ['-v'], { encoding: 'utf8' }).stdout.trim();
    process.stdout.write(
      `${version}: async ${Math.round(median(rates.async))} msg/s, promise ${Math.round(median(rates.promise))} msg/s, async/promise ${median(ratios).toFixed(3)} (same-round median)\n`,
    );
  }
}
