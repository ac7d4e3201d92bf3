import type { KV } from '@nats-io/kv';
import { InvalidArgumentError, NoProcError } from '../errors.js';
import {
  checkGroup,
  decodeChunk,
  type EntryAction,
  encodeChunks,
  entryAction,
  parseGroupKey,
} from './groups-entries.js';
import { RemoteMembers } from './groups-remote.js';
import { GroupsWriter } from './groups-writer.js';
import { ensureBucket, KvMirror } from './kv-mirror.js';
import { type MirrorChange, sameBytes } from './mirror-policy.js';
import { withinDeadline } from './registry-errors.js';
import {
  type BroadcastResult,
  type ClusterGroupChange,
  type ClusterGroupsOptions,
  type ClusterPid,
  formatClusterPid,
  type GroupsNodePort,
  isClusterPid,
  nodeWithoutRecord,
} from './registry-port.js';

/**
 * Process groups across the cluster with Erlang `pg` semantics: any process
 * joins any group (several times, leaving as often), membership is
 * eventually consistent without locks, a node's own joins and leaves show
 * on that node at once and on the others after a batched write to the KV
 * bucket and its watch, members of a gone node drop out at once (and
 * those of a node that is not up and has no member record at the next
 * reconcile), and a broadcast costs one message per hosting node.
 *
 * @module
 */

export type { BroadcastResult, ClusterGroupChange, ClusterGroupsOptions } from './registry-port.js';

/**
 * One node's view of the cluster's process groups.
 *
 * @example
 * ```ts
 * const groups = await ClusterGroups.open(port, { bucket: 'shop_pg' });
 * groups.join('workers', { node: port.nodeId, id: ref.pid });
 * groups.members('workers');        // this node's at once, others' within the flush + watch delay
 * groups.broadcast('workers', job); // one message per node hosting members
 * ```
 */
export class ClusterGroups {
  readonly #port: GroupsNodePort;
  readonly #kv: KV;
  readonly #timeoutMs: number;
  #mirror!: KvMirror;
  /** This node's members: group → local id → joins. */
  readonly #local = new Map<string, Map<number, number>>();
  /** The exit hook of each local member, and its groups. */
  readonly #hooks = new Map<number, { cancel: () => void; groups: Set<string> }>();
  /** Other nodes' members, from the mirror, and which nodes are gone. */
  readonly #remote: RemoteMembers;
  /** Writes this node's entries, batched. */
  readonly #writer: GroupsWriter;
  readonly #listeners = new Set<(change: ClusterGroupChange) => void>();
  readonly #stopNodeWatch: () => void;
  #reconcileTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #reconciling = false;

