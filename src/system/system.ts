import type {
  ActorDefinition,
  ActorRef,
  Address,
  AnyDefinition,
  SpawnOptions,
  TimerDestination,
  TimerRef,
} from '../actor/index.js';
import { kill, MessageTimer, signalExit, startNow, timerTarget } from '../actor/index.js';
import type { DeadLetter, Listener, SystemEvent, SystemEventType } from '../broker/index.js';
import { ClusterNode, type ClusterOptions } from '../cluster/index.js';
import { InvalidArgumentError, StartFailedError } from '../errors.js';
import { checkTimerDelay } from '../limits/index.js';
import { HealthMonitor, type HealthOptions, type HealthReport } from '../observe/index.js';
import type { ExitReason, Pid, ProcessStatus } from '../process/index.js';
import { exitReason, formatExitReason, formatPid, toExitReason } from '../process/index.js';
import {
  type CircuitBreaker,
  type CircuitBreakerOptions,
  systemCircuitBreaker,
} from '../resilience/index.js';
import { type Pool, type PoolOptions, startPool } from '../routing/index.js';
import type { Clock } from '../scheduler/index.js';
import type { ChildActor } from '../supervisor/index.js';
import { backlogOf, waitForBacklog } from './backlog.js';
import { type ProcessTarget, type StopOptions, stopProcess, watchExit } from './control.js';
import type { SystemCore } from './core.js';
import { describeProcess, type ProcessInfo, type SystemStats, systemStats } from './info.js';
import { addInspector, type InspectOptions, subscribeActor } from './inspection.js';
import type { RemovedStale, RemoveStaleOptions } from './introspect.js';
import { type Introspection, introspect, removeStale } from './introspect.js';
import { SystemNaming } from './naming.js';
import { beginShutdown, type ShutdownOptions } from './shutdown.js';

/**
 * One actor system: it owns the clock, scheduler, process table, names,
 * timers and event streams. There is no module-level state, so any number
 * of systems can live in one process, fully independent.
 *
 * @example
 * ```ts
 * const system = createSystem();
 * const ref = system.spawn(counter);
 * ref.tell({ type: 'inc' });
 * console.log(await ref.ask({ type: 'get' }));
 * await system.shutdown();
 * ```
 */
export class ActorSystem extends SystemNaming {
  readonly #core: SystemCore;
  readonly #createdAt: number;
  #health: HealthMonitor | undefined;

  /** @internal Use {@link createSystem}. */
  constructor(core: SystemCore) {
    super(core);
    this.#core = core;
    this.#createdAt = core.clock.now();
  }

  /** The system's label. */
  get name(): string {
    return this.#core.options.name;
  }

  /** The system's clock. */
  get clock(): Clock {
    return this.#core.clock;
  }

  /** Inspection events: spawned, exited, restarted, escalated, dead letters, long handlers, overflow. */
  get events(): {
    subscribe(listener: Listener<SystemEvent>, types?: readonly SystemEventType[]): () => void;
  } {
    return this.#core.events;
  }

  /** Every message that was not handled, with the reason. */
  get deadLetters(): { subscribe(listener: Listener<DeadLetter>): () => void } {
    return this.#core.deadLetters;
  }

