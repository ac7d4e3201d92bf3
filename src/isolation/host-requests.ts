import type { ActorProcess } from '../actor/index.js';
import type { Stream, SystemEvent } from '../broker/index.js';
import type { RefCodec } from '../codec/index.js';
import { encode } from '../codec/index.js';
import { NoProcError } from '../errors.js';
import { unrecordedCode } from '../os/index.js';
import type { Pid } from '../process/index.js';
import { formatPid } from '../process/index.js';
import type { AuditSink } from '../security/index.js';
import type { LateReplies } from './ask-table.js';
import { AuditRelay, attributed } from './audit-relay.js';
import { MAX_HOST_ASKS, MAX_HOST_AUDITS, type ToMain } from './protocol.js';
import type { Transport } from './transport.js';

/**
 * What a host's bodies ask of the main system, each frame already checked:
 * sends and asks to main pids (only to pids the host was given, as if from
 * the body, so `ctx.sender` is right), and audit records, written to the
 * main log and acknowledged before the body may go on. Asks and audit
 * records waiting on main are bounded; a host past a bound broke the
 * protocol.
 *
 * @module
 */

/**
 * What a link needs of the main system. Its `deadLetter` (the late answers'
 * one, {@link LateReplies}) is also where frames a body may not send end
 * (`not-granted`, `noproc`).
 */
export interface MainSide extends Pick<LateReplies, 'deadLetter'> {
  lookup(pid: Pid): ActorProcess | undefined;
  current: ActorProcess | null;
  /** Where bodies' audit records end up. */
  readonly audit: AuditSink | undefined;
  /** Where a sandboxed host's captured output goes (`host-output`). */
  readonly events: Stream<SystemEvent>;
  readonly clock: { now(): number };
}

/** What a decode found: a ref to a pid the host was never given. */
export const NOT_GRANTED: unique symbol = Symbol('not granted');

/**
 * What the requests need of their host's link.
 *
 * @example
 * ```ts
 * new HostRequests({ main, transport, codec: link, standIns, placed, ended, violated, mayAddress, decodeChecked });
 * ```
 */
export interface RequestLink {
  readonly main: MainSide;
  readonly transport: Transport;
  /** Encodes answers for the host (granting the refs in them). */
  readonly codec: RefCodec;
  /** The stand-ins of the bodies the host runs, by pid. */
  readonly standIns: ReadonlyMap<number, ActorProcess>;
  /** Every stand-in placed on the host, with its label for the audit log. */
  readonly placed: ReadonlyMap<number, string>;
  /** Whether the host has ended. */
  ended(): boolean;
  /** The host broke the protocol: it is ended. */
  violated(problem: string): void;
  /** Whether a body of the host may address `pid`. */
  mayAddress(pid: number): boolean;
  /** Decodes a value the host sent; {@link NOT_GRANTED} when it names a pid it was not given. */
  decodeChecked(value: unknown): unknown;
}

/**
 * The sends, asks and audit records of one host's bodies, as the main
 * system carries them out (see the module's comment).
 *
 * @example
 * ```ts
 * if (frame.op === 'ask') requests.answer(frame);
 * ```
 */
export class HostRequests {
  readonly #link: RequestLink;
  /** Where the bodies' audit records go: the main log, rebuilt and renumbered. */
  readonly #auditRelay: AuditRelay;
  /** The host's asks main is answering (bounded: `MAX_HOST_ASKS`). */
  #asksWaiting = 0;
  /** The host's audit records main has not acknowledged yet (bounded: `MAX_HOST_AUDITS`). */
  #auditsWaiting = 0;

  constructor(link: RequestLink) {
    this.#link = link;
    this.#auditRelay = new AuditRelay(() => link.main.audit);
  }