  private constructor(port: GroupsNodePort, kv: KV, options: ClusterGroupsOptions) {
    this.#port = port;
    this.#kv = kv;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#remote = new RemoteMembers((node) => port.isNodeGone(node));
    this.#writer = new GroupsWriter(kv, port.nodeId, (group) => this.#local.get(group), {
      timeoutMs: this.#timeoutMs,
      flushMs: options.flushIntervalMs ?? 50,
    });
    this.#stopNodeWatch = port.onNodeGone((node) => this.#nodeGone(node));
  }

  /**
   * Opens (creating if needed) the bucket and its mirror; resolves once the
   * mirror holds the bucket's snapshot. Rejects `ERR_CLUSTER_UNAVAILABLE`
   * when the store cannot be reached within the deadline.
   */
  static async open(port: GroupsNodePort, options: ClusterGroupsOptions): Promise<ClusterGroups> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    const what = `open the groups bucket ${options.bucket}`;
    const kv = await withinDeadline(
      what,
      timeoutMs,
      ensureBucket(port.connection, options.bucket, options),
    );
    const groups = new ClusterGroups(port, kv, options);
    try {
      // A mirror that opens after the deadline is closed, not left watching with no owner.
      const opening = KvMirror.open(port.connection, kv, {
        reconcileIntervalMs: 0,
        onChange: (change) => groups.#mirrored(change),
      });
      groups.#mirror = groups.#writer.mirror = await withinDeadline(
        what,
        timeoutMs * 2,
        opening,
        (late) => void late.close(),
      );
    } catch (error) {
      groups.#stopNodeWatch();
      throw error;
    }
    void port.connection.closed().then(() => groups.close());
    const interval = options.reconcileIntervalMs ?? 2_000;
    if (interval > 0) {
      groups.#reconcileTimer = setInterval(
        () => void groups.reconcile().catch(() => undefined),
        interval,
      );
      groups.#reconcileTimer.unref();
    }
    return groups;
  }

  /** The local process `pid` joins `group` once more (OTP `pg:join/3`); seen here at once. */
  join(group: string, pid: ClusterPid): void {
    checkGroup(group);
    this.#checkLocal(pid);
    if (!this.#port.isAlive(pid.id)) throw new NoProcError(formatClusterPid(pid));
    let members = this.#local.get(group);
    if (members === undefined) {
      members = new Map();
      this.#local.set(group, members);
    }
    members.set(pid.id, (members.get(pid.id) ?? 0) + 1);
    let hook = this.#hooks.get(pid.id);
    if (hook === undefined) {
      const groups = new Set<string>();
      hook = { groups, cancel: this.#port.onExit(pid.id, () => this.#exited(pid.id)) };
      this.#hooks.set(pid.id, hook);
    }
    hook.groups.add(group);
    this.#changed(group);
    this.#emit({ type: 'GROUP', event: 'join', group, pids: [pid] });
  }

  /** The local process `pid` leaves `group` once (OTP `pg:leave/3`); false when it was not a member. */
  leave(group: string, pid: ClusterPid): boolean {
    checkGroup(group);
    this.#checkLocal(pid);
    const members = this.#local.get(group);
    const joins = members?.get(pid.id);
    if (members === undefined || joins === undefined) return false;
    if (joins > 1) members.set(pid.id, joins - 1);
    else this.#drop(group, pid.id);
    this.#changed(group);
    this.#emit({ type: 'GROUP', event: 'leave', group, pids: [pid] });
    return true;
  }

  /**
   * Every member, once per join, on nodes not known here to be gone (OTP
   * `pg:get_members/2`): never one of a node declared down, left, or found
   * without a member record, even while the bucket still holds its entries.
   */
  members(group: string): ClusterPid[] {
    return [...this.localMembers(group), ...this.#remote.members(group)];
  }

  /** This node's members, once per join (OTP `pg:get_local_members/2`). */
  localMembers(group: string): ClusterPid[] {
    const out: ClusterPid[] = [];
    const node = this.#port.nodeId;
    for (const [id, joins] of this.#local.get(group) ?? []) {
      for (let i = 0; i < joins; i++) out.push({ node, id });
    }
    return out;
  }

  /** Groups with at least one member on a node that is not gone (OTP `pg:which_groups/1`). */
  whichGroups(): string[] {
    return [...new Set([...this.#local.keys(), ...this.#remote.groups()])];
  }

  /**
   * Sends `message` to every member process of `group` once: directly to
   * this node's members, and one message to each other node hosting
   * members, which delivers it to its own (traffic grows with hosting
   * nodes, not members). At most once, like every remote send.
   */
  broadcast(group: string, message: unknown): BroadcastResult {
    checkGroup(group);
    const nodes = this.#remote.hosts(group);
    // Encoded once, before anything is sent: a message that cannot go reaches no one.
    if (nodes.length > 0) this.#port.sendGroup(nodes, group, message);
    return { local: this.deliverLocal(group, message), nodes: nodes.length };
  }

  /** Delivers a broadcast that reached this node to its local members of `group`; returns how many. */
  deliverLocal(group: string, message: unknown): number {
    let reached = 0;
    for (const id of [...(this.#local.get(group)?.keys() ?? [])]) {
      if (this.#port.tellLocal(id, message)) reached++;
    }
    return reached;
  }

  /** Calls `listener` for every join and leave, local or remote; returns the unsubscribe. */
  watch(listener: (change: ClusterGroupChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Writes this node's pending joins and leaves now. Rejects
   * `ERR_CLUSTER_UNAVAILABLE` if the store cannot be reached (they stay
   * pending and are retried).
   */
  async flush(): Promise<void> {
    await this.#writer.flush();
  }

  /**
   * One reconcile pass: checks the mirror against the stream, rewrites this
   * node's entries where the store disagrees (a server that lost them),
   * deletes entries of gone nodes and of nodes that are not up and have no
   * member record (the table asked once per node), and flushes.
   */
  async reconcile(): Promise<void> {
    // One pass at a time: a pass slower than the interval (a store timing out) is not doubled.
    if (this.#closed || this.#reconciling) return;
    this.#reconciling = true;
    try {
      await this.#mirror.reconcile();
      const seen = new Set<string>();
      const present = new Set<string>();
      const asked = new Map<string, boolean>();
      for (const [key, slot] of [...this.#mirror.entries()]) {
        const parsed = parseGroupKey(key);
        if (parsed === undefined) continue;
        const { group, node } = parsed;
        present.add(node);
        const action = await this.#entryAction(node, asked);
        if (action === 'check-own') {
          seen.add(group);
          const expected = encodeChunks(this.#local.get(group) ?? new Map())[parsed.chunk];
          if (!sameBytes(expected, slot.value)) this.#writer.markDirty(group);
        } else if (action === 'remove') {
          await this.#deleteGone(key, slot.revision);
        }
      }
      this.#remote.forgetAbsent(present);
      for (const group of this.#local.keys()) if (!seen.has(group)) this.#writer.markDirty(group);
      if (this.#writer.pending) await this.flush();
    } finally {
      this.#reconciling = false;
    }
  }

  /**
   * {@link entryAction} for an entry of `node`, asking the member table
   * once per node and pass (`asked`); a node it finds gone is gone here
   * from then on (its members leave, watchers hear it).
   */
  async #entryAction(node: string, asked: Map<string, boolean>): Promise<EntryAction> {
    const own = node === this.#port.nodeId;
    const gone = !own && this.#remote.isGone(node);
    const action = entryAction({ own, gone, withoutRecord: asked.get(node) });
    if (action === 'remove' && gone) this.#remote.remember(node);
    if (action !== 'ask-table') return action;
    const withoutRecord = await nodeWithoutRecord(node, this.#port);
    asked.set(node, withoutRecord);
    if (withoutRecord) for (const change of this.#remote.nodeGone(node)) this.#emit(change);
    return entryAction({ own, gone, withoutRecord });
  }

  /** Whether this groups is closed (by `close()`, or because its node's connection closed). */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** How many times the mirror's watch was rebuilt. */
  get rebuilds(): number {
    return this.#mirror.rebuilds;
  }

  /**
   * Stops the timers and the watch. With `leave` (a graceful leave) this
   * node's entries are deleted first, within the deadline.
   */
  async close(options: { readonly leave?: boolean } = {}): Promise<void> {
    // Closed already (or closing): still wait until the mirror's watch is stopped.
    if (this.#closed) return this.#mirror.close();
    if (options.leave === true) {
      for (const [group, members] of this.#local) {
        members.clear();
        this.#writer.markDirty(group);
      }
      await this.flush().catch(() => undefined);
    }
    this.#closed = true;
    this.#writer.stop();
    clearInterval(this.#reconcileTimer);
    this.#stopNodeWatch();
    for (const hook of this.#hooks.values()) hook.cancel();
    this.#hooks.clear();
    await this.#mirror.close();
  }

  #checkLocal(pid: ClusterPid): void {
    if (!isClusterPid(pid) || pid.node !== this.#port.nodeId) {
      throw new InvalidArgumentError('pid', 'must be a process of this node');
    }
  }

  /** Removes every join of local `id` from `group`. */
  #drop(group: string, id: number): void {
    const members = this.#local.get(group);
    members?.delete(id);
    if (members?.size === 0) this.#local.delete(group);
    const hook = this.#hooks.get(id);
    hook?.groups.delete(group);
    if (hook !== undefined && hook.groups.size === 0) {
      hook.cancel();
      this.#hooks.delete(id);
    }
  }

  /** A local member exited: it leaves every group at once. */
  #exited(id: number): void {
    const hook = this.#hooks.get(id);
    if (hook === undefined) return;
    for (const group of [...hook.groups]) {
      const joins = this.#local.get(group)?.get(id) ?? 0;
      this.#drop(group, id);
      this.#changed(group);
      const pid = { node: this.#port.nodeId, id };
      this.#emit({
        type: 'GROUP',
        event: 'leave',
        group,
        pids: new Array<ClusterPid>(joins).fill(pid),
      });
    }
  }

  #changed(group: string): void {
    this.#writer.changed(group);
  }

  /** A change of another node's entry reached the mirror: update the index and tell watchers. */
  #mirrored(change: MirrorChange): void {
    const parsed = parseGroupKey(change.key);
    if (parsed === undefined || parsed.node === this.#port.nodeId) return;
    for (const heard of this.#remote.apply(parsed, decodeChunk(change.after))) this.#emit(heard);
  }

  /** A node is gone: its members leave at once (watchers hear it), and its entries are deleted. */
  #nodeGone(node: string): void {
    for (const change of this.#remote.nodeGone(node)) this.#emit(change);
    void (async () => {
      for (const [key, slot] of [...this.#mirror.entries()]) {
        if (parseGroupKey(key)?.node === node) {
          await this.#deleteGone(key, slot.revision);
        }
      }
    })().catch(() => undefined);
  }

  /** Deletes a gone node's entry if it is still at `revision` (any node may; the first wins). */
  async #deleteGone(key: string, revision: number): Promise<void> {
    try {
      await withinDeadline(
        'purge a gone node',
        this.#timeoutMs,
        this.#kv.delete(key, { previousSeq: revision }),
      );
      // Noted at the revision it deleted: the next reconcile does not delete it again.
      this.#mirror.noteWrite(key, revision, undefined);
    } catch {
      // Another node deleted it first (a revision conflict), or the store is away: the next
      // reconcile tries again.
    }
  }

  #emit(change: ClusterGroupChange): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch {
        // A watcher that throws never stops a join, leave or exit (as for local groups).
      }
    }
  }
}
