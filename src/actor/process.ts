import type { Topic } from '../broker/index.js';
import { topicName } from '../broker/index.js';
import { CallTimeoutError, InvalidArgumentError, NoProcError } from '../errors.js';
import type { SendOptions } from '../mailbox/index.js';
import { Envelope, LANE_NORMAL, LANE_SYSTEM, laneOf, Mailbox } from '../mailbox/index.js';
import type { ExitReason, Pid, ProcessStatus } from '../process/index.js';
import { exitReason, formatPid } from '../process/index.js';
import type { Registration } from '../registry/index.js';
import type { Runnable } from '../scheduler/index.js';
import type { SecurityContext } from '../security/index.js';
import { askProcess } from './ask.js';
import type { ActorContext } from './context.js';
import type { ActorDefinition } from './definition.js';
import { demonitor, link, monitor, signalExit, unlink } from './exits.js';
import { ProcessExtras } from './extras.js';
import {
  BUSY,
  COPY_ON_SEND,
  DEAD,
  ENVELOPES,
  NEEDS_INIT,
  NO_LANES,
  STOP_REQUESTED,
  STOPPING,
  TRAP_EXIT,
} from './flags.js';
import type { AnyDefinition, ProcessHost } from './host.js';
import {
  awaitHandler,
  beginStop,
  failPendingReply,
  handleFailure,
  handleSignal,
  requestStop,
  runInit,
} from './lifecycle.js';
import { type DemonitorOptions, Monitor, type MonitorRef } from './links.js';
import { applyOverflow } from './overflow.js';
import type { ActorRef, Address, AskOptions } from './ref.js';
import type { PendingAsk } from './reply.js';
import type { Runtime } from './runtime.js';
import { checkSendOptions, copyMessage, ENCODE_MESSAGE } from './send-checks.js';
import type { SpawnOptions } from './spawn-options.js';
import {
  deliverTimerMessage,
  MessageTimer,
  startProcessTimer,
  type TimerHost,
  type TimerRef,
} from './timer.js';

/**
 * One process: its record, its mailbox, the context its handlers see, and
 * its ref. Like an Erlang pid, the process itself is the handle users hold
 * (typed as `ActorRef<M>`), which saves an object per process; the types
 * show a ref only `pid`, `tell`, `offer` and `ask`. The record is small and
 * monomorphic; everything optional lives in {@link ProcessExtras},
 * allocated on first use.
 */
