/**
 * Thread ring (Savina #8): 1,000 actors in a ring pass one token around;
 * each hop decrements it until zero. Only one actor is runnable at a time,
 * so every hop pays a full park → wake → schedule → run cycle with a
 * different actor each time (no batching, poor cache locality at 1k actors).
 *
 * Prints `RESULT {"hopsPerSec": …}`.
 */
import type { ActorRef } from '../src/index.js';
import { createSystem, defineActor } from '../src/index.js';
import { type BaseActor, BaseRuntime } from './baseline.js';
import { childOptions, emit, now, runMain, warmThenRun } from './common.js';

const DEFAULT_HOPS = 1_000_000;
const RING_SIZE = 1_000;

/** The token (hops left), or the one-time wiring of the next actor. */
type RingMsg = number | { readonly next: ActorRef<RingMsg> };

const node = defineActor<RingMsg, ActorRef<RingMsg> | undefined>({
  label: 'ring node',
  handle(msg, ctx) {
    if (typeof msg !== 'number') ctx.state = msg.next;
    else if (msg > 0) (ctx.state as ActorRef<RingMsg>).tell(msg - 1);
  },
});

/** Returns the elapsed ms for `hops` hops. */
async function airssys(hops: number): Promise<number> {
  const system = createSystem();
  const refs: ActorRef<RingMsg>[] = [];
  for (let i = 0; i < RING_SIZE; i++) refs.push(system.spawn(node));
  for (let i = 0; i < RING_SIZE; i++) {
    (refs[i] as ActorRef<RingMsg>).tell({ next: refs[(i + 1) % RING_SIZE] as ActorRef<RingMsg> });
  }
  await system.idle();
  const before = system.stats().scheduler.handled;
  const t0 = now();
  (refs[0] as ActorRef<RingMsg>).tell(hops - 1); // `hops` deliveries, counting this one
  await system.idle();
  const elapsed = now() - t0;
  const handled = system.stats().scheduler.handled - before;
  if (handled !== hops) throw new Error(`handled ${handled}, expected ${hops}`);
  await system.shutdown();
  return elapsed;
}

type BaseMsg = number | { readonly next: BaseNode };
type BaseNode = BaseActor<BaseMsg, BaseNode | undefined>;

async function baseline(hops: number): Promise<number> {
  const rt = new BaseRuntime();
  let handled = 0;
  const handle = (msg: BaseMsg, self: BaseNode): void => {
    handled++;
    if (typeof msg !== 'number') self.state = msg.next;
    else if (msg > 0) (self.state as BaseNode).tell(msg - 1);
  };
  const nodes: BaseNode[] = [];
  for (let i = 0; i < RING_SIZE; i++)
    nodes.push(rt.spawn<BaseMsg, BaseNode | undefined>(handle, undefined));
  for (let i = 0; i < RING_SIZE; i++) {
    (nodes[i] as BaseNode).tell({ next: nodes[(i + 1) % RING_SIZE] as BaseNode });
  }
  await rt.idle();
  handled = 0;
  const t0 = now();
  (nodes[0] as BaseNode).tell(hops - 1);
  await rt.idle();
  const elapsed = now() - t0;
  if (handled !== hops) throw new Error(`handled ${handled}, expected ${hops}`);
  return elapsed;
}

runMain(async () => {
  const options = childOptions();
  const hops = options.n ?? DEFAULT_HOPS;
  const run = options.impl === 'airssys' ? airssys : baseline;
  const ms = await warmThenRun(options, hops, run);
  emit({ hopsPerSec: hops / (ms / 1000) });
});
