import { InvalidArgumentError } from '../errors.js';
import { checkTimerDelay } from '../limits/index.js';
import { TimerEntry, type TimerQueue } from '../scheduler/index.js';
import { isRuntimeMessage } from '../signals/index.js';
import type { ActorProcess } from './process.js';
import type { ActorRef } from './ref.js';

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

/** Something a timer can deliver to and be tied to. */
export interface TimerHost {
  readonly pid: number;
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

  /** The pid the message goes to. */
  get targetPid(): number {
    return this.#to.pid;
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
 * Starts a timer owned by `p` that sends `message` to `to` (default `p`)
 * after `delayMs`, then every `interval` ms when it is above 0.
 */
export function startProcessTimer(
  p: ActorProcess,
  delayMs: number,
  message: unknown,
  to: ActorRef<unknown> | undefined,
  interval: number,
): TimerRef {
  checkTimerDelay(delayMs, false);
  if (message === undefined)
    throw new InvalidArgumentError('message', 'undefined is not a message');
  const dest = to === undefined ? p : p.runtime.resolveLocal(to);
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
