import type { ExitReason } from '../process/index.js';
import type { AskRecord } from './ask-record.js';
import { exitedSenderNow, refuseExitedSend } from './async-senders.js';
import type { Runtime } from './runtime.js';

declare const REPLY_TYPE: unique symbol;

/**
 * A reply port: the typed "return address" an `ask` puts in its request
 * (Akka Typed's `replyTo`, ractor's `RpcReplyPort`). The handler answers
 * with `send` or `fail`, once; a later answer, or one after the ask timed
 * out, goes to dead letters as `late-reply`; an answer by a process that
 * has exited answers nothing and is `sender-exited` (semantics §4).
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

/** Set once by {@link PendingAsk}'s static block: the one way to detach a port from its record. */
let detach: (port: PendingAsk, expiresAt: number) => void;
/** Set once by {@link PendingAsk}'s static block: answers a port without the sender check. */
let answerByRuntime: (port: PendingAsk, ok: boolean, value: unknown) => void;

/**
 * A reply port (`msg.reply`): a small object made for each ask, answered
 * once. While its ask is outstanding it leads to the ask's pooled
 * {@link AskRecord}; when the ask ends, however it ends, the record
 * detaches it, and from then on every answer through it is a `late-reply`
 * dead letter with its own correlation id — so a port a handler kept can
 * never settle another ask, whatever its old record serves next.
 *
 * @example
 * ```ts
 * handle(msg, ctx) {
 *   msg.reply.send(ctx.state); // msg.reply is a PendingAsk
 *   msg.reply.send(0); // a late-reply dead letter
 * }
 * ```
 */
export class PendingAsk implements Reply<unknown> {
  readonly correlationId: number;
  readonly #runtime: Runtime;
  /** The record of its ask while it is outstanding; private, so a port never leads to its target. */
  #ask: AskRecord | null;
  /** Its ask's `expiresAt`, kept when the ask ended. */
  #expiresAt = 0;

  constructor(runtime: Runtime, ask: AskRecord, correlationId: number) {
    this.#runtime = runtime;
    this.#ask = ask;
    this.correlationId = correlationId;
  }

  get pending(): boolean {
    return this.#ask !== null;
  }

  get expiresAt(): number {
    const ask = this.#ask;
    return ask === null ? this.#expiresAt : ask.expiresAt;
  }

  remaining(): number {
    return Math.max(0, this.expiresAt - this.#runtime.clock.now());
  }

  // A handler's answer is a send: one whose process has exited answers
  // nothing (semantics §4) — refused first, before the ask's state is read.

  send(value: unknown): void {
    if (this.#refused(value)) return;
    this.#answer(true, value);
  }

  fail(error: unknown): void {
    if (this.#refused(error)) return;
    this.#answer(false, error);
  }

  /** True (and `value` a dead letter `sender-exited`) when the process answering has exited. */
  #refused(value: unknown): boolean {
    const runtime = this.#runtime;
    const zombie = exitedSenderNow(runtime);
    if (zombie === null) return false;
    refuseExitedSend(runtime, value, undefined, zombie.pid, undefined, this.correlationId);
    return true;
  }

  /** Settles the ask with `value` (`ok`) or rejects it with it, or makes it a `late-reply`. */
  #answer(ok: boolean, value: unknown): void {
    const ask = this.#ask;
    if (ask === null || !(ok ? ask.resolveWith(value) : ask.rejectWith(value))) this.#late(value);
  }

  /** Its ask's target exited (or is unreachable) before answering; nothing when the ask has ended. */
  abandon(reason: ExitReason): void {
    this.#ask?.abandon(reason);
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

  static {
    detach = (port, expiresAt) => {
      port.#ask = null;
      port.#expiresAt = expiresAt;
    };
    answerByRuntime = (port, ok, value) => port.#answer(ok, value);
  }
}

/**
 * Answers `port` as the runtime does (`ok` false: fails it), not as the
 * process running now: an ask that could not be queued, a handler's
 * crash, a placed body's answer relayed from its host. These run in
 * whatever async context set them up — perhaps a step of a process that
 * has exited since — and are no zombie's answer (semantics §4 refuses
 * only those, through `send` and `fail`).
 *
 * @example
 * ```ts
 * answerPort(port, false, error); // askProcess, when the request could not be queued
 * ```
 */
export function answerPort(port: PendingAsk, ok: boolean, value: unknown): void {
  answerByRuntime(port, ok, value);
}

/**
 * Detaches `port` from its ask's record, which is ending: the port answers
 * `late-reply` from now on and reports `expiresAt`. Called by the record
 * only; the package does not export it, so user code cannot end an ask.
 *
 * @example
 * ```ts
 * detachPort(record.port, record.expiresAt); // in AskRecord's end
 * ```
 */
export function detachPort(port: PendingAsk, expiresAt: number): void {
  detach(port, expiresAt);
}
