/**
 * Crossing a thread or process boundary. For a worker-hosted and for a
 * process-hosted actor (`placement: 'worker'` / `'process'`):
 *
 * - one way: main tells `n` small messages (a number each) to a counter,
 *   then asks it once for the count (ordered behind the tells), so the
 *   time covers every message arriving and being handled in the host;
 * - round trip: sequential asks to an echo actor, each timed on its own.
 *
 * Each host is started once and warmed up (10 % of the tells, a tenth of
 * the asks) before the measured run, so the host's JIT is warm too. The
 * baseline is the bare channel (`isolation-baseline.ts`): the same items
 * batched into one `postMessage` per turn, with no runtime on either side.
 *
 * Prints `RESULT {"workerTellPerSec", "processTellPerSec", "workerAskP50Us",
 * "workerAskP99Us", "processAskP50Us", "processAskP99Us", …}`.
 */
import type { ActorRef, ActorSystem } from '../src/index.js';
import { createSystem } from '../src/index.js';
import { childOptions, emit, fullGc, type Metrics, now, quantile, runMain } from './common.js';
import { type CountMsg, counter, type EchoMsg, echo } from './isolation-actors.js';
import { BaseChannel } from './isolation-baseline.js';

const DEFAULT_TELLS = 1_000_000;
/** Sequential asks per host: each is a round trip through two event-loop turns per side. */
const ASKS = 10_000;

type Where = 'worker' | 'process';

/** What one boundary needs: tells to a counter, asks to it and to an echo. */
interface Target {
  tell(n: number): void;
  count(): Promise<number>;
  echo(value: number): Promise<number>;
  close(): Promise<void>;
}

async function airssysTarget(system: ActorSystem, where: Where): Promise<Target> {
  const count: ActorRef<CountMsg> = system.spawn(counter, { placement: where });
  const echoRef: ActorRef<EchoMsg> = system.spawn(echo, { placement: where });
  await system.idle();
  return {
    tell: (n) => count.tell(n),
    count: () => count.ask({ type: 'get' }),
    echo: (value) => echoRef.ask({ type: 'echo', value }),
    close: async () => {
      await system.stop(count);
      await system.stop(echoRef);
    },
  };
}

function baselineTarget(where: Where): Target {
  const counting = new BaseChannel(where);
  const echoing = new BaseChannel(where);
  return {
    tell: (n) => counting.tell(n),
    count: () => counting.ask({ op: 'get' }),
    echo: (value) => echoing.ask({ op: 'echo', value }),
    close: async () => {
      counting.close();
      echoing.close();
    },
  };
}

/** Tells `n` ones, then asks for the count; returns msgs/s. */
async function oneWay(target: Target, n: number): Promise<number> {
  const before = await target.count();
  const t0 = now();
  for (let i = 0; i < n; i++) target.tell(1);
  const count = await target.count();
  const ms = now() - t0;
  if (count - before !== n) throw new Error(`counted ${count - before}, expected ${n}`);
  return n / (ms / 1000);
}

/** `calls` sequential asks, each timed; sorted, in ms. */
async function roundTrips(target: Target, calls: number): Promise<Float64Array> {
  const samples = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t0 = now();
    const value = await target.echo(i);
    samples[i] = now() - t0;
    if (value !== i) throw new Error(`echo gave ${value}, expected ${i}`);
  }
  return samples.sort();
}

async function measure(
  target: Target,
  where: Where,
  tells: number,
  warm: boolean,
): Promise<Metrics> {
  if (warm) {
    await oneWay(target, Math.max(1, Math.floor(tells / 10)));
    await roundTrips(target, ASKS / 10);
  }
  fullGc();
  const perSec = await oneWay(target, tells);
  fullGc();
  const samples = await roundTrips(target, ASKS);
  let sum = 0;
  for (const s of samples) sum += s;
  return {
    [`${where}TellPerSec`]: perSec,
    [`${where}AskP50Us`]: quantile(samples, 0.5) * 1000,
    [`${where}AskP99Us`]: quantile(samples, 0.99) * 1000,
    [`${where}AskMeanUs`]: (sum / samples.length) * 1000,
  };
}

runMain(async () => {
  const options = childOptions();
  const tells = options.n ?? DEFAULT_TELLS;
  const warm = !options.noWarmup;
  let metrics: Metrics = {};
  for (const where of ['worker', 'process'] as const) {
    if (options.impl === 'airssys') {
      const system = createSystem();
      const target = await airssysTarget(system, where);
      metrics = { ...metrics, ...(await measure(target, where, tells, warm)) };
      await target.close();
      await system.shutdown();
    } else {
      const target = baselineTarget(where);
      metrics = { ...metrics, ...(await measure(target, where, tells, warm)) };
      await target.close();
    }
  }
  emit(metrics);
});
