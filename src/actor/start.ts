import type { ExitReason } from '../process/index.js';
import { BUSY, DEAD, exitReason, NEEDS_INIT, STOP_REQUESTED, STOPPING } from '../process/index.js';
import { runInit } from './lifecycle.js';
import type { ActorProcess } from './process.js';
import { beginStop, stopAndWait } from './stopping.js';

/**
 * How a synchronous start ended (OTP `proc_lib` start results): `started`,
 * `ignored` (init stopped the process with `normal`, OTP `ignore`), or
 * `failed` with the exit reason (init threw, or stopped with another reason).
 */
export type StartOutcome =
  | { readonly kind: 'started' }
  | { readonly kind: 'ignored' }
  | { readonly kind: 'failed'; readonly reason: ExitReason };

const STARTED: StartOutcome = Object.freeze({ kind: 'started' });
const IGNORED: StartOutcome = Object.freeze({ kind: 'ignored' });

function outcomeOf(reason: ExitReason): StartOutcome {
  return reason.kind === 'normal' ? IGNORED : { kind: 'failed', reason };
}

/**
 * Runs `p`'s init now instead of waiting for the scheduler (semantics §13, OTP R8.1: a
 * start returns once init has finished). Synchronous when init is; a
 * process that failed or stopped in init has fully exited by the time the
 * outcome is known (semantics §13 R8.4).
 */
export function startNow(p: ActorProcess): StartOutcome | Promise<StartOutcome> {
  if ((p.flags & NEEDS_INIT) !== 0) runInit(p);
  if ((p.flags & DEAD) !== 0) return outcomeOf(p.ext?.exitReason ?? exitReason.normal);
  if ((p.flags & (STOP_REQUESTED | STOPPING)) !== 0) {
    if ((p.flags & (STOPPING | BUSY)) === 0) beginStop(p);
    if ((p.flags & DEAD) !== 0) return outcomeOf(p.ext?.exitReason ?? exitReason.normal);
    return stopAndWait(p).then(outcomeOf);
  }
  return (p.flags & BUSY) === 0 ? STARTED : startedWhenInitSettles(p);
}

/**
 * The outcome of an init still running (async): kept out of `startNow`, which
 * a supervisor's restart inlines, as V8's inlining budget per function is small.
 */
function startedWhenInitSettles(p: ActorProcess): Promise<StartOutcome> {
  const ext = p.extras();
  return new Promise((resolve) => {
    const onExit = (reason: ExitReason): void => resolve(outcomeOf(reason));
    ext.stopWaiters ??= [];
    ext.stopWaiters.push(onExit);
    ext.startWaiters ??= [];
    ext.startWaiters.push(() => {
      // Started: the exit watch is no longer needed for this start.
      const waiters = ext.stopWaiters;
      if (waiters !== null) ext.stopWaiters = waiters.filter((w) => w !== onExit);
      if ((p.flags & (STOP_REQUESTED | STOPPING | DEAD)) === 0) resolve(STARTED);
      else resolve(stopAndWait(p).then(outcomeOf));
    });
  });
}
