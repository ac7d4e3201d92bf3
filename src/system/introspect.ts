import {
  type ActorProcess,
  dropMonitor,
  type Monitor,
  monitorOwner,
  unlink,
} from '../actor/index.js';
import { WaitRemovedError } from '../errors.js';
import type { HostView } from '../isolation/index.js';
import { formatPid, type Pid } from '../process/index.js';
import { exitedWait } from './control.js';
import type { SystemCore } from './core.js';
import { type TimerView, timerViews } from './introspect-timers.js';
import { checkOptionsBag } from './options.js';

export type { TimerTarget, TimerView } from './introspect-timers.js';

/**
 * What a tester (or a leak hunt) needs to see that the rest of the API
 * does not show: names, timers, pending asks, hosts, and what dead
 * processes left behind. `system.introspect()` builds it on demand by
 * walking the process table and the timer heap once (O(processes +
 * timers)); nothing is tracked for it on the hot path.
 *
 * @example
 * ```ts
 * const view = system.introspect();
 * assert.equal(view.asks.total, 0, 'no ask left waiting');
 * assert.deepEqual(view.stale, { monitors: [], links: [], exitedWaiters: [] });
 * ```
 */
export interface Introspection {
  /** Registered names and their holders, by name. */
  readonly names: readonly { readonly name: string; readonly pid: Pid }[];
  /** Message timers (`sendAfter`, `sendInterval`) waiting to fire, soonest first. */
  readonly timers: readonly TimerView[];
  /** Other runtime timers queued (supervisor backoffs, breaker resets, stop timeouts). */
  readonly internalTimers: number;
  /** Asks waiting for an answer. */
  readonly asks: {
    readonly total: number;
    /** Per caller (`undefined`: from outside any process), most first. */
    readonly byCaller: readonly { readonly caller: Pid | undefined; readonly count: number }[];
    readonly pending: readonly AskView[];
  };
  /** Worker threads, child processes and pool threads running now. */
  readonly hosts: readonly HostView[];
  /** What exited processes and outside callers hold on live processes. */
  readonly stale: StaleView;
  /** Sends attempted by processes that had already exited (dead letters `sender-exited`). */
  readonly senderExitedSends: number;
}

/**
 * One pending ask.
 *
 * @example
 * ```ts
 * const stuck = system.introspect().asks.pending.filter((a) => a.leftMs === Infinity);
 * ```
 */
export interface AskView {
  readonly correlationId: number;
  readonly caller: Pid | undefined;
  readonly target: Pid;
  /** Ms until it times out (`Infinity` when it waits for ever). */
  readonly leftMs: number;
}

/**
 * What should not be there: `system.removeStale()` removes the first two,
 * `system.removeStale({ exitedWaiters: true })` the third as well.
 *
 * @example
 * ```ts
 * const { monitors, links } = system.introspect().stale;
 * if (monitors.length + links.length > 0) console.warn('leak', system.removeStale());
 * ```
 */
export interface StaleView {
  /** Monitors on a live process whose owner has exited. */
  readonly monitors: readonly { readonly id: number; readonly owner: Pid; readonly target: Pid }[];
  /** Links from a live process to one that has exited. */
  readonly links: readonly { readonly from: Pid; readonly to: Pid }[];
  /**
   * `system.exited` promises still waiting, per target: not a leak by
   * themselves, but each holds an entry on its target until it exits, its
   * `signal` aborts or `removeStale({ exitedWaiters: true })` removes it.
   * The runtime's own outside watches (cluster registry, groups) are not
   * counted.
   */
  readonly exitedWaiters: readonly { readonly target: Pid; readonly count: number }[];
}

