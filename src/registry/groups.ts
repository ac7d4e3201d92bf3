import { InvalidArgumentError, NoProcError } from '../errors.js';
import type { SendOptions } from '../mailbox/index.js';
import type { Pid } from '../process/index.js';
import { formatPid } from '../process/index.js';
import { type GroupName, groupKey } from './group-key.js';
import { type Holder, type Registration, tellOne } from './registration.js';

/**
 * Process groups (Erlang `pg`): named groups any process may join, several
 * times if it likes (and must then leave as often, semantics §17 R12.2); a
 * group exists while it has members (semantics §17 R12.1); an exiting
 * process leaves every group at once (semantics §17 R12.4); watchers hear of
 * every join and leave (semantics §17 R12.5). A group's name is any
 * structured-cloneable key (see {@link GroupName}); one table is one scope
 * (OTP `pg` scopes).
 *
 * @module
 */

/**
 * A change of a group's membership, as watchers receive it (OTP
 * `{Ref, join | leave, Group, Pids}`). `pids` repeats a pid once per join.
 *
 * @example
 * ```ts
 * system.groups.watch('workers', (e) => console.log(e.event, e.pids));
 * ```
 */
export interface GroupChange {
  readonly type: 'GROUP';
  readonly event: 'join' | 'leave';
  /** The group's name, as first joined (frozen). */
  readonly group: GroupName;
  /** The scope the group is in (`'default'` for `system.groups`). */
  readonly scope: string;
  readonly pids: readonly Pid[];
}

/** One group: its name as first joined, and its members. */
interface Group<P extends Holder> {
  readonly name: GroupName;
  readonly members: Map<P, Membership<P>>;
}

class Membership<P extends Holder> implements Registration {
  readonly table: GroupTable<P>;
  /** The group's canonical key (see `groupKey`). */
  readonly group: string;
  readonly holder: P;
  count = 0;

  constructor(table: GroupTable<P>, group: string, holder: P) {
    this.table = table;
    this.group = group;
    this.holder = holder;
  }

  release(): void {
    this.table.dropMembership(this, this.count);
  }
}

/** A watcher of one group (or, with group undefined, of all groups). */
class Watch<P extends Holder> implements Registration {
  readonly releasesFirst = true;
  released = false;
  readonly table: GroupTable<P>;
  /** The watched group's canonical key; undefined for every group. */
  readonly group: string | undefined;
  readonly listener: (change: GroupChange) => void;
  /** The process whose exit ends the watch, if any. */
  readonly owner: P | undefined;

  constructor(
    table: GroupTable<P>,
    group: string | undefined,
    listener: (change: GroupChange) => void,
    owner: P | undefined,
  ) {
    this.table = table;
    this.group = group;
    this.listener = listener;
    this.owner = owner;
  }

  release(): void {
    this.table.unwatch(this);
  }
}

/**
 * A name as the table keeps it: a string as is, anything else a copy whose
 * arrays and plain objects are frozen; a Map's or Set's contents, a Date's
 * time and binary bytes cannot be frozen (docs/semantics.md §17).
 */
