/**
 * Ping-pong with the messages users write: an object carrying the sender's
 * ref, `{ type: 'hop', left, from }`, answered to `from` (issue 15: the
 * bare-number shape of `pingpong.ts` flatters the figure). A program of
 * its own, not a second run inside `pingpong.ts`: run after the
 * bare-number shape in one process, this shape measured 2.5M msgs/s
 * against 6.6–9.0M alone (the JIT's feedback from the first shape).
 *
 * Prints `RESULT {"objectMsgsPerSec": …}` (2 messages per round trip).
 */
import type { ActorRef } from '../src/index.js';
import { createSystem, defineActor } from '../src/index.js';
import { BaseRuntime } from './baseline.js';
import { childOptions, emit, now, runMain, warmThenRun } from './common.js';

const DEFAULT_TRIPS = 1_000_000;

type Hop = { readonly type: 'hop'; readonly left: number; readonly from: ActorRef<Hop> };

/** Hops handled by the airssys players, for the check at the end. */
let hopsHandled = 0;
const hopper = defineActor<Hop>({
  label: 'ping-pong player (object messages)',
  handle(msg, ctx) {
    hopsHandled++;
    if (msg.left > 0) msg.from.tell({ type: 'hop', left: msg.left - 1, from: ctx.self });
  },
});

/** Returns the elapsed ms for `trips` round trips of object messages. */
async function airssysObjects(trips: number): Promise<number> {
  const system = createSystem();
  const a = system.spawn(hopper);
  const b = system.spawn(hopper);
  await system.idle();
  hopsHandled = 0;
  const t0 = now();
  a.tell({ type: 'hop', left: 2 * trips - 1, from: b });
  await system.idle();
  const elapsed = now() - t0;
  if (hopsHandled !== 2 * trips) throw new Error(`handled ${hopsHandled}, expected ${2 * trips}`);
  await system.shutdown();
  return elapsed;
}

type BaseHop = {
  readonly type: 'hop';
  readonly left: number;
  readonly from: BasePlayerOf<BaseHop>;
};
interface BasePlayerOf<M> {
  tell(msg: M): void;
}

async function baselineObjects(trips: number): Promise<number> {
  const rt = new BaseRuntime();
  let handled = 0;
  const handle = (msg: BaseHop, self: BasePlayerOf<BaseHop>): void => {
    handled++;
    if (msg.left > 0) msg.from.tell({ type: 'hop', left: msg.left - 1, from: self });
  };
  const a = rt.spawn<BaseHop, undefined>(handle, undefined);
  const b = rt.spawn<BaseHop, undefined>(handle, undefined);
  const t0 = now();
  a.tell({ type: 'hop', left: 2 * trips - 1, from: b });
  await rt.idle();
  const elapsed = now() - t0;
  if (handled !== 2 * trips) throw new Error(`handled ${handled}, expected ${2 * trips}`);
  return elapsed;
}

runMain(async () => {
  const options = childOptions();
  const trips = options.n ?? DEFAULT_TRIPS;
  const run = options.impl === 'airssys' ? airssysObjects : baselineObjects;
  const ms = await warmThenRun(options, trips, run);
  emit({ objectMsgsPerSec: (2 * trips) / (ms / 1000) });
});