/** Builds the view of `core` now. */
export function introspect(core: SystemCore): Introspection {
  const names: { name: string; pid: Pid }[] = [];
  const pending: AskView[] = [];
  const monitors: { id: number; owner: Pid; target: Pid }[] = [];
  const links: { from: Pid; to: Pid }[] = [];
  const exitedWaiters: { target: Pid; count: number }[] = [];
  for (const p of core.table.values()) {
    const ext = p.ext;
    if (ext === null) continue;
    if (ext.name !== undefined) names.push({ name: ext.name, pid: p.pid });
    for (let a = ext.asks; a !== null; a = a.next) {
      const leftMs = a.expiresAt === Number.POSITIVE_INFINITY ? a.expiresAt : a.remaining();
      pending.push({
        correlationId: a.correlationId,
        caller: a.caller as Pid,
        target: p.pid,
        leftMs,
      });
    }
    let waits = 0;
    for (const m of ext.watchers ?? []) {
      // A process already exiting (dead, its children still ending) is no wait to count: its exit settles it.
      if (exitedWait(m) !== undefined) waits += p.alive ? 1 : 0;
      else if (isStaleMonitor(m)) {
        monitors.push({ id: m.id, owner: (monitorOwner(m) as ActorProcess).pid, target: p.pid });
      }
    }
    if (waits > 0) exitedWaiters.push({ target: p.pid, count: waits });
    for (const other of ext.links ?? []) {
      if (isStaleLink(p, other)) links.push({ from: p.pid, to: other.pid });
    }
  }
  names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const { timers, internalTimers } = timerViews(core);
  const byCaller = new Map<Pid | undefined, number>();
  for (const a of pending) byCaller.set(a.caller, (byCaller.get(a.caller) ?? 0) + 1);
  return {
    names,
    timers,
    internalTimers,
    asks: {
      total: pending.length,
      byCaller: [...byCaller]
        .map(([caller, count]) => ({ caller, count }))
        .sort((a, b) => b.count - a.count),
      pending,
    },
    hosts: core.hosts(),
    stale: { monitors, links, exitedWaiters },
    senderExitedSends: core.senderExitedCount,
  };
}

/**
 * Options of `system.removeStale`.
 *
 * @example
 * ```ts
 * system.removeStale({ exitedWaiters: true }); // also give up every system.exited wait on a live process
 * ```
 */
export interface RemoveStaleOptions {
  /**
   * Also remove every `system.exited` wait on a live process (not a leak by
   * itself, so off by default): each removed promise rejects with `WaitRemovedError`
   * (`ERR_WAIT_REMOVED`).
   */
  readonly exitedWaiters?: boolean;
}

/**
 * What `system.removeStale` removed.
 *
 * @example
 * ```ts
 * const { monitors, links, exitedWaiters } = system.removeStale({ exitedWaiters: true });
 * ```
 */
export interface RemovedStale {
  readonly monitors: number;
  readonly links: number;
  /** `system.exited` waits removed (0 unless asked for). */
  readonly exitedWaiters: number;
}

/**
 * Removes monitors whose owner has exited and links to processes that
 * have exited from every live process, and with `exitedWaiters` every
 * `system.exited` wait on a live process (each rejects: `WaitRemovedError`);
 * returns how many of each. The runtime removes the
 * first two when a process exits, so anything found there is a leak. An
 * exit still being carried out is not stale: its own propagation removes
 * what it holds, with the signals and DOWNs that go with it.
 */
export function removeStale(core: SystemCore, options?: RemoveStaleOptions): RemovedStale {
  checkOptionsBag(options);
  const waits = options?.exitedWaiters === true;
  let monitors = 0;
  let links = 0;
  let exitedWaiters = 0;
  for (const p of core.table.values()) {
    const ext = p.ext;
    if (ext === null) continue;
    const dead: Monitor<ActorProcess>[] = [];
    const given: Monitor<ActorProcess>[] = [];
    for (const m of ext.watchers ?? []) {
      if (exitedWait(m) !== undefined) {
        // Not a wait on a process already exiting: it resolves with the real reason in a moment.
        if (waits && p.alive) given.push(m);
      } else if (isStaleMonitor(m)) dead.push(m);
    }
    for (const m of dead) if (dropMonitor(m)) monitors++;
    for (const m of given) {
      if (!dropMonitor(m)) continue;
      exitedWaiters++;
      exitedWait(m)?.(new WaitRemovedError(formatPid(p.pid)));
    }
    for (const other of [...(ext.links ?? [])]) {
      if (!isStaleLink(p, other)) continue;
      unlink(p, other);
      links++;
    }
  }
  return { monitors, links, exitedWaiters };
}

/** A monitor whose owner has exited and no longer holds it (its exit is over). */
function isStaleMonitor(m: Monitor<ActorProcess>): boolean {
  const owner = monitorOwner(m);
  return owner !== null && !owner.alive && owner.ext?.monitors?.has(m) !== true;
}

/** A link from `p` to `other` that exited and no longer links back (its exit is over). */
function isStaleLink(p: ActorProcess, other: ActorProcess): boolean {
  return !other.alive && other.ext?.links?.has(p) !== true;
}
