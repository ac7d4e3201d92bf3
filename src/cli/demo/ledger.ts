/**
 * The ledger: the demo's error kernel. It accepts jobs at the configured
 * rate and owns each one until the store has acknowledged it, carrying it
 * from stage to stage with asks. Nothing it runs can fail, so it is never
 * restarted; every risky step happens in a worker that may crash.
 *
 * A job whose worker crashed (the ask rejects with `ProcessExitedError`),
 * was restarting (`NoProcError`) or did not answer (`CallTimeoutError`) is
 * dispatched again; a job the enrichment service could not serve
 * (`DependencyDown`) is retried after a jittered backoff. Attempts are
 * numbered, so a late answer to an old attempt is ignored, and the store is
 * idempotent, so a job written twice is stored once.
 *
 * @module
 */
import {
  type ActorContext,
  type Address,
  type Clock,
  defineActor,
  NoProcError,
  type Reply,
  type TimerRef,
} from '../../index.js';
import { makeReading, Prng } from './random.js';
import { DependencyDown, type Work } from './stages.js';

/**
 * What the ledger is started with.
 *
 * @example
 * ```ts
 * const args: LedgerArgs = { seed: 42, rate: 200, clock: system.clock, stages, askTimeout: 1_000 };
 * ```
 */
export interface LedgerArgs {
  readonly seed: number;
  /** Jobs accepted per second of clock time while open. */
  readonly rate: number;
  readonly clock: Clock;
  /** The registered names of the workers of each stage, in pipeline order. */
  readonly stages: readonly (readonly string[])[];
  /** How long one attempt may take before it is dispatched again, in ms. */
  readonly askTimeout: number;
}

/**
 * The ledger's counters.
 *
 * @example
 * ```ts
 * const { accepted, done, pending } = await ledger.ask({ type: 'stats' });
 * ```
 */
export interface LedgerStats {
  /** Whether it is accepting new jobs. */
  readonly open: boolean;
  /** Jobs accepted ("jobs in"). */
  readonly accepted: number;
  /** Jobs the store acknowledged ("jobs done"). */
  readonly done: number;
  /** Jobs owned now: accepted, not yet done. */
  readonly pending: number;
  /** Of those, jobs waiting out a backoff for the enrichment service. */
  readonly waiting: number;
  /** Dispatches again after a worker crashed, was restarting or timed out. */
  readonly retriesAfterCrash: number;
  /** Retries after the enrichment service could not be reached. */
  readonly retriesAfterOutage: number;
}

/**
 * The ledger's protocol: `open` and `close` start and stop the intake;
 * `stats` reads the counters; the rest it sends itself.
 *
 * @example
 * ```ts
 * ledger.tell({ type: 'open' });
 * ```
 */
export type LedgerMsg =
  | { readonly type: 'open' }
  | { readonly type: 'close' }
  | { readonly type: 'tick' }
  | {
      readonly type: 'result';
      readonly stage: number;
      readonly slot: number;
      readonly id: number;
      readonly attempt: number;
      readonly value: unknown;
    }
  | {
      readonly type: 'failure';
      readonly stage: number;
      readonly slot: number;
      readonly id: number;
      readonly attempt: number;
      readonly error: unknown;
    }
  | { readonly type: 'retry'; readonly id: number; readonly attempt: number }
  | { readonly type: 'stats'; readonly reply: Reply<LedgerStats> };

interface Job {
  readonly id: number;
  stage: number;
  attempt: number;
  value: unknown;
  outages: number;
  waiting: boolean;
}

/** One stage as the ledger sees it: its workers, the asks each has in flight, the jobs waiting for room. */
interface Stage {
  readonly workers: readonly Address<Work<unknown, unknown>>[];
  readonly busy: number[];
  readonly queue: Job[];
}

interface LedgerState {
  readonly args: LedgerArgs;
  readonly random: Prng;
  readonly jobs: Map<number, Job>;
  readonly stages: readonly Stage[];
  ticker: TimerRef | undefined;
  openedAt: number;
  accepted: number;
  done: number;
  waiting: number;
  retriesAfterCrash: number;
  retriesAfterOutage: number;
}

type Ctx = ActorContext<LedgerMsg, LedgerState>;

/**
 * Asks in flight per worker, at most. The rest of a stage's jobs wait in
 * the ledger, so a crash takes down at most this many requests with it,
 * and a burst (the backlog of an outage) does not pile up in mailboxes.
 */
const WINDOW = 4;

/** Queues the job's current stage as a new attempt, and sends what there is room for. */
function enqueue(ctx: Ctx, job: Job): void {
  job.attempt++;
  ctx.state.stages[job.stage]?.queue.push(job);
  pump(ctx, job.stage);
}

/** Sends queued jobs of a stage to its least busy workers while they have room. */
function pump(ctx: Ctx, index: number): void {
  const stage = ctx.state.stages[index];
  if (stage === undefined) return;
  while (stage.queue.length > 0) {
    let slot = 0;
    for (let i = 1; i < stage.busy.length; i++) {
      if ((stage.busy[i] ?? 0) < (stage.busy[slot] ?? 0)) slot = i;
    }
    const worker = stage.workers[slot];
    const job = stage.queue[0];
    if (worker === undefined || job === undefined || (stage.busy[slot] ?? 0) >= WINDOW) return;
    stage.queue.shift();
    stage.busy[slot] = (stage.busy[slot] ?? 0) + 1;
    send(ctx, worker, index, slot, job);
  }
}

