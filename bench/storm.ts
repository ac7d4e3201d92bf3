/**
 * Event-loop fairness under a saturating message storm: 1,000 actors pass
 * 10 tokens each to one another for ~1.5 s, so the run queue never empties.
 * A cooperative scheduler must still yield to the event loop often, or
 * timers and I/O starve. Measured:
 * - event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution):
 *   max and p99 over the storm;
 * - the scheduler's own longest round (`system.stats().scheduler.longestRoundMs`);
 * - probes: every PROBE_EVERY messages a handler schedules a setImmediate
 *   and a setTimeout(0) and records how late each fires (max and p99);
 * - the message rate during the storm, for context.
 *
 * Prints `RESULT {"loopMaxMs": …, "loopP99Ms": …, "longestRoundMs": …,
 * "immediateMaxMs": …, "timeoutMaxMs": …, "msgsPerSec": …}`.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ActorRef } from '../src/index.js';
import { createSystem, defineActor } from '../src/index.js';
import { type BaseActor, BaseRuntime } from './baseline.js';
import { childOptions, emit, fullGc, now, quantile, runMain } from './common.js';

const ACTORS = 1_000;
const TOKENS_PER_ACTOR = 10;
const STRIDE = 7; // each token goes 7 actors further on: no two neighbours batch together
const PROBE_EVERY = 20_000;
const DEFAULT_STORM_MS = 1_500;

/** Shared by all handlers of one storm: whether to keep forwarding, and the probes. */
class StormControl {
  running = true;
  handled = 0;
  readonly immediateDelays: number[] = [];
  readonly timeoutDelays: number[] = [];

  /** Counts one message; every PROBE_EVERY messages, schedules the two probes. */
  tick(): void {
    if (++this.handled % PROBE_EVERY !== 0) return;
    const t0 = now();
    setImmediate(() => this.immediateDelays.push(now() - t0));
    setTimeout(() => this.timeoutDelays.push(now() - t0), 0);
  }
}

type StormMsg = number | { readonly next: ActorRef<StormMsg> };

function stormActor(control: StormControl) {
  return defineActor<StormMsg, ActorRef<StormMsg> | undefined>({
    label: 'storm node',
    handle(msg, ctx) {
      if (typeof msg !== 'number') {
        ctx.state = msg.next;
        return;
      }
      control.tick();
      if (control.running) (ctx.state as ActorRef<StormMsg>).tell(msg);
    },
  });
}

/** Runs the storm; returns the runtime's longest round in ms. */
async function airssys(control: StormControl, stormMs: number): Promise<number> {
  const system = createSystem();
  const def = stormActor(control);
  const refs: ActorRef<StormMsg>[] = [];
  for (let i = 0; i < ACTORS; i++) refs.push(system.spawn(def));
  refs.forEach((ref, i) => {
    ref.tell({ next: refs[(i + STRIDE) % ACTORS] as ActorRef<StormMsg> });
  });
  await system.idle();
  await measured(
    control,
    stormMs,
    () => {
      for (let t = 0; t < TOKENS_PER_ACTOR; t++) for (const ref of refs) ref.tell(t);
    },
    () => system.idle(),
  );
  const longest = system.stats().scheduler.longestRoundMs;
  await system.shutdown();
  return longest;
}

type BaseMsg = number | { readonly next: BaseNode };
type BaseNode = BaseActor<BaseMsg, BaseNode | undefined>;

async function baseline(control: StormControl, stormMs: number): Promise<number> {
  const rt = new BaseRuntime();
  const handle = (msg: BaseMsg, self: BaseNode): void => {
    if (typeof msg !== 'number') {
      self.state = msg.next;
      return;
    }
    control.tick();
    if (control.running) (self.state as BaseNode).tell(msg);
  };
  const nodes: BaseNode[] = [];
  for (let i = 0; i < ACTORS; i++)
    nodes.push(rt.spawn<BaseMsg, BaseNode | undefined>(handle, undefined));
  nodes.forEach((node, i) => {
    node.tell({ next: nodes[(i + STRIDE) % ACTORS] as BaseNode });
  });
  await rt.idle();
  rt.longestRoundMs = 0;
  await measured(
    control,
    stormMs,
    () => {
      for (let t = 0; t < TOKENS_PER_ACTOR; t++) for (const node of nodes) node.tell(t);
    },
    () => rt.idle(),
  );
  return rt.longestRoundMs;
}

/** Starts the storm, stops it after `stormMs` with a timer, and waits for it to drain. */
async function measured(
  control: StormControl,
  stormMs: number,
  start: () => void,
  idle: () => Promise<void>,
): Promise<void> {
  control.running = true;
  const stop = setTimeout(() => {
    control.running = false;
  }, stormMs);
  start();
  await idle();
  clearTimeout(stop);
  // Let the last probes fire.
  await new Promise((resolve) => setTimeout(resolve, 5));
}

function max(values: readonly number[]): number {
  return values.reduce((a, b) => Math.max(a, b), 0);
}

function p99(values: readonly number[]): number {
  return quantile(Float64Array.from(values).sort(), 0.99);
}

runMain(async () => {
  const options = childOptions();
  const stormMs = options.n ?? DEFAULT_STORM_MS;
  const run = options.impl === 'airssys' ? airssys : baseline;
  if (!options.noWarmup) await run(new StormControl(), Math.max(1, stormMs / 10));
  fullGc();
  const control = new StormControl();
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const t0 = now();
  const longestRoundMs = await run(control, stormMs);
  const elapsed = now() - t0;
  histogram.disable();
  emit({
    loopMaxMs: histogram.max / 1e6,
    loopP99Ms: histogram.percentile(99) / 1e6,
    longestRoundMs,
    immediateMaxMs: max(control.immediateDelays),
    immediateP99Ms: p99(control.immediateDelays),
    timeoutMaxMs: max(control.timeoutDelays),
    timeoutP99Ms: p99(control.timeoutDelays),
    msgsPerSec: control.handled / (elapsed / 1000),
  });
});
