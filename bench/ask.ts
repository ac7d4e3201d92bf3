/**
 * Ask latency: 100k sequential asks from outside the system to one idle
 * actor that replies at once. Each call is timed on its own, so the
 * figures are the full round trip: Promise, reply port, delivery, the
 * scheduler's microtask wake-up, the handler, and the resolution.
 *
 * Prints `RESULT {"p50Us": …, "p99Us": …, "meanUs": …}` (microseconds).
 */
import { airssysServer, baselineServer, type Call } from './ask-server.js';
import { childOptions, emit, fullGc, now, quantile, runMain } from './common.js';

const DEFAULT_CALLS = 100_000;

/** Times `calls` sequential calls of `call`, in ms each. */
async function timeCalls(calls: number, call: Call): Promise<Float64Array> {
  const samples = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t0 = now();
    const value = await call();
    samples[i] = now() - t0;
    if (value !== 42) throw new Error(`got ${value}`);
  }
  return samples;
}

async function airssys(calls: number, warmup: number): Promise<Float64Array> {
  const { call, close } = await airssysServer();
  await timeCalls(warmup, call);
  fullGc();
  const samples = await timeCalls(calls, call);
  await close();
  return samples;
}

async function baseline(calls: number, warmup: number): Promise<Float64Array> {
  const call = baselineServer();
  await timeCalls(warmup, call);
  fullGc();
  return timeCalls(calls, call);
}

runMain(async () => {
  const options = childOptions();
  const calls = options.n ?? DEFAULT_CALLS;
  const warmup = options.noWarmup ? 0 : Math.max(1, Math.floor(calls / 10));
  const run = options.impl === 'airssys' ? airssys : baseline;
  const samples = (await run(calls, warmup)).sort();
  let sum = 0;
  for (const s of samples) sum += s;
  emit({
    p50Us: quantile(samples, 0.5) * 1000,
    p99Us: quantile(samples, 0.99) * 1000,
    meanUs: (sum / samples.length) * 1000,
  });
});
