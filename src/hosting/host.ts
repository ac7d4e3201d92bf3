import type { ActorRef, AskOptions } from '../actor/index.js';
import {
  ActorProcess,
  askTimeoutOf,
  HOSTED_AS,
  type HostedIdentity,
  PendingAsk,
  processOf,
  startNow,
} from '../actor/index.js';
import type { RefCodec } from '../codec/index.js';
import { decode, encode } from '../codec/index.js';
import { CallTimeoutError, HostLimitError, InvalidArgumentError, NoProcError } from '../errors.js';
import type { ToHost, ToMain, WireReason } from '../isolation/index.js';
import { importDefinition, MAX_HOST_ASKS, MAX_HOST_AUDITS } from '../isolation/index.js';
import type { SendOptions } from '../mailbox/index.js';
import type { ExitReason, Pid } from '../process/index.js';
import { exitReason } from '../process/index.js';
import { loadPinnedPolicy } from '../security/index.js';
import { createSystem } from '../system/index.js';
import { type HostChannel, type MainAsk, RemoteRef, WireReply } from './main-side.js';

/**
 * The side of a worker thread or child process: a system of its own that
 * runs hosted actors ("bodies") for a main system. The main system has a
 * stand-in process for each body and owns its pid; links, monitors, names
 * and supervision live on the stand-in. Here, the body sends to main pids
 * through `RemoteRef`s and answers asks through `WireReply` ports.
 *
 * @module
 */

/**
 * Where a host's own processes (those a body spawns that are not placed)
 * start numbering: 2^30, far above any pid the main system will reach, so
 * a host-local pid is never taken for a main one.
 */
const HOST_LOCAL_FIRST_PID = 2 ** 30;

/** One host: its system, its bodies, and the frames it owes the main system. */
export class Host implements RefCodec {
  /** Its own processes are numbered from {@link HOST_LOCAL_FIRST_PID}. */
  readonly system = createSystem({
    name: 'host',
    firstPid: HOST_LOCAL_FIRST_PID,
    // What bodies attempt under their policies is recorded in the main system's log;
    // an attempt waits for main to say its record is written (`written`) before it acts.
    audit: {
      record: (record) => {
        // Bounded as main bounds it: past the bound the attempt is denied here (fail closed).
        if (this.#awaitingAck.size >= MAX_HOST_AUDITS) {
          throw new HostLimitError('audit records', MAX_HOST_AUDITS);
        }
        const seq = ++this.#audited;
        this.#awaitingAck.add(seq);
        this.#post({ op: 'audit', seq, pid: this.#bodyOf(record.pid), record });
        return seq;
      },
      written: (seq) =>
        new Promise<void>((resolve, reject) => {
          this.#unwritten.set(seq, { resolve, reject });
        }),
    },
  });
  #audited = 0;
  /** Every record sent that main has not acknowledged yet (at most `MAX_HOST_AUDITS`). */
  readonly #awaitingAck = new Set<number>();
  /** Records main has not acknowledged yet, whose attempts wait (see `written`). */
  readonly #unwritten = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();

  readonly #channel: HostChannel;
  readonly #bodies = new Map<number, ActorProcess>();
  readonly #remotes = new Map<number, RemoteRef>();
  /**
   * Asks made of main, until main answers — a timed-out one stays (settled)
   * until then, so this counts what main counts (at most `MAX_HOST_ASKS`).
   */
  readonly #asks = new Map<number, MainAsk>();
  #nextAsk = 0;
  /** Bodies whose module is loading, with the reason they were ended meanwhile, if they were. */
  readonly #spawning = new Map<number, ExitReason | undefined>();
  /** The host system's runtime, known from the first body: it says who is running. */
  #runtime:
    | {
        current: { readonly pid: Pid; readonly flags: number } | null;
        lookup(pid: Pid): ActorProcess | undefined;
      }
    | undefined;
  #out: ToMain[] = [];
  #flushing = false;

  constructor(channel: HostChannel) {
    this.#channel = channel;
    channel.onFrames((frames) => {
      for (const frame of frames) this.#receive(frame);
    });
    this.system.events.subscribe(
      (e) => {
        if (e.type === 'exited') this.#exited(e.pid, e.reason);
        else if (e.type === 'trap-exit') this.#trapChanged(e.pid, e.on);
      },
      ['exited', 'trap-exit'],
    );
    this.#post({ op: 'ready' });
  }

  // ---- RefCodec ------------------------------------------------------------

  refPid(value: object): number | undefined {
    if (value instanceof RemoteRef) return value.pid;
    if (value instanceof PendingAsk) {
      throw new InvalidArgumentError(
        'message',
        'a reply port of an ask made in a host cannot leave it',
      );
    }
    const p = processOf(value);
    if (p === undefined) return undefined;
    if (!this.#isBody(p)) {
      throw new InvalidArgumentError(
        'message',
        `${value} lives only in this host (it is not a placed process) and cannot leave it`,
      );
    }
    return p.pid;
  }

