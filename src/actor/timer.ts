import type { DeadLetterReason } from '../broker/index.js';
import { InvalidArgumentError } from '../errors.js';
import { checkTimerDelay } from '../limits/index.js';
import type { Pid } from '../process/index.js';
import { isName, type Name, nameOf } from '../registry/index.js';
import { TimerEntry, type TimerQueue } from '../scheduler/index.js';
import { isRuntimeMessage } from '../signals/index.js';
import { refuseExitedSend } from './async-senders.js';
import type { ActorProcess } from './process.js';
import { type ActorRef, ADDRESS_GONE, type Address, isHolderAddress } from './ref.js';

/**
 * A handle to a timer made by `sendAfter` or `sendInterval`.
 *
 * @example
 * ```ts
 * const t = ctx.sendAfter(500, { type: 'timeout' });
 * if (done) ctx.cancelTimer(t);
 * ```
 */
export interface TimerRef {
  /** True until the timer fired (one-shot) or was cancelled. */
  readonly active: boolean;
}

/**
 * Where a timer sends: a ref (its process; the timer ends when it exits),
 * or a registered name (a string, a `name<T>()` token, or an address made
 * by `named`), looked up each time the timer fires (OTP
 * `erlang:send_after(T, Name, Msg)`, R13.2). Any other address — a service
 * key's, a pool, a name on another node, a cluster name or group — is sent
 * to when the timer fires, as its own `tell` does.
 *
 * @example
 * ```ts
 * ctx.sendAfter(1_000, { type: 'flush' }, 'db'); // whoever holds 'db' in a second
 * ```
 */
export type TimerDestination<T> = ActorRef<T> | Address<T> | Name<T> | string;

/** Something a timer can deliver to and be tied to. */
export interface TimerHost {
  /** The process's pid; undefined for a destination given by name. */
  readonly pid: number | undefined;
  /** Delivers a timer's message; false when the destination is gone. */
  deliverFromTimer(message: unknown): boolean;
  /** Tracks a timer so it is cancelled when this process ends. */
  trackTimer(timer: MessageTimer): void;
  untrackTimer(timer: MessageTimer): void;
}

/**
 * A timer that sends a message to a process, once or every `interval` ms.
 * It is tied to its owner and its destination: when either ends, it is cancelled.
 */
export class MessageTimer extends TimerEntry implements TimerRef {
  readonly #message: unknown;
  readonly #to: TimerHost;
  readonly #owner: TimerHost | null;
  readonly interval: number;
  readonly #rearm: (timer: MessageTimer, delayMs: number) => void;

  constructor(
    message: unknown,
    to: TimerHost,
    owner: TimerHost | null,
    interval: number,
    rearm: (timer: MessageTimer, delayMs: number) => void,
  ) {
    super();
    this.#message = message;
    this.#to = to;
    this.#owner = owner;
    this.interval = interval;
    this.#rearm = rearm;
    to.trackTimer(this);
    if (owner !== null && owner !== to) owner.trackTimer(this);
  }

  /** The pid the message goes to; undefined when it goes to a name. */
  get targetPid(): number | undefined {
    return this.#to.pid;
  }

  /** The registered name the message goes to, looked up when it fires. */
  get targetName(): string | undefined {
    return this.#to instanceof NameDestination ? this.#to.name : undefined;
  }

  /**
   * The address the message goes to when it is neither a process nor a
   * local name (a service key's, a pool, a cluster address); read only by
   * introspection, so the timer keeps no description of its own.
   */
  get targetAddress(): Address<unknown> | undefined {
    return this.#to instanceof AddressDestination ? this.#to.to : undefined;
  }

  /** The pid of the process that set the timer; undefined for `system.sendAfter`. */
  get ownerPid(): number | undefined {
    return this.#owner?.pid;
  }

  fire(): void {
    const delivered = this.#to.deliverFromTimer(this.#message);
    if (delivered && this.interval > 0) this.#rearm(this, this.interval);
    else this.release();
  }

