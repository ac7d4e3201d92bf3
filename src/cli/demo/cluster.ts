/**
 * `runClusterDemo` (`npm start -- --nodes 3`): the self-healing pipeline
 * spread over cluster nodes, one of which is killed mid-run.
 *
 * ```text
 * nats-server            started here (free loopback port, temp store), stopped at the end
 * main node (this process)
 * └── pipeline (one-for-one)
 *     ├── ledger               accepts jobs, owns each one until it is stored
 *     ├── enrichment-service   down from 30% to 55% of the run
 *     ├── parse  (one-for-one) slots parse-0 … parse-3  ──┐ each slot's worker runs on
 *     ├── enrich (one-for-one) slots enrich-0 … enrich-3 ─┘ a worker node, linked
 *     └── store  (one-for-one) store-0, store-1, writing to the idempotent record store
 * worker-1 … worker-N    child processes; worker-2 gets SIGKILL at 60% of the run
 * ```
 *
 * When worker-2 is declared down, the links of the slots whose workers it
 * hosted fire `noconnection`, the asks pending on them fail at once and go
 * again, and the supervisors restart the slots, which place their workers
 * on the surviving nodes. Every accepted job is still stored exactly once.
 *
 * @module
 */
import {
  type ActorRef,
  type ActorSystem,
  type ChildSpec,
  createSystem,
  isCleanExit,
  type SupervisorRef,
  startChild,
  supervisor,
} from '../../index.js';
import { type LedgerArgs, type LedgerMsg, type LedgerStats, ledger } from './ledger.js';
import { LocalNatsServer } from './nats-server.js';
import { remoteEnricher, remoteParser, type SlotArgs, slot } from './remote-stages.js';
import { enrichmentService, type Faults, type Outage, RecordStore, storer } from './stages.js';
import { allUp, startWorkerNode, TIMINGS, type WorkerNode } from './worker-node.js';

/** Progress is reported this often, ms. */
const SAMPLE_MS = 250;
/** A drain that takes longer than this is given up, ms. */
const MAX_DRAIN_MS = 60_000;

/**
 * How to run the cluster demo.
 *
 * @example
 * ```ts
 * const summary = await runClusterDemo({ nodes: 3, durationMs: 10_000, say: console.log });
 * ```
 */
export interface ClusterDemoOptions {
  /** Worker nodes (child processes), at least 2: one is killed. */
  readonly nodes: number;
  readonly durationMs: number;
  readonly crashRate: number;
  readonly rate: number;
  readonly seed: number;
  /** Aborting it ends the intake early; the demo still drains and summarizes. */
  readonly signal?: AbortSignal;
  /** Where the demo tells what happens (one line each). */
  readonly say?: (line: string) => void;
}

/**
 * What a cluster run did. `jobsLost` is `jobsIn − jobsDone` after the drain.
 *
 * @example
 * ```ts
 * const { jobsIn, jobsDone, jobsLost, moved } = await runClusterDemo(options);
 * ```
 */
export interface ClusterDemoSummary {
  readonly nodes: number;
  readonly seed: number;
  /** The node killed with SIGKILL, and when (ms from the start of the intake). */
  readonly killed: string;
  readonly killedAtMs: number;
  /** Ms from the kill until the main node saw it declared down; undefined if it never was. */
  readonly declaredDownAfterMs: number | undefined;
  readonly jobsIn: number;
  readonly jobsDone: number;
  readonly jobsLost: number;
  /** Slots that had their worker on the killed node and now have it on a survivor. */
  readonly moved: number;
  readonly crashes: number;
  readonly restarts: number;
  readonly retriesAfterCrash: number;
  readonly retriesAfterOutage: number;
  readonly stored: number;
  readonly duplicateWrites: number;
  readonly elapsedMs: number;
}

/** A one-for-one supervisor of `children`, named `name`. */
function stageOf(name: string, children: ChildSpec[], intensity: number): ChildSpec {
  return {
    id: name,
    actor: supervisor({ strategy: 'one-for-one', intensity, period: 1_000, children, label: name }),
  };
}

