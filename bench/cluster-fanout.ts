/**
 * A CPU-bound fan-out over cluster nodes, one node vs two (issue 14: goal
 * ≥ 1.8×). The shape a user writes: worker nodes (each its own OS
 * process) put a worker in the cluster process group `crunch`; the
 * program on a third node reads the group's members and asks every chunk
 * of an integral (Savina's trapezoid, as in bench/scaling.ts) of them at
 * once, dealt round-robin, and sums the answers. A "one node" run deals
 * only to the first node's member, a "two nodes" run to both. After a
 * warm-up of both, the two are measured alternately REPS times, and the
 * speedup is the median of the per-pair ratios, so a load spike weighs on
 * one pair only.
 *
 * `--impl baseline` is the same fan-out with no runtime: two plain child
 * processes over IPC (`process.send`), one vs two — what the machine gives
 * at that moment. Where the baseline's speedup is low too, the other cores
 * were busy (read `load1`, the 1-minute load average at the start).
 *
 * Every worker process (both impls) runs in its own session (`detached`),
 * as separately deployed nodes do; see `startPeer`.
 *
 * The nats-server (test/support/nats, free loopback port) and the worker
 * processes are started here. Prints
 * `RESULT {"oneMs", "twoMs", "speedup", "load1"}`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { openClusterGroups } from '../src/cluster/directory.js';
import type { ActorRef } from '../src/index.js';
import { createSystem } from '../src/index.js';
import { APP_USER, NatsTestCluster, natsUnavailable } from '../test/support/nats/index.js';
import { chunkSolver, fanOutChunks, type Solver } from './chunks.js';
import { childOptions, emit, fullGc, median, now, runMain } from './common.js';
import { type ChunkMsg, integrate, trapezoid } from './isolation-actors.js';

const DEFAULT_PIECES = 10_000_000;
const CHUNKS = 200;
const REPS = 5;
const GROUP = 'crunch';
const PEER_ENV = 'AIRSSYS_BENCH_FANOUT_PEER';

/** Warms both, then times one vs two alternately; the speedup is the median per-pair ratio. */
async function compare(one: Solver[], two: Solver[], pieces: number) {
  const expected = await fanOutChunks(one, CHUNKS, pieces);
  const check = (area: number): void => {
    if (area !== expected) throw new Error(`area ${area}, expected ${expected}`);
  };
  check(await fanOutChunks(two, CHUNKS, pieces));
  const ones: number[] = [];
  const twos: number[] = [];
  for (let r = 0; r < REPS; r++) {
    // The order alternates too, so neither side always runs first.
    for (const side of r % 2 === 0 ? [one, two] : [two, one]) {
      fullGc();
      const t0 = now();
      check(await fanOutChunks(side, CHUNKS, pieces));
      (side === one ? ones : twos).push(now() - t0);
    }
  }
  const ratios = ones.map((ms, i) => ms / (twos[i] as number));
  return { oneMs: median(ones), twoMs: median(twos), speedup: median(ratios) };
}

/** Starts this program again as worker process `index`; resolves once it says it is ready. */
async function startPeer(impl: string, url: string, index: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--impl', impl], {
    env: { ...process.env, [PEER_ENV]: JSON.stringify({ url, index }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Its own session, as a node deployed as its own service has: where the kernel
    // groups CPU time by session (autogroup), the processes of one session share
    // one slice, and a second worker there gets no more CPU than the first had.
    detached: true,
  });
  await new Promise<void>((resolve, reject) => {
    const onMessage = (m: unknown): void => {
      if (m !== 'ready') return;
      child.off('message', onMessage);
      resolve();
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`worker ${index} exited (${code}) early`)));
  });
  return child;
}

/**
 * Heartbeats of every node: the default interval, a 10 s acceptable pause.
 * A worker node's event loop is held for up to a scheduler batch of chunks
 * (64 handlers) at a time, seconds on a shared machine: at the default 3 s
 * a worker was declared down mid-run at load 12 on 2 cores (RESULTS.md).
 */
const TIMINGS = { heartbeatInterval: 1_000, acceptablePause: 10_000 };

