import { CallTimeoutError, NoConnectionError, NoProcError, ProcessExitedError } from '../errors.js';
import type { ExitReason } from '../process/index.js';
import { formatExitReason, formatPid } from '../process/index.js';
import { TimerEntry } from '../scheduler/index.js';
import type { AskTarget, Runtime } from './runtime.js';

declare const REPLY_TYPE: unique symbol;

/**
 * A reply port: the typed "return address" an `ask` puts in its request
 * (Akka Typed's `replyTo`, ractor's `RpcReplyPort`). The handler answers
 * with `send` or `fail`, once; a later answer, or one after the ask timed
 * out, goes to dead letters as `late-reply`.
 *
 * @example
 * ```ts
 * type Msg = { type: 'get'; reply: Reply<number> };
 * handle(msg, ctx) { msg.reply.send(ctx.state); }
 * ```
 */
export interface Reply<R> {
  /** Phantom member that makes `Reply<R>` invariant in `R`; never present at run time. */
  readonly [REPLY_TYPE]?: (value: R) => R;
  /** Correlation id of the ask, unique within the system. */
  readonly correlationId: number;
  /** True until the ask is answered, fails, times out or its target exits. */
  readonly pending: boolean;
  /**
   * Clock time after which the asker stops waiting (`Infinity` when it
   * waits forever): the request's deadline. Pass it on as
   * `{ deadline: msg.reply.expiresAt }` to asks made while handling this
   * request, so the whole chain shares one budget.
   */
  readonly expiresAt: number;
  /** Ms left until `expiresAt` (never negative). */
  remaining(): number;
  /** Resolves the caller's promise with `value`. */
  send(value: R): void;
  /** Rejects the caller's promise with `error`. */
  fail(error: unknown): void;
}

/**
 * The members of a message union that can be asked: those with a
 * `reply: Reply<R>` field, without that field (the runtime adds it).
 *
 * @example
 * ```ts
 * type Msg = { type: 'inc' } | { type: 'get'; reply: Reply<number> };
 * type R = RequestOf<Msg>; // { type: 'get' }
 * ```
 */
export type RequestOf<M> = M extends { readonly reply: Reply<infer _R> } ? Omit<M, 'reply'> : never;

/**
 * The reply type of the request `Q` sent to a ref of `M`.
 *
 * @example
 * ```ts
 * type N = ReplyOf<Msg, { type: 'get' }>; // number
 * ```
 */
export type ReplyOf<M, Q> =
  // Per member: Q must fit the member's request, not the member fit Q, or a
  // literal in Q (`{ flag: true }` for `flag: boolean`) would match nothing.
  M extends { readonly reply: Reply<infer R> } ? (Q extends Omit<M, 'reply'> ? R : never) : never;

/**
 * One outstanding ask: the reply port the handler sees, the timer of its
 * timeout, and a link in its target's list of pending asks (so the target's
 * exit can fail it at once, as an OTP call fails when the server dies).
 */
export class PendingAsk extends TimerEntry implements Reply<unknown> {
  readonly correlationId: number;
  /** The process that asked; undefined for an ask from outside any process. */
  readonly caller: number | undefined;
  readonly #runtime: Runtime;
  #resolve: (value: unknown) => void = noSettle;
  #reject: (error: unknown) => void = noSettle;
  readonly #timeout: number;
  /** Private: a reply port travels in messages and must not lead to its target. */
  #target: AskTarget | null;
  prev: PendingAsk | null = null;
  next: PendingAsk | null = null;
  #settled = false;

  /**
   * The ask whose promise is being made, read by the one shared executor:
   * a promise then costs no executor closure and no context of its own
   * (about 150 B per ask). Set and cleared around `new Promise` only.
   */
  static #making: PendingAsk | null = null;
  static readonly #executor = (
    resolve: (value: unknown) => void,
    reject: (error: unknown) => void,
  ): void => {
    const ask = PendingAsk.#making as PendingAsk;
    ask.#resolve = resolve;
    ask.#reject = reject;
  };

  constructor(runtime: Runtime, target: AskTarget, timeout: number) {
    super();
    this.#runtime = runtime;
    this.correlationId = runtime.nextMessageId();
    this.caller = runtime.current?.pid;
    this.#target = target;
    this.#timeout = timeout;
  }

  /** The caller's promise: settled by the answer, the timeout or a failure. Made once. */
  promise(): Promise<never> {
    PendingAsk.#making = this;
    const promise = new Promise<unknown>(PendingAsk.#executor) as Promise<never>;
    PendingAsk.#making = null;
    return promise;
  }

  get pending(): boolean {
    return !this.#settled;
  }

  /** The timer's deadline, set when the ask's timeout was scheduled: no extra clock read. */
  get expiresAt(): number {
    return this.#timeout === Number.POSITIVE_INFINITY ? this.#timeout : this.deadline;
  }

  remaining(): number {
    return Math.max(0, this.expiresAt - this.#runtime.clock.now());
  }

  send(value: unknown): void {
    if (this.#settle()) this.#resolve(value);
    else this.#late(value);
  }

  fail(error: unknown): void {
    if (this.#settle()) this.#reject(error);
    else this.#late(error);
  }

  /** The ask timed out. */
  fire(): void {
    const target = this.#target;
    if (!this.#settle()) return;
    this.#reject(
      new CallTimeoutError(target === null ? '?' : formatPid(target.pid), this.#timeout),
    );
  }

  /** The target exited (or never existed) before answering. */
  abandon(reason: ExitReason): void {
    const target = this.#target;
    if (!this.#settle()) return;
    const name = target === null ? '?' : formatPid(target.pid);
    this.#reject(
      reason.kind === 'noproc'
        ? new NoProcError(name)
        : reason.kind === 'noconnection'
          ? new NoConnectionError(name, reason.node)
          : new ProcessExitedError(name, reason, formatExitReason(reason)),
    );
  }

  #settle(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.#runtime.timers.cancel(this);
    this.#target?.forgetAsk(this);
    this.#target = null;
    return true;
  }

  #late(value: unknown): void {
    const current = this.#runtime.current;
    this.#runtime.deadLetter(
      value,
      undefined,
      current?.pid,
      'late-reply',
      undefined,
      this.correlationId,
    );
  }
}

/** The settle functions of a pending ask before its promise is made. */
function noSettle(): void {}
