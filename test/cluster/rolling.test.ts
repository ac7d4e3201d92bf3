import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClusterRegistry } from '../../src/cluster/registry.js';
import { ClusterNameTakenError } from '../../src/cluster/registry-errors.js';
import { openClusterRegistry } from '../../src/cluster/registry-node.js';
import type { ClusterPid } from '../../src/cluster/registry-port.js';
import { type ActorSystem, createSystem, defineActor } from '../../src/index.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import { APP_USER, NatsTestCluster, natsUnavailable, waitUntil } from '../support/nats/index.js';
import { STEADY } from './node-helpers.js';

/**
 * Fault case 7 of the distribution notes for the registry: a rolling
 * restart of every node. Each node holds its service name and competes for
 * `leader`; after every restart the names converge and `leader` has exactly
 * one holder, alive, that every node agrees on.
 */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the rolling restart test: ${why}`);

interface Node {
  readonly name: string;
  readonly system: ActorSystem;
  readonly registry: ClusterRegistry;
  readonly service: ClusterPid;
}

const idle = defineActor<unknown>({ handle() {} });

/** Registers `name` for `pid`, waiting while a gone holder's name is being released. */
async function claim(registry: ClusterRegistry, name: string, pid: ClusterPid): Promise<void> {
  await waitUntil(
    () =>
      registry.register(name, pid).then(
        () => true,
        (e: unknown) => {
          if (e instanceof ClusterNameTakenError) return false;
          throw e;
        },
      ),
    `${name} to be free for ${pid.node}`,
  );
}

/** Competes for `leader`: registers it now if free, and again whenever it is released. */
function compete(registry: ClusterRegistry, pid: ClusterPid): void {
  const attempt = (): void => {
    registry.register('leader', pid).catch(() => undefined);
  };
  registry.watch((name, owner) => {
    if (name === 'leader' && owner === undefined) attempt();
  });
  attempt();
}

async function startNode(nats: NatsTestCluster, name: string): Promise<Node> {
  const system = createSystem({
    cluster: {
      servers: nats.urls,
      name,
      connectOptions: { ...APP_USER },
      ...STEADY,
    },
  });
  const cluster = system.cluster;
  if (cluster === undefined) throw new Error('not a cluster node');
  await cluster.ready;
  const registry = await openClusterRegistry(system, { reconcileIntervalMs: 200 });
  const service = cluster.pidOf(system.spawn(idle) as never);
  await claim(registry, `svc-${name}`, service);
  compete(registry, service);
  return { name, system, registry, service };
}

describe('cluster registry: rolling restart of every node', { skip: why }, () => {
  failOnUnhandledRejections();
  let nats: NatsTestCluster;
  const nodes: Node[] = [];
  before(async () => {
    nats = await NatsTestCluster.start();
    for (const name of ['n1', 'n2', 'n3']) nodes.push(await startNode(nats, name));
  });
  after(async () => {
    try {
      for (const n of nodes) {
        await n.registry.close();
        if (!n.system.isShutDown) await n.system.shutdown();
      }
    } finally {
      await nats?.stop();
    }
  });

  it('after each restart every service name and one leader converge on every node', {
    timeout: LIMITS.test,
  }, async () => {
    const same = (a: ClusterPid | undefined, b: ClusterPid | undefined): boolean =>
      a?.node === b?.node && a?.id === b?.id;
    for (let i = 0; i < nodes.length; i++) {
      const old = nodes[i] as Node;
      await old.registry.close();
      await old.system.shutdown();
      nodes[i] = await startNode(nats, old.name);
      await waitUntil(
        () =>
          nodes.every((viewer) =>
            nodes.every((n) => same(viewer.registry.whereis(`svc-${n.name}`), n.service)),
          ),
        'every service name to converge on every node',
      );
      await waitUntil(() => {
        const seen = nodes.map((n) => n.registry.whereis('leader'));
        return seen[0] !== undefined && seen.every((s) => same(s, seen[0]));
      }, 'one leader that every node agrees on');
      const leader = nodes[0]?.registry.whereis('leader');
      assert.ok(
        nodes.some((n) => same(n.service, leader)),
        'the leader is a live service of the current nodes',
      );
      assert.deepEqual(await nodes[1]?.registry.whereisStrict('leader'), leader);
    }
  });
});
