/**
 * The cost of being clustered on purely local traffic (issue 14: goal
 * ≤ 5 %): ping-pong (bench/pingpong.ts's shape, plain numbers) between two
 * actors of one system, on a system that is a cluster node (joined to a
 * local nats-server, heartbeats running) and on one that is not, in the
 * same program. After a warm-up of each, the two are measured alternately
 * REPS times, each on a fresh system. Time is the process's CPU time (user
 * + system) during the run — the machine is shared, and CPU time does not
 * count the moments another program held the core; the cluster node's
 * own background work (heartbeats, the NATS client) is in it. The rates
 * are messages per CPU second; `clusteredX` is the median of the per-pair
 * ratios plain ÷ clustered CPU time (1.00 = no cost, 0.95 = 5 % more),
 * `clusteredWallX` the same on wall time.
 *
 * `--impl baseline` runs the plain system on both sides: the spread two
 * identical runs show on this machine at that moment, to read the
 * airssys figure against.
 *
 * Prints `RESULT {"plainPerSec", "clusteredPerSec", "clusteredX", "clusteredWallX", "load1"}`.
 */
import { loadavg } from 'node:os';
import type { ActorRef, ActorSystem, SystemOptions } from '../src/index.js';
import { createSystem, defineActor } from '../src/index.js';
import { APP_USER, NatsTestCluster, natsUnavailable } from '../test/support/nats/index.js';
import { childOptions, emit, fullGc, median, now, runMain } from './common.js';

const DEFAULT_TRIPS = 1_000_000;
const REPS = 9;

type PingMsg = number | { readonly peer: ActorRef<PingMsg> };

const player = defineActor<PingMsg, ActorRef<PingMsg> | undefined>({
  label: 'ping-pong player',
  handle(msg, ctx) {
    if (typeof msg !== 'number') ctx.state = msg.peer;
    else if (msg > 0) (ctx.state as ActorRef<PingMsg>).tell(msg - 1);
  },
});

/** Wall and CPU (user + system) ms of one measured run. */
interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/** Wall and CPU ms for `trips` round trips on `system`. */
async function pingpong(system: ActorSystem, trips: number): Promise<Timing> {
  const a = system.spawn(player);
  const b = system.spawn(player);
  a.tell({ peer: b });
  b.tell({ peer: a });
  await system.idle();
  const before = system.stats().scheduler.handled;
  const cpu0 = process.cpuUsage();
  const t0 = now();
  a.tell(2 * trips - 1);
  await system.idle();
  const wallMs = now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const handled = system.stats().scheduler.handled - before;
  if (handled !== 2 * trips) throw new Error(`handled ${handled}, expected ${2 * trips}`);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** One run on a fresh system made with `options`: warm-up at 10 %, then `trips`. */
async function run(options: SystemOptions, trips: number): Promise<Timing> {
  const system = createSystem(options);
  try {
    await system.cluster?.ready;
    await pingpong(system, Math.max(1, Math.floor(trips / 10)));
    fullGc();
    return await pingpong(system, trips);
  } finally {
    await system.shutdown();
  }
}

runMain(async () => {
  const options = childOptions();
  const trips = options.n ?? DEFAULT_TRIPS;
  const load1 = loadavg()[0] ?? 0;
  const why = natsUnavailable();
  if (options.impl === 'airssys' && why !== undefined) {
    console.log(`skipping the clustered ping-pong: ${why}`);
    emit({ plainPerSec: 0, clusteredPerSec: 0, clusteredX: 0, clusteredWallX: 0, load1 });
    return;
  }
  const nats = options.impl === 'airssys' ? await NatsTestCluster.start() : undefined;
  let index = 0;
  const plain = (): SystemOptions => ({});
  const clustered = (): SystemOptions =>
    nats === undefined
      ? {}
      : {
          cluster: {
            servers: nats.server(0).url,
            name: `local-${index++}`,
            connectOptions: { ...APP_USER },
          },
        };
  try {
    const plains: Timing[] = [];
    const clusters: Timing[] = [];
    for (let r = 0; r < REPS; r++) {
      // The order alternates, so neither side always runs first.
      const order = r % 2 === 0 ? [plain, clustered] : [clustered, plain];
      for (const make of order) (make === plain ? plains : clusters).push(await run(make(), trips));
    }
    const ratio = (key: keyof Timing): number =>
      median(plains.map((p, i) => p[key] / (clusters[i] as Timing)[key]));
    const rate = (runs: Timing[]): number =>
      (2 * trips) / (median(runs.map((t) => t.cpuMs)) / 1000);
    emit({
      plainPerSec: rate(plains),
      clusteredPerSec: rate(clusters),
      clusteredX: ratio('cpuMs'),
      clusteredWallX: ratio('wallMs'),
      load1,
    });
  } finally {
    await nats?.stop();
  }
});
