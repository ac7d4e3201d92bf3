import type { NatsConnection } from '@nats-io/nats-core';

/**
 * What the cluster registry and the cluster process groups need from the
 * node they run on — and nothing more — and what the registry and groups are opened with
 * and report. The node (membership, transport,
 * process table) implements it; tests implement it over a plain actor system.
 *
 * @module
 */

/**
 * A process anywhere in the cluster, as it travels: the node id
 * (`<name>_<incarnation>`, never reused) and the process's local id there.
 * Two are the same process when both fields are equal.
 *
 * @example
 * ```ts
 * const pid: ClusterPid = { node: 'web-1_01hx3c9', id: 42 };
 * ```
 */
export interface ClusterPid {
  readonly node: string;
  readonly id: number;
}

/**
 * The node-side services the registry and groups use.
 *
 * @example
 * ```ts
 * const port: ClusterNodePort = {
 *   nodeId: 'a_1', connection: nc,
 *   isNodeGone: (node) => membership.isGone(node),
 *   onNodeGone: (listener) => membership.on('nodedown', listener),
 *   isAlive: (id) => processes.has(id),
 *   onExit: (id, listener) => processes.onExit(id, listener),
 * };
 * ```
 */
export interface ClusterNodePort {
  /** This node's id, `<name>_<incarnation>`. */
  readonly nodeId: string;
  /** The node's NATS connection (JetStream and KV are reached through it). */
  readonly connection: NatsConnection;
  /**
   * Whether `node` is known to be gone: declared down, left, or an
   * incarnation that is not a member. An unknown node that may still be
   * joining is not gone.
   */
  isNodeGone(node: string): boolean;
  /** Calls `listener` each time a node is declared down or leaves; returns the unsubscribe. */
  onNodeGone(listener: (node: string) => void): () => void;
  /** Whether the local process with this id is alive. */
  isAlive(id: number): boolean;
  /**
   * Calls `listener` once when the local process `id` exits (at once if it
   * already has); returns the cancel.
   */
  onExit(id: number, listener: () => void): () => void;
  /**
   * Calls `listener` once when the process `pid` of another node ends (its
   * node tells; or its node is declared down) — at once when it has or its
   * node is not up; returns the cancel. Without it, only this node's
   * processes can be registered.
   */
  onExitOf?(pid: ClusterPid, listener: () => void): () => void;
  /**
   * Whether `node` is up as far as this node knows. With it, a name can be
   * registered for another node's process only while that node is up (a
   * node that never comes up would otherwise hold the name forever).
   */
  isUp?(node: string): boolean;
  /**
   * Whether the member table says `node` is gone (no record, or `down`). With it (and
   * `isUp`), the reconciles release names and drop group members of a node that is not up
   * and has no record (stale, from before this node joined, or whose record was pruned):
   * {@link nodeWithoutRecord}.
   */
  confirmNodeGone?(node: string): Promise<boolean>;
}

/**
 * Whether another node, `node`, is not up here and the member table says it
 * has no record (or a `down` one): a stale or made-up node (from before a
 * full cluster restart, or whose `down` record was pruned) that no node-down
 * would ever clean up after. The one rule the registry's and the groups'
 * reconciles share; the table is read from its stream leader (a record not
 * yet watched in here is still found). False for this node, a node that is
 * up, a port that cannot tell (no `isUp` or `confirmNodeGone`), or a table
 * that cannot be read. With `asked` (one reconcile pass's answers), each
 * node is looked up once per pass, however many names or entries it owns.
 *
 * @example
 * ```ts
 * const asked = new Map<string, boolean>();
 * if (await nodeWithoutRecord(owner.node, port, asked)) await release(name);
 * ```
 */
export async function nodeWithoutRecord(
  node: string,
  port: ClusterNodePort,
  asked?: Map<string, boolean>,
): Promise<boolean> {
  if (node === port.nodeId || port.isUp?.(node) !== false) return false;
  const known = asked?.get(node);
  if (known !== undefined) return known;
  const without = (await port.confirmNodeGone?.(node)) ?? false;
  asked?.set(node, without);
  return without;
}

/**
 * `pid:<node>/<id>`, the log form of a cluster pid.
 *
 * @example
 * ```ts
 * formatClusterPid({ node: 'web-1_01hx3c9', id: 42 }); // 'pid:web-1_01hx3c9/42'
 * ```
 */
export function formatClusterPid(pid: ClusterPid): string {
  return `pid:${pid.node}/${pid.id}`;
}

