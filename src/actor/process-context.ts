import type { Topic } from '../broker/index.js';
import { topicName } from '../broker/index.js';
import { NoProcError } from '../errors.js';
import { checkTimerDelay } from '../limits/index.js';
import type { ExitReason, Pid } from '../process/index.js';
import {
  DEAD,
  formatPid,
  STOP_REQUESTED,
  STOPPING,
  TRAP_EXIT,
  toExitReason,
} from '../process/index.js';
import type { GroupName, Name, ServiceKey } from '../registry/index.js';
import { isName, nameOf, serviceOf } from '../registry/index.js';
import type { SecurityContext } from '../security/index.js';
import {
  type DemonitorOptions,
  demonitor,
  link,
  Monitor,
  type MonitorRef,
  monitor,
  signalExit,
  unlink,
} from '../signals/index.js';
import type { GroupOptions } from './context.js';
import type { ActorDefinition } from './definition.js';
import type { AnyDefinition } from './host.js';
import { processOf } from './local-ref.js';
import type { ActorProcess } from './process.js';
import {
  type ActorRef,
  type Address,
  CURRENT_HOLDER,
  type HolderAddress,
  isHolderAddress,
} from './ref.js';
import type { SpawnOptions } from './spawn-options.js';
import { requestStop } from './stopping.js';
import { MessageTimer, startProcessTimer, type TimerDestination, type TimerRef } from './timer.js';

/**
 * The context a handler sees (`ActorContext`): what an actor can do to
 * itself and ask of the system — spawn, stop, links, monitors, exits,
 * names, groups, services, topics, timers. It is the base class of
 * {@link ActorProcess}, so the context is the process itself (no object per
 * handler call) while the record and the hot path of sending and running
 * live in `process.ts`.
 *
 * @example
 * ```ts
 * handle(msg, ctx) { ctx.sendAfter(1_000, { type: 'tick' }); }
 * ```
 */
export abstract class ProcessContext {
  get self(): ActorRef<unknown> {
    const p = asProcess(this);
    return p.ref;
  }

  get parent(): Pid | undefined {
    const p = asProcess(this);
    return p.parentProcess?.pid ?? (p.ext?.parentPid as Pid | undefined);
  }

  /** Its security context: its own, or inherited from its parent, or the system's. */
  get security(): SecurityContext {
    const p = asProcess(this);
    return p.ext?.security ?? p.parentProcess?.security ?? p.runtime.security;
  }

  get lastMessageAt(): number | undefined {
    const p = asProcess(this);
    return p.lastAt < 0 ? undefined : p.lastAt;
  }

  get restarts(): number {
    const p = asProcess(this);
    return p.ext?.restarts ?? 0;
  }

  get signal(): AbortSignal {
    const p = asProcess(this);
    const ext = p.extras();
    if (ext.abort === null) {
      ext.abort = new AbortController();
      if ((p.flags & (DEAD | STOPPING | STOP_REQUESTED)) !== 0) ext.abort.abort();
    }
    return ext.abort.signal;
  }

  spawn<M2, S2, A2>(
    definition: ActorDefinition<M2, S2, A2>,
    options?: SpawnOptions<A2, NoInfer<M2>>,
  ): ActorRef<M2> {
    const p = asProcess(this);
    if ((p.flags & DEAD) !== 0)
      throw new NoProcError(formatPid(p.pid), 'an exited process cannot spawn');
    return p.runtime.spawnProcess(definition as unknown as AnyDefinition, options, p)
      .ref as ActorRef<M2>;
  }

  stop(reason?: ExitReason): void {
    const p = asProcess(this);
    requestStop(p, reason === undefined ? undefined : toExitReason(reason));
  }

  named<T>(name: string | Name<T>): Address<T> {
    const p = asProcess(this);
    // Bound to this process: once it has exited, sends through it are dead letters.
    return p.runtime.named(nameOf(name), p) as unknown as Address<T>;
  }

  join(group: GroupName, options?: GroupOptions): void {
    const p = asProcess(this);
    p.runtime.joinGroup(p, group, options?.scope);
  }

  leave(group: GroupName, options?: GroupOptions): boolean {
    const p = asProcess(this);
    return p.runtime.leaveGroup(p, group, options?.scope);
  }

  registerService(service: string | ServiceKey<unknown>, key: string, value?: unknown): void {
    const p = asProcess(this);
    p.runtime.registerService(p, serviceOf(service), key, value);
  }

  unregisterService(service: string | ServiceKey<unknown>, key: string): boolean {
    const p = asProcess(this);
    return p.runtime.unregisterService(p, serviceOf(service), key);
  }

  subscribe<T>(topic: Topic<T>): void {
    const p = asProcess(this);
    p.runtime.subscribeTopic(p, topicName(topic));
  }

  unsubscribe<T>(topic: Topic<T>): number {
    const p = asProcess(this);
    return p.runtime.unsubscribeTopic(p, topicName(topic));
  }