  refOf(pid: number): unknown {
    return this.#bodies.get(pid)?.ref ?? this.remote(pid);
  }

  replyId(value: object): number | undefined {
    return value instanceof WireReply ? value.correlationId : undefined;
  }

  replyOf(id: number): unknown {
    return new WireReply(this, id, Number.POSITIVE_INFINITY);
  }

  // ---- what bodies do ------------------------------------------------------

  remote(pid: number): RemoteRef {
    let ref = this.#remotes.get(pid);
    if (ref === undefined) {
      ref = new RemoteRef(this, pid as Pid);
      this.#remotes.set(pid, ref);
    }
    return ref;
  }

  send(to: number, message: unknown, _options?: SendOptions): void {
    if (message === undefined)
      throw new InvalidArgumentError('message', 'undefined is not a message');
    const marks = { found: false };
    const encoded = encode(message, this, marks);
    this.#post({ op: 'send', to, from: this.#sender(), message: encoded, marked: marks.found });
  }

  ask(to: number, request: unknown, options?: AskOptions): Promise<unknown> {
    if (request === null || typeof request !== 'object' || Array.isArray(request)) {
      return Promise.reject(
        new InvalidArgumentError('request', 'an ask needs a plain object request'),
      );
    }
    // Checked as askProcess checks it: null or NaN must not reach a timer or the wire.
    const timeout = askTimeoutOf(options, 5_000);
    if (typeof timeout !== 'number') return Promise.reject(timeout);
    if (this.#asks.size >= MAX_HOST_ASKS) {
      return Promise.reject(new HostLimitError('asks', MAX_HOST_ASKS));
    }
    let marks: { found: boolean };
    let encoded: unknown;
    try {
      marks = { found: false };
      encoded = encode(request, this, marks);
    } catch (error) {
      return Promise.reject(error);
    }
    const id = ++this.#nextAsk;
    const from = this.#sender() ?? 0;
    return new Promise((resolve, reject) => {
      const clock = this.system.clock;
      const timer =
        timeout === Number.POSITIVE_INFINITY
          ? undefined
          : clock.setTimer(() => {
              const pending = this.#asks.get(id);
              if (pending !== undefined) pending.settled = true;
              reject(new CallTimeoutError(`<0.${to}>`, timeout));
            }, timeout);
      this.#asks.set(id, { resolve, reject, timer, settled: false });
      this.#post({ op: 'ask', id, to, from, request: encoded, marked: marks.found, timeout });
    });
  }

  reply(id: number, ok: boolean, value: unknown): void {
    const marks = { found: false };
    let encoded: unknown;
    try {
      encoded = encode(value, this, marks);
    } catch (error) {
      // An answer that cannot cross fails the ask instead of vanishing.
      this.#post({ op: 'reply', id, ok: false, value: encode(error, this), marked: true });
      return;
    }
    this.#post({ op: 'reply', id, ok, value: encoded, marked: marks.found });
  }

  // ---- frames from main ----------------------------------------------------

