import type {
  ActorRef,
  Address,
  AnyDefinition,
  AsyncSenders,
  ProcessHost,
  Runtime,
  SpawnOptions,
  TimerHost,
  TimerRef,
} from '../actor/index.js';
import {
  ActorProcess,
  ASYNC_STEPS,
  AskRecordPool,
  COPY_ON_SEND,
  DeathQueue,
  ENVELOPES,
  finish,
  HOSTED_AS,
  type HostedIdentity,
  isAsyncFunction,
  MAKE_PROCESS,
  MessageTimer,
  NameDestination,
  NEEDS_INIT,
  NO_LANES,
  type ProcessMaker,
  processOf,
  releaseRegistrations,
  StepFreeClock,
  UNSAMPLED_COUNTDOWN,
  validateSpawnOptions,
} from '../actor/index.js';
import type { DeadLetter, DeadLetterReason, SystemEvent } from '../broker/index.js';
import { Stream, TopicTable } from '../broker/index.js';
import type { ClusterNode } from '../cluster/index.js';
import { encode, type RefCodec } from '../codec/index.js';
import {
  InvalidArgumentError,
  NameTakenError,
  NoProcError,
  SystemShutdownError,
} from '../errors.js';
import { type HostView, moduleOf, Placements, standInDefinition } from '../isolation/index.js';
import { Mailbox } from '../mailbox/index.js';
import type { ExitReason, Pid } from '../process/index.js';
import { formatPid, PidAllocator, ProcessTable } from '../process/index.js';
import {
  type GroupName,
  GroupTable,
  NamedRef,
  NameTable,
  nameOf,
  ServiceRef,
  ServiceTable,
} from '../registry/index.js';
import type { Clock, Runnable } from '../scheduler/index.js';
import { realClock, Scheduler, TimerQueue } from '../scheduler/index.js';
import {
  type AuditSink,
  loadPolicy,
  SecurityContext,
  type SecurityPolicy,
} from '../security/index.js';
import type { ResolvedOptions } from './options.js';

/**
 * The internals every process of one system shares: clock, scheduler,
 * timers, process table, names, event streams. Processes see it through the
 * `Runtime` and `ProcessHost` interfaces; users see it through `ActorSystem`.
 */
