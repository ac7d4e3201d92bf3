/**
 * Restart storm in a three-level tree: a root supervisor → 100 middle
 * supervisors → 100 workers each (10,000 workers), everything permanent and
 * one-for-one. Two waves of crashes, each told to every worker in one go:
 * - wave 1: every worker crashes once; each middle restarts its 100 workers
 *   (100 restarts, within every middle's intensity);
 * - wave 2: every worker crashes again. Odd middles (intensity 1e9) restart
 *   their workers once more. Even middles (intensity 150 per 60 s) restart
 *   50, give up at the 51st crash, stop their children and exit; the root
 *   restarts them, each with 100 fresh workers.
 * Each wave ends when the system is idle and every worker slot runs a live
 * process again; `totalMs` is the sum of both waves.
 *
 * Memory: RSS and heapUsed are sampled during the storm (every 1,000 worker
 * inits and every ms the event loop gets), and reported as the peak rise
 * over a reading taken after a full GC just before the storm.
 *
 * Leak checks (the program throws when one fails):
 * - after the storm: `stats().processes` is the pre-storm count (10,101),
 *   `stats().timers` the pre-storm count, and the sums over every process
 *   of links, monitors, watchers, pending asks, timers and children are
 *   what they were before the storm; `stats().restarts` is as planned;
 * - after `system.shutdown()`: no process, no timer, as in a fresh system.
 *
 * The baseline is the same tree in plain JS on the baseline runtime:
 * try/catch around each worker's handler, a note to its middle, which
 * re-creates the worker or, past its intensity, drops its workers and
 * notes the root, which re-creates the middle and its workers.
 *
 * Prints `RESULT {"totalMs": …, "peakRssMB": …, "peakHeapMB": …,
 * "processesAfter": …, "timersAfter": …, "wave1Ms": …, "wave2Ms": …}`.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ActorRef, ActorSystem, ChildSpec } from '../src/index.js';
import { createSystem, defineActor, supervisor } from '../src/index.js';
import { type BaseActor, BaseRuntime } from './baseline.js';
import { childOptions, emit, fullGc, now, runMain } from './common.js';

const MIDDLES = 100;
const PER_MIDDLE = 100;
const WORKERS = MIDDLES * PER_MIDDLE;
/** Root + middles + workers. */
const TREE = 1 + MIDDLES + WORKERS;
/** Even middles exceed this in wave 2 (100 restarts in wave 1, the 151st fails). */
const LOW_INTENSITY = 150;
const HIGH_INTENSITY = 1e9;
const PERIOD_MS = 60_000;
/** Worker restarts, then middle restarts, the two waves make. */
const EXPECTED_RESTARTS =
  WORKERS + // wave 1
  (MIDDLES / 2) * PER_MIDDLE + // wave 2, odd middles
  (MIDDLES / 2) * (LOW_INTENSITY - PER_MIDDLE) + // wave 2, even middles before they give up
  MIDDLES / 2; // the even middles, restarted by the root
const SETTLE_TIMEOUT_MS = 60_000;
const MIB = 1024 * 1024;

const lowIntensity = (middle: number): boolean => middle % 2 === 0;

/** Peak memory over the storm. */
class MemoryPeak {
  rss = 0;
  heap = 0;
  #timer: NodeJS.Timeout | undefined;

  sample(): void {
    const m = process.memoryUsage();
    if (m.rss > this.rss) this.rss = m.rss;
    if (m.heapUsed > this.heap) this.heap = m.heapUsed;
  }

  start(): void {
    this.sample();
    this.#timer = setInterval(() => this.sample(), 1);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.sample();
  }
}

let peak = new MemoryPeak();
let inits = 0;

/** Counts a worker init; samples memory every 1,000. */
function countInit(): void {
  if (++inits % 1_000 === 0) peak.sample();
}

interface StormRun {
  readonly wave1Ms: number;
  readonly wave2Ms: number;
  readonly rss0: number;
  readonly heap0: number;
  readonly processesAfter: number;
  readonly timersAfter: number;
}

function beforeStorm(): { rss0: number; heap0: number } {
  fullGc();
  const m = process.memoryUsage();
  peak = new MemoryPeak();
  return { rss0: m.rss, heap0: m.heapUsed };
}

// ---------------------------------------------------------------- airssys

type WorkerMsg = 'crash';

/** The live ref of each worker slot, as the latest init recorded it. */
let refs: ActorRef<WorkerMsg>[] = [];

const worker = defineActor<WorkerMsg, number, number>({
  label: 'worker',
  init(ctx, slot) {
    refs[slot] = ctx.self;
    countInit();
    return slot;
  },
  handle(msg) {
    if (msg === 'crash') throw new Error('crash');
  },
});

