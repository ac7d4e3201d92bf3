/**
 * Restart latency as a user sees it: from the `tell` that crashes a child
 * to its replacement's `init` having run. One permanent child under a
 * one-for-one supervisor (intensity 1e9 per 1000 ms) is crashed N times,
 * one crash at a time. The clock starts in the sender just before
 * `ref.tell('crash')`; the handler then does what a failing handler does,
 * `throw new Error(...)` (the Error and its stack are part of the cost);
 * the replacement's `init` stops the clock first thing. So on top of
 * `restart.ts` (which starts the clock inside the handler, after the
 * Error exists) this covers the send, the scheduling of the child and the
 * Error's allocation.
 *
 * The Erlang twin (`restart_tell.erl`) starts its clock just before
 * `Pid ! crash` and the gen_server child calls `erlang:error(crash)` (a
 * crash with a stack trace, like a JS throw). The baseline is plain JS on
 * the baseline runtime: a try/catch around the handler and a supervisor
 * actor that re-creates the child.
 *
 * Prints `RESULT {"p50Us": …, "p99Us": …}`.
 */
import type { ActorRef } from '../src/index.js';
import { createSystem, defineActor, supervisor } from '../src/index.js';
import { type BaseActor, BaseRuntime } from './baseline.js';
import { childOptions, emit, fullGc, now, quantile, runMain } from './common.js';

const DEFAULT_CRASHES = 20_000;

type CrashMsg = 'crash';

/** When the latest replacement's init ran, ms; and the child's ref then. */
let initAt = 0;
let current: ActorRef<CrashMsg> | undefined;

const crasher = defineActor<CrashMsg, null>({
  label: 'crasher',
  init(ctx) {
    initAt = now();
    current = ctx.self;
    return null;
  },
  handle(msg) {
    if (msg === 'crash') throw new Error('crash');
  },
});

async function airssys(crashes: number): Promise<Float64Array> {
  const system = createSystem();
  await system.start(
    supervisor({
      strategy: 'one-for-one',
      intensity: 1e9,
      period: 1_000,
      children: [{ id: 'c', actor: crasher }],
    }),
  );
  await system.idle();
  fullGc();
  const samples = new Float64Array(crashes);
  for (let s = 0; s < crashes; s++) {
    const before = current as ActorRef<CrashMsg>;
    const t0 = now();
    before.tell('crash');
    await system.idle();
    if (current === before) throw new Error('the child was not restarted');
    samples[s] = (initAt - t0) * 1000;
  }
  if (system.stats().processes !== 2) throw new Error('lost or leaked processes');
  await system.shutdown();
  return samples.sort();
}

async function baseline(crashes: number): Promise<Float64Array> {
  const rt = new BaseRuntime();
  let child: BaseActor<CrashMsg, null>;
  const behaviour = (msg: CrashMsg): void => {
    if (msg === 'crash') throw new Error('crash');
  };
  const body = (msg: CrashMsg): void => {
    try {
      behaviour(msg);
    } catch (error) {
      sup.tell(error);
    }
  };
  const start = (): BaseActor<CrashMsg, null> => {
    initAt = now();
    return rt.spawn(body, null);
  };
  const sup = rt.spawn<unknown, null>(() => {
    child = start();
  }, null);
  child = start();
  fullGc();
  const samples = new Float64Array(crashes);
  for (let s = 0; s < crashes; s++) {
    const before = child;
    const t0 = now();
    before.tell('crash');
    await rt.idle();
    if (child === before) throw new Error('the child was not restarted');
    samples[s] = (initAt - t0) * 1000;
  }
  return samples.sort();
}

runMain(async () => {
  const options = childOptions();
  const crashes = options.n ?? DEFAULT_CRASHES;
  const run = options.impl === 'airssys' ? airssys : baseline;
  if (!options.noWarmup) {
    await run(Math.max(1, Math.floor(crashes / 10)));
    fullGc();
  }
  const samples = await run(crashes);
  emit({ p50Us: quantile(samples, 0.5), p99Us: quantile(samples, 0.99) });
});
