/**
 * `runDemo`: the self-healing pipeline, start to summary.
 *
 * ```text
 * pipeline (one-for-one)
 * ├── ledger               accepts jobs, owns each one until it is stored
 * ├── enrichment-service   the dependency; down from 30% to 55% of the run (15 s at most)
 * ├── parse  (one-for-one) parse-0 … parse-3
 * ├── enrich (one-for-one) enrich-0 … enrich-3, calling the service through a breaker
 * └── store  (one-for-one) store-0, store-1, writing to an idempotent record store
 * ```
 *
 * @module
 */
import {
  type ActorRef,
  type ActorSystem,
  type ChildSpec,
  type CircuitBreaker,
  createSystem,
  isCleanExit,
  supervisor,
} from '../../index.js';
import { type Observer, startObserver } from '../../observer/index.js';
import { hostDelay } from '../../scheduler/index.js';
import type { ManualClock } from '../../testing/index.js';
import { type LedgerArgs, type LedgerMsg, type LedgerStats, ledger } from './ledger.js';
import {
  type DemoOptions,
  type DemoProgress,
  type DemoSummary,
  type ResolvedDemoOptions,
  resolveDemoOptions,
} from './options.js';
import {
  enricher,
  enrichmentService,
  type Faults,
  type Outage,
  parser,
  RecordStore,
  storer,
} from './stages.js';

/** Progress is sampled, and the outage checked, this often (clock time). */
const SAMPLE_MS = 250;
/** A drain that takes longer than this (clock time) is given up. */
const MAX_DRAIN_MS = 60_000;

/** A one-for-one supervisor of `size` workers named `${name}-${i}`. */
function stage(
  name: string,
  actor: ChildSpec['actor'],
  size: number,
  args: unknown,
  intensity: number,
) {
  const children: ChildSpec[] = Array.from({ length: size }, (_, i) => ({
    id: `${name}-${i}`,
    actor,
    options: { name: `${name}-${i}`, args },
  }));
  const spec: ChildSpec = {
    id: name,
    actor: supervisor({ strategy: 'one-for-one', intensity, period: 1_000, children, label: name }),
  };
  return { names: children.map((c) => c.id), spec };
}

/** The tree of the module comment, with the ledger's worker names. */
function pipeline(
  o: ResolvedDemoOptions,
  outage: Outage,
  breaker: CircuitBreaker,
  db: RecordStore,
) {
  const faults: Faults = { seed: o.seed, crashRate: o.crashRate };
  // Room for ten times the expected crashes per second, so a stage gives up only on a real storm.
  const intensity = Math.max(50, Math.ceil(((10 * o.rate * o.crashRate) / (1 - o.crashRate)) * 2));
  const parse = stage('parse', parser, 4, faults, intensity);
  const enrich = stage('enrich', enricher, 4, { ...faults, breaker }, intensity);
  const store = stage('store', storer, 2, { ...faults, db }, intensity);
  const args: LedgerArgs = {
    seed: o.seed,
    rate: o.rate,
    clock: outage.clock,
    stages: [parse.names, enrich.names, store.names],
    askTimeout: 1_000,
  };
  return supervisor({
    strategy: 'one-for-one',
    intensity: 5,
    period: 5_000,
    label: 'pipeline',
    children: [
      { id: 'ledger', actor: ledger, options: { name: 'ledger', args } },
      {
        id: 'enrichment-service',
        actor: enrichmentService,
        options: { name: 'enrichment-service', args: outage },
      },
      parse.spec,
      enrich.spec,
      store.spec,
    ],
  });
}

/** The observer on `port`; by default on its own default port, or any free one if that is taken. */
async function observe(system: ActorSystem, port: number | undefined): Promise<Observer> {
  if (port !== undefined) return startObserver(system, { port });
  try {
    return await startObserver(system, {});
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EADDRINUSE') throw error;
    return startObserver(system, { port: 0 });
  }
}

/**
 * When the enrichment service is down, in ms from the start of the intake:
 * from 30% of the run for 25% of it, at most 15 s.
 */
function outageWindow(durationMs: number): { fromMs: number; untilMs: number } {
  const fromMs = durationMs * 0.3;
  return { fromMs, untilMs: fromMs + Math.min(durationMs * 0.25, 15_000) };
}

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** Waits `ms` of clock time: real time, or virtual time advanced step by step. */
function sleeper(system: ActorSystem, clock: ManualClock | undefined, signal?: AbortSignal) {
  if (clock !== undefined) {
    return async (ms: number): Promise<void> => {
      for (let left = ms; left > 0 && signal?.aborted !== true; left -= 5) {
        clock.advance(Math.min(5, left));
        await system.idle();
        await new Promise((resolve) => setImmediate(resolve));
        await system.idle();
      }
    };
  }
  return (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, hostDelay(ms));
      signal?.addEventListener('abort', done, { once: true });
    });
}