  /** The sender a frame claims, if it is a body of this host (a host cannot speak for others). */
  #senderOf(from: number | undefined): Pid | undefined {
    return from !== undefined && this.#link.standIns.has(from) ? (from as Pid) : undefined;
  }

  /** A body's send to a main pid: delivered as if from the body, or a dead letter. */
  send(frame: Extract<ToMain, { op: 'send' }>): void {
    const sender = this.#senderOf(frame.from);
    if (!this.#link.mayAddress(frame.to)) {
      this.#link.main.deadLetter(frame.message, frame.to as Pid, sender, 'not-granted');
      return;
    }
    const message = frame.marked ? this.#link.decodeChecked(frame.message) : frame.message;
    if (message === NOT_GRANTED) {
      this.#link.main.deadLetter(frame.message, frame.to as Pid, sender, 'not-granted');
      return;
    }
    const target = this.#link.main.lookup(frame.to as Pid);
    if (target === undefined) {
      this.#link.main.deadLetter(message, frame.to as Pid, sender, 'noproc');
      return;
    }
    this.#asIf(frame.from, () => {
      try {
        target.deliver(message, undefined);
      } catch {
        // A full mailbox that rejects has dead-lettered it; a send is fire-and-forget.
      }
    });
  }

  /** A body's ask of a main pid: asked as if from the body; the answer (or failure) posted back. */
  answer(frame: Extract<ToMain, { op: 'ask' }>): void {
    if (this.#asksWaiting >= MAX_HOST_ASKS) {
      // The host refuses more itself (HostLimitError): one that sends them wrote its own frames.
      this.#link.violated(`more than ${MAX_HOST_ASKS} asks waiting on main at once`);
      return;
    }
    this.#asksWaiting++;
    let answered = false;
    const post = (ok: boolean, value: unknown): void => {
      if (answered) return;
      answered = true;
      this.#asksWaiting--;
      if (this.#link.ended()) return;
      const marks = { found: false };
      let encoded: unknown;
      try {
        encoded = encode(value, this.#link.codec, marks);
      } catch (error) {
        // An answer that cannot cross fails the ask instead of throwing in the runtime.
        this.#link.transport.post({
          op: 'answer',
          id: frame.id,
          ok: false,
          value: encode(error, this.#link.codec),
          marked: true,
        });
        return;
      }
      this.#link.transport.post({
        op: 'answer',
        id: frame.id,
        ok,
        value: encoded,
        marked: marks.found,
      });
    };
    const sender = this.#senderOf(frame.from);
    const request = frame.marked ? this.#link.decodeChecked(frame.request) : frame.request;
    const target = this.#link.main.lookup(frame.to as Pid);
    if (!this.#link.mayAddress(frame.to) || request === NOT_GRANTED) {
      // Answered like a pid that does not exist: the host learns nothing of what it was not given.
      this.#link.main.deadLetter(frame.request, frame.to as Pid, sender, 'not-granted');
      post(false, new NoProcError(formatPid(frame.to as Pid)));
      return;
    }
    if (target === undefined) {
      post(false, new NoProcError(formatPid(frame.to as Pid)));
      return;
    }
    this.#asIf(frame.from, () => {
      target.askMessage(request, { timeout: frame.timeout }).then(
        (value: unknown) => post(true, value),
        (error: unknown) => post(false, error),
      );
    });
  }

  /**
   * An attempt a body made under its policy: rebuilt from checked fields,
   * written to the main log, and acknowledged — the host does nothing it
   * asked for until then, and a record that could not be written denies it.
   */
  audit(frame: Extract<ToMain, { op: 'audit' }>): void {
    if (this.#auditsWaiting >= MAX_HOST_AUDITS) {
      // The host refuses more itself (the attempt is denied): a flood is its own frames.
      this.#link.violated(`more than ${MAX_HOST_AUDITS} audit records awaiting acknowledgement`);
      return;
    }
    const who = attributed(this.#link.placed, frame.pid);
    const { written, problem } = this.#auditRelay.write(frame.seq, frame.record, who);
    if (problem !== undefined) {
      written.catch(() => undefined);
      this.#link.violated(`a malformed audit record (${problem})`);
      return;
    }
    this.#auditsWaiting++;
    const ack = (ok: boolean, reason: string): void => {
      this.#auditsWaiting--;
      if (!this.#link.ended()) {
        this.#link.transport.post({ op: 'audited', seq: frame.seq, ok, reason });
      }
    };
    // The host learns the error's code only (ENOSPC), never the log's path.
    written.then(
      () => ack(true, 'written'),
      (error: unknown) => ack(false, unrecordedCode(error)),
    );
  }

  /** Runs `send` as if the body with main pid `from` were the running process (for `ctx.sender`). */
  #asIf(from: number | undefined, send: () => void): void {
    const main = this.#link.main;
    const previous = main.current;
    main.current = from === undefined ? null : (this.#link.standIns.get(from) ?? null);
    try {
      send();
    } finally {
      main.current = previous;
    }
  }
}
