/**
 * Restart latency: from a crash to the replacement child's `init` having
 * run, under a one-for-one supervisor whose permanent children throw on
 * 'crash'. The crashing handler allocates its Error, then records t0 and
 * throws; the new child's `init` records t1 first thing. Latency = t1 − t0:
 * the runtime's catch, the exit, the EXIT signal to the supervisor, its
 * scheduling, the restart decision and intensity check, the spawn, link and
 * init of the replacement.
 *
 * Three scenarios, each in a fresh system:
 * - single: one child crashed N times, one crash at a time (crash, wait
 *   until the system is idle, repeat); intensity 1e9 per 1000 ms;
 * - burst (the goal's "burst of 10,000 crashes on one supervisor"): one
 *   supervisor with 10,000 children, each child crashed once, one after
 *   another (crash child i, wait until it has been restarted, then child
 *   i+1), with intensity 1e9 per 3,600,000 ms so that all 10,000 restarts
 *   stay in the supervisor's intensity window. Each latency is that of one
 *   restart with up to 9,999 earlier restarts in the window: a supervisor
 *   whose intensity check walks the window (OTP's add_restart) gets slower
 *   as the burst goes on, a constant-time one does not. `burstLateP50Us`,
 *   the p50 of the last 1,000 restarts, shows which;
 * - all at once (throughput only, no latency goal): a fresh supervisor with
 *   10,000 children, every child told 'crash' in one go, then the system
 *   runs. A per-child latency here would mostly be queueing behind the
 *   other 9,999 crashes, on every system, so only first crash → last init
 *   is reported (`allAtOnceMs`). Same flags as the burst.
 *
 * The baseline is plain JS on the baseline runtime: the child's handler
 * runs inside try/catch, a catch sends the supervisor actor a note, and the
 * supervisor re-creates the child (a new actor and a fresh state object
 * from a closure). It has no intensity window.
 *
 * Prints `RESULT {"p50Us": …, "p99Us": …, "burstP50Us": …, "burstP99Us": …,
 * "burstLateP50Us": …, "allAtOnceMs": …}`.
 */
import type { ActorRef, ActorSystem, ChildSpec } from '../src/index.js';
import { createSystem, defineActor, supervisor } from '../src/index.js';
import { type BaseActor, BaseRuntime } from './baseline.js';
import { childOptions, emit, fullGc, now, quantile, runMain } from './common.js';

const DEFAULT_CRASHES = 20_000;
const BURST = 10_000;
/** The burst's last LATE restarts give `burstLateP50Us`. */
const LATE = 1_000;
const INTENSITY = 1e9;
/** The single scenario's period. */
const PERIOD_MS = 1_000;
/** The burst's and all-at-once's period: an hour, so no restart leaves the window. */
const LONG_PERIOD_MS = 3_600_000;

type CrashMsg = 'crash';

/** When each child slot last crashed (t0) and last ran init (t1), in ms. */
let crashAt = new Float64Array(BURST);
let initAt = new Float64Array(BURST);

function resetClocks(size: number): void {
  crashAt = new Float64Array(size);
  initAt = new Float64Array(size);
}

/** Latency t1 − t0 of `slot`, µs; throws if the slot was not restarted after its crash. */
function slotLatency(slot: number): number {
  const d = (initAt[slot] as number) - (crashAt[slot] as number);
  if (!(d > 0)) throw new Error(`slot ${slot} was not restarted after its crash`);
  return d * 1000;
}

/** First crash to last init over slots 0..size-1, ms; checks that every slot restarted. */
function burstSpan(size: number): number {
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (let i = 0; i < size; i++) {
    slotLatency(i);
    first = Math.min(first, crashAt[i] as number);
    last = Math.max(last, initAt[i] as number);
  }
  return last - first;
}

interface Figures {
  /** Single-child latencies, µs, sorted. */
  readonly single: Float64Array;
  /** Burst latencies, µs, in crash order (slot 0 first). */
  readonly burst: Float64Array;
  readonly allAtOnceMs: number;
}

