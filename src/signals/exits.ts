import { NoProcError } from '../errors.js';
import type { ExitReason, Pid } from '../process/index.js';
import { DEAD, exitReason, formatPid, REMOTE, TRAP_EXIT } from '../process/index.js';
import {
  clearMonitorTarget,
  decideExitSignal,
  type ExitMessage,
  Monitor,
  monitorOwner,
  monitorTarget,
  runtimeMessage,
} from './links.js';
import type { Signalable } from './signalable.js';

/**
 * Links, monitors and exit signals between processes, carried out.
 * Termination effects apply when the signal is sent (otp-rules §3): a
 * receiver that dies is dead before the sender's call returns, and deaths
 * along a chain of links are worked off a queue, never by recursion.
 */

/**
 * Deaths waiting to be carried out. A death sends link signals that may
 * cause more deaths; they queue here and the outermost call works them off,
 * so a chain of 100,000 links costs no stack.
 */
export class DeathQueue<P> {
  readonly #queue: { p: P; reason: ExitReason }[] = [];
  readonly #finish: (p: P, reason: ExitReason) => void;
  #running = false;

  /** `finish` carries out one death (lifecycle's `finish`). */
  constructor(finish: (p: P, reason: ExitReason) => void) {
    this.#finish = finish;
  }

  /**
   * Ends `p` at once, even while another death is being carried out: an
   * explicit exit promises its target is dead when the call returns. Safe
   * to nest: an exit that already happened is a no-op.
   */
  now(p: P, reason: ExitReason): void {
    this.#finish(p, reason);
  }

