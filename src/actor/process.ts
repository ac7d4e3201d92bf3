import { CallTimeoutError, InvalidArgumentError, NoProcError } from '../errors.js';
import type { SendOptions } from '../mailbox/index.js';
import {
  decideOverflow,
  Envelope,
  LANE_NORMAL,
  LANE_SYSTEM,
  laneOf,
  Mailbox,
} from '../mailbox/index.js';
import type { ExitReason, Pid, ProcessStatus } from '../process/index.js';
import {
  ASYNC_STEPS,
  BUSY,
  COPY_ON_SEND,
  DEAD,
  ENVELOPES,
  exitReason,
  formatPid,
  NEEDS_INIT,
  NO_LANES,
  STOP_REQUESTED,
  STOPPING,
} from '../process/index.js';
import type { Registration } from '../registry/index.js';
import { PACE_UNKNOWN, type Runnable } from '../scheduler/index.js';
import { askProcess } from './ask.js';
import type { AskRecord } from './ask-record.js';
import {
  type AsyncSenders,
  callAsyncHandle,
  refuseExitedSend,
  rejectExitedSend,
} from './async-senders.js';
import type { ActorContext } from './context.js';
import { ProcessExtras } from './extras.js';
import type { AnyDefinition, ProcessHost } from './host.js';
import {
  awaitHandler,
  failPendingReply,
  handleFailure,
  handleSignal,
  replyPortOf,
  runInit,
} from './lifecycle.js';
import { LocalRef } from './local-ref.js';
import { applyOverflow } from './overflow.js';
import { ProcessContext } from './process-context.js';
import type { ActorRef, AskOptions } from './ref.js';
import { type Current, type Runtime, UNSAMPLED_COUNTDOWN } from './runtime.js';
import { checkSendOptions, copyForSend, transferListOf } from './send-checks.js';
import { beginStop } from './stopping.js';
import { deliverTimerMessage, type MessageTimer, type TimerHost } from './timer.js';

/**
 * One process: its record, its mailbox and the context its handlers see.
 * Users never hold it: they hold its {@link LocalRef} (a pid and a private
 * way here), made on first use. The record is small and monomorphic;
 * everything optional lives in {@link ProcessExtras}, allocated on first use.
 */
