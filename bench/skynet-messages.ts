/**
 * Skynet driven by messages: the same 10-ary tree of 1,111,111 actors as
 * `skynet.ts`, but each actor is spawned knowing only its parent and learns
 * its number and subtree size from its first message, then spawns its ten
 * children from that handler (`ctx.spawn` in `handle`, not in `init`) and
 * tells each its part. This is the shape users write when work arrives as
 * messages; the Erlang twin (`skynet_msg.erl`) does the same with a
 * `{start, Num, Size}` message. The baseline is skynet.ts's (message-driven
 * already).
 *
 * Prints `RESULT {"totalMs": …, "leftAlive": …}`.
 */
import type { ActorDefinition, ActorRef } from '../src/index.js';
import { createSystem, defineActor } from '../src/index.js';
import { childOptions, emit, now, runMain, warmThenRun, within } from './common.js';
import { expected, type SkyRun, skynetBaseline } from './skynet-baseline.js';

const DEFAULT_LEAVES = 1_000_000;
/** How long to wait for the system to become idle once the sum is in. */
const IDLE_WAIT_MS = 10_000;

/** The first message: this actor's number and subtree size; then its children's sums. */
type SkyMsg = { readonly num: number; readonly size: number } | number;

interface SkyState {
  readonly parent: ActorRef<number>;
  sum: number;
  pending: number;
}

const skynet: ActorDefinition<SkyMsg, SkyState, ActorRef<number>> = defineActor<
  SkyMsg,
  SkyState,
  ActorRef<number>
>({
  label: 'skynet-msg',
  init: (_ctx, parent) => ({ parent, sum: 0, pending: 0 }),
  handle(msg, ctx) {
    const s = ctx.state;
    if (typeof msg !== 'number') {
      if (msg.size === 1) {
        s.parent.tell(msg.num);
        ctx.stop();
        return;
      }
      const step = msg.size / 10;
      const self = ctx.self as ActorRef<number>;
      for (let i = 0; i < 10; i++) {
        ctx.spawn(skynet, { args: self }).tell({ num: msg.num + i * step, size: step });
      }
      s.pending = 10;
      return;
    }
    s.sum += msg;
    if (--s.pending === 0) {
      s.parent.tell(s.sum);
      ctx.stop();
    }
  },
});

/** `leaves` must be a power of 10. */
async function airssys(leaves: number): Promise<SkyRun> {
  const system = createSystem();
  let resolveSum: (sum: number) => void = () => {};
  const result = new Promise<number>((resolve) => {
    resolveSum = resolve;
  });
  const collector = system.spawn(defineActor<number>({ handle: (sum) => resolveSum(sum) }));
  const t0 = now();
  system.spawn(skynet, { args: collector }).tell({ num: 0, size: leaves });
  const sum = await result;
  const elapsed = now() - t0;
  if (sum !== expected(leaves)) throw new Error(`sum ${sum}, expected ${expected(leaves)}`);
  const settled = await within(
    system.idle().then(() => true),
    IDLE_WAIT_MS,
    false,
  );
  const leftAlive = system.stats().processes - 1;
  if (!settled || leftAlive !== 0) {
    console.error(
      `skynet-messages: idle() ${settled ? 'resolved' : 'never resolved'}, ${leftAlive} left alive`,
    );
  }
  if (settled) await system.shutdown();
  return { ms: elapsed, leftAlive };
}

runMain(async () => {
  const options = childOptions();
  const leaves = options.n ?? DEFAULT_LEAVES;
  if (!Number.isInteger(Math.log10(leaves))) throw new Error('--n must be a power of 10');
  const run = options.impl === 'airssys' ? airssys : skynetBaseline;
  const { ms, leftAlive } = await warmThenRun(options, leaves, run);
  emit({ totalMs: ms, leftAlive });
});
