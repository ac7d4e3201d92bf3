import { InvalidArgumentError } from '../errors.js';
import { ClusterGroups, type ClusterGroupsOptions } from './groups.js';
import type { ClusterNode } from './node.js';
import { ClusterRegistry, type ClusterRegistryOptions } from './registry.js';
import type { GroupsNodePort } from './registry-port.js';

/**
 * The cluster registry and process groups of a system that joined a
 * cluster (`createSystem({ cluster })`): the node is their port, buckets
 * are named after the cluster, a group broadcast travels as one frame per
 * hosting node (that node's groups hand it to their members), and the
 * node's cluster-name and group addresses resolve through them.
 *
 * @module
 */

/**
 * What the registry and groups need of a system: its node. An
 * `ActorSystem` is one; the cluster layer sits below the system, so it
 * names only this much.
 *
 * @example
 * ```ts
 * const groups = await openClusterGroups(system satisfies ClusteredSystem);
 * ```
 */
export interface ClusteredSystem {
  readonly cluster: ClusterNode | undefined;
}

type Tunable<O> = Partial<Omit<O, 'bucket'>> & { readonly bucket?: string };

async function joinedNode(system: ClusteredSystem): Promise<ClusterNode> {
  const node = system.cluster;
  if (node === undefined) throw new InvalidArgumentError('system', 'has not joined a cluster');
  await node.ready;
  return node;
}

/**
 * Opens the cluster registry on `system`'s node, in bucket
 * `<root>-<cluster>-names` (with the cluster's replicas) unless told
 * otherwise.
 *
 * @example
 * ```ts
 * const system = createSystem({ cluster: { servers: 'nats://127.0.0.1:4222', name: 'a' } });
 * const registry = await openClusterRegistry(system);
 * await registry.register('cart', system.cluster!.pidOf(cartRef));
 * const pid = registry.whereis('cart'); // on any node
 * if (pid) system.cluster!.refOf(pid).tell({ type: 'add', item });
 * ```
 */
export async function openClusterRegistry(
  system: ClusteredSystem,
  options: Tunable<ClusterRegistryOptions> = {},
): Promise<ClusterRegistry> {
  const node = await joinedNode(system);
  const { root, cluster, replicas } = node.options;
  // Opened in no process's async step: its watch's callbacks are the runtime's (§4).
  const registry = await node.outsideSteps(() =>
    ClusterRegistry.open(node, {
      replicas,
      bucket: `${root}-${cluster}-names`,
      ...options,
    }),
  );
  // This node's cluster-name addresses resolve through it while it is open.
  node.useNames({ whereis: (name) => (registry.isClosed ? undefined : registry.whereis(name)) });
  // Its watch ends before the node's connection drains (a watch made during a drain leaks a timer).
  node.beforeClose(() => registry.close());
  return registry;
}

/**
 * Opens the cluster process groups on `system`'s node, in bucket
 * `<root>-<cluster>-pg` unless told otherwise. A broadcast reaches each
 * other node hosting members as one frame, which that node's groups hand
 * to their local members.
 *
 * @example
 * ```ts
 * const groups = await openClusterGroups(system);
 * groups.join('workers', system.cluster!.pidOf(worker));
 * groups.broadcast('workers', { type: 'reload' }); // one message per node hosting workers
 * ```
 */
export async function openClusterGroups(
  system: ClusteredSystem,
  options: Tunable<ClusterGroupsOptions> = {},
): Promise<ClusterGroups> {
  const node = await joinedNode(system);
  const { root, cluster, replicas } = node.options;
  const self = node.nodeId;
  const port: GroupsNodePort = {
    nodeId: self,
    connection: node.connection,
    isNodeGone: (n) => node.isNodeGone(n),
    onNodeGone: (listener) => node.onNodeGone(listener),
    // The reconcile drops members of a node not up here and without a member record.
    isUp: (n) => node.isUp(n),
    confirmNodeGone: (n) => node.confirmNodeGone(n),
    isAlive: (id) => node.isAlive(id),
    onExit: (id, listener) => node.onExit(id, listener),
    tellLocal: (id, message) => {
      if (!node.isAlive(id)) return false;
      try {
        node.refOf({ node: self, id }).tell(message);
        return true;
      } catch {
        // A full mailbox refused it; the runtime recorded the dead letter.
        return false;
      }
    },
    sendGroup: (targets, group, message) => node.sendGroup(targets, group, message),
  };
  // Opened in no process's async step: its watch's callbacks are the runtime's (§4).
  const groups = await node.outsideSteps(() =>
    ClusterGroups.open(port, {
      replicas,
      bucket: `${root}-${cluster}-pg`,
      ...options,
    }),
  );
  // Other nodes' broadcasts and this node's group addresses go through these groups while open.
  node.useGroups({
    members: (g) => (groups.isClosed ? [] : groups.members(g)),
    localMembers: (g) => (groups.isClosed ? [] : groups.localMembers(g)),
    broadcast: (g, message) => groups.broadcast(g, message),
    deliverLocal: (g, message) => (groups.isClosed ? 0 : groups.deliverLocal(g, message)),
  });
  // Its watch ends before the node's connection drains (a watch made during a drain leaks a timer).
  node.beforeClose(() => groups.close());
  return groups;
}
