/**
 * Counting (Savina #2): one producer sends 1M increments to one counter,
 * then asks it for the count. The counter's mailbox fills up first and is
 * then drained in batches, so this measures raw enqueue and the batched
 * dequeue → handle loop, plus one ask at the end (ordered behind the tells).
 *
 * The actor and the drivers (airssys and baseline) are in `counting-workload.ts` (shared with
 * `inspection.ts`).
 *
 * Prints `RESULT {"msgsPerSec": …}`.
 */
import { createSystem } from '../src/index.js';
import { childOptions, emit, runMain, warmThenRun } from './common.js';
import { timeCounting, timeCountingBaseline } from './counting-workload.js';

const DEFAULT_MESSAGES = 1_000_000;

/** Returns the elapsed ms for `n` increments and the final ask. */
async function airssys(n: number): Promise<number> {
  const system = createSystem();
  const elapsed = await timeCounting(system, n);
  await system.shutdown();
  return elapsed;
}

runMain(async () => {
  const options = childOptions();
  const n = options.n ?? DEFAULT_MESSAGES;
  const run = options.impl === 'airssys' ? airssys : timeCountingBaseline;
  const ms = await warmThenRun(options, n, run);
  emit({ msgsPerSec: n / (ms / 1000) });
});