export class ActorProcess
  extends ProcessContext
  implements Runnable, ActorContext<unknown, unknown>, TimerHost
{
  // Fields set in the constructor, not by initializers: V8 makes those a function that a
  // spawn ran out of line once its inlining budget was spent (bench/RESULTS.md, restart fast).
  // Only `#ref = null` keeps an initializer (a small one: 11 bytes of bytecode).
  declare readonly runtime: Runtime & ProcessHost;
  declare readonly pid: Pid;
  declare readonly def: AnyDefinition;
  declare readonly parentProcess: ActorProcess | null;
  declare state: unknown;
  declare status: ProcessStatus;
  declare flags: number;
  declare queued: boolean;
  declare pace: number;
  declare mailbox: Mailbox | null;
  declare ext: ProcessExtras | null;
  declare handled: number;
  declare sender: Pid | undefined;
  declare envelope: Envelope<unknown> | undefined;
  declare lastAt: number;
  /** Children as an intrusive list, newest first: O(1) add and remove, no Set per parent. */
  declare firstChild: ActorProcess | null;
  declare prevSibling: ActorProcess | null;
  declare nextSibling: ActorProcess | null;
  /** Its ref, made on first use. */
  #ref: LocalRef | null = null;

  constructor(
    runtime: Runtime & ProcessHost,
    pid: Pid,
    def: AnyDefinition,
    parent: ActorProcess | null,
    flags: number,
  ) {
    super();
    this.runtime = runtime;
    this.pid = pid;
    this.def = def;
    this.parentProcess = parent;
    this.state = undefined;
    this.status = (flags & NEEDS_INIT) !== 0 ? 'starting' : 'waiting';
    this.flags = flags;
    this.queued = false;
    this.pace = PACE_UNKNOWN;
    this.mailbox = null;
    this.ext = null;
    this.handled = 0;
    this.sender = undefined;
    this.envelope = undefined;
    this.lastAt = -1;
    this.firstChild = null;
    this.prevSibling = null;
    this.nextSibling = null;
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

  /** The extras record, created on first use (`spawnProcess` makes it the same way, inline). */
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

  /** Its ref: the address users hold. */
  get ref(): ActorRef<unknown> {
    let ref = this.#ref;
    if (ref === null) {
      ref = new LocalRef(this);
      this.#ref = ref;
    }
    return ref;
  }

  /** A process prints as its pid, never as its state (a context may be logged). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `ActorProcess${formatPid(this.pid)}`;
  }

  override toString(): string {
    return `ActorProcess${formatPid(this.pid)}`;
  }

  /**
   * Queues `message` from the current process; the hot path of `tell`.
   * Kept small, its rare branches in functions of their own: V8 inlines a
   * callee only while the bytecode it brings stays within a budget, and a
   * larger body here left `tell` out of the handlers that call it
   * (bench/RESULTS.md, 2026-12-07).
   */
  deliver(message: unknown, options: SendOptions | undefined, copied?: boolean): void {
    const runtime = this.runtime;
    const current = runtime.current;
    if (message === undefined) throw undefinedMessage();
    const flags = this.flags;
    if ((flags & DEAD) !== 0 || (current !== null && (current.flags & DEAD) !== 0)) {
      refuseSend(this, message, current);
      return;
    }
    const sender = current === null ? undefined : current.pid;
    const mb = this.mailbox ?? newMailbox(this);
    if (options !== undefined || (flags & (ENVELOPES | COPY_ON_SEND)) !== 0) {
      if (!deliverWrapped(this, mb, message, options, sender, copied === true)) return;
    } else if (
      // An unbounded mailbox (the default) never reads its size here, so V8 inlines no size getter.
      mb.capacity === Infinity ||
      mb.size < mb.capacity ||
      applyOverflow(this, mb, message, sender)
    ) {
      mb.pushMessage(message, sender);
      if (!this.queued && (flags & BUSY) === 0) runtime.scheduler.schedule(this);
    } else {
      return;
    }
    if (--runtime.sentLeft === 0) sentCountdownEnded(this, sender, message);
  }

  /**
   * Like `deliver`, but a sender that may wait does (`ActorRef.offer`): the
   * overflow policy (`decideOverflow` with `waiting`) says whether a full
   * mailbox makes it wait for room; every other outcome is `deliver`'s.
   */
  offerMessage(message: unknown, options?: SendOptions, copied = false): Promise<void> {
    const mb = this.mailbox;
    const current = this.runtime.current;
    // A handler whose process ended sends nothing: refused before the target's state is read.
    if (current !== null && (current.flags & DEAD) !== 0) {
      return rejectExitedSend(this.runtime, message, this.pid, current.pid);
    }
    if ((this.flags & DEAD) !== 0) return Promise.reject(new NoProcError(formatPid(this.pid)));
    if (mb === null || decideOverflow(mb.policy, mb.size, mb.capacity, true) !== 'wait') {
      try {
        this.deliver(message, options, copied);
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (message === undefined) {
      return Promise.reject(new InvalidArgumentError('message', 'undefined is not a message'));
    }
    const sender = current === null ? undefined : current.pid;
    let item: unknown;
    try {
      item = this.wrap(message, options, sender, copied);
    } catch (error) {
      return Promise.reject(error);
    }
    const lane = this.laneOf(item);
    return new Promise((resolve, reject) =>
      mb.wait({ message: item, sender, lane, resolve, reject }),
    );
  }

  /**
   * Appends a message the runtime itself produced (a trapped EXIT, a DOWN)
   * at the end of the normal lane (semantics §11 R6.3). Such messages bypass the overflow
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
  askMessage(request: unknown, options?: AskOptions): Promise<never> {
    return askProcess(this, request, options);
  }

  /** Removes an ask from this process's pending list (it was answered or timed out). */
  forgetAsk(ask: AskRecord): void {
    const ext = this.ext;
    if (ext === null) return;
    if (ask.prev !== null) ask.prev.next = ask.next;
    else if (ext.asks === ask) ext.asks = ask.next;
    if (ask.next !== null) ask.next.prev = ask.prev;
    ask.prev = null;
    ask.next = null;
    // An ask settled while its request still waits for room is withdrawn, never delivered.
    const mb = this.mailbox;
    if (mb?.hasWaiters) mb.withdrawWaiter((item) => replyPortOf(item) === ask.port);
  }

  /** The item a send queues: the message, copied or in an envelope as the options and flags ask. */
  wrap(
    message: unknown,
    options: SendOptions | undefined,
    sender: Pid | undefined,
    copied = false,
  ): unknown {
    const runtime = this.runtime;
    let body = message;
    if (options !== undefined) checkSendOptions(options);
    // A caller that copied the message (an ask) checked its transfer list already.
    const transfer =
      options?.transfer === undefined || copied
        ? (options?.transfer as ArrayBuffer[] | undefined)
        : transferListOf(options.transfer);
    if (!copied && (this.flags & COPY_ON_SEND) !== 0)
      body = copyForSend(this.def, message, transfer);
    if (options === undefined && (this.flags & ENVELOPES) === 0) return body;
    const checked = transfer === undefined ? options : { ...options, transfer };
    return new Envelope(runtime.nextMessageId(), body, sender, runtime.clock.now(), checked);
  }

  /** The lane an item goes to: its envelope's priority's, else normal. */
  laneOf(item: unknown): number {
    if (!(item instanceof Envelope) || (this.flags & NO_LANES) !== 0) return LANE_NORMAL;
    return laneOf(item.priority) ?? LANE_NORMAL;
  }

  // ---- running -------------------------------------------------------------

  /** Handles up to `max` messages; called by the scheduler only. */
  run(max: number, now: number): number {
    const flags = this.flags;
    if ((flags & (BUSY | DEAD | STOPPING)) !== 0) return 0;
    // A round scheduled from an async step's continuation runs in that step's
    // context: leave it, so what this turn's handlers set up is not that process's.
    const senders = this.runtime.asyncSenders;
    if (senders !== null && senders.sender() !== undefined)
      return this.#runOutside(senders, max, now);
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
        result =
          (flags & ASYNC_STEPS) === 0
            ? handle.call(this.def, message, this)
            : callAsyncHandle(this, handle, message);
      } catch (error) {
        if (sampled) this.#sampled(message, t0, true);
        // A handler that ended its own process (an exit signal) throws into the void.
        if ((this.flags & DEAD) !== 0) break;
        handleFailure(this, error, message);
        if ((this.flags & (DEAD | BUSY | STOP_REQUESTED)) !== 0) break;
        continue;
      }
      // A native promise is known without loading `then`: under Node 20's promise hooks
      // promises change maps, and that load deoptimized this loop again and again.
      if (
        result instanceof Promise ||
        (result !== undefined && typeof (result as PromiseLike<void>).then === 'function')
      ) {
        if (sampled) this.#sampledWhenSettled(result as PromiseLike<void>, message, t0);
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

  /**
   * `run` outside any async step's context. Kept out of `run` itself: a
   * closure there would put its locals in a heap context on every turn.
   */
  #runOutside(senders: AsyncSenders, max: number, now: number): number {
    return senders.outside(() => this.run(max, now));
  }

  /**
   * Reports a sampled async handler once it settles. A method of its own,
   * not closures in `run`'s loop: a closure there captures the loop's
   * `message` and `t0`, and V8 then allocates a context for every message
   * handled (88 bytes each, measured with the sampling heap profiler: object
   * ping-pong ran 3× slower once the optimizer stopped removing it).
   */
  #sampledWhenSettled(result: PromiseLike<void>, message: unknown, t0: number): void {
    result.then(
      () => this.#sampled(message, t0, false),
      () => this.#sampled(message, t0, true),
    );
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
}

function undefinedMessage(): InvalidArgumentError {
  return new InvalidArgumentError('message', 'undefined is not a message');
}

/**
 * A zombie's send, or one to a process that has exited: a dead letter, no
 * effect (otp-rules §3). The sender is refused first: a zombie's send to a
 * process that is gone too is `sender-exited`, and counted (semantics §4).
 */
function refuseSend(to: ActorProcess, message: unknown, current: Current | null): void {
  if (current !== null && (current.flags & DEAD) !== 0) {
    refuseExitedSend(to.runtime, message, to.pid, current.pid);
    return;
  }
  to.runtime.deadLetter(message, to.pid, current === null ? undefined : current.pid, 'noproc');
}

function newMailbox(p: ActorProcess): Mailbox {
  const mb = new Mailbox();
  p.mailbox = mb;
  return mb;
}

/**
 * `deliver` of a message with send options, or to a process that wraps or
 * copies what it gets; false when the overflow policy refused it.
 */
function deliverWrapped(
  to: ActorProcess,
  mb: Mailbox,
  message: unknown,
  options: SendOptions | undefined,
  sender: Pid | undefined,
  copied: boolean,
): boolean {
  const item = to.wrap(message, options, sender, copied);
  const lane = to.laneOf(item);
  if (mb.size >= mb.capacity && !applyOverflow(to, mb, item, sender)) return false;
  mb.push(item, sender, lane);
  if (!to.queued && (to.flags & BUSY) === 0) to.runtime.scheduler.schedule(to);
  return true;
}

/** Every `sampleEvery`-th send is reported (message inspection); the countdown starts again. */
function sentCountdownEnded(to: ActorProcess, sender: Pid | undefined, message: unknown): void {
  const runtime = to.runtime;
  runtime.sentLeft = runtime.sampleEvery === 0 ? UNSAMPLED_COUNTDOWN : runtime.sampleEvery;
  if (runtime.sampleEvery !== 0) runtime.reportSent(sender, to.pid, message);
}
