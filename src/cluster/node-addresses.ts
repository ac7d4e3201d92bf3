import type { ActorRef, Address, Current, HolderAddress } from '../actor/index.js';
import { InvalidArgumentError, NoConnectionError } from '../errors.js';
import { type GroupToken, type Name, nameOf } from '../registry/index.js';
import type { GroupDirectory, NameDirectory } from './cluster-addresses.js';
import { isNodeId, nodeName, startedLast } from './options.js';
import type { RemoteTable } from './remote-table.js';
import type { WirePid } from './wire-value.js';

/**
 * A node's address API: local names of other nodes, cluster names, groups,
 * and the pids and refs that cross the wire. `ClusterNode` has these
 * through this base; the table behind them is the node's.
 *
 * @module
 */

/**
 * The addresses a cluster node gives out.
 *
 * @example
 * ```ts
 * system.cluster!.named(dbName, 'store-1').tell({ type: 'flush' });
 * ```
 */
export abstract class NodeAddresses {
  /** The node's remote table (throws before the node has connected). */
  protected abstract addressTable(): RemoteTable;
  /** The process sending now, if any. */
  protected abstract get sender(): Current | null;
  abstract readonly id: string;
  abstract readonly name: string;
  abstract nodes(): string[];
  abstract isUp(node: string): boolean;
  /** The up incarnations of each node name (the current one is the one that started last). */
  readonly #incarnations = new Map<string, string[]>();

  /**
   * The up incarnation (node id) of node name `name`: of those up, the one
   * that started last (every node picks the same one, whatever order it saw
   * them come up in) — what a `named(name, nodeName)` address sends to.
   *
   * @example
   * ```ts
   * system.cluster!.upNamed('store-1'); // 'store-1_3k9x0q2m1zv7a', or undefined
   * ```
   */
  upNamed(name: string): string | undefined {
    const ids = this.#incarnations.get(name);
    return ids === undefined ? undefined : startedLast(ids);
  }

  /** Node `id` came up: its name's current incarnation if it started last. */
  protected incarnationUp(id: string): void {
    const name = nodeName(id);
    const ids = this.#incarnations.get(name);
    if (ids === undefined) this.#incarnations.set(name, [id]);
    else if (!ids.includes(id)) ids.push(id);
  }

  /** Node `id` went down or left: its name falls back to the latest-started incarnation still up, if any. */
  protected incarnationGone(id: string): void {
    const name = nodeName(id);
    const ids = this.#incarnations.get(name);
    const at = ids?.indexOf(id) ?? -1;
    if (ids === undefined || at < 0) return;
    ids.splice(at, 1);
    if (ids.length === 0) this.#incarnations.delete(name);
  }

  /** The up node `where` names: a node id, or the name of exactly one up node. */
  resolveNode(where: string): string {
    if (where === this.id || where === this.name) return this.id;
    if (isNodeId(where) && this.isUp(where)) return where;
    const matches = this.nodes().filter((n) => nodeName(n) === where);
    const [only] = matches;
    if (matches.length === 1 && only !== undefined) return only;
    if (matches.length > 1) {
      throw new InvalidArgumentError(
        'node',
        `${where} names ${matches.length} up nodes; give a node id`,
      );
    }
    throw new NoConnectionError(`node ${where}`, where);
  }

  /**
   * A local name of `node` as an address (Erlang `{Name, Node} ! Msg`):
   * local names stay node-local, and this reaches the one registered on
   * `node`, resolved there at every send. Given a node name, the node is
   * resolved at every send too, to that name's up incarnation (the one that
   * started last): the address reaches a restarted node's new incarnation,
   * and a send while none is up is a dead letter `noconnection` (an ask
   * rejects `ERR_NOCONNECTION`). Given a node id, it reaches that
   * incarnation only (it throws `ERR_NOCONNECTION` when that is not up).
   * On this node (its id or its name) it is `system.named(name)`.
   *
   * @example
   * ```ts
   * const db = system.cluster!.named(dbName, 'store-1');
   * await db.ask({ type: 'get', key: 'k' });
   * ```
   */
  named<M>(name: Name<M> | string, node: string): Address<M> {
    const n = nameOf(name);
    const book = this.addressTable().book;
    if (node === this.id || node === this.name) return book.named(n, this.id) as Address<M>;
    if (isNodeId(node)) return book.named(n, this.resolveNode(node)) as Address<M>;
    if (typeof node !== 'string' || !/^[a-zA-Z0-9-]+$/.test(node)) {
      throw new InvalidArgumentError('node', 'must be a node id or a node name [a-zA-Z0-9-]+');
    }
    return book.named(n, node) as Address<M>;
  }

  /**
   * A name of the cluster registry as an address (Erlang `{global, Name}`),
   * resolved through this node's registry at every send; it can be
   * monitored (`ctx.monitor`) and used by timers. Needs
   * `openClusterRegistry(system)` on this node; until then it reaches
   * nothing.
   *
   * @example
   * ```ts
   * system.cluster!.global<CartMsg>('cart').tell({ type: 'add', item });
   * ```
   */
  global<M>(name: Name<M> | string): HolderAddress<M> {
    return this.addressTable().book.global(nameOf(name)) as unknown as HolderAddress<M>;
  }

  /**
   * A cluster process group as an address: `tell` broadcasts (one message
   * per hosting node), `ask` asks one member (a local one first). Needs
   * `openClusterGroups(system)` on this node.
   *
   * @example
   * ```ts
   * system.cluster!.group<Job>('workers').tell({ type: 'reload' });
   * ```
   */
  group<M>(group: GroupToken<M> | string): Address<M> {
    const g = typeof group === 'string' ? group : (group as { group?: unknown } | null)?.group;
    if (typeof g !== 'string' || g.length === 0) {
      throw new InvalidArgumentError('group', 'must be a non-empty string or a group(...) token');
    }
    return this.addressTable().book.group(g) as unknown as Address<M>;
  }

  /** The registry resolves this node's cluster names (`openClusterRegistry` sets it). */
  useNames(names: NameDirectory | undefined): void {
    this.addressTable().book.names = names;
  }

  /** The groups deliver other nodes' broadcasts here (`openClusterGroups` sets it). */
  useGroups(groups: GroupDirectory | undefined): void {
    this.addressTable().book.groups = groups;
  }

  /**
   * Sends one group broadcast to `node` (one frame, in order with this
   * node's other messages to it); its groups deliver it to their members.
   */
  sendGroup(nodes: readonly string[], group: string, message: unknown): void {
    this.addressTable().sendGroup(nodes, group, message, this.sender);
  }

  /** A working ref of a cluster pid (`{ node, id }`): local, remote, or gone. */
  refOf<M = unknown>(pid: WirePid): ActorRef<M> {
    return this.addressTable().remote(pid.node, pid.id).ref as unknown as ActorRef<M>;
  }

  /** The cluster pid of a ref (this node's or another's). */
  pidOf(ref: ActorRef<never>): WirePid {
    const pid = this.addressTable().pidOf(ref as unknown as object);
    if (pid === undefined) throw new InvalidArgumentError('ref', 'must be a ref of this system');
    return pid;
  }
}
