import type { ActorProcess, StartOutcome } from '../actor/index.js';
import { answerPort, finish, PendingAsk, processOf } from '../actor/index.js';
import type { RefCodec } from '../codec/index.js';
import { decode, encode } from '../codec/index.js';
import { DeniedError, HostProtocolError } from '../errors.js';
import type { ExitReason, Pid } from '../process/index.js';
import { exitReason } from '../process/index.js';
import { rootsOf } from '../security/index.js';
import { AskTable, GoneRef, GoneReply, lateReply } from './ask-table.js';
import { batchProblem, isWireInt } from './frames.js';
import { Grants } from './grants.js';
import { HostExitedError } from './host-exit.js';
import { HostRequests, type MainSide, NOT_GRANTED } from './host-requests.js';
import type { ModuleRef, ToMain, WireReason } from './protocol.js';
import { type HostEnd, type Transport, WireFault } from './transport.js';

/**
 * The main system's side of one host: the stand-ins of the bodies it
 * runs, the asks waiting for their answers, and the translation of frames
 * into local sends, replies and exits.
 *
 * @module
 */

/**
 * One host as the main system sees it. A host may run untrusted code (a
 * sandboxed child process), so nothing it sends is trusted: every batch is
 * checked (`frames.ts`) before it is acted on, a body may address only the
 * pids it was given (refs in its spawn arguments, messages, replies and
 * exit reasons; its own stand-ins, their parents, the senders of what it
 * received, and the processes its stand-ins are linked to or monitor) —
 * anything else is a `not-granted` dead letter — and a malformed frame ends
 * the host with `ERR_HOST_PROTOCOL`, never an exception in the runtime.
 */
export class HostLink implements RefCodec {
  readonly transport: Transport;
  readonly #main: MainSide;
  /** Stand-ins of the bodies this host runs, by pid. */
  readonly #standIns = new Map<number, ActorProcess>();
  /** Starts waiting for `started` or `exited`. */
  readonly #starting = new Map<number, (outcome: StartOutcome) => void>();
  /** Main's asks whose answers come from this host, by correlation id. */
  readonly #asks = new AskTable();
  #ended: HostEnd | undefined;
  /** The reason the host's processes exited with, once it ended. */
  #endReason: ExitReason | undefined;
  /** Every stand-in placed here that has not ended, with its label for the audit log. */
  readonly #placed = new Map<number, string>();
  /** Main pids whose refs were passed to this host: the ones its bodies may address. */
  readonly #grants: Grants;
  /** Set while a host's value is decoded: whether it named a pid it was not given. */
  #decodeDenied = false;
  readonly #onIdle: (link: HostLink) => void;
  /** The sends, asks and audit records of the host's bodies. */
  readonly #requests: HostRequests;