export class SystemCore implements Runtime, ProcessHost {
  readonly options: ResolvedOptions;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly timers: TimerQueue;
  readonly events = new Stream<SystemEvent>('system event');
  readonly deadLetters = new Stream<DeadLetter>('dead letter');
  readonly table = new ProcessTable<ActorProcess>();
  readonly names = new NameTable<ActorProcess>();
  readonly askTimeout: number;
  readonly askRecords = new AskRecordPool(this);
  readonly deaths = new DeathQueue(finish);
  readonly services = new ServiceTable<ActorProcess>();
  /** The default process-group scope (`system.groups`). */
  readonly groups = new GroupTable<ActorProcess>((message, p) => this.#refused(message, p));
  readonly #scopes = new Map<string, GroupTable<ActorProcess>>([['default', this.groups]]);
  readonly topics = new TopicTable<ActorProcess>((message, p) => this.#refused(message, p));
  /** Where a send to a name, key, pool or topic with nobody behind it goes. */
  readonly undeliverable = (message: unknown, address: string): void =>
    this.deadLetter(message, undefined, this.current?.pid, 'unregistered', address);
  current: ActorProcess | null = null;
  asyncSenders: AsyncSenders | null = null;
  readonly security: SecurityContext;
  readonly audit: AuditSink | undefined;
  sampleEvery = 0;
  sentLeft = UNSAMPLED_COUNTDOWN;
  handledLeft = UNSAMPLED_COUNTDOWN;
  /** The message sampling rate each active inspector asked for. */
  readonly inspectors = new Set<{ readonly rate: number }>();
  /** 'running' until shutdown starts; spawning is refused once 'closed'. */
  phase: 'running' | 'draining' | 'closed' = 'running';
  /** The shutdown in progress or done, so a second call returns the same promise. */
  shutdown: Promise<void> | null = null;
  deadLetterCount = 0;
  /** Sends attempted by processes that had exited (dead letters `sender-exited`). */
  senderExitedCount = 0;
  restartCount = 0;
  readonly #recent: DeadLetter[] = [];
  readonly #pids: PidAllocator;
  #placements: Placements | undefined;
  /** The cluster node when the system joined one (`createSystem({ cluster })`). */
  cluster: ClusterNode | undefined;
  #messageId = 0;

  constructor(
    options: ResolvedOptions,
    clock: Clock | undefined,
    policy?: SecurityPolicy,
    audit?: AuditSink,
  ) {
    this.options = options;
    this.clock = clock ?? realClock();
    this.askTimeout = options.askTimeout;
    this.#pids = new PidAllocator(options.firstPid);
    this.security =
      policy === undefined ? new SecurityContext([]) : new SecurityContext([loadPolicy(policy)]);
    this.audit = audit;
    this.timers = new TimerQueue(new StepFreeClock(this.clock, () => this.asyncSenders), (error) =>
      process.emitWarning(`a timer callback threw: ${String(error)}`, 'AirssysWarning'),
    );
    this.scheduler = new Scheduler(this.clock, options.scheduler, (suspects, elapsedMs, messages) =>
      this.#reportLongTurn(suspects, elapsedMs, messages),
    );
  }

  nextMessageId(): number {
    return ++this.#messageId;
  }

  // ---- spawning -----------------------------------------------------------

  spawnProcess(
    def: AnyDefinition,
    options: SpawnOptions<unknown> | undefined,
    parent: ActorProcess | null,
  ): ActorProcess {
    if (this.phase === 'closed') throw new SystemShutdownError();
    if (def === null || typeof def !== 'object' || typeof def.handle !== 'function') {
      throw new InvalidArgumentError(
        'definition',
        'must be an actor definition with a handle function',
      );
    }
    validateSpawnOptions(options);
    if (options?.node !== undefined) {
      if (this.cluster === undefined) {
        throw new InvalidArgumentError('node', 'needs a system that joined a cluster');
      }
      return this.cluster.spawnOn(def, options, parent);
    }
    if (options?.placement !== undefined && options.placement !== 'main') {
      return this.#place(def, options, parent);
    }
    let flags = def.init === undefined ? 0 : NEEDS_INIT;
    if (isAsyncFunction(def.handle) || isAsyncFunction(def.init)) flags |= ASYNC_STEPS;
    const name = options?.name === undefined ? undefined : nameOf(options.name);
    if (options !== undefined) {
      if (options.copyOnSend === true) flags |= COPY_ON_SEND;
      if (options.envelopes === true) flags |= ENVELOPES;
      if (options.priorityLanes === false) flags |= NO_LANES;
      if (name !== undefined) {
        // Checked before the process exists, so a taken name spawns nothing.
        const holder = this.names.whereis(name);
        if (holder !== undefined) throw new NameTakenError(name, formatPid(holder.pid));
      }
    }
    // A detached process (Erlang's plain spawn) has no parent tie, but it
    // runs under its spawner's policy: detaching never widens what it may do.
    const tree = options?.detached === true ? null : parent;
    const inherited = parent?.security ?? this.security;
    const own =
      options?.security === undefined
        ? tree !== parent && inherited !== this.security
          ? inherited
          : undefined
        : inherited.narrow(loadPolicy(options.security));
    const hosted = (options as { [HOSTED_AS]?: HostedIdentity } | undefined)?.[HOSTED_AS];
    const pid = hosted === undefined ? this.#pids.next() : (hosted.pid as Pid);
    const make = (options as { [MAKE_PROCESS]?: ProcessMaker } | undefined)?.[MAKE_PROCESS];
    const p: ActorProcess =
      make === undefined
        ? new ActorProcess(this, pid, def, tree, flags)
        : make(this, pid, def, tree, flags);
    if (hosted?.parent !== undefined) p.extras().parentPid = hosted.parent;
    if (own !== undefined) p.extras().security = own;
    else if (hosted !== undefined && hosted.security.length > 0) {
      p.extras().security = new SecurityContext(
        hosted.security.map((policy) => loadPolicy(policy)),
      );
    }
    if (options !== undefined) {
      if (options.mailbox !== undefined) p.mailbox = new Mailbox(options.mailbox);
      if (options.args !== undefined) p.extras().args = options.args;
      if (options.shutdown !== undefined) p.extras().shutdown = options.shutdown;
      if (name !== undefined) this.names.register(name, p);
    }
    this.table.add(p);
    if (tree !== null) tree.adopt(p);
    this.report((at) => ({ type: 'spawned', pid: p.pid, parent: tree?.pid, at }));
    if ((flags & NEEDS_INIT) !== 0) this.scheduler.schedule(p);
    return p;
  }

  /** The hosts of processes placed off the main thread, created on first use. */
  get placements(): Placements {
    this.#placements ??= new Placements(this, this.options.poolThreads);
    return this.#placements;
  }

  /** The hosts running now (none before the first placement). */
  hosts(): HostView[] {
    return this.#placements?.hosts() ?? [];
  }

  /** Ends every host; their processes have stopped by now (system shutdown). */
  closeHosts(): void {
    this.#placements?.close();
  }

  /** Spawns the stand-in of a process placed in a worker, a child process or the pool. */
  #place(
    def: AnyDefinition,
    options: SpawnOptions<unknown>,
    parent: ActorProcess | null,
  ): ActorProcess {
    const module = moduleOf(def);
    if (module === undefined) {
      throw new InvalidArgumentError(
        'placement',
        'off the main thread a definition must be portable: portable(import.meta.url, exportName, definition)',
      );
    }
    const { placement: _p, resourceLimits: _l, sandbox: _s, ...local } = options;
    if (local.name !== undefined) {
      const name = nameOf(local.name);
      const holder = this.names.whereis(name);
      if (holder !== undefined) throw new NameTakenError(name, formatPid(holder.pid));
    }
    // Arguments that cannot cross are refused now, like a message at `tell`.
    encode(local.args, PLAIN_REFS, { found: false, subject: 'args' });
    const link = this.placements.link(options, module);
    let standIn: ActorProcess;
    try {
      standIn = this.spawnProcess(
        standInDefinition(link, module, def.label),
        { ...local, copyOnSend: true },
        parent,
      );
    } catch (error) {
      link.abandon();
      throw error;
    }
    link.adopt(standIn);
    return standIn;
  }

  released(p: ActorProcess, _reason: ExitReason): void {
    this.table.delete(p);
    this.names.release(p);
    releaseRegistrations(p);
  }

  /** The process behind a ref or pid of this system (a ref stays valid after exit). */
  process(target: unknown): ActorProcess | undefined {
    const p = processOf(target);
    if (p !== undefined) return p.runtime === this ? p : undefined;
    if (typeof target === 'number') return this.table.get(target as Pid);
    throw new InvalidArgumentError('target', 'must be a ref or a pid');
  }

  /** Like `process`, but the process must be alive: throws `NoProcError` otherwise. */
  live(target: unknown): ActorProcess {
    const p = this.process(target);
    if (p === undefined || !p.alive) {
      const label = typeof target === 'number' ? formatPid(target as Pid) : String(target);
      throw new NoProcError(label);
    }
    return p;
  }

  lookup(pid: Pid): ActorProcess | undefined {
    return this.table.get(pid);
  }

  whereisName(name: string): ActorProcess | undefined {
    return this.names.whereis(name);
  }

  /** A service key as an address, resolved at each send (`services.ref`). */
  serviceAddress(service: string, key: string): Address<unknown> {
    const ref = new ServiceRef(
      this.services,
      service,
      key,
      this.undeliverable,
      (message, p) => this.deadLetter(message, p.pid, this.current?.pid, 'dropped-newest'),
      this,
    );
    return ref as unknown as Address<unknown>;
  }

  named(name: string, from?: ActorProcess): NamedRef<ActorProcess> {
    const sender =
      from === undefined
        ? undefined
        : {
            get alive() {
              return from.alive;
            },
            pid: from.pid,
            exited: (message: unknown, address: string) =>
              this.deadLetter(message, undefined, from.pid, 'sender-exited', address),
          };
    return new NamedRef(name, (n) => this.names.whereis(n), this.undeliverable, sender, this);
  }

  /**
   * The process groups of `scope` (OTP `pg` scope), created on first use;
   * scopes are independent: a group in one is unrelated to the same name in another.
   */
  groupScope(scope: string): GroupTable<ActorProcess> {
    let table = this.#scopes.get(scope);
    if (table === undefined) {
      if (typeof scope !== 'string' || scope.length === 0 || scope.length > 256) {
        throw new InvalidArgumentError(
          'scope',
          'must be a non-empty string of at most 256 characters',
        );
      }
      table = new GroupTable<ActorProcess>((message, p) => this.#refused(message, p), scope);
      this.#scopes.set(scope, table);
    }
    return table;
  }

  /** The names of the scopes in use, `default` first. */
  groupScopes(): string[] {
    return [...this.#scopes.keys()];
  }

  joinGroup(p: ActorProcess, group: GroupName, scope = 'default'): void {
    this.groupScope(scope).join(group, p);
  }

  leaveGroup(p: ActorProcess, group: GroupName, scope = 'default'): boolean {
    return this.groupScope(scope).leave(group, p);
  }

  registerService(p: ActorProcess, service: string, key: string, value: unknown): void {
    this.services.register(service, key, p, value);
  }

  unregisterService(p: ActorProcess, service: string, key: string): boolean {
    return this.services.unregister(service, key, p);
  }

  subscribeTopic(p: ActorProcess, topic: string): void {
    this.topics.subscribe(topic, p);
  }

  unsubscribeTopic(p: ActorProcess, topic: string): number {
    return this.topics.unsubscribe(topic, p);
  }

  /** A broadcast a member's full mailbox refused: a dead letter, not a crash of the sender. */
  #refused(message: unknown, p: ActorProcess): void {
    this.deadLetter(message, p.pid, this.current?.pid, 'dropped-newest');
  }

  resolveLocal(ref: ActorRef<unknown>): ActorProcess {
    const p = processOf(ref);
    if (p !== undefined && p.runtime === this) return p;
    throw new InvalidArgumentError('ref', 'must be a ref made by this system');
  }

  // ---- timers -------------------------------------------------------------

  startTimer(
    message: unknown,
    to: ActorProcess | string | TimerHost,
    owner: ActorProcess | null,
    delayMs: number,
    interval: number,
  ): TimerRef {
    const dest =
      typeof to === 'string'
        ? new NameDestination(to, (name) => this.names.whereis(name), this.undeliverable)
        : to;
    const timer = new MessageTimer(message, dest, owner, interval, (t, ms) =>
      this.timers.schedule(t, ms),
    );
    const gone = to instanceof ActorProcess && !to.alive;
    if (gone || (owner !== null && !owner.alive)) {
      timer.release();
      if (gone) this.deadLetter(message, to.pid, owner?.pid, 'noproc');
      return timer;
    }
    this.timers.schedule(timer, delayMs);
    return timer;
  }

  // ---- reporting ----------------------------------------------------------

  deadLetter(
    message: unknown,
    target: Pid | undefined,
    sender: Pid | undefined,
    reason: DeadLetterReason,
    address?: string,
    correlationId?: number,
  ): void {
    this.deadLetterCount++;
    if (reason === 'sender-exited') this.senderExitedCount++;
    const keep = this.options.deadLetterBuffer;
    if (keep === 0 && !this.deadLetters.observed && !this.events.observed) return;
    const at = this.clock.now();
    let letter: DeadLetter =
      address === undefined
        ? { message, target, sender, reason, at }
        : { message, target, sender, reason, at, address };
    if (correlationId !== undefined) letter = { ...letter, correlationId };
    if (keep > 0) {
      if (this.#recent.length >= keep) this.#recent.shift();
      this.#recent.push(letter);
    }
    this.deadLetters.emit(letter);
    if (this.events.observed) this.events.emit({ type: 'dead-letter', letter, at: letter.at });
  }

  recentDeadLetters(): readonly DeadLetter[] {
    return [...this.#recent];
  }

  reportOverflow(
    pid: Pid,
    decision: 'drop-newest' | 'drop-oldest' | 'reject',
    capacity: number,
  ): void {
    this.report((at) => ({ type: 'mailbox-overflow', pid, decision, capacity, at }));
  }

  reportExit(pid: Pid, reason: ExitReason): void {
    this.report((at) => ({ type: 'exited', pid, reason, at }));
  }

  reportRestart(pid: Pid, error: unknown, restarts: number): void {
    this.restartCount++;
    this.report((at) => ({ type: 'restarted', pid, error, restarts, at }));
  }

  reportEscalation(pid: Pid, parent: Pid | undefined, error: unknown): void {
    this.report((at) => ({ type: 'escalated', pid, parent, error, at }));
  }

  reportSent(from: Pid | undefined, to: Pid, message: unknown): void {
    this.report((at) => ({ type: 'message-sent', from, to, message, at }));
  }

  reportHandled(pid: Pid, message: unknown, durationMs: number, failed: boolean, at: number): void {
    this.report(() => ({ type: 'message-handled', pid, message, durationMs, failed, at }));
  }

  sampleDue(): boolean {
    this.handledLeft = this.sampleEvery === 0 ? UNSAMPLED_COUNTDOWN : this.sampleEvery;
    return this.sampleEvery !== 0;
  }

  /** Samples messages at the highest rate any inspector asked for (every n-th message). */
  updateSampling(): void {
    let rate = 0;
    for (const i of this.inspectors) rate = Math.max(rate, i.rate);
    this.sampleEvery = rate === 0 ? 0 : Math.max(1, Math.round(1 / rate));
    const start = this.sampleEvery === 0 ? UNSAMPLED_COUNTDOWN : this.sampleEvery;
    this.sentLeft = start;
    this.handledLeft = start;
  }

  report(build: (at: number) => SystemEvent): void {
    if (this.events.observed) this.events.emit(build(this.clock.now()));
  }

  countRestart(): void {
    this.restartCount++;
  }

  reportHookFailure(pid: Pid, hook: 'terminate' | 'onError', error: unknown): void {
    if (this.events.observed) {
      this.events.emit({ type: 'hook-failed', pid, hook, error, at: this.clock.now() });
    } else {
      process.emitWarning(`${hook} hook of <0.${pid}> threw: ${String(error)}`, 'AirssysWarning');
    }
  }

  #reportLongTurn(suspects: readonly Runnable[], elapsedMs: number, messages: number): void {
    if (!this.events.observed) return;
    const pids = new Set<Pid>();
    for (const p of suspects) if (p instanceof ActorProcess) pids.add(p.pid);
    const unique = [...pids];
    this.events.emit({
      type: 'long-handler',
      pid: unique.length === 1 ? unique[0] : undefined,
      suspects: unique,
      elapsedMs,
      messages,
      at: this.clock.now(),
    });
  }
}

/** Checks what can cross a boundary, refs included, without encoding for a host. */
const PLAIN_REFS: RefCodec = {
  refPid: (value) => processOf(value)?.pid,
  refOf: (pid) => pid,
  replyId: () => undefined,
  replyOf: (id) => id,
};