export class ActorProcess
  implements Runnable, ActorContext<unknown, unknown>, ActorRef<unknown>, TimerHost
{
  readonly runtime: Runtime & ProcessHost;
  readonly pid: Pid;
  readonly def: AnyDefinition;
  readonly parentProcess: ActorProcess | null;
  state: unknown = undefined;
  status: ProcessStatus;
  flags: number;
  queued = false;
  mailbox: Mailbox | null = null;
  ext: ProcessExtras | null = null;
  handled = 0;
  sender: Pid | undefined = undefined;
  envelope: Envelope<unknown> | undefined = undefined;
  lastAt = -1;
  /** Children as an intrusive list, newest first: O(1) add and remove, no Set per parent. */
  firstChild: ActorProcess | null = null;
  prevSibling: ActorProcess | null = null;
  nextSibling: ActorProcess | null = null;

  constructor(
    runtime: Runtime & ProcessHost,
    pid: Pid,
    def: AnyDefinition,
    parent: ActorProcess | null,
    flags: number,
  ) {
    this.runtime = runtime;
    this.pid = pid;
    this.def = def;
    this.parentProcess = parent;
    this.flags = flags;
    this.status = (flags & NEEDS_INIT) !== 0 ? 'starting' : 'waiting';
  }

  /** Links `child` in as the newest child. */
  adopt(child: ActorProcess): void {
    const head = this.firstChild;
    child.nextSibling = head;
    if (head !== null) head.prevSibling = child;
    this.firstChild = child;
  }

  /** Unlinks this process from its parent's children. */
  leaveParent(): void {
    const parent = this.parentProcess;
    if (parent === null) return;
    const prev = this.prevSibling;
    const next = this.nextSibling;
    if (prev !== null) prev.nextSibling = next;
    else if (parent.firstChild === this) parent.firstChild = next;
    if (next !== null) next.prevSibling = prev;
    this.prevSibling = null;
    this.nextSibling = null;
  }

  /** The live children, newest first. */
  children(): ActorProcess[] {
    const out: ActorProcess[] = [];
    for (let c = this.firstChild; c !== null; c = c.nextSibling) out.push(c);
    return out;
  }

  /** The extras record, created on first use. */
  extras(): ProcessExtras {
    let ext = this.ext;
    if (ext === null) {
      ext = new ProcessExtras();
      this.ext = ext;
    }
    return ext;
  }

  get alive(): boolean {
    return (this.flags & DEAD) === 0;
  }

  /** The registered name, if any (kept in the extras). */
  get registeredName(): string | undefined {
    return this.ext?.name;
  }

  set registeredName(name: string | undefined) {
    if (name !== undefined || this.ext !== null) this.extras().name = name;
  }

  // ---- sending -------------------------------------------------------------

  /** This process as a ref. */
  get ref(): ActorRef<unknown> {
    return this;
  }

  /** `ActorRef.tell`: fire and forget. */
  tell(message: unknown, options?: SendOptions): void {
    this.deliver(message, options);
  }

  /** Refs print as their pid, never as the process's state. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `ActorRef${formatPid(this.pid)}`;
  }

  toString(): string {
    return `ActorRef${formatPid(this.pid)}`;
  }

  /** Queues `message` from the current process; the hot path of `tell`. */
  deliver(message: unknown, options: SendOptions | undefined, copied = false): void {
    const runtime = this.runtime;
    const current = runtime.current;
    const sender = current === null ? undefined : current.pid;
    if (message === undefined)
      throw new InvalidArgumentError('message', 'undefined is not a message');
    const flags = this.flags;
    if ((flags & DEAD) !== 0 || (current !== null && (current.flags & DEAD) !== 0)) {
      // A process that exited mid-handler is a zombie: what it sends has no effect (otp-rules §3).
      runtime.deadLetter(
        message,
        this.pid,
        sender,
        (flags & DEAD) !== 0 ? 'noproc' : 'sender-exited',
      );
      return;
    }
    let mb = this.mailbox;
    if (mb === null) {
      mb = new Mailbox();
      this.mailbox = mb;
    }
    let item: unknown = message;
    let lane = LANE_NORMAL;
    if (options !== undefined || (flags & (ENVELOPES | COPY_ON_SEND)) !== 0) {
      item = this.#wrap(message, options, sender, copied);
      lane = this.#laneOf(item);
    }
    if (mb.size >= mb.capacity && !applyOverflow(this, mb, item, sender)) return;
    mb.push(item, sender, lane);
    if (!this.queued && (flags & BUSY) === 0) runtime.scheduler.schedule(this);
    if (--runtime.sentLeft === 0) {
      runtime.sentLeft = runtime.sampleEvery === 0 ? 2 ** 30 : runtime.sampleEvery;
      if (runtime.sampleEvery !== 0) runtime.reportSent(sender, this.pid, message);
    }
  }

  /** Like `deliver`, but waits for room in a full backpressure mailbox. */
  offer(message: unknown, options?: SendOptions): Promise<void> {
    const mb = this.mailbox;
    if ((this.flags & DEAD) !== 0) return Promise.reject(new NoProcError(formatPid(this.pid)));
    if (mb === null || mb.size < mb.capacity || mb.policy !== 'backpressure') {
      try {
        this.deliver(message, options);
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (message === undefined) {
      return Promise.reject(new InvalidArgumentError('message', 'undefined is not a message'));
    }
    const current = this.runtime.current;
    const sender = current === null ? undefined : current.pid;
    let item: unknown;
    try {
      item = this.#wrap(message, options, sender);
    } catch (error) {
      return Promise.reject(error);
    }
    const lane = this.#laneOf(item);
    return new Promise((resolve, reject) =>
      mb.wait({ message: item, sender, lane, resolve, reject }),
    );
  }

  /**
   * Appends a message the runtime itself produced (a trapped EXIT, a DOWN)
   * at the end of the normal lane (R6.3). Such messages bypass the overflow
   * policy: a bounded mailbox never loses the news of an exit.
   */
  enqueueRuntimeMessage(message: unknown, sender: Pid | undefined): void {
    if ((this.flags & DEAD) !== 0) return;
    this.mailbox ??= new Mailbox();
    this.mailbox.push(message, sender, LANE_NORMAL);
    if (!this.queued && (this.flags & BUSY) === 0 && this.runtime.current !== this) {
      this.runtime.scheduler.schedule(this);
    }
  }

  /** Request-reply: see {@link ActorRef.ask}. */
  ask(request: unknown, options?: AskOptions): Promise<never> {
    return askProcess(this, request, options);
  }

  /** Removes an ask from this process's pending list (it was answered or timed out). */
  forgetAsk(ask: PendingAsk): void {
    const ext = this.ext;
    if (ext === null) return;
    if (ask.prev !== null) ask.prev.next = ask.next;
    else if (ext.asks === ask) ext.asks = ask.next;
    if (ask.next !== null) ask.next.prev = ask.prev;
    ask.prev = null;
    ask.next = null;
  }

  #wrap(
    message: unknown,
    options: SendOptions | undefined,
    sender: Pid | undefined,
    copied = false,
  ): unknown {
    const runtime = this.runtime;
    let body = message;
    if (!copied && (this.flags & COPY_ON_SEND) !== 0) body = this.copyForSend(message);
    if (options === undefined && (this.flags & ENVELOPES) === 0) return body;
    if (options !== undefined) checkSendOptions(options);
    return new Envelope(runtime.nextMessageId(), body, sender, runtime.clock.now(), options);
  }

  /** The copy `copyOnSend` makes: the definition's own encoding, or a structured clone. */
  copyForSend(message: unknown): unknown {
    const encodeMessage = (this.def as { [ENCODE_MESSAGE]?: (m: unknown) => unknown })[
      ENCODE_MESSAGE
    ];
    return encodeMessage === undefined ? copyMessage(message) : encodeMessage(message);
  }

  #laneOf(item: unknown): number {
    if (!(item instanceof Envelope) || (this.flags & NO_LANES) !== 0) return LANE_NORMAL;
    return laneOf(item.priority) ?? LANE_NORMAL;
  }

  // ---- running -------------------------------------------------------------

  /** Handles up to `max` messages; called by the scheduler only. */
  run(max: number, now: number): number {
    const flags = this.flags;
    if ((flags & (BUSY | DEAD | STOPPING)) !== 0) return 0;
    if ((flags & STOP_REQUESTED) !== 0) {
      beginStop(this);
      return 0;
    }
    if ((flags & NEEDS_INIT) !== 0) {
      runInit(this, true);
      // A synchronous init leaves the process ready: handle its first messages in this turn.
      // An init that called ctx.stop() was not scheduled (it was current): stop it here.
      if ((this.flags & (BUSY | DEAD | STOPPING | STOP_REQUESTED)) !== 0) {
        this.afterTurn();
        return 0;
      }
    }
    const mb = this.mailbox;
    if (mb === null) return 0;
    const runtime = this.runtime;
    const handle = this.def.handle;
    runtime.current = this;
    this.status = 'running';
    this.lastAt = now;
    let n = 0;
    while (n < max && mb.take()) {
      let message = mb.takenMessage;
      if (mb.takenLane === LANE_SYSTEM) {
        handleSignal(this, message);
        if ((this.flags & (DEAD | BUSY | STOP_REQUESTED)) !== 0) break;
        continue;
      }
      let envelope: Envelope<unknown> | undefined;
      if (message instanceof Envelope) {
        if (message.expiresAt <= now) {
          mb.expired++;
          runtime.deadLetter(message.message, this.pid, message.sender, 'expired');
          failPendingReply(
            message.message,
            new CallTimeoutError(formatPid(this.pid), message.ttl ?? 0),
          );
          continue;
        }
        envelope = message;
        message = message.message;
      }
      n++;
      mb.handled++;
      this.handled++;
      this.sender = mb.takenSender as Pid | undefined;
      this.envelope = envelope;
      let result: unknown;
      const sampled = --runtime.handledLeft === 0 && runtime.sampleDue();
      const t0 = sampled ? runtime.clock.now() : 0;
      try {
        result = handle.call(this.def, message, this);
      } catch (error) {
        if (sampled) this.#sampled(message, t0, true);
        // A handler that ended its own process (an exit signal) throws into the void.
        if ((this.flags & DEAD) !== 0) break;
        handleFailure(this, error, message);
        if ((this.flags & (DEAD | BUSY | STOP_REQUESTED)) !== 0) break;
        continue;
      }
      if (result !== undefined && typeof (result as PromiseLike<void>).then === 'function') {
        if (sampled) {
          (result as PromiseLike<void>).then(
            () => this.#sampled(message, t0, false),
            () => this.#sampled(message, t0, true),
          );
        }
        awaitHandler(this, result as PromiseLike<void>, message);
        break;
      }
      if (sampled) this.#sampled(message, t0, false);
      if ((this.flags & (STOP_REQUESTED | DEAD)) !== 0) break;
    }
    runtime.current = null;
    if (mb.hasWaiters) mb.admitWaiters();
    this.afterTurn();
    return n;
  }

  /** Reports one sampled handled message (message inspection). */
  #sampled(message: unknown, t0: number, failed: boolean): void {
    const runtime = this.runtime;
    const at = runtime.clock.now();
    runtime.reportHandled(this.pid, message, at - t0, failed, at);
  }

  /** Decides what follows a turn or a settled async step: stop, run again, or wait. */
  afterTurn(): void {
    const flags = this.flags;
    if ((flags & (DEAD | BUSY | STOPPING)) !== 0) return;
    if ((flags & STOP_REQUESTED) !== 0) {
      beginStop(this);
      return;
    }
    const mb = this.mailbox;
    if (mb !== null && !mb.isEmpty) {
      this.status = 'running';
      this.runtime.scheduler.schedule(this);
    } else {
      this.status = 'waiting';
    }
  }

  // ---- a process of another node (see the cluster's RemoteProcess) ----------

  /** An exit signal to a process of another node: passed on to its node. Local processes never get here. */
  forwardExit(_from: ActorProcess | undefined, _reason: ExitReason, _linked: boolean): void {}

  /** A local process linked to (or unlinked from) a process of another node: its node is told. */
  linkChanged(_other: ActorProcess, _linked: boolean): void {}

  /** The reason a monitor or link on this process, once it is gone, reports. */
  goneReason(): ExitReason {
    return exitReason.noproc;
  }

  // ---- timers --------------------------------------------------------------

  deliverFromTimer(message: unknown): boolean {
    return deliverTimerMessage(this, message);
  }

  trackTimer(timer: MessageTimer): void {
    const ext = this.extras();
    if (ext.timers === null) ext.timers = new Set();
    ext.timers.add(timer);
  }

  untrackTimer(timer: MessageTimer): void {
    this.ext?.timers?.delete(timer);
  }

  // ---- registrations -------------------------------------------------------

  /** Keeps `r` to release when this process exits; released at once if it already has. */
  hold(r: Registration): void {
    if ((this.flags & DEAD) !== 0) {
      r.release();
      return;
    }
    const ext = this.extras();
    ext.registrations ??= new Set();
    ext.registrations.add(r);
  }

  drop(r: Registration): void {
    this.ext?.registrations?.delete(r);
  }

  // ---- the context handlers see ---------------------------------------------

  get self(): ActorRef<unknown> {
    return this.ref;
  }

  get parent(): Pid | undefined {
    return this.parentProcess?.pid ?? (this.ext?.parentPid as Pid | undefined);
  }

  /** Its security context: its own, or inherited from its parent, or the system's. */
  get security(): SecurityContext {
    return this.ext?.security ?? this.parentProcess?.security ?? this.runtime.security;
  }

  get lastMessageAt(): number | undefined {
    return this.lastAt < 0 ? undefined : this.lastAt;
  }

  get restarts(): number {
    return this.ext?.restarts ?? 0;
  }

  get signal(): AbortSignal {
    const ext = this.extras();
    if (ext.abort === null) {
      ext.abort = new AbortController();
      if ((this.flags & (DEAD | STOPPING | STOP_REQUESTED)) !== 0) ext.abort.abort();
    }
    return ext.abort.signal;
  }

  spawn<M2, S2, A2>(
    definition: ActorDefinition<M2, S2, A2>,
    options?: SpawnOptions<A2>,
  ): ActorRef<M2> {
    if ((this.flags & DEAD) !== 0)
      throw new NoProcError(formatPid(this.pid), 'an exited process cannot spawn');
    return this.runtime.spawnProcess(definition as unknown as AnyDefinition, options, this)
      .ref as ActorRef<M2>;
  }

  stop(reason?: ExitReason): void {
    requestStop(this, reason);
  }

  named<T>(name: string): Address<T> {
    return this.runtime.named(name) as unknown as Address<T>;
  }

  join(group: string): void {
    this.runtime.joinGroup(this, group);
  }

  leave(group: string): boolean {
    return this.runtime.leaveGroup(this, group);
  }

  registerService(service: string, key: string, value?: unknown): void {
    this.runtime.registerService(this, service, key, value);
  }

  unregisterService(service: string, key: string): boolean {
    return this.runtime.unregisterService(this, service, key);
  }

  subscribe<T>(topic: Topic<T>): void {
    this.runtime.subscribeTopic(this, topicName(topic));
  }

  unsubscribe<T>(topic: Topic<T>): number {
    return this.runtime.unsubscribeTopic(this, topicName(topic));
  }

  spawnLink<M2, S2, A2>(
    definition: ActorDefinition<M2, S2, A2>,
    options?: SpawnOptions<A2>,
  ): ActorRef<M2> {
    const child = this.spawn(definition, options) as unknown as ActorProcess;
    link(this, child, child.pid);
    return child.ref as ActorRef<M2>;
  }

  spawnMonitor<M2, S2, A2>(
    definition: ActorDefinition<M2, S2, A2>,
    options?: SpawnOptions<A2>,
  ): [ActorRef<M2>, MonitorRef] {
    const child = this.spawn(definition, options) as unknown as ActorProcess;
    return [
      child.ref as ActorRef<M2>,
      monitor(this.runtime, this, child, child.pid, undefined, null),
    ];
  }

  link(target: ActorRef<never> | Pid): void {
    if ((this.flags & DEAD) !== 0) return;
    link(this, this.#target(target), this.#pidOf(target));
  }

  unlink(target: ActorRef<never> | Pid): void {
    const other = this.#target(target);
    if (other !== undefined) unlink(this, other);
  }

  monitor(target: ActorRef<never> | Pid | string): MonitorRef {
    if ((this.flags & DEAD) !== 0) {
      // A zombie's monitor is born inactive: nothing is registered, nothing fires.
      const m = new Monitor(this.runtime.nextMessageId(), this, null, undefined, undefined, null);
      m.active = false;
      return m;
    }
    if (typeof target === 'string') {
      const holder = this.runtime.whereisName(target);
      return monitor(this.runtime, this, holder, holder?.pid, target, null);
    }
    return monitor(this.runtime, this, this.#target(target), this.#pidOf(target), undefined, null);
  }

  demonitor(ref: MonitorRef, options?: DemonitorOptions): boolean {
    return ref instanceof Monitor && demonitor(this, ref, options?.flush === true);
  }

  trapExit(on: boolean): boolean {
    const previous = (this.flags & TRAP_EXIT) !== 0;
    if (on) this.flags |= TRAP_EXIT;
    else this.flags &= ~TRAP_EXIT;
    if (previous !== on && this.runtime.events.observed) {
      this.runtime.events.emit({
        type: 'trap-exit',
        pid: this.pid,
        on,
        at: this.runtime.clock.now(),
      });
    }
    return previous;
  }

  get trappingExits(): boolean {
    return (this.flags & TRAP_EXIT) !== 0;
  }

  exit(target: ActorRef<never> | Pid, reason: ExitReason): void {
    if ((this.flags & DEAD) !== 0) return;
    const other = this.#target(target);
    if (other !== undefined) signalExit(other, this, reason, false);
  }

  /** The local process behind a ref or pid; undefined when it is gone or unknown. */
  #target(target: ActorRef<never> | Pid): ActorProcess | undefined {
    if (typeof target === 'number') return this.runtime.lookup(target);
    return this.runtime.resolveLocal(target as ActorRef<unknown>);
  }

  #pidOf(target: ActorRef<never> | Pid): Pid {
    return typeof target === 'number' ? target : target.pid;
  }

  sendAfter(delayMs: number, message: unknown, to?: ActorRef<unknown>): TimerRef {
    return startProcessTimer(this, delayMs, message, to, 0);
  }

  sendInterval(intervalMs: number, message: unknown, to?: ActorRef<unknown>): TimerRef {
    if (!(intervalMs > 0)) throw new InvalidArgumentError('intervalMs', 'must be a number > 0');
    return startProcessTimer(this, intervalMs, message, to, intervalMs);
  }

  cancelTimer(timer: TimerRef): number | false {
    return timer instanceof MessageTimer && timer.cancelIn(this.runtime.timers);
  }
}
