import type { PendingAsk } from '../actor/index.js';
import type { DeadLetterReason } from '../broker/index.js';
import { NoProcError } from '../errors.js';
import type { ExitReason, Pid } from '../process/index.js';
import { formatPid } from '../process/index.js';

/**
 * The main side's bookkeeping of asks that cross to a host: main's asks
 * waiting for a body's answer (by correlation id, swept so the table stays
 * bounded), and the stand-in addresses and reply ports that name something
 * main no longer has — a gone pid, an ask that settled long ago.
 *
 * @module
 */

/** Where a late answer goes: the main system's dead letters. */
export interface LateReplies {
  readonly current: { readonly pid: Pid } | null;
  deadLetter(
    message: unknown,
    target: Pid | undefined,
    sender: Pid | undefined,
    reason: DeadLetterReason,
    address?: undefined,
    correlationId?: number,
  ): void;
}

/**
 * An address of a pid that is gone (or was never granted): sends are dead
 * letters, asks reject with `NoProcError`.
 *
 * @example
 * ```ts
 * const ref = new GoneRef(12 as Pid);
 * await ref.ask(); // rejects, ERR_NOPROC
 * ```
 */
export class GoneRef {
  readonly pid: Pid;
  constructor(pid: Pid) {
    this.pid = pid;
  }
  tell(): void {}
  offer(): Promise<void> {
    return Promise.reject(new NoProcError(formatPid(this.pid)));
  }
  ask(): Promise<never> {
    return Promise.reject(new NoProcError(formatPid(this.pid)));
  }
}

/**
 * The reply port of an ask main no longer tracks (it was answered, timed
 * out or failed, and swept from the ask table): it still crosses as a reply
 * port, and any answer to it is a `late-reply` dead letter.
 *
 * @example
 * ```ts
 * new GoneReply(main, 7).send('late'); // a late-reply dead letter, correlation id 7
 * ```
 */
export class GoneReply {
  readonly correlationId: number;
  readonly #main: LateReplies;
  constructor(main: LateReplies, correlationId: number) {
    this.#main = main;
    this.correlationId = correlationId;
  }
  get pending(): boolean {
    return false;
  }
  /** Its asker stopped waiting long ago. */
  get expiresAt(): number {
    return 0;
  }
  remaining(): number {
    return 0;
  }
  send(value: unknown): void {
    lateReply(this.#main, value, this.correlationId);
  }
  fail(error: unknown): void {
    lateReply(this.#main, error, this.correlationId);
  }
}

/**
 * An answer to an ask nobody waits for: a `late-reply` dead letter.
 *
 * @example
 * ```ts
 * lateReply(main, value, frame.id);
 * ```
 */
export function lateReply(main: LateReplies, value: unknown, correlationId: number): void {
  main.deadLetter(value, undefined, main.current?.pid, 'late-reply', undefined, correlationId);
}

/**
 * Main's asks whose answers come from one host, by correlation id. Asks
 * that settle otherwise (timed out, or their port was dropped in the host)
 * are swept out once the table has doubled since the last sweep, so it
 * never grows unbounded.
 *
 * @example
 * ```ts
 * table.remember(ask); // when its reply port crosses
 * table.take(frame.id)?.send(value); // when the body answers
 * ```
 */
export class AskTable {
  readonly #asks = new Map<number, PendingAsk>();
  /** The size at which settled asks are swept out. */
  #atSweep = 64;

  /** Keeps `ask` until its answer comes back. */
  remember(ask: PendingAsk): void {
    this.#asks.set(ask.correlationId, ask);
    if (this.#asks.size < this.#atSweep) return;
    for (const [id, pending] of this.#asks) if (!pending.pending) this.#asks.delete(id);
    this.#atSweep = Math.max(64, this.#asks.size * 2);
  }

  /** The ask `id`, kept. */
  get(id: number): PendingAsk | undefined {
    return this.#asks.get(id);
  }

  /** The ask `id`, no longer kept (its answer came). */
  take(id: number): PendingAsk | undefined {
    const ask = this.#asks.get(id);
    this.#asks.delete(id);
    return ask;
  }

  /** How many still wait for an answer. */
  get pending(): number {
    let n = 0;
    for (const ask of this.#asks.values()) if (ask.pending) n++;
    return n;
  }

  /** The host ended: every ask still kept fails with `reason`. */
  abandonAll(reason: ExitReason): void {
    for (const ask of this.#asks.values()) ask.abandon(reason);
    this.#asks.clear();
  }
}
