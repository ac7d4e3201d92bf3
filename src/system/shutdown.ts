import type { ActorProcess } from '../actor/index.js';
import { BUSY, finish, kill, stopAndWait } from '../actor/index.js';
import { exitReason } from '../process/index.js';
import { CallbackTimer } from '../scheduler/index.js';
import type { SystemCore } from './core.js';

/**
 * Stops `p` gracefully with `reason`, killing it if it has not exited
 * within `timeout` ms (OTP's shutdown timeout escalating to `kill`).
 */
export function stopWithin(
  core: SystemCore,
  p: ActorProcess,
  reason: Parameters<typeof stopAndWait>[1],
  timeout: number,
): Promise<void> {
  if (!p.alive) return Promise.resolve();
  const stopped = stopAndWait(p, reason);
  if (timeout === Number.POSITIVE_INFINITY || !p.alive) return stopped;
  const timer = new CallbackTimer(() => kill(p));
  core.timers.schedule(timer, timeout);
  return stopped.then(() => {
    core.timers.cancel(timer);
  });
}

/** Whether `p` can stop synchronously: nothing in flight, no children, no `terminate`. */
function trivial(p: ActorProcess): boolean {
  return (p.flags & BUSY) === 0 && p.def.terminate === undefined && p.firstChild === null;
}

/**
 * Graceful shutdown: optionally drain, then stop top-level processes newest
 * first (each stops its own children first), kill what does not stop in
 * time, cancel every timer.
 */
export async function shutdownSystem(
  core: SystemCore,
  drain: boolean,
  timeout: number,
): Promise<void> {
  if (drain) {
    core.phase = 'draining';
    await core.scheduler.idle();
  }
  core.phase = 'closed';
  const reason = exitReason.shutdown();
  // The table is in pid order, which is spawn order; walk it newest first.
  const roots = [...core.table.values()].filter((p) => p.parentProcess === null).reverse();
  for (const p of roots) {
    if (!p.alive) continue;
    if (trivial(p)) {
      // Nothing to wait for: exit now, without a promise per process.
      finish(p, reason);
      continue;
    }
    await stopWithin(core, p, reason, timeout);
  }
  // Anything left (trivial stops scheduled above, or processes spawned meanwhile).
  await Promise.all([...core.table.values()].map((p) => stopWithin(core, p, reason, timeout)));
  await core.scheduler.idle();
  core.timers.clear();
}