  /** Milliseconds left in `queue` without cancelling (OTP `read_timer`), or `false`. */
  readIn(queue: TimerQueue): number | false {
    return queue.remaining(this);
  }

  /**
   * Cancels this timer in `queue` (OTP `cancel_timer`): returns the ms it had
   * left, or `false` if it had already fired or been cancelled.
   */
  cancelIn(queue: TimerQueue): number | false {
    const left = queue.remaining(this);
    if (left === false) return false;
    queue.cancel(this);
    this.release();
    return left;
  }

  /** Stops tracking this timer in its owner and destination. */
  release(): void {
    this.#to.untrackTimer(this);
    this.#owner?.untrackTimer(this);
  }
}

/**
 * A timer destination given by name: nothing is resolved until the timer
 * fires, and no process's exit cancels it (OTP R13.2). A name nobody holds
 * then makes the message a dead letter with reason `unregistered`.
 */
export class NameDestination implements TimerHost {
  readonly pid = undefined;
  readonly name: string;
  readonly #lookup: (name: string) => ActorProcess | undefined;
  readonly #undeliverable: (message: unknown, address: string) => void;

  constructor(
    name: string,
    lookup: (name: string) => ActorProcess | undefined,
    undeliverable: (message: unknown, address: string) => void,
  ) {
    this.name = name;
    this.#lookup = lookup;
    this.#undeliverable = undeliverable;
  }

  /** Always true: an interval to a name keeps going while nobody holds it. */
  deliverFromTimer(message: unknown): boolean {
    const holder = this.#lookup(this.name);
    if (holder === undefined || !deliverTimerMessage(holder, message)) {
      this.#undeliverable(message, `name:${this.name}`);
    }
    return true;
  }

  trackTimer(): void {}

  untrackTimer(): void {}
}

/**
 * A timer destination that is an address other than a ref or a local name
 * (a service key's, a pool, a cluster name or group): like a name, it is
 * resolved by the address itself when the timer fires, and no process's
 * exit cancels the timer.
 */
export class AddressDestination implements TimerHost {
  readonly pid = undefined;
  readonly #to: Address<unknown>;
  readonly #runtime: ActorProcess['runtime'];

  constructor(to: Address<unknown>, runtime: ActorProcess['runtime']) {
    this.#to = to;
    this.#runtime = runtime;
  }

  /** The address the timer sends to. */
  get to(): Address<unknown> {
    return this.#to;
  }