  constructor(main: MainSide, transport: Transport, onIdle: (link: HostLink) => void) {
    this.#main = main;
    this.#grants = new Grants((pid) => main.lookup(pid));
    this.transport = transport;
    this.#onIdle = onIdle;
    this.#requests = new HostRequests({
      main,
      transport,
      codec: this,
      standIns: this.#standIns,
      placed: this.#placed,
      ended: () => this.#ended !== undefined,
      violated: (problem) => this.#violated(problem),
      mayAddress: (pid) => this.#mayAddress(pid),
      decodeChecked: (value) => this.#decodeChecked(value),
    });
    transport.onFrames((batch) => this.#receiveBatch(batch));
    transport.onEnd((end) => this.#hostEnded(end));
  }

  /** Whether the host shares this process's memory (a `SharedArrayBuffer` can cross). */
  get sharesMemory(): boolean {
    return this.transport.sharesMemory;
  }

  /** The pids of the stand-ins placed on this host. */
  get placed(): number[] {
    return [...this.#placed.keys()];
  }

  /** Main's asks still waiting for an answer from this host. */
  get pendingAsks(): number {
    return this.#asks.pending;
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
    this.#placed.set(standIn.pid, standIn.def.label ?? 'placed');
    standIn.hold({ release: () => this.release(standIn) });
  }

  get ended(): boolean {
    return this.#ended !== undefined;
  }

  // ---- RefCodec (main side) ------------------------------------------------

  /** Encoding for the host: every ref that crosses is granted to it. */
  refPid(value: object): number | undefined {
    if (processOf(value) === undefined && !(value instanceof GoneRef)) return undefined;
    const pid = (value as { pid: number }).pid;
    this.#grant(pid);
    return pid;
  }

  /** Decoding what the host sent: a ref it was not given is marked, not made. */
  refOf(pid: number): unknown {
    if (!isWireInt(pid)) throw new HostProtocolError('a ref without a valid pid');
    if (!this.#mayAddress(pid)) {
      this.#decodeDenied = true;
      return new GoneRef(pid as Pid);
    }
    return this.#main.lookup(pid as Pid)?.ref ?? new GoneRef(pid as Pid);
  }

  replyId(value: object): number | undefined {
    if (value instanceof GoneReply) return value.correlationId;
    if (!(value instanceof PendingAsk)) return undefined;
    this.#asks.remember(value);
    return value.correlationId;
  }

  replyOf(id: number): unknown {
    if (!isWireInt(id)) throw new HostProtocolError('a reply port without a valid id');
    return this.#asks.get(id) ?? new GoneReply(this.#main, id);
  }

  // ---- grants ----------------------------------------------------------------

  #grant(pid: number): void {
    this.#grants.grant(pid);
  }

  /** Whether a body of this host may address `pid`. */
  #mayAddress(pid: number): boolean {
    return this.#grants.mayAddress(pid, this.#placed, this.#standIns.values());
  }

  /** Decodes a value the host sent; `NOT_GRANTED` when it names a pid the host was not given. */
  #decodeChecked(value: unknown): unknown {
    this.#decodeDenied = false;
    const decoded = decode(value, this);
    if (!this.#decodeDenied) return decoded;
    this.#decodeDenied = false;
    return NOT_GRANTED;
  }

  // ---- what stand-ins do ---------------------------------------------------

  /** Starts `module`'s actor as the body of `standIn`; resolves once its init has run. */
  start(standIn: ActorProcess, module: ModuleRef, args: unknown): Promise<StartOutcome> {
    if (this.#ended !== undefined) {
      return Promise.resolve({ kind: 'failed', reason: this.#reasonOfEnd() });
    }
    const marks = { found: false, subject: 'args' };
    const encoded = encode(args, this, marks);
    this.#standIns.set(standIn.pid, standIn);
    if (standIn.parent !== undefined) this.#grant(standIn.parent);
    this.transport.ref(true);
    return new Promise((resolve) => {
      this.#starting.set(standIn.pid, resolve);
      this.transport.post({
        op: 'spawn',
        pid: standIn.pid,
        parent: standIn.parent,
        security: standIn.security.policies.map((policy) => ({ policy, roots: rootsOf(policy) })),
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
    transfer?: readonly ArrayBuffer[],
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
    if (reply !== undefined) this.#asks.remember(reply);
    // The body sees who sent it (`ctx.sender`), so it may answer them.
    if (sender !== undefined) this.#grant(sender);
    this.transport.post(
      {
        op: 'send',
        to: standIn.pid,
        from: sender,
        message: body,
        marked: true,
        reply: reply?.correlationId,
        replyExpiresAt: reply?.expiresAt,
      },
      transfer,
    );
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

  /** What a sandboxed host wrote to stdout or stderr, as a bounded `host-output` event. */
  output(stream: 'stdout' | 'stderr', text: string, dropped: number): void {
    const events = this.#main.events;
    if (!events.observed) return;
    const pids = [...this.#placed.keys()] as Pid[];
    events.emit({ type: 'host-output', pids, stream, text, dropped, at: this.#main.clock.now() });
  }

  // ---- frames from the host ------------------------------------------------

  /** A batch as it arrived: checked whole before any of it is acted on. */
  #receiveBatch(batch: unknown): void {
    if (this.#ended !== undefined) return;
    if (batch instanceof WireFault) {
      this.#violated(batch.reason);
      return;
    }
    const problem = batchProblem(batch);
    if (problem !== undefined) {
      this.#violated(problem);
      return;
    }
    for (const frame of batch as readonly ToMain[]) {
      if (this.#ended !== undefined) return;
      try {
        this.#receive(frame);
      } catch (error) {
        // A value main could not act on (a bad marker, a structure too deep): the host's fault.
        this.#violated(
          `a '${frame.op}' frame main could not act on (${error instanceof Error ? error.message : String(error)})`,
        );
      }
    }
  }

  #receive(frame: ToMain): void {
    switch (frame.op) {
      case 'ready':
        return;
      case 'started':
        this.#starting.get(frame.pid)?.({ kind: 'started' });
        this.#starting.delete(frame.pid);
        return;
      case 'exited': {
        const standIn = this.#standIns.get(frame.pid);
        const starting = this.#starting.get(frame.pid);
        if (standIn === undefined && starting === undefined) return;
        const decoded = this.#decodeChecked(frame.reason);
        if (decoded === NOT_GRANTED) {
          this.#violated('an exit reason naming a process the host was not given');
          return;
        }
        const reason = decoded as ExitReason;
        this.#starting.delete(frame.pid);
        this.#standIns.delete(frame.pid);
        // The body ended by itself: its stand-in ends with the same reason (links, monitors, supervisor).
        if (standIn !== undefined) finish(standIn, reason);
        starting?.(reason.kind === 'normal' ? { kind: 'ignored' } : { kind: 'failed', reason });
        return;
      }
      case 'audit':
        this.#requests.audit(frame);
        return;
      case 'trap':
        this.#standIns.get(frame.pid)?.trapExit(frame.on);
        return;
      case 'send':
        this.#requests.send(frame);
        return;
      case 'ask':
        this.#requests.answer(frame);
        return;
      case 'reply': {
        const ask = this.#asks.take(frame.id);
        const value = frame.marked ? this.#decodeChecked(frame.value) : frame.value;
        if (value === NOT_GRANTED) {
          this.#main.deadLetter(frame.value, undefined, undefined, 'not-granted');
          if (ask !== undefined) {
            const denied = new DeniedError(
              'reply',
              'the answer named a process its body was never given',
            );
            answerPort(ask, false, denied);
          }
        } else if (ask === undefined) {
          // Swept out after it settled: the answer is late all the same.
          lateReply(this.#main, value, frame.id);
        } else {
          // Relayed from the host, in whatever async context made its link: the runtime answers.
          answerPort(ask, frame.ok, value);
        }
        return;
      }
    }
  }

  /** The host broke the protocol: it is ended, and its processes exit with `ERR_HOST_PROTOCOL`. */
  #violated(problem: string): void {
    if (this.#ended !== undefined) return;
    const error = new HostProtocolError(problem);
    this.#end({ how: 'killed', code: null, signal: null, error }, exitReason.error(error));
    this.transport.terminate();
  }

  #reasonOfEnd(): ExitReason {
    return this.#endReason ?? exitReason.error(new HostExitedError(this.#ended as HostEnd));
  }

  #hostEnded(end: HostEnd): void {
    if (this.#ended !== undefined) return;
    // The processes still here did not ask to stop: whatever the code, it is a crash for them.
    this.#end(end, exitReason.error(new HostExitedError(end)));
  }

  #end(end: HostEnd, reason: ExitReason): void {
    this.#ended = end;
    this.#endReason = reason;
    const standIns = [...this.#standIns.values()];
    this.#standIns.clear();
    for (const [, resolve] of this.#starting) resolve({ kind: 'failed', reason });
    this.#starting.clear();
    for (const s of standIns) finish(s, reason);
    this.#asks.abandonAll(reason);
    this.#onIdle(this);
  }
}
