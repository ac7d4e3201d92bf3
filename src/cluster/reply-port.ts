import type { Reply } from '../actor/index.js';
import type { WireReply } from './wire-value.js';

/**
 * The reply port of an ask made on another node, as a handler here sees
 * it: `send` and `fail` go straight back to the asking node (whichever
 * node the port was passed on to), once; a later answer is a dead letter
 * `late-reply`, and an answer by a process that has exited answers nothing
 * (`sender-exited`, as through a local port, semantics §4). Passed on in a
 * message, it travels as itself.
 *
 * @module
 */

/** How a remote reply port answers. */
export interface PortSide {
  answer(to: WireReply, ok: boolean, value: unknown): void;
  late(value: unknown): void;
  now(): number;
  /**
   * True when the process answering now has exited: its answer `value`
   * is then a dead letter `sender-exited` with `correlationId` (§4).
   */
  refusedAnswer(value: unknown, correlationId: number): boolean;
}

/** Set once by {@link RemoteReplyPort}'s static block: answers a port without the sender check. */
let answerByRuntime: (port: RemoteReplyPort, ok: boolean, value: unknown) => void;

/** A reply port whose asker is on another node. */
export class RemoteReplyPort implements Reply<unknown> {
  readonly wire: WireReply;
  readonly #side: PortSide;
  readonly expiresAt: number;
  #settled = false;

  constructor(side: PortSide, wire: WireReply) {
    this.#side = side;
    this.wire = wire;
    this.expiresAt =
      wire.expiresAt === null ? Number.POSITIVE_INFINITY : side.now() + wire.expiresAt;
  }

  get correlationId(): number {
    return this.wire.id;
  }

  get pending(): boolean {
    return !this.#settled && this.remaining() > 0;
  }

  remaining(): number {
    return Math.max(0, this.expiresAt - this.#side.now());
  }

  // A handler's answer is a send: one whose process has exited answers
  // nothing (semantics §4), as through a local port — refused first.

  send(value: unknown): void {
    if (this.#side.refusedAnswer(value, this.wire.id)) return;
    this.#settle(true, value);
  }

  fail(error: unknown): void {
    if (this.#side.refusedAnswer(error, this.wire.id)) return;
    this.#settle(false, error);
  }

  #settle(ok: boolean, value: unknown): void {
    if (this.#settled) {
      this.#side.late(value);
      return;
    }
    this.#settled = true;
    this.#side.answer(this.wire, ok, value);
  }

  static {
    answerByRuntime = (port, ok, value) => port.#settle(ok, value);
  }
}

/**
 * Answers `port` as the runtime does, not as the process running now: an
 * ask this node made of an address for the asker, relayed (see
 * `answerPort` for a local port).
 *
 * @example
 * ```ts
 * answerRemotePort(port, false, new NoProcError(what, `nothing is behind ${what}`));
 * ```
 */
export function answerRemotePort(port: RemoteReplyPort, ok: boolean, value: unknown): void {
  answerByRuntime(port, ok, value);
}
