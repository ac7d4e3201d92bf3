import type { Clock } from './clock.js';
import { type Runnable, RunQueue } from './run-queue.js';
import { PACE_FAST, PACE_UNKNOWN, paceAfterTurn, turnLimit } from './turn-policy.js';

/**
 * Scheduler tuning. Defaults suit most systems.
 *
 * @example
 * ```ts
 * createSystem({ scheduler: { budget: 10_000, longHandlerMs: 20 } });
 * ```
 */
export interface SchedulerOptions {
  /** Messages handled per round before yielding to the event loop. Default 16384. */
  readonly budget?: number;
  /** Messages one process may handle per turn before the next process runs. Default 64. */
  readonly batch?: number;
  /** Milliseconds after which a round yields even if budget remains. Default 10. */
  readonly sliceMs?: number;
  /** A turn longer than this emits a long-handler report. Default 50. */
  readonly longHandlerMs?: number;
}

/**
 * Statistics of one scheduler, for health and benchmarks.
 *
 * @example
 * ```ts
 * const { handled, longestRoundMs } = system.stats().scheduler;
 * ```
 */
export interface SchedulerStats {
  /** Rounds run so far. */
  readonly rounds: number;
  /** Messages handled so far. */
  readonly handled: number;
  /** Longest round, in ms. */
  readonly longestRoundMs: number;
  /** Processes in the run queue now. */
  readonly runnable: number;
  /** Async handlers and hooks in flight now. */
  readonly inFlight: number;
}

/**
 * Called when turns took at least `longHandlerMs`: `suspects` has one
 * process when the culprit is known, several when the clock was read once
 * for several turns.
 */
export type LongTurnReporter = (
  suspects: readonly Runnable[],
  elapsedMs: number,
  messages: number,
) => void;

/** Turns between clock reads. */
const SAMPLE = 16;
/** After an ambiguous long or slice-spending interval, turns timed one by one. */
const PRECISE_TURNS = 4096;

/**
 * Cooperative, fair scheduling: a run queue of ready processes, each turn
 * bounded by a batch, each round bounded by a budget and a time slice, then a
 * `setImmediate` so timers and I/O run. The first round after idleness starts
 * from a microtask, so an `ask` from outside is answered without waiting for
 * an event-loop turn; rounds chained that way (a client awaiting asks in a
 * loop) share one budget and time slice, after which the next round waits
 * for `setImmediate` too, so timers keep firing under any load.
 */