  /** The address as its dead letters name it. */
  get address(): string {
    const address = (this.#to as { address?: unknown }).address;
    return typeof address === 'string' ? address : String(this.#to);
  }

  /**
   * True while the address may reach something: an interval keeps going
   * while nothing is behind it, and stops (false) once it belongs to a
   * cluster node that is gone (that tick is its one dead letter).
   */
  deliverFromTimer(message: unknown): boolean {
    const to = this.#to as Address<unknown> & { [ADDRESS_GONE]?: () => boolean };
    const runtime = this.#runtime;
    const previous = runtime.current;
    runtime.current = null; // a timer's message has no sender
    try {
      to.tell(message);
    } catch (error) {
      // Refused at send: the timer's message is a dead letter, with the reason the refusal gives.
      runtime.deadLetter(message, undefined, undefined, timerDropReason(error), this.address);
    } finally {
      runtime.current = previous;
    }
    // The tick reached nothing (a dead letter `noconnection`); no later one will.
    return to[ADDRESS_GONE]?.() !== true;
  }

  trackTimer(): void {}

  untrackTimer(): void {}
}

/**
 * A timer that is not set: its owner has exited — refused first (semantics
 * §4, §9): a counted dead letter `sender-exited` whatever the destination —
 * or else its destination has (`noproc`). Nothing vanishes.
 *
 * @example
 * ```ts
 * if (gone || (owner !== null && !owner.alive)) refuseTimer(runtime, message, to, owner);
 * ```
 */
export function refuseTimer(
  runtime: ActorProcess['runtime'],
  message: unknown,
  to: { readonly pid: number | undefined } | string,
  owner: { readonly pid: Pid; readonly alive: boolean } | null,
): void {
  // A TimerHost's pid is a process's pid (or undefined for a name or address).
  const target = (typeof to === 'string' ? undefined : to.pid) as Pid | undefined;
  if (owner === null || owner.alive) {
    runtime.deadLetter(message, target, owner?.pid, 'noproc');
    return;
  }
  const address =
    typeof to === 'string'
      ? `name:${to}`
      : to instanceof AddressDestination
        ? to.address
        : undefined;
  refuseExitedSend(runtime, message, target, owner.pid, address);
}

/**
 * The dead letter reason of a timer message its address refused: its
 * error's code says why (a full mailbox drops the newest).
 *
 * @example
 * ```ts
 * timerDropReason(new NoConnectionError('node b_1', 'b_1')); // 'noconnection'
 * ```
 */
export function timerDropReason(error: unknown): DeadLetterReason {
  switch ((error as { code?: unknown } | null)?.code) {
    case 'ERR_NOCONNECTION':
      return 'noconnection';
    case 'ERR_NOPROC':
      return 'noproc';
    case 'ERR_INVALID_ARG':
    case 'ERR_PAYLOAD_TOO_LARGE':
      return 'unexpected';
    default:
      return 'dropped-newest';
  }
}

/** Whether `to` is an address (tell, offer, ask) rather than a ref of a process. */
function isAddress(to: unknown): to is Address<unknown> {
  const a = to as Partial<Address<unknown>> | null;
  return (
    typeof a === 'object' &&
    a !== null &&
    typeof a.tell === 'function' &&
    typeof a.ask === 'function' &&
    !('pid' in a)
  );
}

/**
 * The process, name or other address a timer destination stands for;
 * throws `InvalidArgumentError` for an empty name or a foreign ref.
 */
export function timerTarget(
  runtime: ActorProcess['runtime'],
  to: TimerDestination<unknown>,
): ActorProcess | string | TimerHost {
  if (typeof to === 'string') {
    if (to.length === 0) throw new InvalidArgumentError('to', 'a name must be a non-empty string');
    return to;
  }
  // A cluster name is resolved by the address itself (it has a `name` too).
  if (isHolderAddress(to)) return new AddressDestination(to as Address<unknown>, runtime);
  // A name token or a named address: a name, no pid.
  if (isName(to)) return nameOf(to);
  if (isAddress(to)) return new AddressDestination(to, runtime);
  return runtime.resolveLocal(to as ActorRef<unknown>);
}

/**
 * Starts a timer owned by `p` that sends `message` to `to` (default `p`)
 * after `delayMs`, then every `interval` ms when it is above 0.
 */
export function startProcessTimer(
  p: ActorProcess,
  delayMs: number,
  message: unknown,
  to: TimerDestination<unknown> | undefined,
  interval: number,
): TimerRef {
  checkTimerDelay(delayMs, false);
  if (message === undefined)
    throw new InvalidArgumentError('message', 'undefined is not a message');
  const dest = to === undefined ? p : timerTarget(p.runtime, to);
  return p.runtime.startTimer(message, dest, p, delayMs, interval);
}

/** Delivers a timer's message to `p`, with no sender; false when `p` has exited. */
export function deliverTimerMessage(p: ActorProcess, message: unknown): boolean {
  if (!p.alive) return false;
  const runtime = p.runtime;
  const previous = runtime.current;
  runtime.current = null; // a timer's message has no sender
  try {
    if (isRuntimeMessage(message)) p.enqueueRuntimeMessage(message, undefined);
    else p.deliver(message, undefined);
  } catch {
    // A full reject/backpressure mailbox refuses a timer message: it is
    // counted as rejected and reported as overflow. No sender can catch
    // the error, so the message is dropped as a dead letter, not lost.
    runtime.deadLetter(message, p.pid, undefined, 'dropped-newest');
  } finally {
    runtime.current = previous;
  }
  return true;
}