function keptName(group: GroupName): GroupName {
  return typeof group === 'object' && group !== null ? deepFreeze(structuredClone(group)) : group;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    // Binary views cannot be frozen; their copy is the table's own anyway.
    if (ArrayBuffer.isView(value)) return value;
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** The process groups of one scope (OTP `pg` scope). */
export class GroupTable<P extends Holder> {
  /** This table's scope name. */
  readonly scope: string;
  readonly #groups = new Map<string, Group<P>>();
  readonly #watches = new Set<Watch<P>>();
  readonly #refused: (message: unknown, holder: P) => void;
  readonly #pending: GroupChange[] = [];
  readonly #pendingKeys: string[] = [];
  #notifying = false;

  /** `refused` records a message a member's full mailbox refused (a dead letter). */
  constructor(refused: (message: unknown, holder: P) => void, scope = 'default') {
    this.#refused = refused;
    this.scope = scope;
  }

  /** `holder` joins `group` once more (OTP `pg:join/3`). */
  join(group: GroupName, holder: P): void {
    const key = groupKey(group);
    if (!holder.alive) throw new NoProcError(formatPid(holder.pid));
    let g = this.#groups.get(key);
    if (g === undefined) {
      g = { name: keptName(group), members: new Map() };
      this.#groups.set(key, g);
    }
    let m = g.members.get(holder);
    if (m === undefined) {
      m = new Membership(this, key, holder);
      g.members.set(holder, m);
      holder.hold(m);
    }
    m.count++;
    this.#notify(g.name, key, 'join', [holder.pid]);
  }

  /** `holder` leaves `group` once (OTP `pg:leave/3`); false when it was not a member. */
  leave(group: GroupName, holder: P): boolean {
    const m = this.#groups.get(groupKey(group))?.members.get(holder);
    if (m === undefined) return false;
    if (m.count === 1) holder.drop(m);
    this.dropMembership(m, 1);
    return true;
  }

  /** Removes `times` joins of a membership and tells the watchers. */
  dropMembership(m: Membership<P>, times: number): void {
    const g = this.#groups.get(m.group);
    if (g === undefined || g.members.get(m.holder) !== m || times <= 0) return;
    m.count -= times;
    if (m.count <= 0) {
      g.members.delete(m.holder);
      if (g.members.size === 0) this.#groups.delete(m.group);
    }
    this.#notify(g.name, m.group, 'leave', new Array<Pid>(times).fill(m.holder.pid));
  }

  /** Every member's pid, once per join, in no particular order (OTP `get_members`). */
  members(group: GroupName): Pid[] {
    const out: Pid[] = [];
    for (const m of this.#groups.get(groupKey(group))?.members.values() ?? []) {
      for (let i = 0; i < m.count; i++) out.push(m.holder.pid);
    }
    return out;
  }

  /** The distinct member processes of `group`. */
  holders(group: GroupName): P[] {
    return [...(this.#groups.get(groupKey(group))?.members.keys() ?? [])];
  }

  /** The names of the groups that have members (OTP `which_groups`). */
  whichGroups(): GroupName[] {
    return [...this.#groups.values()].map((g) => g.name);
  }

  /**
   * Calls `listener` on every join and leave of `group` (every group when
   * undefined) until the returned watch is released; a watch owned by a
   * process ends when it exits. Returns the members at the time of the call.
   */
  watch(
    group: GroupName | undefined,
    listener: (change: GroupChange) => void,
    owner?: P,
  ): { watch: Registration; members: Pid[] } {
    const key = group === undefined ? undefined : groupKey(group);
    const w = new Watch(this, key, listener, owner);
    this.#watches.add(w);
    owner?.hold(w);
    const members = group === undefined ? [] : this.members(group);
    return { watch: w, members };
  }

  unwatch(w: Watch<P>): void {
    w.released = true;
    if (this.#watches.delete(w)) w.owner?.drop(w);
  }

  /** Sends `message` to every distinct member; returns how many it reached. */
  broadcast(group: GroupName, message: unknown, options?: SendOptions): number {
    if (message === undefined) {
      throw new InvalidArgumentError('message', 'undefined is not a message');
    }
    let reached = 0;
    for (const p of this.holders(group)) {
      if (tellOne(p, message, options, this.#refused)) reached++;
    }
    return reached;
  }

  #notify(group: GroupName, key: string, event: 'join' | 'leave', pids: Pid[]): void {
    if (this.#watches.size === 0) return;
    // A listener that joins or leaves queues its change behind this one, so
    // every watcher hears the changes in the order they happened (semantics §17 R12.5).
    this.#pending.push({ type: 'GROUP', event, group, scope: this.scope, pids });
    this.#pendingKeys.push(key);
    if (this.#notifying) return;
    this.#notifying = true;
    try {
      for (let i = 0; i < this.#pending.length; i++) {
        this.#tell(this.#pending[i] as GroupChange, this.#pendingKeys[i] as string);
      }
    } finally {
      this.#pending.length = 0;
      this.#pendingKeys.length = 0;
      this.#notifying = false;
    }
  }

  #tell(change: GroupChange, key: string): void {
    for (const w of [...this.#watches]) {
      if (w.group !== undefined && w.group !== key) continue;
      // Removed meanwhile, or owned by a process that is exiting: not told.
      if (w.released || (w.owner !== undefined && !w.owner.alive)) continue;
      try {
        w.listener(change);
      } catch (error) {
        // A watcher's bug must not stop a join, a leave, or a process's exit.
        process.emitWarning(`a group watcher threw: ${String(error)}`, 'AirssysWarning');
      }
    }
  }
}
