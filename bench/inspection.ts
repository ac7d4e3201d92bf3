/**
 * Inspection: what `system.inspect` costs on the counting workload
 * (`counting-workload.ts`: 1M increments to one counter, then an ask), run
 * three ways in the same process:
 *
 * - none: no listener (the reference for every ratio);
 * - lifecycle: `system.inspect(listener, { types: LIFECYCLE })`, the
 *   lifecycle and supervision kinds only (the counting run itself emits
 *   none of them: the spawn and exit are outside the timed part);
 * - sampled: `system.inspect(listener, { messages: 0.01 })`, every event
 *   plus every 100th message as `message-sent` and `message-handled`.
 *
 * The listener only counts the events it receives. Every run is a whole
 * counting run in a fresh system (created, listener attached, counter
 * spawned, timed tells + ask, shutdown), after a full GC. The three variants
 * take turns in SLICES slices, the order rotated each slice, so drift and
 * noise fall on all of them alike. A rate is the median over slices; a
 * ratio is the median of same-slice ratios, variant msgs/s ÷ none msgs/s;
 * the overhead is the extra time per message, (1 / ratio − 1) · 100. The
 * plain-JS baseline runs the counting workload only, SLICES times.
 *
 * Prints `RESULT {"noneMsgsPerSec": …, "lifecycleOverheadPct": …, "sampledOverheadPct": …, …}`.
 */
import type { ActorSystem, SystemEvent, SystemEventType } from '../src/index.js';
import { createSystem } from '../src/index.js';
import {
  type ChildOptions,
  childOptions,
  emit,
  fullGc,
  type Metrics,
  median,
  runMain,
} from './common.js';
import { timeCounting, timeCountingBaseline } from './counting-workload.js';

/** Messages per counting run (as in `counting`). */
const DEFAULT_MESSAGES = 1_000_000;
/** Runs per variant; a multiple of 3, so each variant runs first, second and third equally often. */
const SLICES = 15;
/** The sampling fraction of the sampled variant. */
const SAMPLING = 0.01;
/** Lifecycle and supervision event kinds: no message events, no dead letters or overflow. */
const LIFECYCLE: readonly SystemEventType[] = [
  'spawned',
  'exited',
  'restarted',
  'escalated',
  'child-started',
  'child-exited',
  'child-restarted',
  'child-start-failed',
  'supervisor-shutdown',
];

/** Events received by the listener since the last reset. */
const seen = { events: 0 };
/** The cheap listener: counts what it gets. */
const listener = (_event: SystemEvent): void => {
  seen.events++;
};

/** One way of running the workload: how it inspects, and its run times. */
interface Variant {
  readonly key: string;
  /** Attaches the variant's inspector to a fresh system; returns its unsubscribe. */
  readonly attach: (system: ActorSystem) => (() => void) | undefined;
  /** Checks the events one run of `n` messages delivered to the listener. */
  readonly check: (events: number, n: number) => void;
  /** Per slice: ms of the timed counting run. */
  readonly ms: number[];
}

const variants = (): Variant[] => [
  {
    key: 'none',
    attach: () => undefined,
    check: (events) => {
      if (events !== 0) throw new Error(`none: ${events} events without a listener`);
    },
    ms: [],
  },
  {
    key: 'lifecycle',
    attach: (system) => system.inspect(listener, { types: LIFECYCLE }),
    check: (events) => {
      // The counter's spawned and exited, nothing per message.
      if (events < 1 || events > 10) throw new Error(`lifecycle: ${events} events`);
    },
    ms: [],
  },
  {
    key: 'sampled',
    attach: (system) => system.inspect(listener, { messages: SAMPLING }),
    check: (events, n) => {
      // A sent and a handled event per 100 messages, plus a few lifecycle events.
      const expected = 2 * Math.floor(n * SAMPLING);
      if (events < expected || events > expected + 20) {
        throw new Error(`sampled: ${events} events, expected about ${expected}`);
      }
    },
    ms: [],
  },
];

/** One counting run of `n` messages with `v`'s inspector, in a fresh system; returns the ms. */
async function runOnce(v: Variant, n: number): Promise<number> {
  seen.events = 0;
  const system = createSystem();
  const off = v.attach(system);
  const ms = await timeCounting(system, n);
  await system.shutdown();
  off?.();
  v.check(seen.events, n);
  return ms;
}

/** Runs every variant `slices` times, interleaved, the order rotated each slice. */
async function measure(vs: readonly Variant[], n: number, slices: number): Promise<void> {
  for (let slice = 0; slice < slices; slice++) {
    for (let k = 0; k < vs.length; k++) {
      const v = vs[(slice + k) % vs.length] as Variant;
      fullGc();
      v.ms.push(await runOnce(v, n));
    }
  }
}

/** Msgs/s of `v`: the median over slices. */
function rate(v: Variant, n: number): number {
  return median(v.ms.map((ms) => n / (ms / 1000)));
}

/** Msgs/s of `v` ÷ msgs/s of `none`: the median of same-slice ratios. */
function vsNone(v: Variant, none: Variant): number {
  return median(v.ms.map((ms, s) => (none.ms[s] as number) / ms));
}

async function airssys(options: ChildOptions, n: number): Promise<Metrics> {
  if (!options.noWarmup) {
    // Every variant once at a tenth of the size, so each path is compiled.
    await measure(variants(), Math.max(1, Math.floor(n / 10)), 1);
  }
  const vs = variants();
  await measure(vs, n, SLICES);
  const [none, lifecycle, sampled] = vs as [Variant, Variant, Variant];
  const lifecycleVsNone = vsNone(lifecycle, none);
  const sampledVsNone = vsNone(sampled, none);
  return {
    noneMsgsPerSec: rate(none, n),
    lifecycleMsgsPerSec: rate(lifecycle, n),
    lifecycleVsNone,
    lifecycleOverheadPct: (1 / lifecycleVsNone - 1) * 100,
    sampledMsgsPerSec: rate(sampled, n),
    sampledVsNone,
    sampledOverheadPct: (1 / sampledVsNone - 1) * 100,
  };
}

/** The plain-JS runtime: the counting workload only, no inspection, as many runs. */
async function baseline(options: ChildOptions, n: number): Promise<Metrics> {
  if (!options.noWarmup) await timeCountingBaseline(Math.max(1, Math.floor(n / 10)));
  const ms: number[] = [];
  for (let slice = 0; slice < SLICES; slice++) {
    fullGc();
    ms.push(await timeCountingBaseline(n));
  }
  return { noneMsgsPerSec: median(ms.map((t) => n / (t / 1000))) };
}

runMain(async () => {
  const options = childOptions();
  const n = options.n ?? DEFAULT_MESSAGES;
  const run = options.impl === 'airssys' ? airssys : baseline;
  emit(await run(options, n));
});