  spawnLink<M2, S2, A2>(
    definition: ActorDefinition<M2, S2, A2>,
    options?: SpawnOptions<A2, NoInfer<M2>>,
  ): ActorRef<M2> {
    const p = asProcess(this);
    const ref = p.spawn(definition, options);
    const child = processOf(ref) as ActorProcess;
    link(p, child, child.pid);
    return ref;
  }

  spawnMonitor<M2, S2, A2>(
    definition: ActorDefinition<M2, S2, A2>,
    options?: SpawnOptions<A2, NoInfer<M2>>,
  ): [ActorRef<M2>, MonitorRef] {
    const p = asProcess(this);
    const ref = p.spawn(definition, options);
    const child = processOf(ref) as ActorProcess;
    return [ref, monitor(p.runtime, p, child, child.pid, undefined, null)];
  }

  link(target: ActorRef<never> | Pid): void {
    const p = asProcess(this);
    if ((p.flags & DEAD) !== 0) return;
    link(p, targetOf(p, target), pidOf(target));
  }

  unlink(target: ActorRef<never> | Pid): void {
    const p = asProcess(this);
    const other = targetOf(p, target);
    if (other !== undefined) unlink(p, other);
  }

  monitor(
    target: ActorRef<never> | Pid | string | Name<unknown> | HolderAddress<never>,
  ): MonitorRef {
    const p = asProcess(this);
    if ((p.flags & DEAD) !== 0) {
      // A zombie's monitor is born inactive: nothing is registered, nothing fires.
      const m = new Monitor(p.runtime.nextMessageId(), p, null, undefined, undefined, null);
      m.active = false;
      return m;
    }
    if (isHolderAddress(target)) {
      // A cluster name: resolved once, now, as a local name is.
      const ref = target[CURRENT_HOLDER]();
      const holder =
        ref === undefined ? undefined : p.runtime.resolveLocal(ref as ActorRef<unknown>);
      return monitor(p.runtime, p, holder, holder?.pid, target.address, null);
    }
    if (typeof target === 'string' || isName(target)) {
      const name = nameOf(target);
      const holder = p.runtime.whereisName(name);
      return monitor(p.runtime, p, holder, holder?.pid, name, null);
    }
    return monitor(p.runtime, p, targetOf(p, target), pidOf(target), undefined, null);
  }

  demonitor(ref: MonitorRef, options?: DemonitorOptions): boolean {
    const p = asProcess(this);
    return ref instanceof Monitor && demonitor(p, ref, options?.flush === true);
  }

  trapExit(on: boolean): boolean {
    const p = asProcess(this);
    const previous = (p.flags & TRAP_EXIT) !== 0;
    if (on) p.flags |= TRAP_EXIT;
    else p.flags &= ~TRAP_EXIT;
    if (previous !== on) p.runtime.report((at) => ({ type: 'trap-exit', pid: p.pid, on, at }));
    return previous;
  }

  get trappingExits(): boolean {
    const p = asProcess(this);
    return (p.flags & TRAP_EXIT) !== 0;
  }

  exit(target: ActorRef<never> | Pid, reason: ExitReason): void {
    const p = asProcess(this);
    if ((p.flags & DEAD) !== 0) return;
    const read = toExitReason(reason);
    const other = targetOf(p, target);
    if (other !== undefined) signalExit(other, p, read, false);
  }

  sendAfter(delayMs: number, message: unknown, to?: TimerDestination<unknown>): TimerRef {
    const p = asProcess(this);
    return startProcessTimer(p, delayMs, message, to, 0);
  }

  sendInterval(intervalMs: number, message: unknown, to?: TimerDestination<unknown>): TimerRef {
    const p = asProcess(this);
    checkTimerDelay(intervalMs, true);
    return startProcessTimer(p, intervalMs, message, to, intervalMs);
  }

  cancelTimer(timer: TimerRef): number | false {
    const p = asProcess(this);
    return timer instanceof MessageTimer && timer.cancelIn(p.runtime.timers);
  }

  readTimer(timer: TimerRef): number | false {
    const p = asProcess(this);
    return timer instanceof MessageTimer && timer.readIn(p.runtime.timers);
  }
}

/** The process a context is: every `ProcessContext` is an `ActorProcess`. */
function asProcess(ctx: ProcessContext): ActorProcess {
  return ctx as unknown as ActorProcess;
}

/** The local process behind a ref or pid; undefined when it is gone or unknown. */
function targetOf(p: ActorProcess, target: ActorRef<never> | Pid): ActorProcess | undefined {
  if (typeof target === 'number') return p.runtime.lookup(target);
  return p.runtime.resolveLocal(target as ActorRef<unknown>);
}

function pidOf(target: ActorRef<never> | Pid): Pid {
  return typeof target === 'number' ? target : target.pid;
}
