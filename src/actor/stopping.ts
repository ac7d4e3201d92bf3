import { NoProcError } from '../errors.js';
import { Envelope, Mailbox } from '../mailbox/index.js';
import type { ExitReason } from '../process/index.js';
import {
  BUSY,
  DEAD,
  exitReason,
  formatPid,
  isCleanExit,
  STOP_REQUESTED,
  STOPPING,
} from '../process/index.js';
import { CallbackTimer } from '../scheduler/index.js';
import { isLinked, propagateExit, unlink } from '../signals/index.js';
import { awaitStep, inProcess, isThenable } from './hook-steps.js';
import type { ActorProcess } from './process.js';

/**
 * The end of a process: a graceful stop at a safe point (children first,
 * then `terminate`), a child's shutdown by its rule, a kill, and the final
 * exit that releases everything and tells links, monitors and waiters.
 * Each step runs synchronously when the hooks are synchronous.
 */

/** A signal in a mailbox's system lane. */
export interface EscalationSignal {
  readonly kind: 'escalation';
  readonly child: number;
  readonly error: unknown;
}

/** Requests a graceful stop (the first request's reason wins); allocates nothing. */
export function requestStop(p: ActorProcess, reason: ExitReason = exitReason.normal): void {
  if ((p.flags & (DEAD | STOP_REQUESTED | STOPPING)) !== 0) return;
  // A normal stop of a process without extras allocates none: normal is the default reason.
  if (p.ext !== null || reason !== exitReason.normal) p.extras().stopReason = reason;
  p.flags |= STOP_REQUESTED;
  p.status = 'stopping';
  p.ext?.abort?.abort();
  if ((p.flags & BUSY) === 0 && p.runtime.current !== p) p.runtime.scheduler.schedule(p);
}

/** Requests a graceful stop and resolves with the exit reason once the process has exited. */
export function stopAndWait(
  p: ActorProcess,
  reason: ExitReason = exitReason.normal,
): Promise<ExitReason> {
  if ((p.flags & DEAD) !== 0) return Promise.resolve(p.ext?.exitReason ?? exitReason.normal);
  const ext = p.extras();
  const exited = new Promise<ExitReason>((resolve) => {
    if (ext.stopWaiters === null) ext.stopWaiters = [];
    ext.stopWaiters.push(resolve);
  });
  requestStop(p, reason);
  return exited;
}

/** Graceful stop at a safe point: children first, then `terminate`, then exit. */
export function beginStop(p: ActorProcess): void {
  p.flags = (p.flags & ~STOP_REQUESTED) | STOPPING;
  p.status = 'stopping';
  const reason = p.ext?.stopReason ?? exitReason.normal;
  // No children and no terminate (a crashed worker): exit now, no step closures.
  if (p.firstChild === null && p.def.terminate === undefined) {
    finish(p, reason);
    return;
  }
  stopChildren(p, reason, () => runTerminate(p, reason, (final) => finish(p, final)));
}

/**
 * A definition may carry its own way of stopping its children under this
 * key (supervisors: in reverse start order by their specs, or all at once).
 * It runs first; any children left are then stopped the default way.
 */
export const STOP_CHILDREN: unique symbol = Symbol('airssys.stopChildren');

/** The shape of a {@link STOP_CHILDREN} hook. */
export type StopChildrenHook = (p: ActorProcess) => Promise<void>;

/**
 * Stops `p`'s children before it exits or restarts. A child that is also
 * linked to `p` stops with `reason` (`p`'s own, as its link would deliver
 * it, OTP R2.3), unless that is `normal`, which a link does not propagate;
 * other children stop with `shutdown`.
 */
export function stopChildren(p: ActorProcess, reason: ExitReason, next: () => void): void {
  const custom = (p.def as { [STOP_CHILDREN]?: StopChildrenHook })[STOP_CHILDREN];
  if (custom === undefined || p.firstChild === null) {
    stopRemainingChildren(p, reason, next);
    return;
  }
  let stopping: Promise<void>;
  try {
    stopping = custom(p);
  } catch (error) {
    stopping = Promise.reject(error);
  }
  awaitStep(p, stopping, (ok, error) => {
    if (!ok) p.runtime.reportHookFailure(p.pid, 'terminate', error);
    stopRemainingChildren(p, reason, next);
  });
}

