import { NoProcError } from '../errors.js';
import type { ExitReason, Pid } from '../process/index.js';
import { exitReason, formatPid } from '../process/index.js';
import { DEAD, REMOTE, TRAP_EXIT } from './flags.js';
import { decideExitSignal, type ExitMessage, Monitor, runtimeMessage } from './links.js';
import type { ActorProcess } from './process.js';

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
export class DeathQueue {
  readonly #queue: { p: ActorProcess; reason: ExitReason }[] = [];
  readonly #finish: (p: ActorProcess, reason: ExitReason) => void;
  #running = false;

  /** `finish` carries out one death (lifecycle's `finish`). */
  constructor(finish: (p: ActorProcess, reason: ExitReason) => void) {
    this.#finish = finish;
  }

  /**
   * Ends `p` at once, even while another death is being carried out: an
   * explicit exit promises its target is dead when the call returns. Safe
   * to nest: an exit that already happened is a no-op.
   */
  now(p: ActorProcess, reason: ExitReason): void {
    this.#finish(p, reason);
  }

  /** Ends `p` with `reason` now, or as soon as the death being carried out is done. */
  add(p: ActorProcess, reason: ExitReason): void {
    this.#queue.push({ p, reason });
    if (this.#running) return;
    this.#running = true;
    try {
      for (let i = 0; i < this.#queue.length; i++) {
        const next = this.#queue[i] as { p: ActorProcess; reason: ExitReason };
        this.#finish(next.p, next.reason);
      }
    } finally {
      this.#queue.length = 0;
      this.#running = false;
    }
  }
}

/** Delivers an exit signal from `from` (undefined: outside any process) to `target`. */
export function signalExit(
  target: ActorProcess,
  from: ActorProcess | undefined,
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
 * `p` traps exits: then it receives `EXIT` with `noproc` (R2.4).
 */
export function link(
  p: ActorProcess,
  other: ActorProcess | undefined,
  pid: Pid,
  notify = true,
): void {
  if (other === p) return;
  if (other === undefined || (other.flags & DEAD) !== 0) {
    if ((p.flags & TRAP_EXIT) === 0) throw new NoProcError(formatPid(pid), 'cannot link to it');
    const message: ExitMessage = runtimeMessage({
      type: 'EXIT',
      from: pid,
      reason: other === undefined ? exitReason.noproc : other.goneReason(),
    });
    p.enqueueRuntimeMessage(message, pid);
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

/** Removes the link between `p` and `other`, if any (OTP `unlink/1`); queued EXITs stay. */
export function unlink(p: ActorProcess, other: ActorProcess, notify = true): void {
  const had = p.ext?.links?.delete(other) === true;
  other.ext?.links?.delete(p);
  if (had && notify && (other.flags & REMOTE) !== 0) other.linkChanged(p, false);
}

/** Whether `p` and `other` are linked. */
export function isLinked(p: ActorProcess, other: ActorProcess): boolean {
  return p.ext?.links?.has(other) ?? false;
}

/**
 * Creates a monitor held by `owner` (a process) or by `notify` (a callback)
 * on `target`. A target that is gone gives an immediate DOWN with `noproc`.
 */
export function monitor(
  runtime: ActorProcess['runtime'],
  owner: ActorProcess | null,
  target: ActorProcess | undefined,
  targetPid: Pid | undefined,
  name: string | undefined,
  notify: ((reason: ExitReason) => void) | null,
): Monitor {
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
export function demonitor(owner: ActorProcess, m: Monitor, flush: boolean): boolean {
  const wasActive = m.active && m.owner === owner;
  if (wasActive) detach(m);
  if (flush && m.owner === owner) {
    owner.mailbox?.removeWhere(
      (msg) => (msg as { type?: unknown }).type === 'DOWN' && (msg as { ref?: unknown }).ref === m,
    );
  }
  return wasActive;
}

function detach(m: Monitor): void {
  m.active = false;
  m.target?.ext?.watchers?.delete(m);
  m.owner?.ext?.monitors?.delete(m);
  m.target = null;
}

function fire(m: Monitor, reason: ExitReason): void {
  m.active = false;
  m.target = null;
  if (m.notify !== null) {
    m.notify(reason);
    return;
  }
  const owner = m.owner;
  if (owner === null) return;
  owner.ext?.monitors?.delete(m);
  owner.enqueueRuntimeMessage(m.down(reason), m.targetPid);
}

/**
 * The exit of `p`, as others see it: every link gets an exit signal with
 * the link flag and `reason`, every monitor fires once, and monitors `p`
 * held are removed silently (R5.4). Runs after `p`'s name is released.
 */
export function propagateExit(p: ActorProcess, reason: ExitReason): void {
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
