import { CallTimeoutError, NoConnectionError, NoProcError, ProcessExitedError } from '../errors.js';
import type { ExitReason } from '../process/index.js';
import { formatExitReason, formatPid } from '../process/index.js';
import { TimerEntry } from '../scheduler/index.js';
import { detachPort, PendingAsk } from './reply.js';
import type { AskTarget, Runtime } from './runtime.js';

/**
 * The bookkeeping of one outstanding ask, kept apart from its reply port
 * so that it can be reused: the timer of its timeout, its link in the
 * target's list of pending asks (so the target's exit fails it at once, as
 * an OTP call fails when the server dies) and the settle functions of the
 * caller's promise. The handler only ever holds the port (`msg.reply`, a
 * {@link PendingAsk}); the record reaches it, never the other way once the
 * ask has ended. So when the ask ends — answered, failed, timed out,
 * abandoned — the record detaches its port, leaves the timer queue and the
 * target's list, drops the settle functions and goes back to its
 * {@link AskRecordPool}: nothing can reach it any more, and a late answer
 * through the old port is a `late-reply` dead letter that can never settle
 * the ask the record serves next.
 *
 * @example
 * ```ts
 * const record = runtime.askRecords.acquire(target, timeout);
 * const promise = record.promise();
 * request.reply = record.port; // what the handler answers
 * ```
 */
export class AskRecord extends TimerEntry {
  readonly #pool: AskRecordPool;
  /** Correlation id of the ask this record serves now. */
  correlationId = 0;
  /** The process that asked; undefined for an ask from outside any process. */
  caller: number | undefined = undefined;
  /** The reply port of the ask it serves now; null while the record is pooled. */
  port: PendingAsk | null = null;
  /** Private to the runtime: a reply port must not lead to its target. */
  target: AskTarget | null = null;
  /** The ask's timeout in ms (`Infinity` when it waits forever). */
  timeout = 0;
  prev: AskRecord | null = null;
  next: AskRecord | null = null;
  #resolve: (value: unknown) => void = noSettle;
  #reject: (error: unknown) => void = noSettle;

  /**
   * The record whose promise is being made, read by the one shared executor:
   * a promise then costs no executor closure and no context of its own.
   * Set and cleared around `new Promise` only.
   */
  static #making: AskRecord | null = null;
  static readonly #executor = (
    resolve: (value: unknown) => void,
    reject: (error: unknown) => void,
  ): void => {
    const record = AskRecord.#making as AskRecord;
    record.#resolve = resolve;
    record.#reject = reject;
  };

  constructor(pool: AskRecordPool) {
    super();
    this.#pool = pool;
  }

  /** The caller's promise: settled by the answer, the timeout or a failure. Made once per ask. */
  promise(): Promise<never> {
    AskRecord.#making = this;
    const promise = new Promise<unknown>(AskRecord.#executor) as Promise<never>;
    AskRecord.#making = null;
    return promise;
  }

  /** Clock time after which the caller stops waiting (`Infinity` when it waits forever). */
  get expiresAt(): number {
    return this.timeout === Number.POSITIVE_INFINITY ? this.timeout : this.deadline;
  }

  /** Ms left until `expiresAt` (never negative). */
  remaining(): number {
    return Math.max(0, this.expiresAt - this.#pool.runtime.clock.now());
  }

  /** The answer: resolves the caller's promise. False when the ask had already ended. */
  resolveWith(value: unknown): boolean {
    const resolve = this.#resolve;
    if (!this.#end()) return false;
    resolve(value);
    return true;
  }

  /** A failure: rejects the caller's promise. False when the ask had already ended. */
  rejectWith(error: unknown): boolean {
    const reject = this.#reject;
    if (!this.#end()) return false;
    reject(error);
    return true;
  }

  /** The ask timed out. */
  fire(): void {
    const target = this.target;
    const timeout = this.timeout;
    this.rejectWith(new CallTimeoutError(target === null ? '?' : formatPid(target.pid), timeout));
  }

  /** The target exited (or never existed) before answering. */
  abandon(reason: ExitReason): void {
    if (this.port === null) return;
    const target = this.target;
    this.rejectWith(abandonError(target === null ? '?' : formatPid(target.pid), reason));
  }

  /**
   * Ends the ask it serves: detaches the port, leaves the timer queue and
   * the target's list, and goes back to the pool. False when there was no
   * ask to end (the record is pooled).
   */
  #end(): boolean {
    const port = this.port;
    if (port === null) return false;
    const pool = this.#pool;
    pool.runtime.timers.cancel(this);
    // The target withdraws a request still waiting for room by its port: detached after.
    this.target?.forgetAsk(this);
    this.target = null;
    this.port = null;
    detachPort(port, this.expiresAt);
    this.#resolve = noSettle;
    this.#reject = noSettle;
    pool.release(this);
    return true;
  }
}

/**
 * The error an abandoned ask rejects with: `NoProcError` for a target that
 * never existed, `NoConnectionError` for one on a node that is gone, else
 * `ProcessExitedError` carrying the exit reason (OTP R9.2).
 *
 * @example
 * ```ts
 * abandonError('<0.7.0>', exitReason.killed); // ProcessExitedError
 * ```
 */
export function abandonError(name: string, reason: ExitReason): Error {
  return reason.kind === 'noproc'
    ? new NoProcError(name)
    : reason.kind === 'noconnection'
      ? new NoConnectionError(name, reason.node)
      : new ProcessExitedError(name, reason, formatExitReason(reason));
}

/**
 * Most ended records a pool keeps for reuse; the rest are left to the collector.
 *
 * @example
 * ```ts
 * if (free.length < ASK_POOL_LIMIT) free.push(record);
 * ```
 */
export const ASK_POOL_LIMIT = 4096;

/**
 * A system's ended {@link AskRecord}s, reused by the next asks: an ask then
 * allocates its small reply port and its promise, not the record with its
 * timer fields. Only records that nothing reaches come back here (see
 * {@link AskRecord}); at most {@link ASK_POOL_LIMIT} are kept, so a burst
 * of asks does not pin its records for the system's life.
 *
 * @example
 * ```ts
 * const pool = new AskRecordPool(runtime);
 * const record = pool.acquire(target, 5_000);
 * ```
 */
export class AskRecordPool {
  readonly runtime: Runtime;
  readonly #free: AskRecord[] = [];

  constructor(runtime: Runtime) {
    this.runtime = runtime;
  }

  /** Ended records waiting for reuse. */
  get size(): number {
    return this.#free.length;
  }

  /** A record serving a new ask to `target` with its port attached; its timeout is not yet queued. */
  acquire(target: AskTarget, timeout: number): AskRecord {
    const runtime = this.runtime;
    const record = this.#free.pop() ?? new AskRecord(this);
    const correlationId = runtime.nextMessageId();
    record.correlationId = correlationId;
    record.caller = runtime.current?.pid;
    record.target = target;
    record.timeout = timeout;
    record.port = new PendingAsk(runtime, record, correlationId);
    return record;
  }

  /** Takes back a record whose ask has ended (called by the record itself). */
  release(record: AskRecord): void {
    if (this.#free.length < ASK_POOL_LIMIT) this.#free.push(record);
  }
}

/** The settle functions of a record with no promise made. */
function noSettle(): void {}
