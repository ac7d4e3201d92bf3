import type { ActorProcess, StartOutcome } from '../actor/index.js';
import { finish, PendingAsk, ActorProcess as Process } from '../actor/index.js';
import type { RefCodec } from '../codec/index.js';
import { decode, encode } from '../codec/index.js';
import { NoProcError, RuntimeError } from '../errors.js';
import type { ExitReason, Pid } from '../process/index.js';
import { exitReason, formatPid } from '../process/index.js';
import type { ModuleRef, ToMain, WireReason } from './protocol.js';
import type { HostEnd, Transport } from './transport.js';

/**
 * The main system's side of one host: the stand-ins of the bodies it
 * runs, the asks waiting for their answers, and the translation of frames
 * into local sends, replies and exits.
 *
 * @module
 */

/** What a link needs of the main system. */
export interface MainSide {
  lookup(pid: Pid): ActorProcess | undefined;
  current: ActorProcess | null;
}

/** A host ended (crash, out of memory, kill): the reason every body it ran exits with. */
export class HostExitedError extends RuntimeError {
  readonly how: HostEnd['how'];
  readonly exitCode: number | null;

  constructor(end: HostEnd) {
    super(
      'ERR_HOST_EXITED',
      `the host ${end.how === 'killed' ? 'was terminated' : end.how === 'crashed' ? `crashed: ${end.error?.message ?? 'unknown error'}` : `exited with code ${end.code}${end.signal === null ? '' : ` (${end.signal})`}`}`,
    );
    this.how = end.how;
    this.exitCode = end.code;
  }
}

/** An address of a pid that is gone: sends are dead letters, asks reject. */
class GoneRef {
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

/** One host as the main system sees it. */
export class HostLink implements RefCodec {
  readonly transport: Transport;
  readonly #main: MainSide;
  /** Stand-ins of the bodies this host runs, by pid. */
  readonly #standIns = new Map<number, ActorProcess>();
  /** Starts waiting for `started` or `exited`. */
  readonly #starting = new Map<number, (outcome: StartOutcome) => void>();
  /** Main's asks whose answers come from this host, by correlation id. */
  readonly #asks = new Map<number, PendingAsk>();
  #ended: HostEnd | undefined;
  #reserved = 0;
  readonly #onIdle: (link: HostLink) => void;

