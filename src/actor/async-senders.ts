import { AsyncLocalStorage } from 'node:async_hooks';
import { InvalidArgumentError, NoProcError } from '../errors.js';
import type { SendOptions } from '../mailbox/index.js';
import { DEAD, formatPid, type Pid } from '../process/index.js';
import type { Clock } from '../scheduler/index.js';
import type { ActorProcess } from './process.js';
import type { AskOptions } from './ref.js';
import type { Current, Runtime } from './runtime.js';

/**
 * Which process the code running now continues: the async context of the
 * processes whose `handle` or `init` is an `async` function. Such a step
 * runs inside {@link AsyncSenders.run}, so what it awaits (and the timers
 * and callbacks it sets up) resumes knowing its process, and a plain ref
 * can tell after an `await` who is sending — and that a killed sender
 * sends nothing (§4). Synchronous handlers never enter it: a system whose
 * handlers are all synchronous never creates one, and pays nothing.
 *
 * @example
 * ```ts
 * const senders = new AsyncSenders();
 * senders.run(p, () => def.handle(message, p)); // an async handler's first part
 * senders.sender(); // after its await, in a continuation: p
 * ```
 */
export class AsyncSenders {
  readonly #storage = new AsyncLocalStorage<ActorProcess | undefined>();

  /** Runs `step` (the synchronous part of an async handler or init) as `p`'s. */
  run<T>(p: ActorProcess, step: () => T): T {
    return this.#storage.run(p, step);
  }

  /** The process whose async step the running code continues, if any. */
  sender(): ActorProcess | undefined {
    return this.#storage.getStore();
  }

  /**
   * Runs `work` in no process's context, so what it schedules (the
   * scheduler's next round, a dead-letter listener's sends) is nobody's.
   * `run(undefined)`, not `exit`: on Node 20 and 22 `exit` disables the
   * storage and enables it again, which takes Node's promise hooks down and
   * sets them up anew and queues a microtask, each time (fan-in calls this
   * about once per 37 asks). Either way `sender()` is undefined inside and
   * what `work` sets up carries no process.
   */
  outside<T>(work: () => T): T {
    return this.#storage.run(undefined, work);
  }
}

/**
 * A `tell` through a plain ref with no handler running: the send of the
 * async step it continues, if any. Sent as that process (its pid is the
 * sender); when it has exited, `deliver` makes it a dead letter
 * `sender-exited` (a zombie's send has no effect, otp-rules §3).
 *
 * @example
 * ```ts
 * // LocalRef.tell, when runtime.current is null and async steps exist:
 * tellFromStep(senders, target, message, options);
 * ```
 */
export function tellFromStep(
  senders: AsyncSenders,
  target: ActorProcess,
  message: unknown,
  options: SendOptions | undefined,
): void {
  const from = senders.sender();
  if (from === undefined) {
    target.deliver(message, options);
    return;
  }
  if ((from.flags & DEAD) !== 0) {
    tellFromExited(senders, from, target, message);
    return;
  }
  const runtime = from.runtime;
  runtime.current = from;
  try {
    target.deliver(message, options);
  } finally {
    runtime.current = null;
  }
}

/** A zombie's tell: a dead letter `sender-exited`, whatever the target's state (see {@link refuseExitedSend}). */
function tellFromExited(
  senders: AsyncSenders,
  from: ActorProcess,
  target: ActorProcess,
  message: unknown,
): void {
  if (message === undefined)
    throw new InvalidArgumentError('message', 'undefined is not a message');
  senders.outside(() => refuseExitedSend(from.runtime, message, target.pid, from.pid));
}

/**
 * A send by `sender`, a process that has exited: a dead letter
 * `sender-exited` (counted), whatever the target's state — the sender is
 * refused first, so a zombie's send to a process that is gone too is
 * still counted as the zombie's (semantics §4); `address` names what it
 * was sent through (`ctx.named`'s name). Emitted with no process
 * current and outside every async step, so a dead-letter listener's own
 * sends are not the zombie's (they would be refused again, and call it again).
 *
 * @example
 * ```ts
 * // deliver, when the current process is dead:
 * refuseExitedSend(runtime, message, to.pid, current.pid);
 * ```
 */
