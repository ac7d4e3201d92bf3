import type { ActorProcess } from '../actor/index.js';
import { BUSY, finish, stopWithin } from '../actor/index.js';
import { exitReason } from '../process/index.js';
import type { SystemCore } from './core.js';

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
    await stopWithin(p, reason, timeout);
  }
  // Anything left (trivial stops scheduled above, or processes spawned meanwhile).
  await Promise.all([...core.table.values()].map((p) => stopWithin(p, reason, timeout)));
  await core.scheduler.idle();
  core.closeHosts();
  core.timers.clear();
}
