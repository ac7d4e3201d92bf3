import type { SendOptions } from '../mailbox/index.js';
import type { Pid } from '../process/index.js';
import type { ReplyOf, RequestOf } from './reply.js';

/**
 * Options of one `ask`: the send options plus a timeout.
 *
 * @example
 * ```ts
 * await ref.ask({ type: 'get' }, { timeout: 250, priority: 'high' });
 * await jobs.ask({ type: 'run', job }, { waitForRoom: true, timeout: 30_000 });
 * ```
 */
export interface AskOptions extends SendOptions {
  /** Milliseconds to wait for the reply; default the system's `askTimeout` (5000). `Infinity` waits forever. */
  readonly timeout?: number;
  /**
   * An absolute clock time by which the reply must come, typically the
   * deadline of the request being handled (`msg.reply.expiresAt`), so a
   * chain of asks shares one budget. The earlier of this and `timeout` wins.
   */
  readonly deadline?: number;
  /**
   * When the target's mailbox is full and its policy is `backpressure`,
   * wait for room (as `offer` does) and then for the reply, instead of
   * rejecting at once with `MailboxFullError`. The timeout covers both
   * waits; a request still waiting for room when it expires is withdrawn,
   * never delivered. Other policies are unaffected. Default false.
   */
  readonly waitForRoom?: boolean;
}

/**
 * Anything a message of type `M` can be sent to: a process's ref, a name, a
 * service key, a process group, a pool. Each resolves its target at every
 * send, so an address that names something keeps working across restarts.
 *
 * @example
 * ```ts
 * function notify(to: Address<Alert>, alert: Alert) { to.tell(alert); }
 * notify(system.named<Alert>('alerts'), alert);
 * notify(pool, alert);
 * ```
 */
export interface Address<M> {
  /**
   * Fire and forget. Never waits. When nothing receives it, the message
   * becomes a dead letter with the reason; a full `reject` or
   * `backpressure` mailbox throws `MailboxFullError`.
   */
  readonly tell: (message: M, options?: SendOptions) => void;
  /** Like `tell`, but waits for room in a full `backpressure` mailbox. Rejects with `NoProcError` when nothing receives it. */
  readonly offer: (message: M, options?: SendOptions) => Promise<void>;
  /**
   * Request-reply. Sends `request` with a fresh reply port as its `reply`
   * field and resolves with what the handler sends to it. Rejects with
   * `NoProcError` (no such process), `CallTimeoutError` (no reply in time),
   * `ProcessExitedError` (it exited first) or what the handler passed to `fail`.
   */
  readonly ask: <Q extends RequestOf<M>>(
    request: Q,
    options?: AskOptions,
  ) => Promise<ReplyOf<M, Q>>;
}

/**
 * A typed address of one process. It accepts only `M` — the compiler
 * rejects any other message — and an `ask` returns exactly the reply type
 * the request's `reply` port declares. Refs are cheap, comparable by `pid`,
 * and stay valid after the process exits (sends then go to dead letters).
 *
 * A ref is an address and nothing more — a pid and the way to reach it: no
 * property of it leads to the process or its state, at run time either.
 * A ref of a process in this thread, in a worker or child process, or (later)
 * on another node has exactly these members.
 *
 * Members are declared as properties so that `ActorRef<A | B>` can be used
 * where an `ActorRef<A>` is expected, but never the other way round.
 *
 * @example
 * ```ts
 * type Msg = { type: 'inc' } | { type: 'get'; reply: Reply<number> };
 * const ref: ActorRef<Msg> = system.spawn(counter);
 * ref.tell({ type: 'inc' });
 * const n: number = await ref.ask({ type: 'get' });
 * ```
 */
export interface ActorRef<M> extends Address<M> {
  /** The process's pid. */
  readonly pid: Pid;
}

/**
 * The key of an address that can name the process it reaches now — a
 * cluster name (`system.cluster.global(name)`): `ctx.monitor` resolves it
 * once, as it does a local name, and monitors that process.
 *
 * @example
 * ```ts
 * const holder = cartAddress[CURRENT_HOLDER]?.(); // ActorRef or undefined
 * ```
 */
export const CURRENT_HOLDER: unique symbol = Symbol('airssys.currentHolder');

/**
 * The key of an address that can say it will never reach anything again —
 * an address of a cluster node that is gone: a timer interval aimed at it
 * stops rather than dead-lettering every tick.
 *
 * @example
 * ```ts
 * const over = address[ADDRESS_GONE]?.() === true;
 * ```
 */
export const ADDRESS_GONE: unique symbol = Symbol('airssys.addressGone');

/**
 * An address whose current holder can be read now (a cluster name): it can
 * be monitored like a local name.
 *
 * @example
 * ```ts
 * ctx.monitor(system.cluster!.global<CartMsg>('cart'));
 * ```
 */
export interface HolderAddress<M> extends Address<M> {
  /** The process the address reaches now, or undefined when nothing holds it. */
  readonly [CURRENT_HOLDER]: () => ActorRef<never> | undefined;
  /** What the address names, for DOWN messages and dead letters (`global:cart`). */
  readonly address: string;
}

/** Whether `value` is a {@link HolderAddress}. */
export function isHolderAddress(value: unknown): value is HolderAddress<never> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [CURRENT_HOLDER]?: unknown })[CURRENT_HOLDER] === 'function'
  );
}
