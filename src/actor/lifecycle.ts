import { NoProcError } from '../errors.js';
import { Envelope, Mailbox } from '../mailbox/index.js';
import type { ExitReason } from '../process/index.js';
import {
  ASYNC_STEPS,
  BUSY,
  DEAD,
  exitReason,
  formatPid,
  isCleanExit,
  NEEDS_INIT,
  STOP_REQUESTED,
  STOPPING,
} from '../process/index.js';
import type { Registration } from '../registry/index.js';
import { CallbackTimer } from '../scheduler/index.js';
import { isLinked, propagateExit, unlink } from '../signals/index.js';
import { runAsyncStep } from './async-senders.js';
import { type Directive, EscalatedError } from './definition.js';
import type { ActorProcess } from './process.js';
import { PendingAsk } from './reply.js';

/**
 * The life of a process outside the hot path: init, failure directives,
 * restart in place, graceful stop (children first, then `terminate`), kill
 * and the final exit. Each step runs synchronously when the hooks are
 * synchronous and falls back to promises only when a hook returns one.
 */

/** A signal in a mailbox's system lane. */
export interface EscalationSignal {
  readonly kind: 'escalation';
  readonly child: number;
  readonly error: unknown;
}

const DIRECTIVES: readonly string[] = ['resume', 'restart', 'stop', 'escalate'];

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/** Runs a hook with `p` as the current process; returns its result or throws. */
function inProcess<T>(p: ActorProcess, hook: () => T): T {
  const runtime = p.runtime;
  const previous = runtime.current;
  runtime.current = p;
  try {
    return hook();
  } finally {
    runtime.current = previous;
  }
}

/** Runs `step`'s promise to completion as async work of `p`, then `next`. */
function awaitStep(
  p: ActorProcess,
  promise: PromiseLike<unknown>,
  next: (ok: boolean, value: unknown) => void,
): void {
  if ((p.flags & DEAD) !== 0) {
    // The step ended its own process before its first await: nothing waits
    // for it, and its rejection must not go unhandled.
    Promise.resolve(promise).catch(() => {});
    return;
  }
  p.flags |= BUSY;
  p.runtime.scheduler.enterAsync();
  const settle = (ok: boolean, value: unknown): void => {
    // A kill while the step was in flight already cleared BUSY and left async work.
    if ((p.flags & BUSY) === 0) return;
    p.flags &= ~BUSY;
    try {
      if ((p.flags & DEAD) === 0) next(ok, value);
    } finally {
      p.runtime.scheduler.leaveAsync();
    }
  };
  try {
    promise.then(
      (value) => settle(true, value),
      (error) => settle(false, error),
    );
  } catch (error) {
    // A thenable whose `then` throws fails the step like a rejection,
    // instead of escaping the scheduler with the step still counted as in flight.
    settle(false, error);
  }
}

/**
 * Runs `init` and makes the process ready, or exits it with the error.
 * `inTurn` says the scheduler's turn goes on to handle messages right after
 * a synchronous init, so nothing needs scheduling.
 */
export function runInit(p: ActorProcess, inTurn = false): void {
  p.flags &= ~NEEDS_INIT;
  const init = p.def.init;
  if (init === undefined) {
    started(p, undefined, inTurn);
    return;
  }
  let result: unknown;
  try {
    const step = () => init.call(p.def, p, p.ext?.args);
    result = inProcess(p, (p.flags & ASYNC_STEPS) === 0 ? step : () => runAsyncStep(p, step));
  } catch (error) {
    finish(p, exitReason.error(error));
    return;
  }
  if (isThenable(result)) {
    awaitStep(p, result, (ok, value) => {
      if (ok) started(p, value, false);
      else finish(p, exitReason.error(value));
    });
  } else {
    started(p, result, inTurn);
  }
}

function started(p: ActorProcess, state: unknown, inTurn: boolean): void {
  p.state = state;
  const waiters = p.ext?.startWaiters;
  if (waiters !== null && waiters !== undefined) {
    (p.ext as NonNullable<typeof p.ext>).startWaiters = null;
    for (const resolve of waiters) resolve();
  }
  if (inTurn) p.status = 'running';
  else p.afterTurn();
}

/** Awaits an async handler; the next message waits until it settles. */
export function awaitHandler(p: ActorProcess, promise: PromiseLike<void>, message: unknown): void {
  awaitStep(p, promise, (ok, error) => {
    if (!ok) {
      const runtime = p.runtime;
      const previous = runtime.current;
      runtime.current = p;
      try {
        handleFailure(p, error, message);
      } finally {
        runtime.current = previous;
      }
    }
    p.afterTurn();
  });
}

/** Fails the reply port of `message`, if it carries one that is still pending. */
export function failPendingReply(message: unknown, error: unknown): void {
  if (message === null || typeof message !== 'object') return;
  const reply = (message as { reply?: unknown }).reply;
  if (reply instanceof PendingAsk && reply.pending) reply.fail(error);
}