function middle(m: number) {
  const children: ChildSpec<number>[] = [];
  for (let w = 0; w < PER_MIDDLE; w++) {
    children.push({ id: `w${w}`, actor: worker, options: { args: m * PER_MIDDLE + w } });
  }
  return supervisor({
    label: `middle ${m}`,
    strategy: 'one-for-one',
    intensity: lowIntensity(m) ? LOW_INTENSITY : HIGH_INTENSITY,
    period: PERIOD_MS,
    children,
  });
}

function root() {
  const children: ChildSpec<unknown>[] = [];
  for (let m = 0; m < MIDDLES; m++) children.push({ id: `m${m}`, actor: middle(m) });
  return supervisor({
    label: 'root',
    strategy: 'one-for-one',
    intensity: HIGH_INTENSITY,
    period: PERIOD_MS,
    children,
  });
}

/** Sums over every live process of what must not leak. */
interface Census {
  processes: number;
  links: number;
  monitors: number;
  watchers: number;
  asks: number;
  timers: number;
  children: number;
}

function census(system: ActorSystem): Census {
  const c: Census = {
    processes: 0,
    links: 0,
    monitors: 0,
    watchers: 0,
    asks: 0,
    timers: 0,
    children: 0,
  };
  for (const pid of system.processes()) {
    const info = system.info(pid);
    if (info === undefined) continue;
    c.processes++;
    c.links += info.links.length;
    c.monitors += info.monitors;
    c.watchers += info.monitoredBy;
    c.asks += info.pendingAsks;
    c.timers += info.timers;
    c.children += info.children.length;
  }
  return c;
}

function sameCensus(before: Census, after: Census): void {
  const a = JSON.stringify(after);
  const b = JSON.stringify(before);
  if (a !== b) throw new Error(`leak: before the storm ${b}, after ${a}`);
}

function allRunning(system: ActorSystem): boolean {
  if (system.stats().processes !== TREE) return false;
  for (let i = 0; i < WORKERS; i++) if (!system.isAlive(refs[i] as ActorRef<never>)) return false;
  return true;
}

/** Resolves when the system is idle and every worker slot is alive again. */
async function settle(system: ActorSystem): Promise<void> {
  const deadline = now() + SETTLE_TIMEOUT_MS;
  await system.idle();
  while (!allRunning(system)) {
    if (now() > deadline) {
      throw new Error(`not settled after ${SETTLE_TIMEOUT_MS} ms: ${system.stats().processes}`);
    }
    await nextTurn();
    await system.idle();
  }
}

/** Tells every worker 'crash' and waits until all are running again; ms. */
async function airssysWave(system: ActorSystem): Promise<number> {
  const targets = refs.slice();
  const t0 = now();
  for (const ref of targets) ref.tell('crash');
  await settle(system);
  const ms = now() - t0;
  for (let i = 0; i < WORKERS; i++) {
    if (refs[i] === targets[i]) throw new Error(`worker ${i} was not restarted`);
  }
  return ms;
}

async function airssys(): Promise<StormRun> {
  refs = new Array(WORKERS);
  const system = createSystem();
  const fresh = system.stats();
  await system.start(root());
  await settle(system);
  const statsBefore = system.stats();
  const before = census(system);
  if (before.processes !== TREE) throw new Error(`${before.processes} processes, expected ${TREE}`);
  const { rss0, heap0 } = beforeStorm();
  peak.start();
  const wave1Ms = await airssysWave(system);
  const wave2Ms = await airssysWave(system);
  peak.stop();

  const stats = system.stats();
  if (stats.processes !== statsBefore.processes) {
    throw new Error(
      `processes: ${stats.processes} after the storm, ${statsBefore.processes} before`,
    );
  }
  if (stats.timers !== statsBefore.timers) {
    throw new Error(`timers: ${stats.timers} after the storm, ${statsBefore.timers} before`);
  }
  const restarts = stats.restarts - statsBefore.restarts;
  if (restarts !== EXPECTED_RESTARTS) {
    throw new Error(`${restarts} restarts, expected ${EXPECTED_RESTARTS}`);
  }
  sameCensus(before, census(system));

  await system.shutdown();
  const end = system.stats();
  if (end.processes !== fresh.processes || system.processes().length !== 0) {
    throw new Error(`${end.processes} processes left after shutdown`);
  }
  if (end.timers !== fresh.timers) throw new Error(`${end.timers} timers left after shutdown`);
  return {
    wave1Ms,
    wave2Ms,
    rss0,
    heap0,
    processesAfter: stats.processes,
    timersAfter: stats.timers,
  };
}

// ---------------------------------------------------------------- baseline

interface BaseWorkerState {
  readonly slot: number;
  readonly middle: BaseMiddle;
  alive: boolean;
}
type BaseWorker = BaseActor<WorkerMsg, BaseWorkerState>;
interface WorkerExit {
  readonly worker: BaseWorker;
  readonly error: unknown;
}

