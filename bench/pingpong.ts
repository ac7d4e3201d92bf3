/**
 * Ping-pong (Savina #1): two actors bounce a counter until it reaches zero.
 * One round trip is two deliveries, each of which wakes a parked actor, so
 * this measures the full tell → schedule → run → handle path per message.
 *
 * Messages are plain numbers (the hops left) so that the figure is the
 * runtime's cost, not the allocation of a message object; the peer ref is
 * wired in with one setup message first.
 *
 * A second run sends what users write: an object carrying the sender's
 * ref, `{ type: 'hop', left, from }`, answered to `from` (issue 15: the
 * bare-number shape flatters the figure).
 *
 * Prints `RESULT {"msgsPerSec": …, "objectMsgsPerSec": …}` (2 messages per
 * round trip).
 */
import type { ActorRef } from '../src/index.js';
import { createSystem, defineActor } from '../src/index.js';
import { BaseRuntime } from './baseline.js';
import { childOptions, emit, now, runMain, warmThenRun } from './common.js';

const DEFAULT_TRIPS = 1_000_000;

/** A hop counter, or the one-time wiring of the peer. */
type PingMsg = number | { readonly peer: ActorRef<PingMsg> };

const player = defineActor<PingMsg, ActorRef<PingMsg> | undefined>({
  label: 'ping-pong player',
  handle(msg, ctx) {
    if (typeof msg !== 'number') ctx.state = msg.peer;
    else if (msg > 0) (ctx.state as ActorRef<PingMsg>).tell(msg - 1);
  },
});

/** Returns the elapsed ms for `trips` round trips. */
async function airssys(trips: number): Promise<number> {
  const system = createSystem();
  const a = system.spawn(player);
  const b = system.spawn(player);
  a.tell({ peer: b });
  b.tell({ peer: a });
  await system.idle();
  const t0 = now();
  a.tell(2 * trips - 1); // 2·trips deliveries in all, counting this one
  await system.idle();
  const elapsed = now() - t0;
  const handled = system.stats().scheduler.handled;
  if (handled !== 2 * trips + 2) throw new Error(`handled ${handled}, expected ${2 * trips + 2}`);
  await system.shutdown();
  return elapsed;
}

type Hop = { readonly type: 'hop'; readonly left: number; readonly from: ActorRef<Hop> };

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

type BaseMsg = number | { readonly peer: BasePlayer };
interface BasePlayer {
  state: BasePlayer | undefined;
  tell(msg: BaseMsg): void;
}

async function baseline(trips: number): Promise<number> {
  const rt = new BaseRuntime();
  let handled = 0;
  const handle = (msg: BaseMsg, self: BasePlayer): void => {
    handled++;
    if (typeof msg !== 'number') self.state = msg.peer;
    else if (msg > 0) (self.state as BasePlayer).tell(msg - 1);
  };
  const a = rt.spawn<BaseMsg, BasePlayer | undefined>(handle, undefined);
  const b = rt.spawn<BaseMsg, BasePlayer | undefined>(handle, undefined);
  a.tell({ peer: b });
  b.tell({ peer: a });
  await rt.idle();
  const t0 = now();
  a.tell(2 * trips - 1);
  await rt.idle();
  const elapsed = now() - t0;
  if (handled !== 2 * trips + 2) throw new Error(`handled ${handled}, expected ${2 * trips + 2}`);
  return elapsed;
}

runMain(async () => {
  const options = childOptions();
  const trips = options.n ?? DEFAULT_TRIPS;
  const run = options.impl === 'airssys' ? airssys : baseline;
  const ms = await warmThenRun(options, trips, run);
  const runObjects = options.impl === 'airssys' ? airssysObjects : baselineObjects;
  const objectMs = await warmThenRun(options, trips, runObjects);
  emit({
    msgsPerSec: (2 * trips) / (ms / 1000),
    objectMsgsPerSec: (2 * trips) / (objectMs / 1000),
  });
});