function stopRemainingChildren(p: ActorProcess, reason: ExitReason, next: () => void): void {
  if (p.firstChild === null) {
    next();
    return;
  }
  // One at a time, newest first, each subtree finished before the next
  // sibling starts stopping: OTP's reverse start order.
  const child = p.firstChild;
  const own = reason.kind !== 'normal' && isLinked(p, child) ? reason : exitReason.shutdown();
  awaitStep(p, shutdown(child, own), () => stopRemainingChildren(p, reason, next));
}

/**
 * Shuts a child down by its `shutdown` rule (OTP `supervisor:shutdown/1`):
 * `brutalKill` kills it; a number asks it to stop and kills it if it has not
 * exited within that many ms; `infinity` waits as long as it takes. A link
 * to its parent is removed first, so the parent does not get an EXIT for an
 * exit it asked for. Resolves with the reason the child exited with.
 */
export function shutdown(child: ActorProcess, reason: ExitReason): Promise<ExitReason> {
  if ((child.flags & DEAD) !== 0) return stopAndWait(child);
  const parent = child.parentProcess;
  if (parent !== null) unlink(parent, child);
  const rule = child.ext?.shutdown ?? 'infinity';
  if (rule === 'brutalKill') {
    kill(child);
    return Promise.resolve(exitReason.killed);
  }
  return stopWithin(child, reason, rule === 'infinity' ? Number.POSITIVE_INFINITY : rule);
}

/** Stops `p` gracefully, killing it if it has not exited within `timeout` ms. */
export function stopWithin(
  p: ActorProcess,
  reason: ExitReason,
  timeout: number,
): Promise<ExitReason> {
  const stopped = stopAndWait(p, reason);
  if (timeout === Number.POSITIVE_INFINITY || (p.flags & DEAD) !== 0) return stopped;
  const timers = p.runtime.timers;
  const timer = new CallbackTimer(() => kill(p));
  timers.schedule(timer, timeout);
  return stopped.then((final) => {
    timers.cancel(timer);
    return final;
  });
}

export function runTerminate(
  p: ActorProcess,
  reason: ExitReason,
  next: (final: ExitReason) => void,
): void {
  const terminate = p.def.terminate;
  if (terminate === undefined) {
    next(reason);
    return;
  }
  let result: unknown;
  try {
    result = inProcess(p, () => terminate.call(p.def, reason, p));
  } catch (error) {
    p.runtime.reportHookFailure(p.pid, 'terminate', error);
    next(exitReason.error(error));
    return;
  }
  if (isThenable(result)) {
    awaitStep(p, result, (ok, error) => {
      if (!ok) p.runtime.reportHookFailure(p.pid, 'terminate', error);
      next(ok ? reason : exitReason.error(error));
    });
  } else {
    next(reason);
  }
}

/** Kills `p` at once: no `terminate`, children killed first, in-flight work abandoned. */
export function kill(p: ActorProcess): void {
  finish(p, exitReason.killed);
}

/** The exit: release everything, tell everyone, keep nothing. Runs once. */
export function finish(p: ActorProcess, reason: ExitReason): void {
  if ((p.flags & DEAD) !== 0) return;
  const busy = (p.flags & BUSY) !== 0;
  if (!busy && p.firstChild === null) {
    release(p, reason);
    return;
  }
  // Held as in flight until the reports have queued their listeners' tells,
  // else `idle()` could resolve in between (§4, §9): an async step this exit
  // abandons (its own, or a child's, ended by `release`) is left only then.
  const scheduler = p.runtime.scheduler;
  if (busy) p.flags &= ~BUSY;
  else scheduler.enterAsync();
  try {
    release(p, reason);
  } finally {
    scheduler.leaveAsync();
  }
}

