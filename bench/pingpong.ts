/**
 * Ping-pong (Savina #1): two actors bounce a counter until it reaches zero.
 * One round trip is two deliveries, each of which wakes a parked actor, so
 * this measures the full tell → schedule → run → handle path per message.
 *
 * Messages are plain numbers (the hops left) so that the figure is the
 * runtime's cost, not the allocation of a message object; the peer ref is
 * wired in with one setup message first.
 *
 * Prints `RESULT {"msgsPerSec": …}` (2 messages per round trip).
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
  emit({ msgsPerSec: (2 * trips) / (ms / 1000) });
});