/** `size` slots `${name}-${i}` whose workers run `worker` on worker nodes. */
function slots(
  name: string,
  size: number,
  worker: SlotArgs['worker'],
  workerArgs: unknown,
  place: SlotArgs['place'],
): ChildSpec[] {
  return Array.from({ length: size }, (_, i) => {
    const args: SlotArgs = { slot: `${name}-${i}`, worker, workerArgs, place };
    return { id: args.slot, actor: slot, options: { name: args.slot, args } };
  });
}

/**
 * Runs the cluster demo: starts a nats-server and `nodes` worker nodes,
 * runs the pipeline with its parse and enrich workers on them, kills one
 * worker node with SIGKILL at 60% of the run (after the outage), drains, and resolves with
 * the summary. Needs `nats-server` (see {@link natsServerMissing}).
 *
 * @example
 * ```ts
 * const s = await runClusterDemo({ nodes: 3, durationMs: 10_000, crashRate: 0.05, rate: 200, seed: 1 });
 * s.jobsLost; // 0
 * ```
 */
export async function runClusterDemo(o: ClusterDemoOptions): Promise<ClusterDemoSummary> {
  const say = o.say ?? (() => {});
  const server = await LocalNatsServer.start();
  const workers: WorkerNode[] = [];
  let system: ActorSystem | undefined;
  try {
    say(`nats-server at ${server.url}; starting ${o.nodes} worker nodes`);
    const names = Array.from({ length: o.nodes }, (_, i) => `worker-${i + 1}`);
    // Every start settles before a failure is thrown on: the nodes that did start are in
    // `workers`, so the `finally` stops them (left running, their IPC channels hold the demo).
    const starts = await Promise.allSettled(names.map((n) => startWorkerNode(server.url, n)));
    for (const start of starts) if (start.status === 'fulfilled') workers.push(start.value);
    const failed = starts.find((start) => start.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    system = createSystem({
      name: 'demo',
      cluster: { servers: server.url, name: 'main', ...TIMINGS, joinTimeout: 10_000 },
    });
    await system.cluster?.ready;
    await allUp(
      system,
      workers.map((w) => w.id),
    );
    say(`cluster up: main + ${workers.map((w) => w.name).join(', ')}`);
    return await pipelineRun(o, system, workers, say);
  } finally {
    await system?.shutdown();
    for (const w of workers) if (w.child.connected) w.child.disconnect();
    await Promise.all(workers.map((w) => w.exited));
    await server.stop();
  }
}

/** The run itself, on a cluster that is up. */
async function pipelineRun(
  o: ClusterDemoOptions,
  system: ActorSystem,
  workers: readonly WorkerNode[],
  say: (line: string) => void,
): Promise<ClusterDemoSummary> {
  const cluster = system.cluster;
  if (cluster === undefined) throw new Error('the main node did not join');
  const victim = workers[Math.min(1, workers.length - 1)] as WorkerNode;
  // Slots are placed round-robin over the worker nodes that are up.
  const placed = new Map<string, string>();
  let turn = 0;
  let moved = 0;
  const place = (slotId: string): string | undefined => {
    const up = workers.filter((w) => cluster.isUp(w.id));
    const node = up[turn++ % Math.max(1, up.length)];
    if (node === undefined) return undefined;
    // Moved off the victim once it is declared down (before that, a crash may move a slot too).
    if (placed.get(slotId) === victim.id && !cluster.isUp(victim.id)) moved++;
    placed.set(slotId, node.id);
    return node.id;
  };
  const clock = system.clock;
  const outage: Outage = { clock, downFrom: Infinity, downUntil: Infinity };
  const db = new RecordStore();
  const faults: Faults = { seed: o.seed, crashRate: o.crashRate };
  const intensity = Math.max(50, Math.ceil(((10 * o.rate * o.crashRate) / (1 - o.crashRate)) * 2));
  let crashes = 0;
  system.events.subscribe(
    (e) => {
      if (e.type === 'child-exited' && !isCleanExit(e.reason)) crashes++;
    },
    ['child-exited'],
  );
  await system.start(
    supervisor({
      strategy: 'one-for-one',
      intensity: 5,
      period: 5_000,
      label: 'pipeline',
      children: [
        {
          id: 'enrichment-service',
          actor: enrichmentService,
          options: { name: 'enrichment-service', args: outage },
        },
      ],
    }),
    { name: 'pipeline' },
  );
  const service = system.whereis('enrichment-service') as ActorRef<never>;
  const parse = slots('parse', 4, remoteParser, faults, place);
  const enrich = slots('enrich', 4, remoteEnricher, { ...faults, service }, place);
  const store: ChildSpec[] = [0, 1].map((i) => ({
    id: `store-${i}`,
    actor: storer,
    options: { name: `store-${i}`, args: { ...faults, db } },
  }));
  const ledgerArgs: LedgerArgs = {
    seed: o.seed,
    rate: o.rate,
    clock,
    stages: [parse, enrich, store].map((specs) => specs.map((s) => s.id)),
    askTimeout: 1_000,
  };
  const pipeline = system.whereis('pipeline') as SupervisorRef;
  for (const spec of [
    stageOf('parse', parse, intensity),
    stageOf('enrich', enrich, intensity),
    stageOf('store', store, intensity),
    { id: 'ledger', actor: ledger, options: { name: 'ledger', args: ledgerArgs } },
  ] as ChildSpec[]) {
    await startChild(pipeline, spec);
  }
  return drive(o, system, { victim, db, outage, say, moved: () => moved, crashes: () => crashes });
}

interface DriveFacts {
  readonly victim: WorkerNode;
  readonly db: RecordStore;
  readonly outage: Outage;
  readonly say: (line: string) => void;
  readonly moved: () => number;
  readonly crashes: () => number;
}

/** Opens the intake, kills the victim at 60% of the run, closes, drains; the summary. */
async function drive(
  o: ClusterDemoOptions,
  system: ActorSystem,
  f: DriveFacts,
): Promise<ClusterDemoSummary> {
  const clock = system.clock;
  const cluster = system.cluster;
  const ref = system.whereis<LedgerMsg>('ledger') as ActorRef<LedgerMsg>;
  const t0 = clock.now();
  const at = (): string => `${((clock.now() - t0) / 1_000).toFixed(1)} s`;
  f.outage.downFrom = t0 + o.durationMs * 0.3;
  f.outage.downUntil = t0 + o.durationMs * 0.3 + Math.min(o.durationMs * 0.25, 15_000);
  const killAt = o.durationMs * 0.6;
  let killedAt = Number.NaN;
  let downAfter: number | undefined;
  const stop = cluster?.events.subscribe((e) => {
    if (e.type !== 'nodedown' || e.node !== f.victim.id || downAfter !== undefined) return;
    downAfter = clock.now() - t0 - killedAt;
    f.say(
      `[${at()}] ${f.victim.name} declared down ${(downAfter / 1_000).toFixed(1)} s after the kill: its workers restart on the survivors`,
    );
  });
  let lastReport = 0;
  const report = (s: LedgerStats): void => {
    if (clock.now() - lastReport < 2_000) return;
    lastReport = clock.now();
    const up = cluster?.nodes().length ?? 0;
    f.say(
      `[${at()}] jobs in ${s.accepted}, done ${s.done}, in flight ${s.pending}; worker nodes up ${up}; crashes ${f.crashes()}, restarts ${system.stats().restarts}`,
    );
  };
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  try {
    ref.tell({ type: 'open' });
    while (clock.now() - t0 < o.durationMs && o.signal?.aborted !== true) {
      await sleep(SAMPLE_MS);
      if (Number.isNaN(killedAt) && clock.now() - t0 >= killAt) {
        killedAt = clock.now() - t0;
        f.victim.child.kill('SIGKILL');
        f.say(`[${at()}] ${f.victim.name} killed with SIGKILL`);
      }
      report(await ref.ask({ type: 'stats' }));
    }
    ref.tell({ type: 'close' });
    let stats = await ref.ask({ type: 'stats' });
    f.say(`[${at()}] intake closed; draining ${stats.pending} jobs in flight`);
    const drainUntil = clock.now() + MAX_DRAIN_MS;
    while (stats.pending > 0 && clock.now() < drainUntil) {
      await sleep(SAMPLE_MS / 5);
      stats = await ref.ask({ type: 'stats' });
    }
    // The jobs may all be done (retried after timeouts) before the verdict on the killed
    // node: wait for it, and for its slots to be placed again, so the summary can show both.
    while (
      !Number.isNaN(killedAt) &&
      (downAfter === undefined || cluster?.isUp(f.victim.id) === true) &&
      clock.now() < drainUntil
    ) {
      await sleep(SAMPLE_MS / 5);
    }
    while (downAfter !== undefined && f.moved() === 0 && clock.now() < drainUntil) {
      await sleep(SAMPLE_MS / 5);
    }
    return {
      nodes: o.nodes,
      seed: o.seed,
      killed: f.victim.name,
      killedAtMs: killedAt,
      declaredDownAfterMs: downAfter,
      jobsIn: stats.accepted,
      jobsDone: stats.done,
      jobsLost: stats.accepted - stats.done,
      moved: f.moved(),
      crashes: f.crashes(),
      restarts: system.stats().restarts,
      retriesAfterCrash: stats.retriesAfterCrash,
      retriesAfterOutage: stats.retriesAfterOutage,
      stored: f.db.size,
      duplicateWrites: f.db.duplicates,
      elapsedMs: clock.now() - t0,
    };
  } finally {
    stop?.();
  }
}

/**
 * The summary as the demo prints it; the test reads these lines.
 *
 * @example
 * ```ts
 * console.log(formatClusterSummary(await runClusterDemo(options)));
 * ```
 */
export function formatClusterSummary(s: ClusterDemoSummary): string {
  const down =
    s.declaredDownAfterMs === undefined
      ? 'never declared down'
      : `declared down ${(s.declaredDownAfterMs / 1_000).toFixed(1)} s later`;
  const killed = Number.isNaN(s.killedAtMs)
    ? `node killed: none (the run ended before ${s.killed} was due)`
    : `node killed: ${s.killed} (SIGKILL at ${(s.killedAtMs / 1_000).toFixed(1)} s), ${down}`;
  return [
    `cluster: main + ${s.nodes} worker nodes (seed ${s.seed}, ${(s.elapsedMs / 1_000).toFixed(1)} s)`,
    killed,
    `workers moved off ${s.killed}: ${s.moved} (restarted on the surviving nodes)`,
    `jobs sent: ${s.jobsIn}, done: ${s.jobsDone}, lost: ${s.jobsLost}`,
    `stored: ${s.stored} (duplicate writes absorbed: ${s.duplicateWrites})`,
    `crashes: ${s.crashes}, restarts: ${s.restarts}, retries after a crash, timeout or lost node: ${s.retriesAfterCrash}, after the outage: ${s.retriesAfterOutage}`,
  ].join('\n');
}

/**
 * Whether a run showed what the demo is for: a node killed and declared
 * down, its workers moved, and every accepted job stored exactly once.
 *
 * @example
 * ```ts
 * process.exitCode = clusterDemoHealed(summary) ? 0 : 1;
 * ```
 */
export function clusterDemoHealed(s: ClusterDemoSummary): boolean {
  return (
    s.jobsIn > 0 &&
    s.jobsLost === 0 &&
    s.stored === s.jobsIn &&
    s.declaredDownAfterMs !== undefined &&
    s.moved > 0
  );
}