const sorted = (a: Float64Array): Float64Array => a.slice().sort();

// ---------------------------------------------------------------- airssys

/** Child refs by slot, as the latest init recorded them. */
let refs: ActorRef<CrashMsg>[] = [];

const crasher = defineActor<CrashMsg, number, number>({
  label: 'crasher',
  init(ctx, slot) {
    initAt[slot] = now();
    refs[slot] = ctx.self;
    return slot;
  },
  handle(msg, ctx) {
    if (msg === 'crash') {
      const error = new Error('crash');
      crashAt[ctx.state] = now();
      throw error;
    }
  },
});

function crasherSpecs(count: number): ChildSpec<number>[] {
  const specs: ChildSpec<number>[] = [];
  for (let i = 0; i < count; i++) specs.push({ id: `c${i}`, actor: crasher, options: { args: i } });
  return specs;
}

function crasherSupervisor(count: number, period: number) {
  return supervisor({
    strategy: 'one-for-one',
    intensity: INTENSITY,
    period,
    children: crasherSpecs(count),
  });
}

/** A fresh system running one supervisor with `count` crashers; the clocks reset. */
async function startSystem(count: number, period: number): Promise<ActorSystem> {
  resetClocks(count);
  refs = [];
  const system = createSystem();
  await system.start(crasherSupervisor(count, period));
  await system.idle();
  if (refs.length !== count) throw new Error(`${refs.length} children started, expected ${count}`);
  return system;
}

/** Crashes slot `slot` and waits until it has been restarted; its latency, µs. */
async function airssysCrash(system: ActorSystem, slot: number): Promise<number> {
  const before = refs[slot] as ActorRef<CrashMsg>;
  before.tell('crash');
  await system.idle();
  if (refs[slot] === before) throw new Error(`child ${slot} was not restarted`);
  return slotLatency(slot);
}

async function airssysSingle(crashes: number): Promise<Float64Array> {
  const system = await startSystem(1, PERIOD_MS);
  fullGc();
  const samples = new Float64Array(crashes);
  for (let s = 0; s < crashes; s++) samples[s] = await airssysCrash(system, 0);
  if (system.stats().processes !== 2) throw new Error('lost or leaked processes');
  await system.shutdown();
  return samples.sort();
}

/** Each of `size` children crashed once, one after another; latencies in crash order. */
async function airssysBurst(size: number): Promise<Float64Array> {
  const system = await startSystem(size, LONG_PERIOD_MS);
  const restarts0 = system.stats().restarts;
  fullGc();
  const samples = new Float64Array(size);
  for (let i = 0; i < size; i++) samples[i] = await airssysCrash(system, i);
  const stats = system.stats();
  if (stats.processes !== size + 1) throw new Error('lost or leaked processes');
  if (stats.restarts - restarts0 !== size) {
    throw new Error(`${stats.restarts - restarts0} restarts, expected ${size}`);
  }
  await system.shutdown();
  return samples;
}

/** Every one of `size` children told 'crash' in one go; first crash → last init, ms. */
async function airssysAllAtOnce(size: number): Promise<number> {
  const system = await startSystem(size, LONG_PERIOD_MS);
  const targets = refs.slice();
  fullGc();
  for (let i = 0; i < size; i++) (targets[i] as ActorRef<CrashMsg>).tell('crash');
  await system.idle();
  for (let i = 0; i < size; i++) {
    if (refs[i] === targets[i]) throw new Error(`child ${i} was not restarted`);
  }
  if (system.stats().processes !== size + 1) throw new Error('lost or leaked processes');
  const ms = burstSpan(size);
  await system.shutdown();
  return ms;
}

async function airssys(crashes: number, burst: number): Promise<Figures> {
  const single = await airssysSingle(crashes);
  fullGc();
  const b = await airssysBurst(burst);
  fullGc();
  const allAtOnceMs = await airssysAllAtOnce(burst);
  return { single, burst: b, allAtOnceMs };
}

// ---------------------------------------------------------------- baseline

