/**
 * Skynet (atemerev/skynet): a 10-ary tree of actors with 1M leaves (1,111,111
 * actors). Each leaf sends its number to its parent; each parent sums its
 * ten children's replies and sends the sum up. Measures spawn, init with
 * arguments, child tracking, messaging and exit, at a million live actors.
 *
 * The airssys version is the idiomatic one: children are spawned with
 * `ctx.spawn` (so they are supervised), get their arguments through `init`,
 * and stop themselves once they have replied, like the Erlang processes.
 *
 * Prints `RESULT {"totalMs": …, "leftAlive": …}`.
 */
import type { ActorDefinition, ActorRef } from '../src/index.js';
import { createSystem, defineActor } from '../src/index.js';
import { childOptions, emit, now, runMain, warmThenRun, within } from './common.js';
import { skynetBaseline as baseline, expected, type SkyRun } from './skynet-baseline.js';

const DEFAULT_LEAVES = 1_000_000;
/** How long to wait for the system to become idle once the sum is in. */
const IDLE_WAIT_MS = 10_000;

interface SkyArgs {
  readonly num: number;
  readonly size: number;
  readonly parent: ActorRef<number>;
}
interface SkyState {
  readonly parent: ActorRef<number>;
  sum: number;
  pending: number;
}

const skynet: ActorDefinition<number, SkyState, SkyArgs> = defineActor<number, SkyState, SkyArgs>({
  label: 'skynet',
  init(ctx, { num, size, parent }) {
    if (size === 1) {
      parent.tell(num);
      ctx.stop();
      return { parent, sum: 0, pending: 0 };
    }
    const step = size / 10;
    for (let i = 0; i < 10; i++) {
      ctx.spawn(skynet, { args: { num: num + i * step, size: step, parent: ctx.self } });
    }
    return { parent, sum: 0, pending: 10 };
  },
  handle(n, ctx) {
    const s = ctx.state;
    s.sum += n;
    if (--s.pending === 0) {
      s.parent.tell(s.sum);
      ctx.stop();
    }
  },
});

/** `leaves` must be a power of 10. Returns the elapsed ms. */
async function airssys(leaves: number): Promise<SkyRun> {
  const system = createSystem();
  let resolveSum: (sum: number) => void = () => {};
  const result = new Promise<number>((resolve) => {
    resolveSum = resolve;
  });
  const collector = system.spawn(defineActor<number>({ handle: (sum) => resolveSum(sum) }));
  const t0 = now();
  system.spawn(skynet, { args: { num: 0, size: leaves, parent: collector } });
  const sum = await result;
  const elapsed = now() - t0;
  if (sum !== expected(leaves)) throw new Error(`sum ${sum}, expected ${expected(leaves)}`);
  // Every skynet actor stopped itself; anything still alive (or an idle()
  // that never resolves) is a runtime bug worth seeing in the table.
  const settled = await within(
    system.idle().then(() => true),
    IDLE_WAIT_MS,
    false,
  );
  const leftAlive = system.stats().processes - 1;
  if (!settled || leftAlive !== 0) {
    console.error(
      `skynet: idle() ${settled ? 'resolved' : 'never resolved'}, ${leftAlive} left alive`,
    );
  }
  if (settled) await system.shutdown();
  return { ms: elapsed, leftAlive };
}

runMain(async () => {
  const options = childOptions();
  const leaves = options.n ?? DEFAULT_LEAVES;
  if (!Number.isInteger(Math.log10(leaves))) throw new Error('--n must be a power of 10');
  const run = options.impl === 'airssys' ? airssys : baseline;
  const { ms, leftAlive } = await warmThenRun(options, leaves, run);
  emit({ totalMs: ms, leftAlive });
});
