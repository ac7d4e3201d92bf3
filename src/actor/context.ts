import type { Envelope } from '../mailbox/index.js';
import type { ExitReason, Pid } from '../process/index.js';
import type { ActorDefinition } from './definition.js';
import type { ActorRef } from './ref.js';
import type { SpawnOptions } from './spawn-options.js';
import type { TimerRef } from './timer.js';

/**
 * What a handler or hook can see and do. One context per process, valid for
 * its whole life; after the process has exited its effects are ignored.
 *
 * @example
 * ```ts
 * handle(msg, ctx) {
 *   ctx.state.count++;
 *   if (ctx.state.count === 1) ctx.sendAfter(1_000, { type: 'tick' });
 *   if (msg.type === 'quit') ctx.stop();
 * }
 * ```
 */
export interface ActorContext<M, S = undefined> {
  /** A ref to this process. */
  readonly self: ActorRef<M>;
  /** This process's pid. */
  readonly pid: Pid;
  /** The parent's pid; undefined for top-level processes. */
  readonly parent: Pid | undefined;
  /** The private state: read it, mutate it or replace it. */
  state: S;
  /** The sender of the message being handled, when it was sent from a handler. */
  readonly sender: Pid | undefined;
  /** Metadata of the message being handled, when the sender attached any or `envelopes` is on. */
  readonly envelope: Envelope<M> | undefined;
  /** Messages handled so far by this process (across restarts). */
  readonly handled: number;
  /** Clock time at which the current turn started (when the last message was taken). */
  readonly lastMessageAt: number | undefined;
  /** How many times this process restarted in place. */
  readonly restarts: number;
  /** Aborted when this process stops or restarts, so async work can be abandoned. */
  readonly signal: AbortSignal;
  /** Spawns a child: it is stopped before this process stops. */
  spawn<M2, S2, A2>(
    definition: ActorDefinition<M2, S2, A2>,
    options?: SpawnOptions<A2>,
  ): ActorRef<M2>;
  /** Stops this process after the current handler returns; `terminate` runs. Default reason `normal`. */
  stop(reason?: ExitReason): void;
  /** Sends `message` to this process (or to `to`) after `delayMs`. Cancelled when this process ends. */
  sendAfter(delayMs: number, message: M): TimerRef;
  sendAfter<T>(delayMs: number, message: T, to: ActorRef<T>): TimerRef;
  /** Sends `message` every `intervalMs` until cancelled or this process ends. */
  sendInterval(intervalMs: number, message: M): TimerRef;
  sendInterval<T>(intervalMs: number, message: T, to: ActorRef<T>): TimerRef;
  /** Cancels a timer; returns the ms it had left, or `false` if it had fired or was cancelled (OTP `cancel_timer`). */
  cancelTimer(timer: TimerRef): number | false;
}
