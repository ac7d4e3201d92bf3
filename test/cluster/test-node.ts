import type { NatsConnection } from '@nats-io/nats-core';
import type { ClusterPid, GroupsNodePort } from '../../src/cluster/registry-port.js';
import {
  type ActorDefinition,
  type ActorRef,
  type ActorSystem,
  createSystem,
  defineActor,
  type Pid,
} from '../../src/index.js';
import type { NatsTestCluster } from '../support/nats/index.js';

/**
 * Runtime nodes for the registry and group tests, until the cluster node
 * itself provides the port: an actor system, a NATS connection of its own
 * and a membership the test drives (it declares nodes gone).
 */

/** The membership the test controls: which nodes are gone, and who hears of it. */
export class TestMembership {
  readonly gone = new Set<string>();
  readonly #listeners = new Set<(node: string) => void>();

  /** Declares `node` gone; every node's port hears it. */
  declareGone(node: string): void {
    if (this.gone.has(node)) return;
    this.gone.add(node);
    for (const listener of [...this.#listeners]) listener(node);
  }

  listen(listener: (node: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** One node: its id, system, connection and port. */
export interface TestNode {
  readonly id: string;
  readonly system: ActorSystem;
  readonly connection: NatsConnection;
  readonly port: GroupsNodePort;
  /** Group broadcasts this node sent to other nodes, one entry per message. */
  readonly sentGroups: { node: string; group: string }[];
  /** Where a broadcast from another node is delivered (set when the node has groups). */
  onGroupMessage: ((group: string, message: unknown) => void) | undefined;
  /** Spawns an idle process and returns its ref and cluster pid. */
  spawn(definition?: ActorDefinition<unknown, unknown, unknown>): {
    ref: ActorRef<unknown>;
    pid: ClusterPid;
  };
}

const idle = defineActor<unknown>({ handle() {} });

/** A node named `name` (with a fresh incarnation) on its own connection to `nats`. */
export async function testNode(
  nats: NatsTestCluster,
  name: string,
  membership: TestMembership,
  connection?: NatsConnection,
): Promise<TestNode> {
  const id = `${name}_${Math.random().toString(36).slice(2, 10)}`;
  const nc = connection ?? (await nats.connect({ name: id }));
  const system = createSystem();
  const sentGroups: { node: string; group: string }[] = [];
  const port: GroupsNodePort = {
    nodeId: id,
    connection: nc,
    isNodeGone: (node) => membership.gone.has(node),
    onNodeGone: (listener) => membership.listen(listener),
    isAlive: (pid) => system.isAlive(pid as Pid),
    onExit: (pid, listener) => {
      let cancelled = false;
      void system.exited(pid as Pid).then(() => {
        if (!cancelled) listener();
      });
      return () => {
        cancelled = true;
      };
    },
    tellLocal: (pid, message) => {
      const ref = refs.get(pid);
      if (ref === undefined || !system.isAlive(ref)) return false;
      ref.tell(message);
      return true;
    },
    sendGroup: (nodes, group, message) => {
      const text = JSON.stringify({ group, message });
      for (const node of nodes) {
        sentGroups.push({ node, group });
        nc.publish(`test.pg.${node}`, text);
      }
    },
  };
  const refs = new Map<number, ActorRef<unknown>>();
  const node: TestNode = {
    id,
    system,
    connection: nc,
    port,
    sentGroups,
    onGroupMessage: undefined,
    spawn(definition = idle) {
      const ref = system.spawn(definition);
      refs.set(ref.pid, ref);
      return { ref, pid: { node: id, id: ref.pid } };
    },
  };
  nc.subscribe(`test.pg.${id}`, {
    callback: (_error, msg) => {
      const { group, message } = msg.json<{ group: string; message: unknown }>();
      node.onGroupMessage?.(group, message);
    },
  });
  await nc.flush();
  return node;
}
