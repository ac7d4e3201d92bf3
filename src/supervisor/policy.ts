import type { ExitReason } from '../process/index.js';
import { isCleanExit } from '../process/index.js';
import type { AutoShutdown, BackoffOptions, RestartType, Strategy } from './spec.js';

/**
 * The supervisor's decisions as pure functions over plain data: whether an
 * exit restarts a child, which siblings a restart takes along, the restart
 * intensity window, backoff delays and auto-shutdown. The supervisor actor
 * only carries them out.
 *
 * @module
 */

/**
 * What a child's own exit means for its spec (OTP `do_restart/3`, semantics §13 R10.5):
 * `restart` it, `keep` the spec without a process, or `delete` the spec.
 *
 * @example
 * ```ts
 * restartDecision('transient', exitReason.normal); // 'keep'
 * ```
 */
export function restartDecision(
  restart: RestartType,
  reason: ExitReason,
): 'restart' | 'keep' | 'delete' {
  if (restart === 'temporary') return 'delete';
  if (restart === 'transient' && isCleanExit(reason)) return 'keep';
  return 'restart';
}

/**
 * Which children (by start index) a restart of child `index` of `count`
 * stops, in the order to stop them (reverse start order), and which it
 * starts again, in start order (semantics §13, OTP R10.7). The caller skips children that
 * are not running, and temporary ones are not started again.
 *
 * @example
 * ```ts
 * planRestart('rest-for-one', 1, 4); // { stop: [3, 2], start: [1, 2, 3] }
 * ```
 */
export function planRestart(
  strategy: Strategy,
  index: number,
  count: number,
): { stop: number[]; start: number[] } {
  const stop: number[] = [];
  const start: number[] = [];
  const from = strategy === 'one-for-all' ? 0 : index;
  const to = strategy === 'one-for-one' ? index + 1 : count;
  for (let i = to - 1; i >= from; i--) if (i !== index) stop.push(i);
  for (let i = from; i < to; i++) start.push(i);
  return { stop, start };
}

/**
 * Restart intensity (OTP `add_restart/3`, semantics §13 R10.8): at most `intensity`
 * restarts within any `period` ms. The window keeps only the times that can
 * still matter, at most `intensity + 1` of them, so each check costs O(1)
 * amortized however long the supervisor runs or however often it restarts.
 * A time `t` stays in the window while `t >= now - period` (inclusive, as OTP).
 */
export class RestartWindow {
  readonly intensity: number;
  readonly period: number;
  #times: number[] = [];
  #head = 0;

  constructor(intensity: number, period: number) {
    this.intensity = intensity;
    this.period = period;
  }

  /** Records a restart at `now`; returns false when it exceeds the intensity (give up). */
  record(now: number): boolean {
    const times = this.#times;
    const oldest = now - this.period;
    while (this.#head < times.length && (times[this.#head] as number) < oldest) this.#head++;
    times.push(now);
    if (this.#head > 32 && this.#head * 2 > times.length) {
      this.#times = times.slice(this.#head);
      this.#head = 0;
    }
    return this.count <= this.intensity;
  }

  /** Restarts recorded within the window as of the last `record`. */
  get count(): number {
    return this.#times.length - this.#head;
  }

  /**
   * Restart times held in memory, expired ones not yet compacted away
   * included: at most about twice the window plus a small constant, however
   * long the supervisor runs. For memory estimates (and the test of that bound).
   */
  get retained(): number {
    return this.#times.length;
  }
}

/**
 * The delay before the `attempt`-th consecutive restart (1-based) under
 * `backoff`, with jitter drawn from `random` (0..1).
 *
 * @example
 * ```ts
 * backoffDelay({ minMs: 100, maxMs: 1_000, factor: 2, jitter: 0 }, 3, Math.random); // 400
 * ```
 */
export function backoffDelay(
  backoff: Required<Pick<BackoffOptions, 'minMs' | 'maxMs' | 'factor' | 'jitter'>>,
  attempt: number,
  random: () => number,
): number {
  const base = Math.min(backoff.maxMs, backoff.minMs * backoff.factor ** Math.max(0, attempt - 1));
  const spread = base * backoff.jitter * (2 * random() - 1);
  return Math.max(0, Math.min(backoff.maxMs, base + spread));
}

/**
 * Whether a significant child's exit that caused no restart shuts the
 * supervisor down (semantics §13, OTP R10.16): always with `any-significant`; with
 * `all-significant` only when no other significant child is still active.
 *
 * @example
 * ```ts
 * shouldAutoShutdown('all-significant', 1); // false: one is still running
 * ```
 */
export function shouldAutoShutdown(mode: AutoShutdown, otherActiveSignificant: number): boolean {
  if (mode === 'any-significant') return true;
  if (mode === 'all-significant') return otherActiveSignificant === 0;
  return false;
}