  constructor(main: MainSide, transport: Transport, onIdle: (link: HostLink) => void) {
    this.#main = main;
    this.transport = transport;
    this.#onIdle = onIdle;
    transport.onFrames((frames) => {
      for (const frame of frames) this.#receive(frame);
    });
    transport.onEnd((end) => this.#hostEnded(end));
  }

  /** How many bodies this host runs or is about to (placed, not started yet). */
  get load(): number {
    return this.#standIns.size + this.#reserved;
  }

  /** Counts a placement whose stand-in has not started its body yet. */
  reserve(): void {
    this.#reserved++;
  }

  get ended(): boolean {
    return this.#ended !== undefined;
  }

  // ---- RefCodec (main side) ------------------------------------------------

  refPid(value: object): number | undefined {
    return value instanceof Process || value instanceof GoneRef ? value.pid : undefined;
  }

  refOf(pid: number): unknown {
    return this.#main.lookup(pid as Pid)?.ref ?? new GoneRef(pid as Pid);
  }

  replyId(value: object): number | undefined {
    if (!(value instanceof PendingAsk)) return undefined;
    this.#asks.set(value.correlationId, value);
    return value.correlationId;
  }

  replyOf(id: number): unknown {
    return this.#asks.get(id);
  }

  // ---- what stand-ins do ---------------------------------------------------

  /** Starts `module`'s actor as the body of `standIn`; resolves once its init has run. */
  start(standIn: ActorProcess, module: ModuleRef, args: unknown): Promise<StartOutcome> {
    if (this.#ended !== undefined) {
      return Promise.resolve({
        kind: 'failed',
        reason: exitReason.error(new HostExitedError(this.#ended)),
      });
    }
    if (this.#reserved > 0) this.#reserved--;
    const marks = { found: false };
    const encoded = encode(args, this, marks);
    this.#standIns.set(standIn.pid, standIn);
    this.transport.ref(true);
    return new Promise((resolve) => {
      this.#starting.set(standIn.pid, resolve);
      this.transport.post({
        op: 'spawn',
        pid: standIn.pid,
        parent: standIn.parent,
        module,
        args: encoded,
        marked: marks.found,
        options: {},
      });
    });
  }

  /** Passes a message the stand-in received on to its body. */
  forward(
    standIn: ActorProcess,
    message: unknown,
    sender: Pid | undefined,
    encoded: boolean,
  ): void {
    let body = message;
    let reply: PendingAsk | undefined;
    if (typeof message === 'object' && message !== null && 'reply' in message) {
      const port = (message as { reply?: unknown }).reply;
      if (port instanceof PendingAsk) {
        reply = port;
        const { reply: _drop, ...rest } = message as Record<string, unknown>;
        body = rest;
      }
    }
    const marks = { found: encoded };
    if (!encoded) body = encode(body, this, marks);
    if (reply !== undefined) this.#asks.set(reply.correlationId, reply);
    this.transport.post({
      op: 'send',
      to: standIn.pid,
      from: sender,
      message: body,
      marked: true,
      reply: reply?.correlationId,
      replyExpiresAt: reply?.expiresAt,
    });
  }

  /** Asks the body to stop gracefully (its `terminate` runs). */
  stop(standIn: ActorProcess, reason: ExitReason): void {
    this.transport.post({
      op: 'stop',
      pid: standIn.pid,
      reason: encode(reason, this) as WireReason,
    });
  }

  /** A placement that never got its stand-in (the spawn failed): a dedicated host ends. */
  abandon(): void {
    if (this.#reserved > 0) this.#reserved--;
    if (this.load === 0) this.#onIdle(this);
  }

  /** The stand-in is gone: the body goes too. */
  release(standIn: ActorProcess): void {
    if (!this.#standIns.delete(standIn.pid)) return;
    if (this.#ended === undefined) this.transport.post({ op: 'kill', pid: standIn.pid });
    if (this.#standIns.size === 0) this.#onIdle(this);
  }

  // ---- frames from the host ------------------------------------------------

  #receive(frame: ToMain): void {
    switch (frame.op) {
      case 'ready':
        return;
      case 'started':
        this.#starting.get(frame.pid)?.({ kind: 'started' });
        this.#starting.delete(frame.pid);
        return;
      case 'exited': {
        const reason = decode(frame.reason, this) as ExitReason;
        const resolveStart = this.#starting.get(frame.pid);
        this.#starting.delete(frame.pid);
        const standIn = this.#standIns.get(frame.pid);
        this.#standIns.delete(frame.pid);
        // The body ended by itself: its stand-in ends with the same reason (links, monitors, supervisor).
        if (standIn !== undefined) finish(standIn, reason);
        resolveStart?.(reason.kind === 'normal' ? { kind: 'ignored' } : { kind: 'failed', reason });
        if (this.#standIns.size === 0) this.#onIdle(this);
        return;
      }
      case 'trap':
        this.#standIns.get(frame.pid)?.trapExit(frame.on);
        return;
      case 'send':
        this.#asIf(frame.from, () => {
          const target = this.#main.lookup(frame.to as Pid);
          const message = frame.marked ? decode(frame.message, this) : frame.message;
          if (target !== undefined) target.tell(message);
          else (this.refOf(frame.to) as GoneRef).tell();
        });
        return;
      case 'ask':
        this.#answer(frame);
        return;
      case 'reply': {
        const ask = this.#asks.get(frame.id);
        this.#asks.delete(frame.id);
        const value = frame.marked ? decode(frame.value, this) : frame.value;
        if (ask === undefined) return;
        if (frame.ok) ask.send(value);
        else ask.fail(value);
        return;
      }
    }
  }

  #answer(frame: Extract<ToMain, { op: 'ask' }>): void {
    const target = this.#main.lookup(frame.to as Pid);
    const post = (ok: boolean, value: unknown): void => {
      const marks = { found: false };
      const encoded = encode(value, this, marks);
      this.transport.post({ op: 'answer', id: frame.id, ok, value: encoded, marked: marks.found });
    };
    if (target === undefined) {
      post(false, new NoProcError(formatPid(frame.to as Pid)));
      return;
    }
    const request = frame.marked ? decode(frame.request, this) : frame.request;
    this.#asIf(frame.from, () => {
      target.ask(request, { timeout: frame.timeout }).then(
        (value: unknown) => post(true, value),
        (error: unknown) => post(false, error),
      );
    });
  }

  /** Runs `send` as if the body with main pid `from` were the running process (for `ctx.sender`). */
  #asIf(from: number | undefined, send: () => void): void {
    const main = this.#main;
    const previous = main.current;
    main.current = from === undefined ? null : (this.#standIns.get(from) ?? null);
    try {
      send();
    } finally {
      main.current = previous;
    }
  }

  #hostEnded(end: HostEnd): void {
    this.#ended = end;
    const reason =
      end.how === 'exit' && end.code === 0
        ? exitReason.shutdown('host exited')
        : exitReason.error(new HostExitedError(end));
    const standIns = [...this.#standIns.values()];
    this.#standIns.clear();
    for (const [, resolve] of this.#starting) resolve({ kind: 'failed', reason });
    this.#starting.clear();
    for (const s of standIns) finish(s, reason);
    for (const ask of this.#asks.values()) ask.abandon(reason);
    this.#asks.clear();
    this.#onIdle(this);
  }
}
