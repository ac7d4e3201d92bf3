/**
 * The shape of the benchmark table (bench/catalog.ts) and the few
 * constructors its rows are written with, so that each row says only its
 * key, label, unit, direction and goal.
 */

/** How a metric's value is printed. */
export type Unit = 'rate' | 'bytes' | 'MiB' | 'ms' | 'us' | 'count' | 'ratio' | 'pct';

/** A target for the airssys figure; `max` goals are upper bounds, `min` lower bounds. */
export interface Goal {
  readonly kind: 'min' | 'max';
  readonly value: number;
  /** Where the goal comes from, when not perf-anchors.md §4. */
  readonly note?: string;
}

export interface MetricSpec {
  /** Key in the program's RESULT line. */
  readonly key: string;
  /** What the table shows in its metric column. */
  readonly label: string;
  readonly unit: Unit;
  /** Whether a higher value is better (rates) or a lower one (time, latency, memory). */
  readonly higherIsBetter: boolean;
  readonly goal?: Goal;
}

export interface BenchSpec {
  /** Name for --only, and the table's first column. */
  readonly name: string;
  readonly title: string;
  /** Compiled program under build/bench/. */
  readonly script: string;
  /** Problem size passed as --n (and as the Erlang program's argument). */
  readonly n: number;
  /** The Erlang module with a main/1, or why there is none. */
  readonly erlang: { readonly module: string } | { readonly skip: string };
  readonly metrics: readonly MetricSpec[];
  /** Per child process, in seconds. */
  readonly timeoutSec: number;
  /** Node options the airssys and baseline programs start with (a deployment's flags). */
  readonly nodeFlags?: readonly string[];
}

/** A goal with its note only when there is one (a spec without a note has no `note` key). */
const goal = (kind: Goal['kind'], value: number, note?: string): Goal =>
  note === undefined ? { kind, value } : { kind, value, note };

/**
 * A lower bound for the airssys figure.
 *
 * @example
 * atLeast(1.8, 'issue: ≥ 1.8× on 2 cores'); // { kind: 'min', value: 1.8, note: '…' }
 */
export const atLeast = (value: number, note?: string): Goal => goal('min', value, note);

/**
 * An upper bound for the airssys figure.
 *
 * @example
 * atMost(10); // { kind: 'max', value: 10 }
 */
export const atMost = (value: number, note?: string): Goal => goal('max', value, note);

/** A metric row; it carries a `goal` key only when a goal is given. */
const metric = (
  key: string,
  label: string,
  unit: Unit,
  higherIsBetter: boolean,
  target: Goal | undefined,
): MetricSpec =>
  target === undefined
    ? { key, label, unit, higherIsBetter }
    : { key, label, unit, higherIsBetter, goal: target };

/**
 * A metric where a higher value is better (rates, speed-up ratios).
 *
 * @example
 * higher('msgsPerSec', 'msgs/s ↑', 'rate', atLeast(10e6));
 */
export const higher = (key: string, label: string, unit: Unit, target?: Goal): MetricSpec =>
  metric(key, label, unit, true, target);

/**
 * A metric where a lower value is better (time, latency, memory, leftovers).
 *
 * @example
 * lower('p99Us', 'p99 ↓', 'us', atMost(3));
 */
export const lower = (key: string, label: string, unit: Unit, target?: Goal): MetricSpec =>
  metric(key, label, unit, false, target);