  /** Ends `p` with `reason` now, or as soon as the death being carried out is done. */
  add(p: P, reason: ExitReason): void {
    this.#queue.push({ p, reason });
    if (this.#running) return;
    this.#running = true;
    try {
      for (let i = 0; i < this.#queue.length; i++) {
        const next = this.#queue[i] as { p: P; reason: ExitReason };
        this.#finish(next.p, next.reason);
      }
    } finally {
      this.#queue.length = 0;
      this.#running = false;
    }
  }
}

/** Delivers an exit signal from `from` (undefined: outside any process) to `target`. */
export function signalExit<P extends Signalable<P>>(
  target: P,
  from: P | undefined,
  reason: ExitReason,
  linked: boolean,
): void {
  if ((target.flags & DEAD) !== 0) return;
  if ((target.flags & REMOTE) !== 0) {
    // A process of another node: its node decides (a link's death reaches it by its own monitor).
    target.forwardExit(from, reason, linked);
    return;
  }
  const decision = decideExitSignal(
    reason,
    linked,
    (target.flags & TRAP_EXIT) !== 0,
    from === target,
    from !== undefined && from === target.parentProcess,
  );
  const deaths = target.runtime.deaths;
  switch (decision) {
    case 'killed':
      if (linked) deaths.add(target, exitReason.killed);
      else deaths.now(target, exitReason.killed);
      return;
    case 'die':
      // Link signals queue (chains can be long); explicit ones apply before `exit` returns.
      if (linked) deaths.add(target, reason);
      else deaths.now(target, reason);
      return;
    case 'stop':
      target.stop(reason);
      return;
    case 'message': {
      const message: ExitMessage = runtimeMessage({ type: 'EXIT', from: from?.pid, reason });
      target.enqueueRuntimeMessage(message, from?.pid);
      return;
    }
    case 'drop':
      return;
  }
}

/**
 * Links `p` and `other` (OTP `link/1`). Linking to yourself or twice does
 * nothing. Linking to a process that is gone throws `NoProcError`, unless
 * `p` traps exits: then it receives `EXIT` with `noproc` (semantics §11 R2.4).
 */
export function link<P extends Signalable<P>>(
  p: P,
  other: P | undefined,
  pid: Pid,
  notify = true,
): void {
  if (other === p) return;
  if (other === undefined || (other.flags & DEAD) !== 0) {
    linkToGone(p, other, pid);
    return;
  }
  const mine = p.extras();
  const theirs = other.extras();
  mine.links ??= new Set();
  theirs.links ??= new Set();
  mine.links.add(other);
  theirs.links.add(p);
  if (notify && (other.flags & REMOTE) !== 0) other.linkChanged(p, true);
}

/**
 * `link` to a process that is gone: an error, or an EXIT for a trapping
 * process. Out of `link`, which a supervisor's restart inlines (V8's budget).
 */
function linkToGone<P extends Signalable<P>>(p: P, other: P | undefined, pid: Pid): void {
  if ((p.flags & TRAP_EXIT) === 0) throw new NoProcError(formatPid(pid), 'cannot link to it');
  const message: ExitMessage = runtimeMessage({
    type: 'EXIT',
    from: pid,
    reason: other === undefined ? exitReason.noproc : other.goneReason(),
  });
  p.enqueueRuntimeMessage(message, pid);
}

/** Removes the link between `p` and `other`, if any (OTP `unlink/1`); queued EXITs stay. */
export function unlink<P extends Signalable<P>>(p: P, other: P, notify = true): void {
  const had = p.ext?.links?.delete(other) === true;
  other.ext?.links?.delete(p);
  if (had && notify && (other.flags & REMOTE) !== 0) other.linkChanged(p, false);
}

/** Whether `p` and `other` are linked. */
export function isLinked<P extends Signalable<P>>(p: P, other: P): boolean {
  return p.ext?.links?.has(other) ?? false;
}

/**
 * Creates a monitor held by `owner` (a process) or by `notify` (a callback)
 * on `target`. A target that is gone gives an immediate DOWN with `noproc`.
 */
export function monitor<P extends Signalable<P>>(
  runtime: P['runtime'],
  owner: P | null,
  target: P | undefined,
  targetPid: Pid | undefined,
  name: string | undefined,
  notify: ((reason: ExitReason) => void) | null,
): Monitor<P> {
  const alive = target !== undefined && (target.flags & DEAD) === 0;
  const m = new Monitor(
    runtime.nextMessageId(),
    owner,
    alive ? target : null,
    targetPid,
    name,
    notify,
  );
  if (!alive) {
    fire(m, target === undefined ? exitReason.noproc : target.goneReason());
    return m;
  }
  const t = target.extras();
  t.watchers ??= new Set();
  t.watchers.add(m);
  if (owner !== null) {
    const o = owner.extras();
    o.monitors ??= new Set();
    o.monitors.add(m);
  }
  return m;
}

/**
 * Removes a monitor (OTP `demonitor/2` with `info`): true if it was in
 * place, false if it had fired or was removed before. With `flush`, a DOWN
 * for it that is already queued is removed too.
 */
export function demonitor<P extends Signalable<P>>(
  owner: P,
  m: Monitor<P>,
  flush: boolean,
): boolean {
  const owns = monitorOwner(m) === owner;
  const wasActive = m.active && owns;
  if (wasActive) detach(m);
  if (flush && owns) {
    owner.mailbox?.removeWhere(
      (msg) => (msg as { type?: unknown }).type === 'DOWN' && (msg as { ref?: unknown }).ref === m,
    );
  }
  return wasActive;
}

/**
 * Removes a monitor whoever holds it: a `system.exited` monitor given up,
 * or one left behind by an owner that exited (`system.removeStale`). True
 * if it was in place.
 */
export function dropMonitor<P extends Signalable<P>>(m: Monitor<P>): boolean {
  if (!m.active) return false;
  detach(m);
  return true;
}

function detach<P extends Signalable<P>>(m: Monitor<P>): void {
  m.active = false;
  monitorTarget(m)?.ext?.watchers?.delete(m);
  monitorOwner(m)?.ext?.monitors?.delete(m);
  clearMonitorTarget(m);
}

function fire<P extends Signalable<P>>(m: Monitor<P>, reason: ExitReason): void {
  m.active = false;
  clearMonitorTarget(m);
  if (m.notify !== null) {
    m.notify(reason);
    return;
  }
  const owner = monitorOwner(m);
  if (owner === null) return;
  owner.ext?.monitors?.delete(m);
  owner.enqueueRuntimeMessage(m.down(reason), m.targetPid);
}

/**
 * The exit of `p`, as others see it: every link gets an exit signal with
 * the link flag and `reason`, every monitor fires once, and monitors `p`
 * held are removed silently (semantics §12 R5.4). Runs after `p`'s name is released.
 */
export function propagateExit<P extends Signalable<P>>(p: P, reason: ExitReason): void {
  const ext = p.ext;
  if (ext === null) return;
  const owned = ext.monitors;
  if (owned !== null) {
    ext.monitors = null;
    for (const m of owned) detach(m);
  }
  const watchers = ext.watchers;
  if (watchers !== null) {
    ext.watchers = null;
    for (const m of watchers) fire(m, reason);
  }
  const links = ext.links;
  if (links !== null) {
    ext.links = null;
    for (const other of links) {
      other.ext?.links?.delete(p);
      signalExit(other, p, reason, true);
    }
  }
}
