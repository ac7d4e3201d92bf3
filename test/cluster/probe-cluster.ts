import { after, afterEach, before } from 'node:test';
import type { ClusterGroups } from '../../src/cluster/groups.js';
import type { ClusterRegistry } from '../../src/cluster/registry.js';
import { openClusterGroups, openClusterRegistry } from '../../src/cluster/registry-node.js';
import type { ActorSystem, ClusterNode } from '../../src/index.js';
import { APP_USER, NatsTestCluster } from '../support/nats/index.js';
import { FAST, LIMIT_MS, startNode, untilUp } from './node-helpers.js';
import { ProbeChild } from './probe-runner.js';

/**
 * The setup the probe files share: one nats-server, an in-process observer
 * node that never fences itself during a test, child-process nodes started on
 * demand and stopped after each test, and, when asked, the observer's cluster
 * registry and groups. Call it inside a `describe`: it registers that suite's
 * hooks; read the fields inside tests (they exist once `before` has run).
 */
export interface ProbeCluster {
  readonly nats: NatsTestCluster;
  readonly observer: ActorSystem & { cluster: ClusterNode };
  readonly registry: ClusterRegistry;
  readonly groups: ClusterGroups;
  /** A child-process node named `name`, up at the observer; stopped after the test. */
  child(name: string): Promise<ProbeChild>;
}

export function probeCluster(options: { readonly services?: boolean } = {}): ProbeCluster {
  let nats: NatsTestCluster | undefined;
  let observer: (ActorSystem & { cluster: ClusterNode }) | undefined;
  let registry: ClusterRegistry | undefined;
  let groups: ClusterGroups | undefined;
  const children: ProbeChild[] = [];
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`probe cluster: no ${what} (outside a test?)`);
    return value;
  };
  before(async () => {
    nats = await NatsTestCluster.start();
    observer = await startNode(nats, 'observer', { fenceAfter: LIMIT_MS });
    if (options.services === true) {
      registry = await openClusterRegistry(observer);
      groups = await openClusterGroups(observer);
    }
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.stop()));
  });
  after(async () => {
    // The registry and groups close before the node they run on.
    await registry?.close();
    await groups?.close();
    await observer?.shutdown();
    await nats?.stop();
  });
  return {
    get nats() {
      return ready(nats, 'nats-server');
    },
    get observer() {
      return ready(observer, 'observer');
    },
    get registry() {
      return ready(registry, 'registry (services: true)');
    },
    get groups() {
      return ready(groups, 'groups (services: true)');
    },
    async child(name) {
      const node = await ProbeChild.start({
        servers: ready(nats, 'nats-server').urls,
        name,
        connectOptions: APP_USER,
        ...FAST,
      });
      children.push(node);
      await untilUp(ready(observer, 'observer').cluster, node.id);
      return node;
    },
  };
}