/** Handles a system-lane signal. */
export function handleSignal(p: ActorProcess, signal: unknown): void {
  const s = signal as EscalationSignal;
  if (s.kind === 'escalation') handleFailure(p, new EscalatedError(s.child, s.error), undefined);
}

/**
 * Asks the error hook what `error` means and carries it out. If the failed
 * message was an ask still waiting for its reply and the process lives on
 * (resume, restart), the asker gets the error now rather than a timeout
 * later; if it exits, the asker gets `ProcessExitedError` with the reason.
 */
export function handleFailure(p: ActorProcess, error: unknown, message: unknown): void {
  if ((p.flags & DEAD) !== 0) return;
  let directive: Directive = 'stop';
  const onError = p.def.onError;
  if (onError !== undefined) {
    try {
      directive = onError.call(p.def, error, message, p);
    } catch (hookError) {
      p.runtime.reportHookFailure(p.pid, 'onError', hookError);
      directive = 'stop';
    }
    if (!DIRECTIVES.includes(directive)) {
      p.runtime.reportHookFailure(
        p.pid,
        'onError',
        new TypeError(`onError returned ${String(directive)}, not a directive`),
      );
      directive = 'stop';
    }
  }
  switch (directive) {
    case 'resume':
      failPendingReply(message, error);
      return;
    case 'restart':
      failPendingReply(message, error);
      restartInPlace(p, error);
      return;
    case 'escalate':
      p.extras().escalation = { error };
      requestStop(p, exitReason.error(error));
      return;
    case 'stop':
      requestStop(p, exitReason.error(error));
      return;
  }
}

/** `restart`: terminate, stop children, cancel timers, then `init` again; same pid and mailbox. */
function restartInPlace(p: ActorProcess, error: unknown): void {
  const ext = p.extras();
  ext.restarts++;
  if (ext.abort !== null) {
    ext.abort.abort();
    ext.abort = null;
  }
  cancelTimers(p);
  // The process lives on, so even linked children stop with `shutdown`.
  stopChildren(p, exitReason.shutdown(), () =>
    runTerminate(p, exitReason.error(error), () => {
      p.runtime.reportRestart(p.pid, error, ext.restarts);
      // Fresh state means fresh registrations: init makes them again.
      releaseRegistrations(p);
      p.flags |= NEEDS_INIT;
      p.status = 'starting';
      runInit(p);
    }),
  );
}

/**
 * Lets go of the service keys, group memberships, subscriptions and watches
 * `p` holds: at its exit, and before `init` runs again on a restart in place.
 * Watches go first, so a member watching its own group is not sent its own leave.
 */
export function releaseRegistrations(p: ActorProcess): void {
  const ext = p.ext;
  const held = ext?.registrations;
  if (ext === null || held === null || held === undefined) return;
  ext.registrations = null;
  const rest: Registration[] = [];
  for (const r of held) {
    if (r.releasesFirst === true) r.release();
    else rest.push(r);
  }
  for (const r of rest) r.release();
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
function stopChildren(p: ActorProcess, reason: ExitReason, next: () => void): void {
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

function runTerminate(
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
  const runtime = p.runtime;
  if ((p.flags & BUSY) !== 0) {
    p.flags &= ~BUSY;
    runtime.scheduler.leaveAsync();
  }
  // Dead first: signals the dying children send back to it are ignored.
  p.flags = (p.flags | DEAD) & ~(STOP_REQUESTED | STOPPING);
  p.status = isCleanExit(reason) ? 'stopped' : 'failed';
  // No process outlives its parent: children still alive (a kill, a failed
  // init) end first, newest first: killed, or with `p`'s own reason when
  // linked to it, as the link would deliver it (OTP R2.3, R3.3).
  const linkedReason = reason.kind === 'normal' ? exitReason.killed : reason;
  for (const child of p.children())
    finish(child, isLinked(p, child) ? linkedReason : exitReason.killed);
  if (p.ext !== null || reason !== exitReason.normal) p.extras().exitReason = reason;
  const ext = p.ext;
  ext?.abort?.abort();
  // Names and table entry go first, so a restart can re-register at once (semantics §4, OTP R1.4).
  runtime.released(p, reason);
  cancelTimers(p);
  if (ext !== null && ext.asks !== null) {
    // A record something ended meanwhile may already serve another target's ask (pooled).
    for (const ask of ext.takeAsks()) if (ask.target === p) ask.abandon(reason);
  }
  p.mailbox?.clear(
    (message, sender) =>
      runtime.deadLetter(
        message instanceof Envelope ? message.message : message,
        p.pid,
        sender as typeof p.pid | undefined,
        'stopped',
      ),
    (waiter) => waiter.reject(new NoProcError(formatPid(p.pid))),
  );
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
  const waiters = ext?.stopWaiters;
  if (ext !== null && waiters !== null && waiters !== undefined) {
    ext.stopWaiters = null;
    for (const resolve of waiters) resolve(reason);
  }
}

function cancelTimers(p: ActorProcess): void {
  const timers = p.ext?.timers;
  if (timers === null || timers === undefined || timers.size === 0) return;
  for (const timer of [...timers]) timer.cancelIn(p.runtime.timers);
}