/** `finish` once the process is out of its async step: dead, released, reported. */
function release(p: ActorProcess, reason: ExitReason): void {
  const runtime = p.runtime;
  // Dead first: signals the dying children send back to it are ignored.
  p.flags = (p.flags | DEAD) & ~(STOP_REQUESTED | STOPPING);
  p.status = isCleanExit(reason) ? 'stopped' : 'failed';
  // No process outlives its parent: children still alive (a kill, an exit
  // signal, `exit(self, normal)`, a failed init) end first, newest first:
  // killed, or with `p`'s own reason when linked to it, as the link would
  // deliver it (OTP R2.3, R3.3); `normal`, which a link does not carry,
  // as `shutdown` (semantics §11), as the graceful path does.
  const linkedReason = reason.kind === 'normal' ? exitReason.shutdown() : reason;
  for (const child of p.children())
    finish(child, isLinked(p, child) ? linkedReason : exitReason.killed);
  if (p.ext !== null || reason !== exitReason.normal) p.extras().exitReason = reason;
  const ext = p.ext;
  ext?.abort?.abort();
  // A handler that ends its own process (`ctx.exit(ctx.self, …)`) is still
  // current here (or its async step is); the listeners called below (group
  // watchers on its leave, dead letters, events) are not that process, so
  // their own sends must not be refused as its (§4). Done here, on the exit
  // path, so sends pay nothing.
  const current = runtime.current;
  runtime.current = null;
  try {
    const senders = runtime.asyncSenders;
    if (senders === null) releaseAndReport(p, reason, ext);
    else senders.outside(() => releaseAndReport(p, reason, ext));
  } finally {
    runtime.current = current;
  }
  const waiters = ext?.stopWaiters;
  if (ext !== null && waiters !== null && waiters !== undefined) {
    ext.stopWaiters = null;
    for (const resolve of waiters) resolve(reason);
  }
}

/** Frees what `p` held, then reports its exit: outside `p` (see `release`). */
function releaseAndReport(p: ActorProcess, reason: ExitReason, ext: ActorProcess['ext']): void {
  // Names and table entry go first, so a restart can re-register at once (semantics §4, OTP R1.4).
  p.runtime.released(p, reason);
  cancelTimers(p);
  if (ext !== null && ext.asks !== null) {
    // A record something ended meanwhile may already serve another target's ask (pooled).
    for (const ask of ext.takeAsks()) if (ask.target === p) ask.abandon(reason);
  }
  reportFinish(p, reason, ext);
}

/** `finish`'s reports: the mailbox's dead letters, the exit to links, monitors and listeners, an escalation. */
function reportFinish(p: ActorProcess, reason: ExitReason, ext: ActorProcess['ext']): void {
  const runtime = p.runtime;
  const mb = p.mailbox;
  // The usual exit leaves its mailbox empty: then nothing is cleared and no closures are
  // made for it (`clear` is not inlined here; bench/RESULTS.md, restart fast).
  if (mb !== null && (!mb.isEmpty || mb.hasWaiters)) {
    mb.clear(
      (message, sender) =>
        runtime.deadLetter(
          message instanceof Envelope ? message.message : message,
          p.pid,
          sender as typeof p.pid | undefined,
          'stopped',
        ),
      (waiter) => waiter.reject(new NoProcError(formatPid(p.pid))),
    );
  }
  p.leaveParent();
  p.state = undefined;
  // After the name is released (semantics §4 R1.4): links and monitors see the exit.
  propagateExit(p, reason);
  runtime.reportExit(p.pid, reason);
  const escalation = ext?.escalation;
  if (escalation !== null && escalation !== undefined) {
    const parent = p.parentProcess;
    runtime.reportEscalation(p.pid, parent?.pid, escalation.error);
    if (parent !== null && (parent.flags & DEAD) === 0) {
      parent.mailbox ??= new Mailbox();
      const signal: EscalationSignal = {
        kind: 'escalation',
        child: p.pid,
        error: escalation.error,
      };
      parent.mailbox.pushSignal(signal);
      if ((parent.flags & BUSY) === 0) runtime.scheduler.schedule(parent);
    }
  }
}

/** Cancels the message timers `p` owns (at its exit, and before a restart in place). */
export function cancelTimers(p: ActorProcess): void {
  const timers = p.ext?.timers;
  if (timers === null || timers === undefined || timers.size === 0) return;
  for (const timer of [...timers]) timer.cancelIn(p.runtime.timers);
}