/** A node named `name` of the run's cluster, up, with the cluster's groups open. */
async function clusterNode(url: string, name: string) {
  const system = createSystem({
    cluster: { servers: url, name, connectOptions: { ...APP_USER }, ...TIMINGS },
  });
  const cluster = system.cluster;
  if (cluster === undefined) throw new Error('no cluster');
  await cluster.ready;
  const groups = await openClusterGroups(system);
  return { system, cluster, groups };
}

/** A cluster worker node: one trapezoid worker in group `crunch`, until the parent disconnects. */
async function airssysPeer(url: string, index: number): Promise<void> {
  const { system, cluster, groups } = await clusterNode(url, `crunch-${index}`);
  groups.join(GROUP, cluster.pidOf(system.spawn(trapezoid) as unknown as ActorRef<never>));
  await groups.flush();
  process.send?.('ready');
  await new Promise<void>((resolve) => process.once('disconnect', resolve));
  await system.shutdown();
}

/** A plain worker process: computes the chunks it is sent over IPC. */
function baselinePeer(): Promise<void> {
  process.on('message', (m: { i: number; left: number; right: number; pieces: number }) => {
    process.send?.({ i: m.i, area: integrate(m.left, m.right, m.pieces) });
  });
  process.send?.('ready');
  return new Promise<void>((resolve) => process.once('disconnect', resolve));
}

async function airssys(url: string, pieces: number) {
  const { system, cluster, groups } = await clusterNode(url, 'fan-main');
  const seen = (): boolean => {
    const members = groups.members(GROUP);
    return members.length === 2 && members.every((p) => cluster.isUp(p.node));
  };
  while (!seen()) await new Promise((resolve) => setTimeout(resolve, 20));
  const members = [...groups.members(GROUP)].sort((a, b) => a.node.localeCompare(b.node));
  const solvers = members.map((p) => chunkSolver(cluster.refOf<ChunkMsg>(p), 120_000));
  try {
    return await compare(solvers.slice(0, 1), solvers, pieces);
  } finally {
    await system.shutdown();
  }
}

async function baseline(peers: readonly ChildProcess[], pieces: number) {
  let next = 0;
  const waiting = new Map<number, (area: number) => void>();
  for (const peer of peers) {
    peer.on('message', (m: { i: number; area: number }) => waiting.get(m.i)?.(m.area));
  }
  const solvers = peers.map(
    (peer): Solver =>
      (left, right, n) =>
        new Promise((resolve) => {
          const i = next++;
          waiting.set(i, (area) => {
            waiting.delete(i);
            resolve(area);
          });
          peer.send({ i, left, right, pieces: n });
        }),
  );
  return compare(solvers.slice(0, 1), solvers, pieces);
}

const peerSpec = process.env[PEER_ENV];
runMain(async () => {
  const options = childOptions();
  if (peerSpec !== undefined) {
    const { url, index } = JSON.parse(peerSpec) as { url: string; index: number };
    await (options.impl === 'airssys' ? airssysPeer(url, index) : baselinePeer());
    return;
  }
  const load1 = loadavg()[0] ?? 0;
  const why = natsUnavailable();
  if (options.impl === 'airssys' && why !== undefined) {
    console.log(`skipping the cluster fan-out: ${why}`);
    emit({ oneMs: 0, twoMs: 0, speedup: 0, load1 });
    return;
  }
  const pieces = options.n ?? DEFAULT_PIECES;
  const nats = options.impl === 'airssys' ? await NatsTestCluster.start() : undefined;
  const url = nats?.server(0).url ?? '';
  const peers: ChildProcess[] = [];
  try {
    for (const index of [1, 2]) peers.push(await startPeer(options.impl, url, index));
    const figures =
      options.impl === 'airssys' ? await airssys(url, pieces) : await baseline(peers, pieces);
    emit({ ...figures, load1 });
  } finally {
    for (const peer of peers) {
      const exited = new Promise((resolve) => peer.once('exit', resolve));
      peer.disconnect();
      await exited;
    }
    await nats?.stop();
  }
});
