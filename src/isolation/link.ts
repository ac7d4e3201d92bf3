import type { ActorProcess, StartOutcome } from '../actor/index.js';
import { finish, PendingAsk, processOf } from '../actor/index.js';
import type { RefCodec } from '../codec/index.js';
import { decode, encode } from '../codec/index.js';
import { NoProcError, RuntimeError } from '../errors.js';
import type { ExitReason, Pid } from '../process/index.js';
import { exitReason, formatPid } from '../process/index.js';
import type { AuditSink } from '../security/index.js';
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
  /** Where bodies' audit records end up. */
  readonly audit: AuditSink | undefined;
}

/** A host ended (crash, out of memory, kill): the reason every body it ran exits with. */
export class HostExitedError extends RuntimeError {
  readonly how: HostEnd['how'];
  readonly exitCode: number | null;

  constructor(end: HostEnd) {
    super('ERR_HOST_EXITED', `the host ${describeEnd(end)}`);
    this.how = end.how;
    this.exitCode = end.code;
  }
}

function describeEnd(end: HostEnd): string {
  if (end.how === 'killed') return 'was terminated';
  if (end.how === 'crashed') return `crashed: ${end.error?.message ?? 'unknown error'}`;
  return end.signal === null ? `exited with code ${end.code}` : `was killed by ${end.signal}`;
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
  /** Host audit seq → main audit seq, for attempts whose outcome is still to come. */
  readonly #auditSeqs = new Map<number, number>();
  /** Every stand-in placed here that has not ended. */
  readonly #placed = new Set<number>();
  /** The size of the ask table at which settled asks are swept out. */
  #asksAtSweep = 64;
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

  /** How many stand-ins are placed on this host (started or not yet). */
  get load(): number {
    return this.#placed.size;
  }

  /**
   * Takes `standIn` on, right after it is spawned: however it ends — even
   * killed before its init ran — its body ends and the host learns it.
   */
  adopt(standIn: ActorProcess): void {
    this.#placed.add(standIn.pid);
    standIn.hold({ release: () => this.release(standIn) });
  }

  get ended(): boolean {
    return this.#ended !== undefined;
  }

  // ---- RefCodec (main side) ------------------------------------------------

  refPid(value: object): number | undefined {
    return processOf(value) !== undefined || value instanceof GoneRef
      ? (value as { pid: number }).pid
      : undefined;
  }

  refOf(pid: number): unknown {
    return this.#main.lookup(pid as Pid)?.ref ?? new GoneRef(pid as Pid);
  }

  replyId(value: object): number | undefined {
    if (!(value instanceof PendingAsk)) return undefined;
    this.#remember(value);
    return value.correlationId;
  }

  /**
   * Keeps an ask until its answer comes back. Asks that settle otherwise
   * (timed out, or their port was dropped in the host) are swept out once
   * the table has doubled since the last sweep, so it never grows unbounded.
   */
  #remember(ask: PendingAsk): void {
    this.#asks.set(ask.correlationId, ask);
    if (this.#asks.size < this.#asksAtSweep) return;
    for (const [id, pending] of this.#asks) if (!pending.pending) this.#asks.delete(id);
    this.#asksAtSweep = Math.max(64, this.#asks.size * 2);
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
    const marks = { found: false, subject: 'args' };
    const encoded = encode(args, this, marks);
    this.#standIns.set(standIn.pid, standIn);
    this.transport.ref(true);
    return new Promise((resolve) => {
      this.#starting.set(standIn.pid, resolve);
      this.transport.post({
        op: 'spawn',
        pid: standIn.pid,
        parent: standIn.parent,
        security: standIn.security.policies,
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
    if (reply !== undefined) this.#remember(reply);
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
    if (this.load === 0) this.#onIdle(this);
  }

  /** The stand-in is gone: the body goes too. */
  release(standIn: ActorProcess): void {
    if (!this.#placed.delete(standIn.pid)) return;
    this.#starting.delete(standIn.pid);
    // A body still running (or still starting: the host cancels it) is killed.
    if (this.#standIns.delete(standIn.pid) && this.#ended === undefined) {
      this.transport.post({ op: 'kill', pid: standIn.pid });
    }
    if (this.#placed.size === 0) this.#onIdle(this);
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
        return;
      }
      case 'audit': {
        // The host numbers its records; an outcome's `of` is translated to the main log's seq.
        const audit = this.#main.audit;
        if (audit === undefined) return;
        const of = frame.record.of === undefined ? undefined : this.#auditSeqs.get(frame.record.of);
        if (frame.record.of !== undefined) this.#auditSeqs.delete(frame.record.of);
        const seq = audit.record(of === undefined ? frame.record : { ...frame.record, of });
        if (frame.record.decision === 'allow') this.#auditSeqs.set(frame.seq, seq);
        return;
      }
      case 'trap':
        this.#standIns.get(frame.pid)?.trapExit(frame.on);
        return;
      case 'send':
        this.#asIf(frame.from, () => {
          const target = this.#main.lookup(frame.to as Pid);
          const message = frame.marked ? decode(frame.message, this) : frame.message;
          if (target !== undefined) target.deliver(message, undefined);
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
      target.askMessage(request, { timeout: frame.timeout }).then(
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
    // The processes still here did not ask to stop: whatever the code, it is a crash for them.
    const reason = exitReason.error(new HostExitedError(end));
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
