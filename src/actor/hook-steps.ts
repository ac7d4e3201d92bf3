import { BUSY, DEAD } from '../process/index.js';
import type { ActorProcess } from './process.js';

/**
 * How a process runs its hooks (`init`, `terminate`, a supervisor's stop of
 * its children): as the current process, synchronously when the hook is,
 * and when it returns a promise, as async work of the process that the
 * scheduler waits for and a kill abandons.
 */

/** Whether a hook returned a promise or other thenable (its `then` read once). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/** Runs a hook with `p` as the current process; returns its result or throws. */
export function inProcess<T>(p: ActorProcess, hook: () => T): T {
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
export function awaitStep(
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
  let settled = false;
  const settle = (ok: boolean, value: unknown): void => {
    // A user thenable may call back twice, the second time during a later
    // step of `p`: only the first call ends this step.
    if (settled) return;
    settled = true;
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