  #receive(frame: ToHost): void {
    switch (frame.op) {
      case 'spawn':
        void this.#spawn(frame);
        return;
      case 'send':
        this.#deliver(frame);
        return;
      case 'stop': {
        if (this.#spawning.has(frame.pid)) {
          this.#spawning.set(frame.pid, this.#reason(frame.reason));
          return;
        }
        const body = this.#bodies.get(frame.pid);
        if (body !== undefined) {
          void this.system.stop(body.ref as ActorRef<never>, {
            reason: this.#reason(frame.reason),
            timeout: Number.POSITIVE_INFINITY,
          });
        }
        return;
      }
      case 'kill': {
        if (this.#spawning.has(frame.pid)) {
          this.#spawning.set(frame.pid, exitReason.killed);
          return;
        }
        const body = this.#bodies.get(frame.pid);
        if (body !== undefined) this.system.kill(body.ref as ActorRef<never>);
        return;
      }
      case 'audited':
        this.#acknowledge(frame.seq, frame.ok, frame.reason);
        return;
      case 'answer': {
        const pending = this.#asks.get(frame.id);
        if (pending === undefined) return;
        this.#asks.delete(frame.id);
        if (pending.settled) return; // timed out here already
        if (pending.timer !== undefined) this.system.clock.clearTimer(pending.timer);
        const value = frame.marked ? decode(frame.value, this) : frame.value;
        if (frame.ok) pending.resolve(value);
        else pending.reject(value);
        return;
      }
    }
  }

  async #spawn(frame: Extract<ToHost, { op: 'spawn' }>): Promise<void> {
    let body: ActorProcess;
    this.#spawning.set(frame.pid, undefined);
    try {
      const definition = await importDefinition(frame.module);
      // Stopped or killed while its module loaded: it never starts.
      const cancelled = this.#spawning.get(frame.pid);
      if (!this.#spawning.has(frame.pid) || cancelled !== undefined) {
        this.#spawning.delete(frame.pid);
        const reason = cancelled ?? exitReason.killed;
        this.#post({ op: 'exited', pid: frame.pid, reason: this.#wire(reason) });
        return;
      }
      this.#spawning.delete(frame.pid);
      const args = frame.marked ? decode(frame.args, this) : frame.args;
      // The body takes the pid and parent its stand-in has in the main system.
      const identity: HostedIdentity = {
        pid: frame.pid,
        parent: frame.parent,
        security: frame.security.map((s) => loadPinnedPolicy(s.policy, s.roots)),
      };
      const options = { [HOSTED_AS]: identity, ...(args === undefined ? {} : { args }) };
      body = processOf(this.system.spawn(definition, options)) as ActorProcess;
    } catch (error) {
      this.#spawning.delete(frame.pid);
      this.#post({ op: 'exited', pid: frame.pid, reason: this.#wire(exitReason.error(error)) });
      return;
    }
    this.#bodies.set(frame.pid, body);
    this.#runtime ??= body.runtime;
    const outcome = await startNow(body);
    if (outcome.kind === 'started') this.#post({ op: 'started', pid: frame.pid });
    // Otherwise the exited event has reported the reason.
  }

  #deliver(frame: Extract<ToHost, { op: 'send' }>): void {
    const body = this.#bodies.get(frame.to);
    let message = frame.marked ? decode(frame.message, this) : frame.message;
    if (frame.reply !== undefined) {
      const reply = new WireReply(
        this,
        frame.reply,
        frame.replyExpiresAt ?? Number.POSITIVE_INFINITY,
      );
      if (body === undefined || !body.alive) {
        reply.fail(new NoProcError(`<0.${frame.to}>`));
        return;
      }
      message = { ...(message as object), reply };
    }
    if (body === undefined || !body.alive) return; // main dead-letters what its stand-in could not pass on
    // Delivered as if sent by `from`, so `ctx.sender` is the main pid of the sender.
    const runtime = this.#runtime;
    const previous = runtime?.current ?? null;
    if (runtime !== undefined) {
      runtime.current =
        frame.from === undefined
          ? null
          : (this.#bodies.get(frame.from) ?? { pid: frame.from as Pid, flags: 0 });
    }
    try {
      body.deliver(message, undefined);
    } catch (error) {
      if (frame.reply !== undefined) (message as { reply: WireReply }).reply.fail(error);
    } finally {
      if (runtime !== undefined) runtime.current = previous;
    }
  }

  // ---- audit -----------------------------------------------------------------

  /** Main's answer for record `seq`: the attempt waiting on it goes ahead, or is denied. */
  #acknowledge(seq: number, ok: boolean, reason: string): void {
    this.#awaitingAck.delete(seq);
    const waiter = this.#unwritten.get(seq);
    if (waiter === undefined) return;
    this.#unwritten.delete(seq);
    if (ok) waiter.resolve();
    // `reason` is the code main's log failed with (ENOSPC): the attempt's denial names it.
    else
      waiter.reject(
        Object.assign(new Error(`the audit record was not written (${reason})`), { code: reason }),
      );
  }

  /** The body a process of this host belongs to (itself, or the body that spawned it). */
  #bodyOf(pid: number): number | undefined {
    let p: ActorProcess | null | undefined = this.#runtime?.lookup(pid as Pid);
    while (p !== null && p !== undefined) {
      if (this.#isBody(p)) return p.pid;
      p = p.parentProcess;
    }
    return this.#bodies.has(pid) ? pid : undefined;
  }

  // ---- reporting -----------------------------------------------------------

  // A body has its stand-in's pid (HOSTED_AS), so a pid here names a body directly.

  #exited(pid: Pid, reason: ExitReason): void {
    if (!this.#bodies.delete(pid)) return;
    this.#post({ op: 'exited', pid, reason: this.#wire(reason) });
  }

  #trapChanged(pid: Pid, on: boolean): void {
    if (this.#bodies.has(pid)) this.#post({ op: 'trap', pid, on });
  }

  /** Whether `p` is a body (not a process the host spawned for one). */
  #isBody(p: ActorProcess): boolean {
    return this.#bodies.get(p.pid) === p;
  }

  /** The pid of the body whose handler is running, if any. */
  #sender(): number | undefined {
    const current = this.#runtime?.current;
    return current instanceof ActorProcess && this.#isBody(current) ? current.pid : undefined;
  }

  #wire(reason: ExitReason): WireReason {
    return encode(reason, this) as WireReason;
  }

  #reason(wire: WireReason): ExitReason {
    return decode(wire, this) as ExitReason;
  }

  #post(frame: ToMain): void {
    this.#out.push(frame);
    if (this.#flushing) return;
    this.#flushing = true;
    // Many frames share one postMessage: flushed once the current work is done.
    setImmediate(() => {
      const frames = this.#out;
      this.#out = [];
      this.#flushing = false;
      this.#channel.post(frames);
    });
  }
}
