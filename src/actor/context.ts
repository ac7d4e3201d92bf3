import type { Topic } from '../broker/index.js';
import type { Envelope } from '../mailbox/index.js';
import type { ExitReason, Pid } from '../process/index.js';
import type { GroupName, Name, ServiceKey } from '../registry/index.js';
import type { SecurityContext } from '../security/index.js';
import type { DemonitorOptions, MonitorRef } from '../signals/index.js';
import type { ActorDefinition } from './definition.js';
import type { ActorRef, Address, HolderAddress } from './ref.js';
import type { SpawnOptions } from './spawn-options.js';
import type { TimerDestination, TimerRef } from './timer.js';

/**
 * Where a process group lives: its scope (OTP `pg` scope).
 *
 * @example
 * ```ts
 * ctx.join('workers', { scope: 'cluster' });
 * ```
 */
export interface GroupOptions {
  /** A named scope, created on first use; default `'default'` (`system.groups`). */
  readonly scope?: string;
}

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
  /**
   * Spawns a child: it is stopped before this process stops, with this
   * process's reason when the two are linked. With `{ detached: true }`,
   * Erlang's plain `spawn`: no parent tie, only links and monitors connect them.
   */
  spawn<M2, S2, A2>(
    definition: ActorDefinition<M2, S2, A2>,
    options?: SpawnOptions<A2, NoInfer<M2>>,
  ): ActorRef<M2>;
  /** Stops this process after the current handler returns; `terminate` runs. Default reason `normal`. */
  stop(reason?: ExitReason): void;
  /**
   * The security context this process runs under: the system's policy,
   * narrowed by each ancestor's `security` spawn option and its own. Ports
   * and file actors check every operation against it.
   */
  readonly security: SecurityContext;
  /** An address by registered name, resolved at each send (see `system.named`). */
  named<T>(name: Name<T>): Address<T>;
  /** Untyped: the caller states the message type (prefer a `name<T>()` token). */
  named<T>(name: string): Address<T>;
  /**
   * Joins process group `group` once more (OTP `pg:join`); left
   * automatically on exit. A group's name is a string or any
   * structured-cloneable key (`['shard', 3]`); `scope` picks a named scope
   * (OTP `pg` scopes, default `'default'`, the one `system.groups` shows).
   */
  join(group: GroupName, options?: GroupOptions): void;
  /** Leaves `group` once; false when not a member (OTP `pg:leave`). */
  leave(group: GroupName, options?: GroupOptions): boolean;
  /** Registers this process in `service` under `key` (Elixir `Registry.register`); removed on exit. */
  registerService(service: string | ServiceKey<M>, key: string, value?: unknown): void;
  /** Removes this process's entries under `key`; false when it had none. */
  unregisterService(service: string | ServiceKey<unknown>, key: string): boolean;
  /** Subscribes this process to `topic` until it unsubscribes or exits. Include `T` in `M`. */
  subscribe<T extends M>(topic: Topic<T>): void;
  /** Ends this process's subscriptions to `topic`; returns how many. */
  unsubscribe<T>(topic: Topic<T>): number;
  /**
   * Spawns a child and links to it in one step (OTP `spawn_link/1`): if it
   * dies abnormally, so does this process, unless it traps exits.
   */
  spawnLink<M2, S2, A2>(
    definition: ActorDefinition<M2, S2, A2>,
    options?: SpawnOptions<A2, NoInfer<M2>>,
  ): ActorRef<M2>;
  /** Spawns a child and monitors it in one step (OTP `spawn_monitor/1`). */
  spawnMonitor<M2, S2, A2>(
    definition: ActorDefinition<M2, S2, A2>,
    options?: SpawnOptions<A2, NoInfer<M2>>,
  ): [ActorRef<M2>, MonitorRef];
  /**
   * Links this process to `target` (OTP `link/1`); links are symmetric and
   * at most one exists per pair. A target that is gone throws `NoProcError`,
   * or, when trapping exits, arrives as an `EXIT` message with `noproc`.
   */
  link(target: ActorRef<never> | Pid): void;
  /** Removes the link to `target` (OTP `unlink/1`); an `EXIT` already queued stays. */
  unlink(target: ActorRef<never> | Pid): void;
  /**
   * Monitors `target` (OTP `monitor/2`): one `DownMessage` arrives when it
   * exits, or at once with `noproc` if it is gone. A name — a local one, or
   * a cluster name (`system.cluster.global(name)`) — is resolved once, now.
   */
  monitor(
    target: ActorRef<never> | Pid | string | Name<unknown> | HolderAddress<never>,
  ): MonitorRef;
  /**
   * Removes a monitor (OTP `demonitor/2`); returns true if it was still in
   * place. With `flush`, a DOWN for it already queued is removed too.
   */
  demonitor(ref: MonitorRef, options?: DemonitorOptions): boolean;
  /**
   * Turns trapping exits on or off and returns the previous setting (OTP
   * `process_flag(trap_exit, B)`). A trapping process receives exit signals
   * as `ExitMessage`s instead of dying (except an explicit kill); an exit
   * from its parent stops it gracefully with that reason.
   */
  trapExit(on: boolean): boolean;
  /** Whether this process traps exits. */
  readonly trappingExits: boolean;
  /**
   * Sends an exit signal to `target` (OTP `exit/2`): `exitReason.kill` ends
   * it with `killed`, untrappable; `normal` is ignored by a non-trapping
   * target; any other reason ends a non-trapping target at once (no `terminate`).
   */
  exit(target: ActorRef<never> | Pid, reason: ExitReason): void;
  /**
   * Sends `message` to this process (or to `to`) after `delayMs`. Cancelled
   * when this process ends, or when `to` (a ref) ends. A name, or an address
   * made by `named`, is looked up when the timer fires (OTP
   * `erlang:send_after(T, Name, Msg)`): nobody holding it then makes the
   * message a dead letter with reason `unregistered`.
   */
  sendAfter(delayMs: number, message: M): TimerRef;
  sendAfter<T>(delayMs: number, message: T, to: TimerDestination<T>): TimerRef;
  /** Sends `message` every `intervalMs` until cancelled or this process ends (or `to`, a ref). */
  sendInterval(intervalMs: number, message: M): TimerRef;
  sendInterval<T>(intervalMs: number, message: T, to: TimerDestination<T>): TimerRef;
  /** Cancels a timer; returns the ms it had left, or `false` if it had fired or was cancelled (OTP `cancel_timer`). */
  cancelTimer(timer: TimerRef): number | false;
  /** The ms a timer has left, without cancelling it; `false` if it fired or was cancelled (OTP `read_timer`). */
  readTimer(timer: TimerRef): number | false;
}
