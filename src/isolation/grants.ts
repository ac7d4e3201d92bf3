import type { ActorProcess } from '../actor/index.js';
import { monitorOwner } from '../actor/index.js';
import type { Pid } from '../process/index.js';

/**
 * Which main pids the bodies of one host may address (semantics §23): the
 * pids whose refs were passed to it (in spawn arguments, messages, replies,
 * exit reasons; the senders of what it received; its stand-ins' parents),
 * its own stand-ins, and the processes its stand-ins are linked to or
 * monitor, or that monitor them. Anything else is `not-granted`.
 *
 * @module
 */

/**
 * The pids granted to one host.
 *
 * @example
 * ```ts
 * const grants = new Grants((pid) => system.lookup(pid));
 * grants.grant(sender);
 * grants.mayAddress(sender, placed, standIns); // true
 * ```
 */
export class Grants {
  readonly #lookup: (pid: Pid) => ActorProcess | undefined;
  readonly #granted = new Set<number>();
  #atSweep = 1_024;

  constructor(lookup: (pid: Pid) => ActorProcess | undefined) {
    this.#lookup = lookup;
  }

  /**
   * Grants `pid`. Pids of processes that have exited are swept out once the
   * set has doubled since the last sweep (pids are never reused, so a dead
   * one can only ever be a dead letter anyway).
   */
  grant(pid: number): void {
    this.#granted.add(pid);
    if (this.#granted.size < this.#atSweep) return;
    for (const p of this.#granted) {
      if (this.#lookup(p as Pid)?.alive !== true) this.#granted.delete(p);
    }
    this.#atSweep = Math.max(1_024, this.#granted.size * 2);
  }

  /** Whether a body of the host may address `pid`, given its placed pids and live stand-ins. */
  mayAddress(
    pid: number,
    placed: ReadonlyMap<number, unknown>,
    standIns: Iterable<ActorProcess>,
  ): boolean {
    if (this.#granted.has(pid) || placed.has(pid)) return true;
    // Its stand-ins' links and monitors (a link made by the other side names it to the body too).
    for (const standIn of standIns) {
      const ext = standIn.ext;
      if (ext === null) continue;
      if (ext.links !== null) for (const l of ext.links) if (l.pid === pid) return true;
      if (ext.monitors !== null) for (const m of ext.monitors) if (m.targetPid === pid) return true;
      if (ext.watchers !== null) {
        for (const w of ext.watchers) if (monitorOwner(w)?.pid === pid) return true;
      }
    }
    return false;
  }
}