/**
 * Runs the self-healing demo: accepts jobs at `rate` per second for
 * `durationMs` (or until `signal` aborts) while workers crash at random and
 * the enrichment service goes down from 30% to 55% of the run, then stops
 * the intake, waits until every accepted job is stored, shuts the system
 * down and resolves with the summary. Throws `InvalidArgumentError` for a
 * bad option; rejects if the observer cannot listen on `port`.
 *
 * @example
 * ```ts
 * import { ManualClock } from 'airssys-rt/testing';
 * const summary = await runDemo({ durationMs: 2_000, crashRate: 0.1, seed: 1, observer: false, clock: new ManualClock() });
 * summary.jobsLost; // 0
 * ```
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const o = resolveDemoOptions(options);
  const report = options.reporter ?? {};
  const system = createSystem({ name: 'demo', ...(options.clock ? { clock: options.clock } : {}) });
  const clock = system.clock;
  // Every time is measured from the moment the intake opens.
  let t0 = clock.now();
  const elapsed = (): number => clock.now() - t0;
  const note = (text: string): void => report.note?.(text, elapsed());
  const tally = new Tally(system, note);
  const breaker = system.circuitBreaker('enrichment', {
    failureThreshold: 5,
    resetTimeout: Math.min(1_000, Math.max(100, o.durationMs / 20)),
  });
  const window = outageWindow(o.durationMs);
  const outage: Outage = { clock, downFrom: Infinity, downUntil: Infinity };
  const db = new RecordStore();
  const timers: unknown[] = [];
  let observer: Observer | undefined;
  try {
    await system.start(pipeline(o, outage, breaker, db), { name: 'pipeline' });
    if (o.observer) {
      observer = await observe(system, o.port);
      report.observer?.(observer.url);
    }
    const ref = system.whereis<LedgerMsg>('ledger') as ActorRef<LedgerMsg>;
    const sample = async (phase: DemoProgress['phase']): Promise<LedgerStats> => {
      const stats = await ref.ask({ type: 'stats' });
      const now = clock.now();
      report.progress?.({
        phase,
        elapsedMs: elapsed(),
        durationMs: o.durationMs,
        jobsIn: stats.accepted,
        jobsDone: stats.done,
        inFlight: stats.pending,
        waiting: stats.waiting,
        crashes: tally.crashes,
        restarts: system.stats().restarts,
        breaker: breaker.state,
        serviceUp: now < outage.downFrom || now >= outage.downUntil,
      });
      return stats;
    };

    t0 = clock.now();
    outage.downFrom = t0 + window.fromMs;
    outage.downUntil = t0 + window.untilMs;
    timers.push(
      clock.setTimer(() => note('enrichment service is down'), window.fromMs),
      clock.setTimer(() => note('enrichment service is back'), window.untilMs),
    );
    ref.tell({ type: 'open' });
    await sample('running'); // the intake is open before the clock moves
    const sleep = sleeper(system, options.clock, options.signal);
    while (elapsed() < o.durationMs && options.signal?.aborted !== true) {
      await sleep(Math.min(SAMPLE_MS, o.durationMs - elapsed()));
      await sample('running');
    }
    const interrupted = elapsed() < o.durationMs;
    ref.tell({ type: 'close' });
    let stats = await sample('draining');
    if (stats.pending > 0)
      note(`intake closed; draining ${plural(stats.pending, 'job')} in flight`);
    if (stats.waiting > 0 && clock.now() < outage.downUntil) {
      const back = ((outage.downUntil - clock.now()) / 1_000).toFixed(1);
      note(`${plural(stats.waiting, 'job')} wait for the enrichment service, back in ${back} s`);
    }
    const drainSleep = sleeper(system, options.clock);
    const drainUntil = clock.now() + MAX_DRAIN_MS;
    while (stats.pending > 0 && clock.now() < drainUntil) {
      await drainSleep(stats.waiting > 0 ? SAMPLE_MS / 5 : 5);
      stats = await sample('draining');
    }
    return summarize(o, system, stats, {
      elapsedMs: elapsed(),
      interrupted,
      tally,
      rejectedFast: breaker.stats().rejections,
      db,
      observerUrl: observer?.url,
    });
  } finally {
    for (const timer of timers) clock.clearTimer(timer);
    await observer?.close();
    await system.shutdown();
  }
}

/** Counts what the system reports: crashes, breaker openings, dead letters by reason. */
class Tally {
  crashes = 0;
  breakerOpens = 0;
  readonly deadLetters: Record<string, number> = {};

  constructor(system: ActorSystem, note: (text: string) => void) {
    system.events.subscribe(
      (e) => {
        if (e.type === 'child-exited' && !isCleanExit(e.reason)) this.crashes++;
        else if (e.type === 'dead-letter') {
          const reason = e.letter.reason;
          this.deadLetters[reason] = (this.deadLetters[reason] ?? 0) + 1;
        } else if (e.type === 'circuit-state' && e.to === 'open') {
          this.breakerOpens++;
          if (e.from === 'closed') note('breaker open: enrichment calls now fail fast');
        } else if (e.type === 'circuit-state' && e.to === 'closed') {
          note('breaker closed: enrichment calls go through again');
        }
      },
      ['child-exited', 'circuit-state', 'dead-letter'],
    );
  }
}

interface RunFacts {
  readonly elapsedMs: number;
  readonly interrupted: boolean;
  readonly tally: Tally;
  readonly rejectedFast: number;
  readonly db: RecordStore;
  readonly observerUrl: string | undefined;
}

function summarize(
  o: ResolvedDemoOptions,
  system: ActorSystem,
  stats: LedgerStats,
  facts: RunFacts,
): DemoSummary {
  return {
    seed: o.seed,
    crashRate: o.crashRate,
    rate: o.rate,
    elapsedMs: facts.elapsedMs,
    interrupted: facts.interrupted,
    jobsIn: stats.accepted,
    jobsDone: stats.done,
    jobsLost: stats.accepted - stats.done,
    crashes: facts.tally.crashes,
    restarts: system.stats().restarts,
    retriesAfterCrash: stats.retriesAfterCrash,
    retriesAfterOutage: stats.retriesAfterOutage,
    breakerOpens: facts.tally.breakerOpens,
    rejectedFast: facts.rejectedFast,
    stored: facts.db.size,
    duplicateWrites: facts.db.duplicates,
    deadLetters: system.stats().deadLetters,
    deadLetterReasons: { ...facts.tally.deadLetters },
    outage: outageWindow(o.durationMs),
    observerUrl: facts.observerUrl,
  };
}