export function refuseExitedSend(
  runtime: Runtime,
  message: unknown,
  target: Pid | undefined,
  sender: Pid,
  address?: string,
  correlationId?: number,
): void {
  const previous = runtime.current;
  runtime.current = null;
  try {
    const senders = runtime.asyncSenders;
    const refuse = (): void =>
      runtime.deadLetter(message, target, sender, 'sender-exited', address, correlationId);
    if (senders === null) refuse();
    else senders.outside(refuse);
  } finally {
    runtime.current = previous;
  }
}

/**
 * The process sending now, when it has exited; null for a live sender or
 * none. That is the running handler's process (a handler that ended its
 * own process runs on), or, with no handler running, the process of the
 * async step this code continues (a killed handler after an `await`).
 * For the sends that do not go through a process's `deliver` — a fan-out
 * or a routed send (group, topic, pool), a reply — so they can refuse a
 * zombie first (§4). Costs a flag test while a handler runs, else a null
 * test in a system without async steps.
 *
 * @example
 * ```ts
 * const zombie = exitedSenderNow(runtime);
 * if (zombie !== null) return refuseExitedFanOut(runtime, zombie, message, 'topic:news');
 * ```
 */
export function exitedSenderNow(runtime: Runtime): Current | null {
  const current = runtime.current;
  if (current !== null) return (current.flags & DEAD) !== 0 ? current : null;
  const from = runtime.asyncSenders?.sender();
  return from !== undefined && (from.flags & DEAD) !== 0 ? from : null;
}

/**
 * A send by `zombie` (see {@link exitedSenderNow}) through an address
 * that fans out or routes: refused before anything behind the address is
 * read, so it is one dead letter `sender-exited` naming `address`, with no
 * target, however many members, subscribers or workers it would have
 * reached (§4). Returns 0, the number it reached.
 *
 * @example
 * ```ts
 * if (zombie !== null) return refuseExitedFanOut(runtime, zombie, message, 'group:g');
 * ```
 */
export function refuseExitedFanOut(
  runtime: Runtime,
  zombie: Current,
  message: unknown,
  address: string,
): 0 {
  if (message === undefined) {
    throw new InvalidArgumentError('message', 'undefined is not a message');
  }
  refuseExitedSend(runtime, message, undefined, zombie.pid, address);
  return 0;
}

/**
 * An `ask` or `offer` by `sender`, a process that has exited: the dead
 * letter of {@link refuseExitedSend} and a `NoProcError` at once.
 *
 * @example
 * ```ts
 * if (current !== null && (current.flags & DEAD) !== 0)
 *   return rejectExitedSend(runtime, request, p.pid, current.pid);
 * ```
 */
export function rejectExitedSend(
  runtime: Runtime,
  message: unknown,
  target: Pid | undefined,
  sender: Pid,
  address?: string,
): Promise<never> {
  if (message === undefined) {
    return Promise.reject(new InvalidArgumentError('message', 'undefined is not a message'));
  }
  refuseExitedSend(runtime, message, target, sender, address);
  const pid = formatPid(sender);
  return Promise.reject(
    new NoProcError(pid, `process ${pid} has exited: its sends have no effect`),
  );
}

/**
 * An `offer` through a plain ref with no handler running (see
 * {@link tellFromStep}); a sender that has exited gets a dead letter
 * `sender-exited` and a `NoProcError` at once, as through `ctx.named`.
 *
 * @example
 * ```ts
 * await offerFromStep(senders, target, message, options);
 * ```
 */
export function offerFromStep(
  senders: AsyncSenders,
  target: ActorProcess,
  message: unknown,
  options: SendOptions | undefined,
): Promise<void> {
  const from = senders.sender();
  if (from === undefined) return target.offerMessage(message, options);
  if ((from.flags & DEAD) !== 0) return senders.outside(() => exitedSender(from, target, message));
  return asSender(from, () => target.offerMessage(message, options));
}

/**
 * An `ask` through a plain ref with no handler running (see
 * {@link tellFromStep}): asked as that process (so asking itself fails
 * with `CallingSelfError`); a sender that has exited gets a dead letter
 * `sender-exited` and a `NoProcError` at once.
 *
 * @example
 * ```ts
 * const reply = await askFromStep(senders, target, { type: 'get' }, undefined);
 * ```
 */
