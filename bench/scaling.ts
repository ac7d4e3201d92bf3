/**
 * Scaling of a CPU-bound fan-out over the scheduler pool (Savina #13,
 * trapezoid): the integral of Savina's `fx` over [1, 5] in `n` pieces,
 * split into CHUNKS chunks of a few ms each. Main asks the chunks of
 * ACTORS trapezoid actors placed with `placement: 'pool'`, dealt out
 * round-robin all at once, and sums the answers in order. Two systems run
 * in the same program, one with `poolThreads: 1` and one with
 * `poolThreads: 2`; after a warm-up of every actor, the two are measured
 * alternately REPS times and the median of each is kept.
 *
 * - `oneMs`, `twoMs`, `speedup`: the actors spawned in a loop, as a program
 *   would write it;
 * - `balancedTwoMs`, `balancedSpeedup`: the same, with the two-thread
 *   system's actors spawned one at a time (`await system.idle()` between),
 *   so each is placed after the previous one has started;
 * - `serialMs`: the same chunks computed one after another in main (plain
 *   JS); `vsSerial`: serialMs ÷ twoMs;
 * - `mainBusyMs` / `mainBusyUsPerChunk`: main's event-loop busy time
 *   during a two-thread run (dispatch, codec, frames, answers), the part
 *   that does not shrink with more threads.
 *
 * The baseline is the bare channel (`isolation-baseline.ts`): one worker
 * thread per "scheduler", chunks dealt round-robin, same sums.
 *
 * Prints `RESULT {"serialMs", "oneMs", "twoMs", "speedup", …}`.
 */
import { performance } from 'node:perf_hooks';
import type { ActorRef, ActorSystem } from '../src/index.js';
import { createSystem } from '../src/index.js';
import { chunkSolver, fanOutChunks, type Solver, serialChunks } from './chunks.js';
import { childOptions, emit, fullGc, type Metrics, median, now, runMain } from './common.js';
import { type ChunkMsg, trapezoid } from './isolation-actors.js';
import { BaseChannel } from './isolation-baseline.js';

const DEFAULT_PIECES = 10_000_000;
const CHUNKS = 250;
const ACTORS = 8;
const REPS = 3;

interface Timed {
  readonly ms: number;
  readonly area: number;
  /** Main's event-loop busy time during the run. */
  readonly busyMs: number;
}

async function timed(run: () => Promise<number>): Promise<Timed> {
  fullGc();
  const elu = performance.eventLoopUtilization();
  const t0 = now();
  const area = await run();
  const ms = now() - t0;
  const busyMs = performance.eventLoopUtilization(elu).active;
  return { ms, area, busyMs };
}

function check(expected: number, got: Timed, what: string): void {
  if (got.area !== expected) throw new Error(`${what}: area ${got.area}, serial ${expected}`);
}

/** A system whose pool has `threads` threads, with ACTORS trapezoid actors on it. */
async function poolSystem(
  threads: number,
  oneAtATime: boolean,
): Promise<{ system: ActorSystem; solvers: Solver[] }> {
  const system = createSystem({ poolThreads: threads });
  const refs: ActorRef<ChunkMsg>[] = [];
  for (let i = 0; i < ACTORS; i++) {
    refs.push(system.spawn(trapezoid, { placement: 'pool' }));
    if (oneAtATime) await system.idle();
  }
  await system.idle();
  const solvers = refs.map((ref) => chunkSolver(ref, 60_000));
  return { system, solvers };
}

function channels(threads: number): { channels: BaseChannel[]; solvers: Solver[] } {
  const list = Array.from({ length: threads }, () => new BaseChannel('worker'));
  const solvers = list.map(
    (c): Solver =>
      (left, right, pieces) =>
        c.ask({ op: 'chunk', left, right, pieces }),
  );
  return { channels: list, solvers };
}

runMain(async () => {
  const options = childOptions();
  const pieces = options.n ?? DEFAULT_PIECES;
  const warmPieces = Math.floor(pieces / 4);

  if (!options.noWarmup) serialChunks(CHUNKS, warmPieces);
  fullGc();
  const t0 = now();
  const expected = serialChunks(CHUNKS, pieces);
  const serialMs = now() - t0;

  const configs: { name: string; solvers: Solver[] }[] = [];
  const close: (() => Promise<void> | void)[] = [];
  if (options.impl === 'airssys') {
    for (const [name, threads, oneAtATime] of [
      ['one', 1, false],
      ['two', 2, false],
      ['balancedTwo', 2, true],
    ] as const) {
      const { system, solvers } = await poolSystem(threads, oneAtATime);
      configs.push({ name, solvers });
      close.push(() => system.shutdown());
    }
  } else {
    for (const [name, threads] of [
      ['one', 1],
      ['two', 2],
    ] as const) {
      const made = channels(threads);
      configs.push({ name, solvers: made.solvers });
      close.push(() => {
        for (const c of made.channels) c.close();
      });
    }
  }

  // Every actor (or thread) computes warm-up chunks before anything is timed.
  if (!options.noWarmup) {
    for (const c of configs) await fanOutChunks(c.solvers, CHUNKS, warmPieces);
  }
  const runs = new Map<string, Timed[]>(configs.map((c) => [c.name, []]));
  for (let r = 0; r < REPS; r++) {
    for (const c of configs) {
      const t = await timed(() => fanOutChunks(c.solvers, CHUNKS, pieces));
      check(expected, t, c.name);
      runs.get(c.name)?.push(t);
    }
  }
  for (const f of close) await f();

  const ms = (name: string): number => median((runs.get(name) ?? []).map((t) => t.ms));
  const oneMs = ms('one');
  const twoMs = ms('two');
  const busy = median((runs.get('two') ?? []).map((t) => t.busyMs));
  const metrics: Metrics = {
    serialMs,
    oneMs,
    twoMs,
    speedup: oneMs / twoMs,
    vsSerial: serialMs / twoMs,
    oneVsSerial: serialMs / oneMs,
    mainBusyMs: busy,
    mainBusyUsPerChunk: (busy * 1000) / CHUNKS,
  };
  if (runs.has('balancedTwo')) {
    const balancedTwoMs = ms('balancedTwo');
    metrics.balancedTwoMs = balancedTwoMs;
    metrics.balancedSpeedup = oneMs / balancedTwoMs;
  }
  emit(metrics);
});
