/**
 * Helpers shared by every benchmark program (the child processes that
 * run.ts starts): which implementation to run, timing, GC, and the one
 * machine-readable line each program prints.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

/** The Node implementations a benchmark program can run. */
export type Impl = 'airssys' | 'baseline';

/** The line prefix run.ts looks for; everything else a child prints is ignored. */
export const RESULT_PREFIX = 'RESULT ';

/** Metric values of one run of one program, keyed by metric id. */
export type Metrics = Record<string, number>;

/** Command-line options every benchmark program accepts. */
export interface ChildOptions {
  readonly impl: Impl;
  /** Problem size override (messages, hops, actors...); the program's default otherwise. */
  readonly n: number | undefined;
  /** Skip the in-process warm-up (for quick checks). */
  readonly noWarmup: boolean;
}

/** Parses `--impl airssys|baseline [--n N] [--no-warmup]`. */
export function childOptions(): ChildOptions {
  const { values } = parseArgs({
    options: {
      impl: { type: 'string', default: 'airssys' },
      n: { type: 'string' },
      'no-warmup': { type: 'boolean', default: false },
    },
  });
  const impl = values.impl;
  if (impl !== 'airssys' && impl !== 'baseline') {
    throw new Error(`--impl must be airssys or baseline, got ${String(impl)}`);
  }
  const n = values.n === undefined ? undefined : Number(values.n);
  if (n !== undefined && !(Number.isInteger(n) && n > 0)) {
    throw new Error(`--n must be a positive integer, got ${String(values.n)}`);
  }
  return { impl, n, noWarmup: values['no-warmup'] === true };
}

/** Prints the result line, the only output run.ts reads. */
export function emit(metrics: Metrics): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(metrics)}\n`);
}

/** Milliseconds, monotonic, sub-microsecond resolution. */
export function now(): number {
  return performance.now();
}

/** A full, synchronous major GC; the programs run with --expose-gc. */
export function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  // Twice: the first pass may leave objects with finalizers or weak cells for the second.
  gc();
  gc();
}

/** Resolves with `promise`'s value, or with `fallback` if it has not settled after `ms`. */
export function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise<T>((resolve) => {
    const timer = setTimeout(() => resolve(fallback), ms);
    const settle = (value: T): void => {
      clearTimeout(timer);
      resolve(value);
    };
    promise.then(settle, () => settle(fallback));
  });
}

/**
 * Runs `workload(size)` once at 10% of `n` to warm up the JIT (unless
 * disabled), then once at `n`, and returns the measured run's result.
 */
export async function warmThenRun<T>(
  options: ChildOptions,
  n: number,
  workload: (size: number) => Promise<T>,
): Promise<T> {
  if (!options.noWarmup) {
    await workload(Math.max(1, Math.floor(n / 10)));
    fullGc();
  }
  return workload(n);
}

/**
 * The median of `values` (the mean of the middle two for an even count).
 *
 * @example
 * median([3, 1, 2, 10]); // 2.5
 */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The q-quantile (0..1) of an ascending sorted array, nearest rank. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/**
 * Runs a program's main function, reporting failures with a non-zero exit
 * code. If the event loop empties first, some promise the program awaits
 * can never settle (a runtime that loses track of work): fail loudly
 * instead of exiting 0 without a result.
 */
export function runMain(main: () => Promise<void>): void {
  process.once('beforeExit', () => {
    console.error('the event loop emptied before the benchmark finished: a promise never settled');
    process.exit(2);
  });
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exit(1);
    },
  );
}