function send(
  ctx: Ctx,
  worker: Stage['workers'][number],
  stage: number,
  slot: number,
  job: Job,
): void {
  const { id, attempt } = job;
  const self = ctx.self;
  worker
    .ask({ type: 'work', id, attempt, input: job.value }, { timeout: ctx.state.args.askTimeout })
    .then(
      (value) => self.tell({ type: 'result', stage, slot, id, attempt, value }),
      (error: unknown) => self.tell({ type: 'failure', stage, slot, id, attempt, error }),
    );
}

/** Accepts every job due by now at the configured rate, and starts each one. */
function intake(ctx: Ctx): void {
  const s = ctx.state;
  const due = Math.floor((s.args.rate * (s.args.clock.now() - s.openedAt)) / 1_000);
  while (s.accepted < due) {
    const job: Job = {
      id: ++s.accepted,
      stage: 0,
      attempt: 0,
      value: makeReading(s.random),
      outages: 0,
      waiting: false,
    };
    s.jobs.set(job.id, job);
    enqueue(ctx, job);
  }
}

/** The job an answer is for, unless the answer is for an attempt that is over. */
function current(s: LedgerState, id: number, attempt: number): Job | undefined {
  const job = s.jobs.get(id);
  return job !== undefined && job.attempt === attempt && !job.waiting ? job : undefined;
}

function onResult(ctx: Ctx, job: Job, value: unknown): void {
  const s = ctx.state;
  job.value = value;
  job.stage++;
  job.outages = 0;
  if (job.stage < s.stages.length) enqueue(ctx, job);
  else {
    s.jobs.delete(job.id);
    s.done++;
  }
}

function onFailure(ctx: Ctx, job: Job, error: unknown): void {
  const s = ctx.state;
  // By name too: a worker on another node fails with an error that arrives as a plain Error.
  if (error instanceof Error && error.name === 'DependencyDown') {
    // Back off exponentially (50 ms doubling to 1 s, ±25%), never sooner than the breaker says.
    s.retriesAfterOutage++;
    const backoff = s.random.jitter(Math.min(1_000, 50 * 2 ** job.outages++), 0.25);
    const retryAfterMs = error instanceof DependencyDown ? error.retryAfterMs : 0;
    wait(ctx, job, Math.max(backoff, retryAfterMs));
    return;
  }
  s.retriesAfterCrash++;
  // A worker being restarted is back within a few ms; a crash mid-job goes again at once.
  if (error instanceof NoProcError) wait(ctx, job, 5);
  else enqueue(ctx, job);
}

function wait(ctx: Ctx, job: Job, delayMs: number): void {
  job.waiting = true;
  ctx.state.waiting++;
  ctx.sendAfter(Math.ceil(delayMs), { type: 'retry', id: job.id, attempt: job.attempt });
}

function stats(s: LedgerState): LedgerStats {
  return {
    open: s.ticker !== undefined,
    accepted: s.accepted,
    done: s.done,
    pending: s.jobs.size,
    waiting: s.waiting,
    retriesAfterCrash: s.retriesAfterCrash,
    retriesAfterOutage: s.retriesAfterOutage,
  };
}

/**
 * The ledger actor. Start it under a supervisor before the workers it
 * names are needed (it resolves their names at each send), then tell it
 * `open`; tell it `close` to stop the intake, and poll `stats` until
 * `pending` is 0 to drain.
 *
 * @example
 * ```ts
 * { id: 'ledger', actor: ledger, options: { name: 'ledger', args } }
 * ```
 */
export const ledger = defineActor<LedgerMsg, LedgerState, LedgerArgs>({
  label: 'ledger',
  init: (ctx, args) => ({
    args,
    random: new Prng(args.seed),
    jobs: new Map(),
    stages: args.stages.map((names) => ({
      workers: names.map((name) => ctx.named<Work<unknown, unknown>>(name)),
      busy: names.map(() => 0),
      queue: [],
    })),
    ticker: undefined,
    openedAt: 0,
    accepted: 0,
    done: 0,
    waiting: 0,
    retriesAfterCrash: 0,
    retriesAfterOutage: 0,
  }),
  handle(msg, ctx) {
    const s = ctx.state;
    switch (msg.type) {
      case 'tick':
        return intake(ctx);
      case 'result':
      case 'failure': {
        const stage = s.stages[msg.stage];
        if (stage !== undefined) stage.busy[msg.slot] = (stage.busy[msg.slot] ?? 1) - 1;
        const job = current(s, msg.id, msg.attempt);
        if (job === undefined) return; // a late answer to an attempt already retried
        if (msg.type === 'result') onResult(ctx, job, msg.value);
        else onFailure(ctx, job, msg.error);
        pump(ctx, msg.stage);
        return;
      }
      case 'retry': {
        const job = s.jobs.get(msg.id);
        if (job === undefined || job.attempt !== msg.attempt || !job.waiting) return;
        job.waiting = false;
        s.waiting--;
        return enqueue(ctx, job);
      }
      case 'stats':
        return msg.reply.send(stats(s));
      case 'open':
        if (s.ticker !== undefined) return;
        s.openedAt = s.args.clock.now() - (s.accepted * 1_000) / s.args.rate;
        s.ticker = ctx.sendInterval(10, { type: 'tick' });
        return;
      case 'close':
        if (s.ticker === undefined) return;
        intake(ctx);
        ctx.cancelTimer(s.ticker);
        s.ticker = undefined;
        return;
    }
  },
});
