import type { ExitReason, Pid } from '../process/index.js';
import type { GroupName, NamedRef } from '../registry/index.js';
import type { DeathQueue } from '../signals/index.js';
import type { ActorDefinition } from './definition.js';
import type { ActorProcess } from './process.js';
import type { ActorRef } from './ref.js';
import type { SpawnOptions } from './spawn-options.js';
import type { TimerHost, TimerRef } from './timer.js';

/** An untyped definition, as the runtime stores it. */
export type AnyDefinition = ActorDefinition<unknown, unknown, unknown>;

/** What a process needs from its system beyond {@link Runtime}: spawning, timers, reporting. */
export interface ProcessHost {
  /** Deaths caused by exit signals, worked off without recursion. */
  readonly deaths: DeathQueue<ActorProcess>;
  /** The live local process with this pid. */
  lookup(pid: Pid): ActorProcess | undefined;
  /** The live local process registered as `name`. */
  whereisName(name: string): ActorProcess | undefined;
  spawnProcess(
    def: AnyDefinition,
    options: SpawnOptions<unknown> | undefined,
    parent: ActorProcess | null,
  ): ActorProcess;
  /** The process has exited: forget it (table, name). Runs before exit is reported. */
  released(process: ActorProcess, reason: ExitReason): void;
  /** Finds the local process behind a ref; throws `InvalidArgumentError` for a foreign ref. */
  resolveLocal(ref: ActorRef<unknown>): ActorProcess;
  /** `to` is a process, a registered name looked up when the timer fires, or another address. */
  startTimer(
    message: unknown,
    to: ActorProcess | string | TimerHost,
    owner: ActorProcess | null,
    delayMs: number,
    interval: number,
  ): TimerRef;
  reportOverflow(
    pid: Pid,
    decision: 'drop-newest' | 'drop-oldest' | 'reject',
    capacity: number,
  ): void;
  reportExit(pid: Pid, reason: ExitReason): void;
  reportRestart(pid: Pid, error: unknown, restarts: number): void;
  reportEscalation(pid: Pid, parent: Pid | undefined, error: unknown): void;
  /** An address by name, resolved at each send. */
  named(name: string, from?: ActorProcess): NamedRef<ActorProcess>;
  /** Joins `group` in `scope` (default: the system's default scope). */
  joinGroup(p: ActorProcess, group: GroupName, scope?: string): void;
  leaveGroup(p: ActorProcess, group: GroupName, scope?: string): boolean;
  registerService(p: ActorProcess, service: string, key: string, value: unknown): void;
  unregisterService(p: ActorProcess, service: string, key: string): boolean;
  subscribeTopic(p: ActorProcess, topic: string): void;
  unsubscribeTopic(p: ActorProcess, topic: string): number;
  /** Counts one restart by a supervisor, for `stats().restarts`. */
  countRestart(): void;
  reportHookFailure(pid: Pid, hook: 'terminate' | 'onError', error: unknown): void;
}