/** Whether `value` has the shape of a {@link ClusterPid} (a peer's bytes are not trusted). */
export function isClusterPid(value: unknown): value is ClusterPid {
  if (typeof value !== 'object' || value === null) return false;
  const { node, id } = value as { node?: unknown; id?: unknown };
  return (
    typeof node === 'string' &&
    /^[A-Za-z0-9_-]{1,200}$/.test(node) &&
    typeof id === 'number' &&
    Number.isSafeInteger(id) &&
    id > 0
  );
}

/**
 * What cluster process groups need of their node besides
 * {@link ClusterNodePort}: local delivery and one message to another node.
 *
 * @example
 * ```ts
 * const port: GroupsNodePort = {
 *   ...nodePort,
 *   tellLocal: (id, message) => system.isAlive(id) && (system.tell(id, message), true),
 *   sendGroup: (nodes, group, message) => {
 *     const text = JSON.stringify({ group, message });
 *     for (const node of nodes) transport.system(node, 'pgsend', text);
 *   },
 * };
 * ```
 */
export interface GroupsNodePort extends ClusterNodePort {
  /** Delivers `message` to the local process `id`; false when it did not (the node records the dead letter). */
  tellLocal(id: number, message: unknown): boolean;
  /**
   * Sends one group broadcast to each of `nodes` (at most once, in order
   * with this node's other messages to it); their groups deliver it to
   * their local members of `group` ({@link ClusterGroups.deliverLocal}).
   * The message is encoded once: one that cannot be encoded throws and
   * goes nowhere.
   */
  sendGroup(nodes: readonly string[], group: string, message: unknown): void;
}

/**
 * Options of `ClusterRegistry.open`.
 *
 * @example
 * ```ts
 * const options: ClusterRegistryOptions = { bucket: 'shop_names', timeoutMs: 5_000 };
 * ```
 */
export interface ClusterRegistryOptions {
  /** The KV bucket, e.g. `<cluster>_names`. */
  readonly bucket: string;
  /** Bucket replicas when this node creates it; default 3 on a clustered server, else 1. */
  readonly replicas?: number;
  /** Deadline of every store operation (register, unregister, strict read, release). Default 5000 ms. */
  readonly timeoutMs?: number;
  /** How often the mirror is reconciled and failed releases retried. Default 2000 ms; 0 = never (tests call `reconcile()`). */
  readonly reconcileIntervalMs?: number;
  /**
   * How long the reconciles must see a name's owner unknown (its node without a member record,
   * or a value that names no owner) before they release it. Default 10 000 ms; 0 = at once.
   */
  readonly unknownOwnerGraceMs?: number;
  /** The clock that grace is measured by (monotonic ms). Default `performance.now`; tests inject one. */
  readonly now?: () => number;
}

/**
 * Hears a name's holder change in this node's mirror: the new holder, or undefined when released.
 *
 * @example
 * ```ts
 * registry.watch((name, owner) => console.log(name, owner ?? 'released'));
 * ```
 */
export type NameListener = (name: string, owner: ClusterPid | undefined) => void;

/**
 * Options of `ClusterGroups.open`.
 *
 * @example
 * ```ts
 * const options: ClusterGroupsOptions = { bucket: 'shop_pg', flushIntervalMs: 50 };
 * ```
 */
export interface ClusterGroupsOptions {
  /** The KV bucket, e.g. `<cluster>_pg`. */
  readonly bucket: string;
  /** Bucket replicas when this node creates it; default 3 on a clustered server, else 1. */
  readonly replicas?: number;
  /** Joins and leaves within this window go out as one write per group. Default 50 ms. */
  readonly flushIntervalMs?: number;
  /** Deadline of every store operation. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** How often the mirror and this node's entries are reconciled. Default 2000 ms; 0 = never. */
  readonly reconcileIntervalMs?: number;
}

/**
 * A membership change as watchers hear it (OTP `pg:monitor_scope`
 * `{Ref, join | leave, Group, Pids}`), for local and remote members alike.
 *
 * @example
 * ```ts
 * groups.watch((c) => console.log(c.event, c.group, c.pids.length));
 * ```
 */
export interface ClusterGroupChange {
  readonly type: 'GROUP';
  readonly event: 'join' | 'leave';
  readonly group: string;
  readonly pids: readonly ClusterPid[];
}

/**
 * What a broadcast reached: local members delivered, and other nodes sent one message each.
 *
 * @example
 * ```ts
 * const { local, nodes } = groups.broadcast('workers', job);
 * ```
 */
export interface BroadcastResult {
  readonly local: number;
  readonly nodes: number;
}