interface ChildState {
  readonly slot: number;
}
interface ExitNote {
  readonly slot: number;
  readonly error: unknown;
}

/** A plain-JS one-for-one supervisor on the baseline runtime. */
class BaseSupervisor {
  readonly rt = new BaseRuntime();
  readonly children: BaseActor<CrashMsg, ChildState>[] = [];
  readonly actor: BaseActor<ExitNote, undefined>;
  restarts = 0;

  constructor(count: number) {
    resetClocks(count);
    // The behaviour; a throw is caught by the wrapper below.
    const behaviour = (msg: CrashMsg, state: ChildState): void => {
      if (msg === 'crash') {
        const error = new Error('crash');
        crashAt[state.slot] = now();
        throw error;
      }
    };
    const child = (msg: CrashMsg, self: BaseActor<CrashMsg, ChildState>): void => {
      try {
        behaviour(msg, self.state);
      } catch (error) {
        this.actor.tell({ slot: self.state.slot, error });
      }
    };
    const init = (slot: number): ChildState => {
      initAt[slot] = now();
      return { slot };
    };
    this.actor = this.rt.spawn<ExitNote, undefined>((note) => {
      this.restarts++;
      this.children[note.slot] = this.rt.spawn(child, init(note.slot));
    }, undefined);
    for (let i = 0; i < count; i++) this.children.push(this.rt.spawn(child, init(i)));
  }

  /** Crashes slot `slot` and waits until it has been re-created; its latency, µs. */
  async crash(slot: number): Promise<number> {
    const before = this.children[slot] as BaseActor<CrashMsg, ChildState>;
    before.tell('crash');
    await this.rt.idle();
    if (this.children[slot] === before) throw new Error(`child ${slot} was not restarted`);
    return slotLatency(slot);
  }
}

async function baselineSingle(crashes: number): Promise<Float64Array> {
  const sup = new BaseSupervisor(1);
  fullGc();
  const samples = new Float64Array(crashes);
  for (let s = 0; s < crashes; s++) samples[s] = await sup.crash(0);
  return samples.sort();
}

async function baselineBurst(size: number): Promise<Float64Array> {
  const sup = new BaseSupervisor(size);
  fullGc();
  const samples = new Float64Array(size);
  for (let i = 0; i < size; i++) samples[i] = await sup.crash(i);
  if (sup.restarts !== size) throw new Error(`${sup.restarts} restarts, expected ${size}`);
  return samples;
}

async function baselineAllAtOnce(size: number): Promise<number> {
  const sup = new BaseSupervisor(size);
  const targets = sup.children.slice();
  fullGc();
  for (let i = 0; i < size; i++) (targets[i] as BaseActor<CrashMsg, ChildState>).tell('crash');
  await sup.rt.idle();
  if (sup.restarts !== size) throw new Error(`${sup.restarts} restarts, expected ${size}`);
  return burstSpan(size);
}

async function baseline(crashes: number, burst: number): Promise<Figures> {
  const single = await baselineSingle(crashes);
  fullGc();
  const b = await baselineBurst(burst);
  fullGc();
  const allAtOnceMs = await baselineAllAtOnce(burst);
  return { single, burst: b, allAtOnceMs };
}

runMain(async () => {
  const options = childOptions();
  const crashes = options.n ?? DEFAULT_CRASHES;
  const run = options.impl === 'airssys' ? airssys : baseline;
  if (!options.noWarmup) {
    await run(Math.max(1, Math.floor(crashes / 10)), BURST / 10);
    fullGc();
  }
  const f = await run(crashes, BURST);
  const burst = sorted(f.burst);
  const late = sorted(f.burst.subarray(Math.max(0, f.burst.length - LATE)));
  emit({
    p50Us: quantile(f.single, 0.5),
    p99Us: quantile(f.single, 0.99),
    burstP50Us: quantile(burst, 0.5),
    burstP99Us: quantile(burst, 0.99),
    burstLateP50Us: quantile(late, 0.5),
    allAtOnceMs: f.allAtOnceMs,
  });
});
