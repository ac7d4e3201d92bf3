import type { ActorProcess, ActorRef, SpawnOptions } from '../actor/index.js';
import type { Pid } from '../process/index.js';
import type { ResolvedChildSpec } from './spec.js';

/**
 * One child as its supervisor keeps it: the spec, the process running it
 * (if any) and the bookkeeping of restarts. The record stays the same
 * object across restarts, so the child keeps its place in start order.
 */
export class Child {
  readonly spec: ResolvedChildSpec;
  /** The spec's spawn options with its shutdown rule, built once. */
  readonly spawnOptions: SpawnOptions<unknown>;
  /** The process running the child, or null (stopped, restarting, ignored). */
  process: ActorProcess | null = null;
  status: 'running' | 'stopped' | 'restarting' = 'stopped';
  /** The pid it had before its last exit, for restart events. */
  previous: Pid | undefined = undefined;
  /** Consecutive restarts under backoff. */
  attempts = 0;
  /** Clock time of the last start, to reset backoff after a healthy run. */
  startedAt = 0;
  /** Bumped whenever a scheduled retry becomes stale (terminate, delete, manual restart). */
  generation = 0;
  /** Start index among its siblings; kept current by {@link ChildTable}. */
  index = 0;
  /** Set once removed from its table, so stale retries can tell. */
  removed = false;

  constructor(spec: ResolvedChildSpec) {
    this.spec = spec;
    this.spawnOptions = { ...spec.options, shutdown: spec.shutdown };
  }

  /** The id reported in events: undefined for children of a dynamic supervisor. */
  get reportedId(): string | undefined {
    return this.spec.id === '' ? undefined : this.spec.id;
  }
}

/**
 * A supervisor's children in start order, with O(1) lookup by id and by
 * pid. Removing a static child is O(n) in the children after it (indices
 * shift: `deleteChild` and temporary children pay it); a dynamic child has
 * no order to keep and is removed in O(1).
 */
export class ChildTable {
  readonly #list: Child[] = [];
  readonly #byId = new Map<string, Child>();
  readonly #byPid = new Map<Pid, Child>();
  /** Whether ids are the key (static supervisors) or absent (dynamic ones). */
  readonly keyed: boolean;
  /** Bumped whenever a child is added or removed (routers rebuild their rings on it). */
  version = 0;

  constructor(keyed: boolean) {
    this.keyed = keyed;
  }

  get size(): number {
    return this.#list.length;
  }

  /** Every child, in start order. */
  get list(): readonly Child[] {
    return this.#list;
  }

  add(child: Child): void {
    this.version++;
    child.index = this.#list.length;
    this.#list.push(child);
    if (this.keyed) this.#byId.set(child.spec.id, child);
  }

  remove(child: Child): void {
    const i = child.index;
    if (child.removed || this.#list[i] !== child) return;
    child.removed = true;
    this.version++;
    if (this.keyed) {
      this.#list.splice(i, 1);
      for (let j = i; j < this.#list.length; j++) (this.#list[j] as Child).index = j;
    } else {
      // Dynamic children have no start order to keep: swap with the last, O(1).
      const last = this.#list.pop() as Child;
      if (last !== child) {
        this.#list[i] = last;
        last.index = i;
      }
    }
    if (this.keyed) this.#byId.delete(child.spec.id);
    if (child.process !== null) this.#byPid.delete(child.process.pid);
  }

  byId(id: string): Child | undefined {
    return this.#byId.get(id);
  }

  byPid(pid: Pid): Child | undefined {
    return this.#byPid.get(pid);
  }

  /** Records that `child` now runs in `process`. */
  running(child: Child, process: ActorProcess, now: number): void {
    child.process = process;
    child.status = 'running';
    child.startedAt = now;
    this.#byPid.set(process.pid, child);
  }

  /** Records that `child` has no process any more; returns the process it had. */
  detach(child: Child, status: 'stopped' | 'restarting'): ActorProcess | null {
    const p = child.process;
    if (p !== null) {
      this.#byPid.delete(p.pid);
      child.previous = p.pid;
    }
    child.process = null;
    child.status = status;
    return p;
  }

  /** Children that are running now. */
  get active(): number {
    return this.#byPid.size;
  }
}

/**
 * One row of `whichChildren` (OTP `{Id, Child, Type, Modules}`).
 *
 * @example
 * ```ts
 * for (const c of await whichChildren(sup)) console.log(c.id, c.status, c.ref?.pid);
 * ```
 */
export interface ChildInfo {
  /** Undefined for children of a dynamic supervisor. */
  readonly id: string | undefined;
  /** The running process, if any. */
  readonly ref: ActorRef<unknown> | undefined;
  readonly status: 'running' | 'stopped' | 'restarting';
  readonly type: 'worker' | 'supervisor';
  readonly restart: ResolvedChildSpec['restart'];
}

/**
 * The counts of `countChildren` (OTP `count_children/1`).
 *
 * @example
 * ```ts
 * const { active, specs } = await countChildren(sup);
 * ```
 */
export interface ChildCounts {
  /** Children known (running or not). */
  readonly specs: number;
  /** Children running now. */
  readonly active: number;
  readonly supervisors: number;
  readonly workers: number;
}
