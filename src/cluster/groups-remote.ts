import { type Chunks, type GroupKey, indexChunk, membershipDelta } from './groups-entries.js';
import type { ClusterGroupChange, ClusterPid } from './registry-port.js';

/**
 * Other nodes' group members as one node sees them: an index of what its
 * mirror of the bucket holds (group → node → chunk → pairs), and the nodes
 * this node knows are gone. A gone node's members are never listed, counted
 * or sent to, whatever entries of it the bucket still holds (a delete that
 * failed, or one not yet made), and its entries' changes are not heard as
 * joins and leaves. Gone means the node's port says so (declared down or
 * left, while membership remembers it) or these groups were told so (a
 * node-down they heard, or the member table's word in a reconcile); the
 * latter is kept for as long as the bucket holds entries of the node, so a
 * departure membership forgot does not bring an undeleted entry back.
 *
 * @module
 */

/**
 * The remote side of one node's process groups.
 *
 * @example
 * ```ts
 * const remote = new RemoteMembers((node) => membership.isGone(node));
 * remote.apply({ group: 'w', node: 'b_1', chunk: 0 }, [[7, 1]]); // b_1's 7 joined
 * remote.nodeGone('b_1'); // [{ event: 'leave', group: 'w', pids: [{ node: 'b_1', id: 7 }] }]
 * remote.members('w'); // []
 * ```
 */
export class RemoteMembers {
  readonly #isNodeGone: (node: string) => boolean;
  /** group → node → chunk → `[localId, joins]` pairs, as the mirror holds them. */
  readonly #index = new Map<string, Map<string, Chunks>>();
  /** Nodes these groups were told are gone (kept while the bucket holds entries of them). */
  readonly #gone = new Set<string>();

  constructor(isNodeGone: (node: string) => boolean) {
    this.#isNodeGone = isNodeGone;
  }

  /** Whether `node` is known here to be gone: its members count nowhere. */
  isGone(node: string): boolean {
    return this.#gone.has(node) || this.#isNodeGone(node);
  }

  /**
   * One chunk of another node's entry changed in the mirror (`after` its
   * pairs now, empty when deleted): returns the joins and leaves watchers
   * hear, none for a gone node (its members were heard leaving when it went).
   */
  apply(at: GroupKey, after: [number, number][]): ClusterGroupChange[] {
    const before = indexChunk(this.#index, at, after);
    if (this.isGone(at.node)) return [];
    const { joined, left } = membershipDelta(at.node, before, after);
    const changes: ClusterGroupChange[] = [];
    const { group } = at;
    if (joined.length > 0) changes.push({ type: 'GROUP', event: 'join', group, pids: joined });
    if (left.length > 0) changes.push({ type: 'GROUP', event: 'leave', group, pids: left });
    return changes;
  }

  /**
   * `node` is gone (a node-down heard, or the member table's word): its
   * members leave every group. Returns the leaves watchers hear, none when
   * these groups were told already. (A node-down is heard as membership
   * marks the node gone, so the port's word cannot tell the two apart.)
   */
  nodeGone(node: string): ClusterGroupChange[] {
    if (this.#gone.has(node)) return [];
    this.#gone.add(node);
    const changes: ClusterGroupChange[] = [];
    for (const [group, nodes] of this.#index) {
      const chunks = nodes.get(node);
      if (chunks === undefined) continue;
      const { left } = membershipDelta(node, [...chunks.values()].flat(), []);
      if (left.length > 0) changes.push({ type: 'GROUP', event: 'leave', group, pids: left });
    }
    return changes;
  }

  /**
   * Keeps `node`, which the port says is gone, as gone here while the
   * bucket holds entries of it, with no leaves: its members were heard
   * leaving when it went, or never heard joining.
   */
  remember(node: string): void {
    this.#gone.add(node);
  }

  /**
   * Forgets the gone nodes of which the bucket holds no entry any more
   * (`present`: the nodes with entries): what is remembered stays bounded.
   */
  forgetAbsent(present: ReadonlySet<string>): void {
    for (const node of [...this.#gone]) if (!present.has(node)) this.#gone.delete(node);
  }

  /** How many gone nodes are remembered. */
  get goneCount(): number {
    return this.#gone.size;
  }

  /** Every member of `group` on nodes not gone, once per join. */
  members(group: string): ClusterPid[] {
    const out: ClusterPid[] = [];
    for (const [node, chunks] of this.#index.get(group) ?? []) {
      if (this.isGone(node)) continue;
      for (const pairs of chunks.values()) {
        for (const [id, joins] of pairs) for (let i = 0; i < joins; i++) out.push({ node, id });
      }
    }
    return out;
  }

  /** The nodes not gone that host members of `group`. */
  hosts(group: string): string[] {
    const out: string[] = [];
    for (const [node, chunks] of this.#index.get(group) ?? []) {
      if (!this.isGone(node) && chunks.size > 0) out.push(node);
    }
    return out;
  }

  /** The groups with at least one member on a node not gone. */
  groups(): string[] {
    const out: string[] = [];
    for (const [group, nodes] of this.#index) {
      for (const node of nodes.keys()) {
        if (this.isGone(node)) continue;
        out.push(group);
        break;
      }
    }
    return out;
  }
}