export function askFromStep(
  senders: AsyncSenders,
  target: ActorProcess,
  request: unknown,
  options: AskOptions | undefined,
): Promise<never> {
  const from = senders.sender();
  if (from === undefined) return target.askMessage(request, options);
  if ((from.flags & DEAD) !== 0) {
    return senders.outside(() => exitedSender(from, target, request)) as Promise<never>;
  }
  // As asSender does, without its closure: this is the ask of every async handler.
  const runtime = from.runtime;
  const previous = runtime.current;
  runtime.current = from;
  try {
    return target.askMessage(request, options);
  } finally {
    runtime.current = previous;
  }
}

/** Runs `send` with `from` as the current process, so `deliver` records it as the sender. */
function asSender<T>(from: ActorProcess, send: () => T): T {
  const runtime = from.runtime;
  const previous = runtime.current;
  runtime.current = from;
  try {
    return send();
  } finally {
    runtime.current = previous;
  }
}

/** A send by `from`, which has exited: a dead letter `sender-exited` and a rejected promise. */
function exitedSender(from: ActorProcess, target: ActorProcess, message: unknown): Promise<void> {
  return rejectExitedSend(from.runtime, message, target.pid, from.pid);
}

/**
 * Runs `step`, the synchronous part of `p`'s async handler or init, in
 * `p`'s async context; the system's {@link AsyncSenders} is made on the
 * first such step.
 *
 * @example
 * ```ts
 * const result = runAsyncStep(p, () => handle.call(def, message, p));
 * ```
 */
export function runAsyncStep<T>(p: ActorProcess, step: () => T): T {
  const runtime = p.runtime;
  let senders = runtime.asyncSenders;
  if (senders === null) {
    senders = new AsyncSenders();
    runtime.asyncSenders = senders;
  }
  return senders.run(p, step);
}

/**
 * Calls `p`'s async `handle` with `message` in `p`'s async context (see
 * {@link runAsyncStep}). A function of its own so that the scheduler's
 * loop, which calls it, holds no closure over its locals.
 *
 * @example
 * ```ts
 * const promise = callAsyncHandle(p, p.def.handle, message);
 * ```
 */
export function callAsyncHandle(
  p: ActorProcess,
  handle: (message: unknown, ctx: ActorProcess) => unknown,
  message: unknown,
): unknown {
  return runAsyncStep(p, () => handle.call(p.def, message, p));
}

/**
 * True for an `async` function (or method): a definition whose `handle` or
 * `init` is one runs in its process's async context (semantics §4). Read
 * through the tag, a property load per spawn; a plain function that
 * returns a promise is not one.
 *
 * @example
 * ```ts
 * isAsyncFunction(async () => {}); // true
 * isAsyncFunction(() => Promise.resolve()); // false
 * ```
 */
export function isAsyncFunction(f: unknown): boolean {
  return (
    typeof f === 'function' &&
    (f as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'AsyncFunction'
  );
}

/**
 * The clock the system's timer queue runs on: the system's clock, except
 * that the queue's host timer fires outside any async step. That one host
 * timer may be armed from a step's continuation (an `ask` or `sendAfter`
 * after an `await`); without this, every timer it fires — any process's —
 * and the sends they lead to would seem that step's, and its process's
 * exit would turn them into dead letters `sender-exited`.
 *
 * @example
 * ```ts
 * const timers = new TimerQueue(new StepFreeClock(clock, () => core.asyncSenders), onError);
 * ```
 */
export class StepFreeClock implements Clock {
  readonly #clock: Clock;
  readonly #senders: () => AsyncSenders | null;

  constructor(clock: Clock, senders: () => AsyncSenders | null) {
    this.#clock = clock;
    this.#senders = senders;
  }

  now(): number {
    return this.#clock.now();
  }

  setTimer(callback: () => void, delayMs: number): unknown {
    const fire = (): void => {
      const senders = this.#senders();
      if (senders === null) callback();
      else senders.outside(callback);
    };
    return this.#clock.setTimer(fire, delayMs);
  }

  clearTimer(handle: unknown): void {
    this.#clock.clearTimer(handle);
  }

  keepAlive(handle: unknown, keepAlive: boolean): void {
    this.#clock.keepAlive?.(handle, keepAlive);
  }
}
