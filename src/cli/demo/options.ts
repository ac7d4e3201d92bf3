/**
 * The demo's options, progress reports and summary, and the validation of
 * the options.
 *
 * @module
 */
import { type CircuitState, InvalidArgumentError } from '../../index.js';
import type { ManualClock } from '../../testing/index.js';
import { randomSeed } from './random.js';

/**
 * How to run the demo. Everything is optional.
 *
 * @example
 * ```ts
 * const summary = await runDemo({ durationMs: 5_000, crashRate: 0.1, seed: 7, observer: false });
 * ```
 */
export interface DemoOptions {
  /** How long jobs are accepted, in ms; then the pipeline drains. Default 20 000. */
  readonly durationMs?: number;
  /** Probability that one attempt at one stage crashes its worker, in [0, 1). Default 0.05. */
  readonly crashRate?: number;
  /** Seed of every random choice; default a random one (reported in the summary). */
  readonly seed?: number;
  /** Jobs accepted per second. Default 200. */
  readonly rate?: number;
  /** Whether to start the observer. Default true. */
  readonly observer?: boolean;
  /**
   * The observer's port; 0 picks a free one. Default: the observer's own
   * default (9465), or a free port when that one is taken.
   */
  readonly port?: number;
  /**
   * Run in virtual time on this clock: the demo advances it itself, in
   * 5 ms steps, letting the actors settle after each, so a run is as fast
   * as the CPU allows and fully determined by the seed.
   */
  readonly clock?: ManualClock;
  /** Aborting it ends the intake early; the demo still drains and summarizes. */
  readonly signal?: AbortSignal;
  /** Where the demo tells what happens while it runs. Default: nowhere. */
  readonly reporter?: DemoReporter;
}

/**
 * Callbacks the demo calls as it runs; each is optional.
 *
 * @example
 * ```ts
 * const reporter: DemoReporter = { note: (text) => console.log(text) };
 * ```
 */
export interface DemoReporter {
  /** The observer is listening at `url`. */
  observer?(url: string): void;
  /** Something happened (the service went down, the breaker opened, draining began). */
  note?(text: string, elapsedMs: number): void;
  /** A progress sample, every 250 ms of clock time. */
  progress?(progress: DemoProgress): void;
}

/**
 * One progress sample.
 *
 * @example
 * ```ts
 * progress: (p) => console.log(`${p.jobsDone}/${p.jobsIn}, breaker ${p.breaker}`)
 * ```
 */
export interface DemoProgress {
  readonly phase: 'running' | 'draining';
  readonly elapsedMs: number;
  readonly durationMs: number;
  readonly jobsIn: number;
  readonly jobsDone: number;
  /** Jobs accepted and not yet stored. */
  readonly inFlight: number;
  /** Of those, jobs waiting to retry the enrichment service. */
  readonly waiting: number;
  readonly crashes: number;
  readonly restarts: number;
  readonly breaker: CircuitState;
  readonly serviceUp: boolean;
}

/**
 * What a run did. `jobsLost` is `jobsIn − jobsDone` after the drain: the
 * demo is built so that it is 0.
 *
 * @example
 * ```ts
 * const { jobsIn, jobsDone, jobsLost, restarts } = await runDemo({ durationMs: 2_000 });
 * ```
 */
export interface DemoSummary {
  readonly seed: number;
  readonly crashRate: number;
  readonly rate: number;
  /** Clock time from the start of the intake to the end of the drain, in ms. */
  readonly elapsedMs: number;
  /** Whether the intake was ended early by the abort signal. */
  readonly interrupted: boolean;
  readonly jobsIn: number;
  readonly jobsDone: number;
  readonly jobsLost: number;
  /** Worker processes that crashed (abnormal exits seen by a supervisor). */
  readonly crashes: number;
  /** Restarts by supervisors (`system.stats().restarts`). */
  readonly restarts: number;
  /** Dispatches again after a crash, a restarting worker or a timeout. */
  readonly retriesAfterCrash: number;
  /** Retries after the enrichment service could not be reached. */
  readonly retriesAfterOutage: number;
  /** Times the breaker opened, and calls it rejected without running them. */
  readonly breakerOpens: number;
  readonly rejectedFast: number;
  /** Records in the store, and writes of a job already stored (absorbed). */
  readonly stored: number;
  readonly duplicateWrites: number;
  /** Messages that were not handled, mostly requests queued to a worker that crashed. */
  readonly deadLetters: number;
  /** Dead letters by reason (`stopped`, `late-reply`, ...). */
  readonly deadLetterReasons: Readonly<Record<string, number>>;
  /** The enrichment service's outage, in ms from the start of the intake. */
  readonly outage: { readonly fromMs: number; readonly untilMs: number };
  /** The observer's URL, when it ran. */
  readonly observerUrl: string | undefined;
}

/**
 * Options with defaults applied.
 *
 * @example
 * ```ts
 * const { durationMs, seed } = resolveDemoOptions({});
 * ```
 */
export interface ResolvedDemoOptions {
  readonly durationMs: number;
  readonly crashRate: number;
  readonly seed: number;
  readonly rate: number;
  readonly observer: boolean;
  /** Undefined: the observer's default port, or any free one. */
  readonly port: number | undefined;
}

function check(option: string, value: number, ok: boolean, rule: string): number {
  if (typeof value !== 'number' || !ok) {
    throw new InvalidArgumentError(option, `must be ${rule}, got ${String(value)}`);
  }
  return value;
}

/**
 * Applies defaults and validates; throws `InvalidArgumentError` naming the
 * bad option.
 *
 * @example
 * ```ts
 * resolveDemoOptions({ crashRate: 1 }); // throws: crashRate must be a number in [0, 1)
 * ```
 */
export function resolveDemoOptions(options: DemoOptions): ResolvedDemoOptions {
  const { durationMs = 20_000, crashRate = 0.05, rate = 200, port } = options;
  const seed = options.seed ?? randomSeed();
  return {
    durationMs: check(
      'durationMs',
      durationMs,
      durationMs > 0 && durationMs <= 86_400_000,
      'a number of ms in (0, 1 day]',
    ),
    crashRate: check('crashRate', crashRate, crashRate >= 0 && crashRate < 1, 'a number in [0, 1)'),
    seed: check('seed', seed, Number.isSafeInteger(seed), 'an integer'),
    rate: check('rate', rate, rate > 0 && rate <= 100_000, 'a number of jobs/s in (0, 100000]'),
    observer: options.observer ?? true,
    port:
      port === undefined
        ? undefined
        : check('port', port, Number.isInteger(port) && port >= 0 && port <= 65_535, 'a port'),
  };
}
