import { type ActorDefinition, type ActorRef, defineActor } from '../actor/index.js';
import { InvalidArgumentError } from '../errors.js';
import { ClusterGroups, type ClusterGroupsOptions } from './groups.js';
import type { ClusterNode } from './node.js';
import { ClusterRegistry, type ClusterRegistryOptions } from './registry.js';
import type { GroupsNodePort } from './registry-port.js';

/**
 * The cluster registry and process groups of a system that joined a
 * cluster (`createSystem({ cluster })`): the node is their port, buckets
 * are named after the cluster, and group broadcasts travel as one message
 * per hosting node to that node's relay process.
 *
 * @module
 */

/**
 * What the registry and groups need of a system: its node, and spawning,
 * killing and awaiting the groups' relay process. An `ActorSystem` is one;
 * the cluster layer sits below the system, so it names only this much.
 *
 * @example
 * ```ts
 * const groups = await openClusterGroups(system satisfies ClusteredSystem);
 * ```
 */
export interface ClusteredSystem {
  readonly cluster: ClusterNode | undefined;
  spawn<M, S, A>(definition: ActorDefinition<M, S, A>): ActorRef<M>;
  kill(target: ActorRef<never>): void;
  exited(target: ActorRef<never>): Promise<unknown>;
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
  const registry = await ClusterRegistry.open(node, {
    replicas,
    bucket: `${root}-${cluster}-names`,
    ...options,
  });
  // Its watch ends before the node's connection drains (a watch made during a drain leaks a timer).
  node.beforeClose(() => registry.close());
  return registry;
}

/** What a relay receives: one broadcast for its node's members of `group`. */
interface RelayMessage {
  readonly group: string;
  readonly message: unknown;
}

function isRelayMessage(value: unknown): value is RelayMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { group?: unknown }).group === 'string' &&
    'message' in value
  );
}

/**
 * Opens the cluster process groups on `system`'s node, in bucket
 * `<root>-<cluster>-pg` unless told otherwise. It spawns the node's relay
 * (label `cluster groups relay`), which hands other nodes' broadcasts to the
 * local members; a broadcast reaches another node as one remote tell to
 * that node's relay.
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
  let groups: ClusterGroups | undefined;
  const relay = system.spawn(
    defineActor<unknown>({
      label: 'cluster groups relay',
      handle(msg) {
        // A peer's bytes are not trusted: anything but a relay message is ignored.
        if (isRelayMessage(msg)) groups?.deliverLocal(msg.group, msg.message);
      },
    }),
  );
  const self = node.nodeId;
  const port: GroupsNodePort = {
    nodeId: self,
    connection: node.connection,
    isNodeGone: (n) => node.isNodeGone(n),
    onNodeGone: (listener) => node.onNodeGone(listener),
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
    sendGroup: (target, group, message) => {
      const id = groups?.relayOf(target);
      if (id === undefined) return;
      node.refOf({ node: target, id }).tell({ group, message } satisfies RelayMessage);
    },
  };
  try {
    groups = await ClusterGroups.open(port, {
      replicas,
      bucket: `${root}-${cluster}-pg`,
      ...options,
      relayId: node.pidOf(relay as never).id,
    });
  } catch (error) {
    system.kill(relay);
    throw error;
  }
  const opened = groups;
  void system.exited(relay).then(() => opened.close());
  // Its watch ends before the node's connection drains (a watch made during a drain leaks a timer).
  node.beforeClose(() => opened.close());
  return opened;
}