export class Scheduler {
  readonly budget: number;
  readonly batch: number;
  readonly sliceMs: number;
  readonly longHandlerMs: number;
  readonly #clock: Clock;
  readonly #runq = new RunQueue();
  readonly #onLongTurn: LongTurnReporter;
  #armed = false;
  #draining = false;
  #inFlight = 0;
  #rounds = 0;
  #handled = 0;
  #longestRound = 0;
  #idleWaiters: (() => void)[] = [];
  /**
   * Clock reading at the first round of the current run of rounds with no
   * event-loop turn between them (a client awaiting asks in a loop drives
   * rounds from microtasks only), or -1 when the event loop has turned since.
   */
  #chainStart = -1;
  /** Messages handled in the current chain of rounds. */
  #chainHandled = 0;
  /** The chain used up its budget: the next round waits for `setImmediate`. */
  #yieldNext = false;
  /** Processes of the turns since the last clock read. */
  readonly #suspects: (Runnable | undefined)[] = new Array(SAMPLE).fill(undefined);
  /** Turns left to time one by one (after an ambiguous long interval). */
  #precise = 0;
  /** A round woken from a microtask: it may be one of a chain that never lets the loop turn. */
  readonly #drainBound = (): void => this.#drain(true);
  /** A round woken by `setImmediate`: the event loop has turned, so a new chain begins. */
  readonly #drainAfterTurn = (): void => {
    this.#loopTurned();
    this.#drain(false);
  };
  /**
   * Settled once; a round woken from a microtask is a reaction to it. Not
   * `queueMicrotask`: Node's builds an `AsyncResource` and a bound function
   * on every call (about 250 B per round, sampling heap profiler on an ask
   * loop), a reaction to a settled promise allocates less and runs no
   * async-hooks bookkeeping.
   */
  readonly #settled = Promise.resolve();
  /** Runs once the event loop has turned: timers and I/O had their chance. */
  readonly #loopTurnedBound = (): void => this.#loopTurned();

  constructor(clock: Clock, options: SchedulerOptions, onLongTurn: LongTurnReporter) {
    this.#clock = clock;
    this.budget = options.budget ?? 16_384;
    this.batch = options.batch ?? 64;
    this.sliceMs = options.sliceMs ?? 10;
    this.longHandlerMs = options.longHandlerMs ?? 50;
    this.#onLongTurn = onLongTurn;
  }

  /** Puts `p` in the run queue unless it is already there. */
  schedule(p: Runnable): void {
    if (p.queued) return;
    p.queued = true;
    this.#runq.push(p);
    if (!this.#armed && !this.#draining) this.#arm();
  }

  /**
   * Wakes the next round. A method of its own so that `schedule`, inlined
   * into every send, stays small (V8's inlining budget, see `deliver`).
   */
  #arm(): void {
    this.#armed = true;
    if (this.#yieldNext) setImmediate(this.#drainAfterTurn);
    else void this.#settled.then(this.#drainBound);
  }

  /** Marks the start of async work (an async handler or hook) that `idle()` must wait for. */
  enterAsync(): void {
    this.#inFlight++;
  }

  /** Marks the end of async work started with {@link Scheduler.enterAsync}. */
  leaveAsync(): void {
    this.#inFlight--;
    this.#notifyIfIdle();
  }

  /** True when nothing is runnable and no async handler is in flight. */
  get isIdle(): boolean {
    return this.#runq.size === 0 && this.#inFlight === 0 && !this.#draining;
  }

  /** Resolves once the scheduler is idle. */
  idle(): Promise<void> {
    if (this.isIdle && !this.#armed) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  stats(): SchedulerStats {
    return {
      rounds: this.#rounds,
      handled: this.#handled,
      longestRoundMs: this.#longestRound,
      runnable: this.#runq.size,
      inFlight: this.#inFlight,
    };
  }

  #loopTurned(): void {
    this.#chainStart = -1;
    this.#yieldNext = false;
  }

  #drain(fromMicrotask: boolean): void {
    this.#armed = false;
    if (this.#draining) return;
    this.#draining = true;
    const clock = this.#clock;
    const runq = this.#runq;
    const batch = this.batch;
    const suspects = this.#suspects;
    const start = clock.now();
    if (fromMicrotask && this.#chainStart < 0) {
      // The first round woken from a microtask since the event loop turned:
      // note when, and learn from a macrotask when the loop turns again. A
      // busy scheduler's rounds come from setImmediate and are no chain.
      this.#chainStart = start;
      this.#chainHandled = 0;
      setImmediate(this.#loopTurnedBound);
    }
    let before = start;
    let budget = this.budget;
    let handled = 0;
    let turns = 0;
    let messages = 0;
    /** Messages of the last turn, whose process the next clock read times. */
    let lastTurn = 0;
    try {
      while (budget > 0) {
        const p = runq.shift();
        if (p === undefined) break;
        p.queued = false;
        const pace = p.pace;
        const n = p.run(turnLimit(pace, batch, budget), before);
        handled += n;
        messages += n;
        budget -= n > 0 ? n : 1;
        suspects[turns++] = p;
        lastTurn = n;
        // Reading the clock costs about as much as a message, so it is read
        // once per SAMPLE turns (or after a full batch), not after every
        // turn — but after every turn of a slow process, and after the
        // one-message turn of a process of unknown pace that has more to do.
        if (
          turns < SAMPLE &&
          n < batch &&
          this.#precise === 0 &&
          (pace === PACE_FAST || (pace === PACE_UNKNOWN && !p.queued))
        ) {
          continue;
        }
        const after = clock.now();
        p.pace = paceAfterTurn(after - before, n, this.sliceMs, batch, pace);
        this.#afterInterval(turns, after - before, messages);
        before = after;
        turns = 0;
        messages = 0;
        if (after - start >= this.sliceMs) break;
      }
      if (turns > 0) {
        const after = clock.now();
        const p = suspects[turns - 1] as Runnable;
        p.pace = paceAfterTurn(after - before, lastTurn, this.sliceMs, batch, p.pace);
        this.#afterInterval(turns, after - before, messages);
        before = after;
      }
    } finally {
      this.#draining = false;
      this.#rounds++;
      this.#handled += handled;
      const took = before - start;
      if (took > this.#longestRound) this.#longestRound = took;
      suspects.fill(undefined);
      // Rounds woken by microtasks (a client awaiting asks in a loop) never
      // let the event loop turn by themselves: once the chain has used a
      // round's budget or time slice, the next round waits for setImmediate.
      if (fromMicrotask) {
        this.#chainHandled += handled;
        if (this.#chainHandled >= this.budget || before - this.#chainStart >= this.sliceMs) {
          this.#yieldNext = true;
        }
      }
    }
    if (runq.size > 0) {
      this.#armed = true;
      setImmediate(this.#drainAfterTurn);
    } else {
      this.#notifyIfIdle();
    }
  }

  /**
   * Judges a clock interval of `turns` turns. Only the last turn's process
   * had its pace updated; when several turns together spent the slice, the
   * culprit may be another one that keeps its fast pace and would overrun
   * every round it shares with them, so the next turns are timed one by
   * one. That costs clock reads only after a slow interval, never on the
   * fast path.
   */
  #afterInterval(turns: number, elapsedMs: number, messages: number): void {
    if (elapsedMs >= this.longHandlerMs) this.#reportLong(turns, elapsedMs, messages);
    else if (turns > 1 && elapsedMs >= this.sliceMs) this.#precise = PRECISE_TURNS;
    else if (this.#precise > 0) this.#precise--;
  }

  /**
   * A clock interval of `turns` turns took too long. With one turn the
   * culprit is known; with several, all are reported as suspects and the
   * next turns are timed one by one, so a handler that is slow again is named.
   */
  #reportLong(turns: number, elapsedMs: number, messages: number): void {
    const suspects = this.#suspects.slice(0, turns) as Runnable[];
    if (turns > 1) this.#precise = PRECISE_TURNS;
    this.#onLongTurn(suspects, elapsedMs, messages);
  }

  #notifyIfIdle(): void {
    if (this.#idleWaiters.length === 0 || !this.isIdle || this.#armed) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
