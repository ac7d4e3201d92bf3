import type { ActorProcess } from '../actor/index.js';
import { BUSY, finish, REMOTE, stopWithin } from '../actor/index.js';
import { exitReason } from '../process/index.js';
import type { SystemCore } from './core.js';
import { checkOptionsBag, duration } from './options.js';

/**
 * Options of `system.shutdown`.
 *
 * @example
 * ```ts
 * await system.shutdown({ drain: true });
 * ```
 */
export interface ShutdownOptions {
  /** Let every mailbox empty (and every async handler settle) before stopping. Default false. */
  readonly drain?: boolean;
  /** Per-process stop timeout before a kill; default the system's `shutdownTimeout`. */
  readonly timeout?: number;
}

/** A process of another node this system only refers to (not one it spawned there). */
function isRemoteView(p: ActorProcess): boolean {
  return (p.flags & REMOTE) !== 0 && p.def.init === undefined;
}

/** Whether `p` can stop synchronously: nothing in flight, no children, no `terminate`. */
function trivial(p: ActorProcess): boolean {
  return (p.flags & BUSY) === 0 && p.def.terminate === undefined && p.firstChild === null;
}

/**
 * `system.shutdown`: the one shutdown of `core` (later calls get the same
 * promise). A bad `timeout` rejects before anything stops; `onStart` runs
 * once it is decided (the system closes its health monitor there).
 *
 * @example
 * ```ts
 * return beginShutdown(core, options, () => health?.close());
 * ```
 */
export function beginShutdown(
  core: SystemCore,
  options: ShutdownOptions | undefined,
  onStart: () => void,
): Promise<void> {
  if (core.shutdown !== null) return core.shutdown;
  let timeout: number;
  try {
    checkOptionsBag(options);
    timeout = duration('timeout', options?.timeout, core.options.shutdownTimeout, true);
  } catch (error) {
    return Promise.reject(error);
  }
  onStart();
  // Set before the work starts: its synchronous part already ends trivial
  // roots, and an `exited` listener calling shutdown there must get this
  // promise, not start a second shutdown (§10).
  let start!: (work: Promise<void>) => void;
  const shutdown = new Promise<void>((resolve) => {
    start = resolve;
  });
  core.shutdown = shutdown;
  start(shutdownSystem(core, options?.drain === true, timeout));
  return shutdown;
}

/**
 * Graceful shutdown: optionally drain, then stop top-level processes newest
 * first (each stops its own children first), kill what does not stop in
 * time, cancel every timer.
 */
async function shutdownSystem(core: SystemCore, drain: boolean, timeout: number): Promise<void> {
  if (drain) {
    core.phase = 'draining';
    await core.scheduler.idle();
  }
  core.phase = 'closed';
  const reason = exitReason.shutdown();
  // The table is in pid order, which is spawn order; walk it newest first.
  // Records of other nodes' processes are not this system's to stop: the cluster's close ends them.
  const roots = [...core.table.values()]
    .filter((p) => p.parentProcess === null && !isRemoteView(p))
    .reverse();
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
  await Promise.all(
    [...core.table.values()]
      .filter((p) => !isRemoteView(p))
      .map((p) => stopWithin(p, reason, timeout)),
  );
  await core.scheduler.idle();
  // After every process stopped, so their DOWNs reached other nodes first.
  await core.cluster?.close();
  core.closeHosts();
  core.timers.clear();
}
