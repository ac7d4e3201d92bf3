/**
 * Spawn N idle actors (N = 100k or 1M) and keep every ref alive: the spawn
 * rate, and the heap and RSS each idle actor costs. An idle actor here has
 * no `init`, so it is never scheduled; what is measured is the process
 * record, its ref and its entry in the system's process table.
 *
 * Memory is the `heapUsed` / `rss` delta across the spawn loop, each taken
 * after two full GCs; the array that keeps the refs alive is allocated
 * before the first reading, so it is not counted.
 *
 * Prints `RESULT {"actorsPerSec": …, "heapBytesPerActor": …, "rssBytesPerActor": …}`.
 */
import type { ActorRef } from '../src/index.js';
import { createSystem, defineActor } from '../src/index.js';
import { BaseRuntime } from './baseline.js';
import { childOptions, emit, fullGc, now, runMain } from './common.js';

const DEFAULT_ACTORS = 100_000;

const idle = defineActor<{ readonly type: 'ping' }>({ label: 'idle', handle() {} });

interface SpawnRun {
  readonly ms: number;
  readonly heapBytes: number;
  readonly rssBytes: number;
}

/** Memory readings after a full GC. */
function reading(): { heap: number; rss: number } {
  fullGc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

async function airssys(n: number): Promise<SpawnRun> {
  const system = createSystem();
  const refs: (ActorRef<{ readonly type: 'ping' }> | null)[] = new Array(n).fill(null);
  const before = reading();
  const t0 = now();
  for (let i = 0; i < n; i++) refs[i] = system.spawn(idle);
  const ms = now() - t0;
  const after = reading();
  // Keep the refs (and so the processes) alive past the second reading.
  if (refs[n - 1]?.pid !== n || system.stats().processes !== n) throw new Error('lost actors');
  await system.shutdown();
  return { ms, heapBytes: after.heap - before.heap, rssBytes: after.rss - before.rss };
}

async function baseline(n: number): Promise<SpawnRun> {
  const rt = new BaseRuntime();
  const handle = (): void => {};
  const refs: unknown[] = new Array(n).fill(null);
  const before = reading();
  const t0 = now();
  for (let i = 0; i < n; i++) refs[i] = rt.spawn(handle, undefined);
  const ms = now() - t0;
  const after = reading();
  if (refs[n - 1] === null) throw new Error('lost actors');
  return { ms, heapBytes: after.heap - before.heap, rssBytes: after.rss - before.rss };
}

runMain(async () => {
  const options = childOptions();
  const n = options.n ?? DEFAULT_ACTORS;
  const run = options.impl === 'airssys' ? airssys : baseline;
  if (!options.noWarmup) {
    // Warm the spawn path at 10%, then let GC reclaim it before measuring.
    await run(Math.max(1, Math.floor(n / 10)));
  }
  const result = await run(n);
  emit({
    actorsPerSec: n / (result.ms / 1000),
    heapBytesPerActor: result.heapBytes / n,
    rssBytesPerActor: result.rssBytes / n,
  });
});
