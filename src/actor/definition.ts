import type { ExitReason } from '../process/index.js';
import type { ActorContext } from './context.js';

/**
 * What a failure means, returned by an actor's `onError` hook:
 * - `resume`: skip the message that failed and keep the state;
 * - `restart`: run `terminate`, then `init` again for fresh state, in the
 *   same process (same pid, same mailbox); counts as a restart;
 * - `stop`: exit with the error as reason (`terminate` runs first);
 * - `escalate`: exit with the error as reason and fail the parent with an
 *   {@link EscalatedError}.
 *
 * @example
 * ```ts
 * onError: (error) => (error instanceof TransientError ? 'resume' : 'restart')
 * ```
 */
export type Directive = 'resume' | 'restart' | 'stop' | 'escalate';

/**
 * An actor: how to start, handle one message, fail and stop. `M` is the
 * message type its refs accept, `S` its private state, `A` the arguments
 * given at spawn.
 *
 * Messages are handled strictly one at a time, in mailbox order; an async
 * `handle` holds the next message back until its promise settles.
 *
 * @example
 * ```ts
 * type Msg = { type: 'add'; n: number } | { type: 'sum'; reply: Reply<number> };
 * const adder = defineActor<Msg, number>({
 *   init: () => 0,
 *   handle(msg, ctx) {
 *     if (msg.type === 'add') ctx.state += msg.n;
 *     else msg.reply.send(ctx.state);
 *   },
 * });
 * ```
 */
export interface ActorDefinition<M, S = undefined, A = undefined> {
  /** A label for inspection (the observer shows it as the process's behaviour). */
  readonly label?: string;
  /**
   * Runs before the first message (OTP `init/1`, Akka `preStart`) and again
   * on restart; returns the initial state. Without it the state is `undefined`.
   * A throw, or a rejected promise, makes the process exit with an error reason.
   */
  init?(ctx: ActorContext<M, S>, args: A): S | Promise<S>;
  /** Handles one message. Sync handlers cost no Promise. */
  handle(message: M, ctx: ActorContext<M, S>): void | Promise<void>;
  /**
   * Runs after the process stopped handling messages (OTP `terminate/2`,
   * Akka `postStop`), also before a restart. Not run when the process is killed.
   */
  terminate?(reason: ExitReason, ctx: ActorContext<M, S>): void | Promise<void>;
  /**
   * Decides what a failure means. `message` is the message being handled, or
   * undefined when the failure came from `init` or an escalating child.
   * Without this hook a failure stops the process with an error reason (OTP's crash).
   */
  onError?(error: unknown, message: M | undefined, ctx: ActorContext<M, S>): Directive;
}

/**
 * Declares an actor definition. An identity function that gives the compiler
 * a place to infer `M`, `S` and `A`, and freezes the definition.
 *
 * @example
 * ```ts
 * const echo = defineActor<{ text: string; reply: Reply<string> }>({
 *   handle: (msg) => msg.reply.send(msg.text),
 * });
 * ```
 */
export function defineActor<M, S = undefined, A = undefined>(
  definition: ActorDefinition<M, S, A>,
): ActorDefinition<M, S, A> {
  return Object.freeze({ ...definition });
}

/**
 * The error a parent sees when a child escalates (the child's `onError`
 * returned `escalate`). `cause` is the child's error.
 *
 * @example
 * ```ts
 * onError: (e) => (e instanceof EscalatedError ? 'restart' : 'stop')
 * ```
 */
export class EscalatedError extends Error {
  /** Pid of the child that escalated. */
  readonly child: number;

  constructor(child: number, cause: unknown) {
    super(
      `child <0.${child}> escalated: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'EscalatedError';
    this.child = child;
  }
}
