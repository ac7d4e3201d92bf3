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
  AskRecordPool,
  DeathQueue,
  exitedSenderNow,
  finish,
  MessageTimer,
  NameDestination,
  processOf,
  refuseExitedSend,
  refuseTimer,
  releaseRegistrations,
  StepFreeClock,
  UNSAMPLED_COUNTDOWN,
} from '../actor/index.js';
import type { DeadLetter, DeadLetterReason, SystemEvent } from '../broker/index.js';
import { Stream, TopicTable } from '../broker/index.js';
import type { ClusterNode } from '../cluster/index.js';
import { InvalidArgumentError, NoProcError } from '../errors.js';
import { type HostView, Placements } from '../isolation/index.js';
import type { ExitReason, Pid } from '../process/index.js';
import { formatPid, PidAllocator, ProcessTable } from '../process/index.js';
import {
  type GroupName,
  GroupTable,
  NamedRef,
  NameTable,
  ServiceRef,
  ServiceTable,
} from '../registry/index.js';
import type { Clock } from '../scheduler/index.js';
import { realClock, Scheduler, TimerQueue } from '../scheduler/index.js';
import {
  type AuditSink,
  loadPolicy,
  SecurityContext,
  type SecurityPolicy,
} from '../security/index.js';
import { reportLongTurn } from './inspection.js';
import type { ResolvedOptions } from './options.js';
import { spawnProcess } from './spawn.js';

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
      reportLongTurn(this, suspects, elapsedMs, messages),
    );
  }

  nextMessageId(): number {
    return ++this.#messageId;
  }

  // ---- spawning -----------------------------------------------------------

  /** Spawns a process of this system: see {@link spawnProcess}. */
  spawnProcess(
    def: AnyDefinition,
    options: SpawnOptions<unknown> | undefined,
    parent: ActorProcess | null,
  ): ActorProcess {
    return spawnProcess(this, def, options, parent);
  }

  /** The next free pid of this system. */
  nextPid(): Pid {
    return this.#pids.next();
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
      {
        now: () => exitedSenderNow(this)?.pid,
        refuse: (message, sender, address) =>
          refuseExitedSend(this, message, undefined, sender, address),
      },
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
              refuseExitedSend(this, message, undefined, from.pid, address),
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
      refuseTimer(this, message, to, owner);
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
}