interface BaseMiddle {
  readonly index: number;
  readonly intensity: number;
  readonly restarts: number[];
  readonly workers: BaseWorker[];
  alive: boolean;
  actor: BaseActor<WorkerExit, undefined> | null;
}

/** The same tree in plain JS: every "process" is a baseline actor; `live` counts them. */
class BaseTree {
  readonly rt = new BaseRuntime();
  readonly workers: BaseWorker[] = new Array(WORKERS);
  readonly root: BaseActor<number, undefined>;
  live = 0;
  restarts = 0;

  constructor() {
    this.root = this.rt.spawn<number, undefined>((index) => {
      this.restarts++;
      this.startMiddle(index);
    }, undefined);
    this.live++;
    for (let m = 0; m < MIDDLES; m++) this.startMiddle(m);
  }

  readonly behaviour = (msg: WorkerMsg): void => {
    if (msg === 'crash') throw new Error('crash');
  };

  readonly workerHandle = (msg: WorkerMsg, self: BaseWorker): void => {
    const s = self.state;
    if (!s.alive) return;
    try {
      this.behaviour(msg);
    } catch (error) {
      s.alive = false;
      this.live--;
      s.middle.actor?.tell({ worker: self, error });
    }
  };

  startWorker(mid: BaseMiddle, slot: number): void {
    const w = this.rt.spawn(this.workerHandle, { slot, middle: mid, alive: true });
    mid.workers[slot % PER_MIDDLE] = w;
    this.workers[slot] = w;
    this.live++;
    countInit();
  }

  startMiddle(index: number): void {
    const mid: BaseMiddle = {
      index,
      intensity: lowIntensity(index) ? LOW_INTENSITY : HIGH_INTENSITY,
      restarts: [],
      workers: new Array(PER_MIDDLE),
      alive: true,
      actor: null,
    };
    mid.actor = this.rt.spawn<WorkerExit, undefined>((note) => this.onExit(mid, note), undefined);
    this.live++;
    for (let w = 0; w < PER_MIDDLE; w++) this.startWorker(mid, index * PER_MIDDLE + w);
  }

  onExit(mid: BaseMiddle, note: WorkerExit): void {
    const slot = note.worker.state.slot;
    if (!mid.alive || mid.workers[slot % PER_MIDDLE] !== note.worker) return;
    const t = now();
    const times = mid.restarts;
    while (times.length > 0 && (times[0] as number) < t - PERIOD_MS) times.shift();
    times.push(t);
    if (times.length <= mid.intensity) {
      this.restarts++;
      this.startWorker(mid, slot);
      return;
    }
    // Give up: drop every worker and the middle itself; the root starts a new one.
    mid.alive = false;
    for (const w of mid.workers) {
      if (w.state.alive) {
        w.state.alive = false;
        this.live--;
      }
    }
    this.live--;
    this.root.tell(mid.index);
  }

  allRunning(): boolean {
    if (this.live !== TREE) return false;
    for (const w of this.workers) if (!w.state.alive) return false;
    return true;
  }
}

async function baselineWave(tree: BaseTree): Promise<number> {
  const targets = tree.workers.slice();
  const t0 = now();
  for (const w of targets) w.tell('crash');
  await tree.rt.idle();
  const ms = now() - t0;
  if (!tree.allRunning()) throw new Error(`baseline: ${tree.live} live after a wave`);
  for (let i = 0; i < WORKERS; i++) {
    if (tree.workers[i] === targets[i]) throw new Error(`worker ${i} was not restarted`);
  }
  return ms;
}

async function baseline(): Promise<StormRun> {
  const tree = new BaseTree();
  await tree.rt.idle();
  const { rss0, heap0 } = beforeStorm();
  peak.start();
  const wave1Ms = await baselineWave(tree);
  const wave2Ms = await baselineWave(tree);
  peak.stop();
  if (tree.restarts !== EXPECTED_RESTARTS) {
    throw new Error(`baseline: ${tree.restarts} restarts, expected ${EXPECTED_RESTARTS}`);
  }
  return { wave1Ms, wave2Ms, rss0, heap0, processesAfter: tree.live, timersAfter: 0 };
}

runMain(async () => {
  const options = childOptions();
  const run = options.impl === 'airssys' ? airssys : baseline;
  if (!options.noWarmup) {
    // The same storm once, to warm the JIT; the tree is fixed-size (--n is ignored).
    await run();
    fullGc();
  }
  const r = await run();
  emit({
    totalMs: r.wave1Ms + r.wave2Ms,
    peakRssMB: (peak.rss - r.rss0) / MIB,
    peakHeapMB: (peak.heap - r.heap0) / MIB,
    processesAfter: r.processesAfter,
    timersAfter: r.timersAfter,
    wave1Ms: r.wave1Ms,
    wave2Ms: r.wave2Ms,
  });
});
