import { Envelope } from '../mailbox/index.js';
import { ASYNC_STEPS, DEAD, exitReason, NEEDS_INIT } from '../process/index.js';
import type { Registration } from '../registry/index.js';
import { runAsyncStep } from './async-senders.js';
import { type Directive, EscalatedError } from './definition.js';
import { awaitStep, inProcess, isThenable } from './hook-steps.js';
import type { ActorProcess } from './process.js';
import { answerPort, PendingAsk } from './reply.js';
import {
  cancelTimers,
  type EscalationSignal,
  finish,
  requestStop,
  runTerminate,
  stopChildren,
} from './stopping.js';

/**
 * The life of a process outside the hot path: init, failure directives,
 * restart in place, and releasing its registrations; the stop, kill and
 * final exit are `stopping.ts`. Each step runs synchronously when the hooks
 * are synchronous and falls back to promises only when a hook returns one.
 */

const DIRECTIVES: readonly string[] = ['resume', 'restart', 'stop', 'escalate'];

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
  const runtime = p.runtime;
  const previous = runtime.current;
  try {
    // A synchronous init (a restart's usual case) is called with no step closures.
    if ((p.flags & ASYNC_STEPS) === 0) {
      runtime.current = p;
      // Started from another process's async step (`system.start` after an
      // await): the callbacks this init sets up are this process's, not
      // that step's, whose exit would refuse them (§4). One null test when
      // no async step exists.
      const senders = runtime.asyncSenders;
      if (senders === null || senders.sender() === undefined) {
        result = init.call(p.def, p, p.ext?.args);
      } else {
        result = senders.outside(() => init.call(p.def, p, p.ext?.args));
      }
    } else {
      const step = () => init.call(p.def, p, p.ext?.args);
      result = inProcess(p, () => runAsyncStep(p, step));
    }
  } catch (error) {
    runtime.current = previous;
    finish(p, exitReason.error(error));
    return;
  }
  runtime.current = previous;
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
  if (reply instanceof PendingAsk && reply.pending) answerPort(reply, false, error);
}

/**
 * The reply port a queued item (a request, or an envelope around one) carries, if any.
 *
 * @example
 * ```ts
 * mb.withdrawWaiter((item) => replyPortOf(item) === ask.port);
 * ```
 */
export function replyPortOf(item: unknown): unknown {
  const body = item instanceof Envelope ? item.message : item;
  return body !== null && typeof body === 'object'
    ? (body as { reply?: unknown }).reply
    : undefined;
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