  /**
   * Spawns a top-level process running `definition`. Returns at once; `init`
   * runs before the first message.
   * Throws `InvalidArgumentError` for bad options, `NameTakenError` for a taken name.
   */
  spawn<M, S, A>(
    definition: ActorDefinition<M, S, A>,
    options?: SpawnOptions<A, NoInfer<M>>,
  ): ActorRef<M> {
    const p = this.#core.spawnProcess(
      definition as unknown as AnyDefinition,
      options as SpawnOptions<unknown> | undefined,
      null,
    );
    return p.ref as unknown as ActorRef<M>;
  }

  /**
   * Spawns a top-level process and resolves once its `init` has finished
   * (OTP `gen_server:start`). Rejects with `StartFailedError` carrying the
   * exit reason if it ended during init (`normal` when init stopped it).
   */
  async start<M, S, A>(
    definition: ActorDefinition<M, S, A>,
    options?: SpawnOptions<A, NoInfer<M>>,
  ): Promise<ActorRef<M>> {
    const p = this.#core.spawnProcess(
      definition as unknown as AnyDefinition,
      options as SpawnOptions<unknown> | undefined,
      null,
    );
    const outcome = await startNow(p);
    if (outcome.kind === 'started') return p.ref as unknown as ActorRef<M>;
    const reason = outcome.kind === 'failed' ? outcome.reason : exitReason.normal;
    throw new StartFailedError(formatPid(p.pid), reason, formatExitReason(reason));
  }

  /**
   * Sends an exit signal from outside any process (OTP `exit/2`):
   * `exitReason.kill` ends the target with `killed` even if it traps exits;
   * `normal` is ignored unless it traps exits; any other reason ends a
   * non-trapping target at once, or reaches a trapping one as an `EXIT`
   * message. The target is dead when this returns, if it is going to die.
   */
  exit(target: ProcessTarget, reason: ExitReason): void {
    const read = toExitReason(reason);
    const p = this.#core.process(target);
    if (p !== undefined) signalExit(p, undefined, read, false);
  }

  /**
   * Resolves with the target's exit reason once it exits, or with `noproc`
   * at once if it is not alive: a monitor held outside any process. When
   * `signal` aborts first, the monitor is removed and the promise rejects
   * with the signal's reason. A target that is not a ref or pid (`null`
   * included) throws `InvalidArgumentError`, as for `stop`; options that
   * are not an object, or a `signal` that is not an `AbortSignal`, reject with it.
   */
  exited(target: ProcessTarget, options?: { readonly signal?: AbortSignal }): Promise<ExitReason> {
    // Resolved first: it throws InvalidArgumentError for null or any other non-target.
    const p = this.#core.process(target);
    const pid = typeof target === 'number' ? target : target.pid;
    return watchExit(this.#core, p, pid, options);
  }

  /**
   * What the rest of the API does not show, built now by one walk over the
   * processes and timers: registered names, message timers (target, time
   * left), pending asks per caller and system-wide, hosts with their
   * processes and pending asks, what exited processes left behind, and the
   * sends attempted by exited processes. For tests and leak hunts, not for
   * a hot path.
   */
  introspect(): Introspection {
    return introspect(this.#core);
  }

  /**
   * Removes monitors held by exited processes and links to exited processes
   * (leaks: exits remove both), and with `exitedWaiters` every `system.exited`
   * wait on a live process (it rejects `ERR_WAIT_REMOVED`: catch it); says how
   * many of each (semantics §16).
   */
  removeStale(options?: RemoveStaleOptions): RemovedStale {
    return removeStale(this.#core, options);
  }

  /** Stops a process gracefully (children first, then `terminate`); resolves when it has exited. */
  stop(target: ProcessTarget, options?: StopOptions): Promise<void> {
    return stopProcess(this.#core, this.#core.process(target), options);
  }

  /** Kills a process at once: no `terminate`; its exit reason is `killed`. */
  kill(target: ProcessTarget): void {
    const p = this.#core.process(target);
    if (p !== undefined) kill(p);
  }

  /** Whether the process is alive (OTP `is_process_alive/1`). */
  isAlive(target: ProcessTarget): boolean {
    return this.#core.process(target)?.alive ?? false;
  }

  /** The process's status; for a ref it stays readable after exit, for a forgotten pid it is undefined. */
  status(target: ProcessTarget): ProcessStatus | undefined {
    return this.#core.process(target)?.status;
  }

  /**
   * Messages queued for a local process now (its high-water signal for
   * senders): 0 for an idle, exited or unknown one. A producer that sends
   * in one synchronous loop cannot be preempted, so it checks this and
   * yields with {@link ActorSystem.drained} when the target falls behind;
   * memory then stays bounded by the high-water mark instead of growing
   * with the burst (see `bench/RESULTS.md`, burst).
   *
   * @example
   * ```ts
   * for (const chunk of chunks) {
   *   ref.tell({ type: 'chunk', chunk });
   *   if (system.backlog(ref) > 10_000) await system.drained(ref, 1_000);
   * }
   * ```
   */
  backlog(target: ProcessTarget): number {
    return backlogOf(this.#core.process(target));
  }

  /**
   * Resolves once a local process's queue holds at most `below` messages
   * (default 0), or once it is no longer alive: the place a producer loop
   * yields (see {@link ActorSystem.backlog}). Rejects with
   * `InvalidArgumentError` for a `below` that is not a whole number ≥ 0.
   *
   * @example
   * ```ts
   * if (system.backlog(ref) > 10_000) await system.drained(ref, 1_000);
   * ```
   */
  drained(target: ProcessTarget, below = 0): Promise<void> {
    return waitForBacklog(() => this.#core.process(target), below);
  }

  /** A snapshot of a live process, or undefined. */
  info(target: ProcessTarget): ProcessInfo | undefined {
    const p = this.#core.process(target);
    return p?.alive ? describeProcess(p) : undefined;
  }

  /** The pids of every live process, oldest first. */
  processes(): Pid[] {
    return this.#core.table.pids();
  }

  /**
   * Starts a pool of `options.size` supervised workers running `actor`
   * behind one address that routes by `options.strategy`; resolves once
   * every worker's init has run. Rejects with `StartFailedError` when a
   * worker fails to start.
   */
  startPool<M, S, A>(
    actor: ActorDefinition<M, S, A>,
    options: PoolOptions<M, A>,
  ): Promise<Pool<M> & Address<M>> {
    const core = this.#core;
    return startPool<M, A>(
      (definition) => core.spawnProcess(definition as unknown as AnyDefinition, undefined, null),
      actor as ChildActor<A>,
      options,
      core.undeliverable,
    ) as Promise<Pool<M> & Address<M>>;
  }

  /**
   * Delivers system events (optionally only `types`) to an actor as
   * messages, until it exits or the returned function is called.
   */
  subscribeEvents(
    subscriber: ActorRef<SystemEvent>,
    types?: readonly SystemEventType[],
  ): () => void {
    return subscribeActor(this.#core, subscriber, types);
  }

  /**
   * The inspection hook: `listener` receives every system event (or only
   * `options.types`) — spawned, exited, restarted, supervision events, dead
   * letters, long handlers, overflow — and, when `options.messages` is a
   * sampling fraction above 0, sampled `message-sent` and `message-handled`
   * events. Returns the function that stops it.
   */
  inspect(listener: Listener<SystemEvent>, options?: InspectOptions): () => void {
    return addInspector(this.#core, listener, options);
  }

  /**
   * Sends `message` to `to` after `delayMs` (OTP `send_after/3`): cancelled
   * if `to`, a ref, exits first; a name (or an address made by `named`) is
   * looked up when the timer fires, and nobody holding it then makes the
   * message a dead letter with reason `unregistered`.
   */
  sendAfter<M>(delayMs: number, to: TimerDestination<M>, message: M): TimerRef {
    return this.#timer(delayMs, to, message, 0);
  }

  /** Sends `message` to `to` every `intervalMs` until cancelled or `to` (a ref) exits. */
  sendInterval<M>(intervalMs: number, to: TimerDestination<M>, message: M): TimerRef {
    checkTimerDelay(intervalMs, true);
    return this.#timer(intervalMs, to, message, intervalMs);
  }

  /** Cancels a timer; returns the ms it had left, or false (OTP `cancel_timer/1`). */
  cancelTimer(timer: TimerRef): number | false {
    return timer instanceof MessageTimer && timer.cancelIn(this.#core.timers);
  }

  /**
   * The ms a timer has left, without cancelling it; false if it fired or was
   * cancelled (OTP `read_timer/1`).
   *
   * @example
   * ```ts
   * const t = system.sendAfter(1_000, worker, { type: 'tick' });
   * system.readTimer(t); // 1000 (or a little less)
   * ```
   */
  readTimer(timer: TimerRef): number | false {
    return timer instanceof MessageTimer && timer.readIn(this.#core.timers);
  }

  /** The most recent dead letters (see `deadLetterBuffer`). */
  recentDeadLetters(): readonly DeadLetter[] {
    return this.#core.recentDeadLetters();
  }

  /** Counters of the whole system. */
  stats(): SystemStats {
    return systemStats(this.#core);
  }

  /**
   * The system's health (docs/semantics.md §16): processes, mailboxes,
   * messages/s since the previous call, restarts, dead letters, supervisors,
   * event-loop delay. `degraded` past `mailboxWarn` or `loopDelayWarnMs`.
   */
  health(options?: HealthOptions): HealthReport {
    this.#health ??= new HealthMonitor(this.#core, this.#createdAt);
    return this.#health.report(options);
  }

  /**
   * A circuit breaker on the system's clock that reports each state change
   * as a `circuit-state` event on `system.events` (docs/semantics.md §15).
   * Throws `InvalidArgumentError` naming a bad option.
   */
  circuitBreaker(
    name: string,
    options?: Omit<CircuitBreakerOptions, 'name' | 'clock'>,
  ): CircuitBreaker {
    return systemCircuitBreaker(name, options, this.#core.clock, this.#core.events);
  }

  /** Resolves when no process is runnable and no async handler is in flight. */
  idle(): Promise<void> {
    return this.#core.scheduler.idle();
  }

  /**
   * This system's node when it joined a cluster (`createSystem({ cluster })`),
   * else undefined. Await `ready` before sending to other nodes.
   *
   * @example
   * ```ts
   * const system = createSystem({ cluster: { servers: 'nats://127.0.0.1:4222', name: 'a' } });
   * await system.cluster?.ready;
   * system.cluster?.events.subscribe((e) => console.log(e.type, e.node));
   * ```
   */
  get cluster(): ClusterNode | undefined {
    return this.#core.cluster;
  }

  /** @internal Makes this system a cluster node (createSystem's `cluster` option). */
  joinCluster(options: ClusterOptions): void {
    const core = this.#core;
    core.cluster = new ClusterNode(core, options, () => this.shutdown());
  }

  /** Whether `shutdown` has begun. */
  get isShutDown(): boolean {
    return this.#core.phase !== 'running';
  }

  /**
   * Stops every process (children before parents, newest first), runs their
   * `terminate` hooks, cancels every timer, and resolves when all is quiet.
   * With `drain`, mailboxes empty first. Later spawns throw `SystemShutdownError`.
   */
  shutdown(options?: ShutdownOptions): Promise<void> {
    return beginShutdown(this.#core, options, () => this.#health?.close());
  }

  #timer<M>(delayMs: number, to: TimerDestination<M>, message: M, interval: number): TimerRef {
    checkTimerDelay(delayMs, false);
    if (message === undefined)
      throw new InvalidArgumentError('message', 'undefined is not a message');
    const dest = timerTarget(this.#core, to as TimerDestination<unknown>);
    return this.#core.startTimer(message, dest, null, delayMs, interval);
  }
}
