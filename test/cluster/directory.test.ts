import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClusterGroups } from '../../src/cluster/groups.js';
import type { ClusterRegistry } from '../../src/cluster/registry.js';
import { openClusterGroups, openClusterRegistry } from '../../src/cluster/registry-node.js';
import type { ClusterPid } from '../../src/cluster/registry-port.js';
import { type ActorSystem, createSystem, defineActor } from '../../src/index.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import { APP_USER, NatsTestCluster, natsUnavailable, waitUntil } from '../support/nats/index.js';
import { STEADY } from './node-helpers.js';

/** docs/semantics.md §25: the registry and groups on real cluster nodes (createSystem({ cluster })). */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the cluster directory tests: ${why}`);

interface Node {
  readonly system: ActorSystem;
  readonly registry: ClusterRegistry;
  readonly groups: ClusterGroups;
  readonly got: string[];
}

const collector = (got: string[]) =>
  defineActor<{ text: string } | { type: 'get'; reply: { send(v: string): void } }>({
    handle(msg) {
      if ('text' in msg) got.push(msg.text);
      else msg.reply.send('pong');
    },
  });

async function startNode(nats: NatsTestCluster, name: string): Promise<Node> {
  const system = createSystem({
    cluster: {
      servers: nats.urls,
      name,
      connectOptions: { ...APP_USER },
      ...STEADY,
    },
  });
  await system.cluster?.ready;
  const registry = await openClusterRegistry(system, { reconcileIntervalMs: 0 });
  const groups = await openClusterGroups(system, { reconcileIntervalMs: 0 });
  return { system, registry, groups, got: [] };
}

function pidOf(node: Node, ref: unknown): ClusterPid {
  const cluster = node.system.cluster;
  if (cluster === undefined) throw new Error('not a cluster node');
  return cluster.pidOf(ref as never);
}

describe('cluster registry and groups on cluster nodes', { skip: why }, () => {
  failOnUnhandledRejections();
  let nats: NatsTestCluster;
  let a: Node;
  let b: Node;
  before(async () => {
    nats = await NatsTestCluster.start();
    a = await startNode(nats, 'a');
    b = await startNode(nats, 'b');
  });
  after(async () => {
    try {
      for (const n of [a, b].filter((n) => n !== undefined)) {
        await n.registry.close();
        if (!n.system.isShutDown) await n.system.shutdown();
      }
    } finally {
      await nats?.stop();
    }
  });

  it('a name registered on one node resolves on another to a working remote ref', {
    timeout: LIMITS.test,
  }, async () => {
    const ref = a.system.spawn(collector(a.got));
    const pid = pidOf(a, ref);
    await a.registry.register('echo', pid);
    await waitUntil(() => b.registry.whereis('echo') !== undefined, 'b to see echo');
    const found = b.registry.whereis('echo');
    assert.deepEqual(found, pid);
    const remote = b.system.cluster?.refOf<{ type: 'get' }>(found as ClusterPid);
    assert.equal(await remote?.ask({ type: 'get' } as never, { timeout: 10_000 }), 'pong');
  });

  it('a broadcast reaches members on both nodes, one remote message for the other node', {
    timeout: LIMITS.test,
  }, async () => {
    const onA = a.system.spawn(collector(a.got));
    const onB1 = b.system.spawn(collector(b.got));
    const onB2 = b.system.spawn(collector(b.got));
    a.groups.join('all', pidOf(a, onA));
    b.groups.join('all', pidOf(b, onB1));
    b.groups.join('all', pidOf(b, onB2));
    await waitUntil(() => a.groups.members('all').length === 3, 'a to see 3 members');
    assert.deepEqual(a.groups.broadcast('all', { text: 'hi' }), { local: 1, nodes: 1 });
    await waitUntil(() => b.got.filter((t) => t === 'hi').length === 2, 'both members on b');
    // The local member's copy is a tell on a's scheduler: waited for, not assumed first.
    await waitUntil(() => a.got.includes('hi'), 'the member on a');
    await Promise.all([a.system.idle(), b.system.idle()]);
    assert.deepEqual(
      a.got.filter((t) => t === 'hi'),
      ['hi'],
    );
    assert.equal(b.got.filter((t) => t === 'hi').length, 2);
  });

  it('a node that leaves takes its names and members with it on the others', {
    timeout: LIMITS.test,
  }, async () => {
    const ref = b.system.spawn(collector(b.got));
    const pid = pidOf(b, ref);
    await b.registry.register('on-b', pid);
    b.groups.join('leaving', pid);
    await waitUntil(() => a.registry.whereis('on-b') !== undefined, 'a to see on-b');
    await waitUntil(() => a.groups.members('leaving').length === 1, 'a to see the member');
    await b.system.shutdown();
    // Left open, they close with the node's connection (a watch left running would make the
    // client throw from a timer once its heartbeats stop).
    await waitUntil(
      () => b.registry.isClosed && b.groups.isClosed,
      "b's registry and groups to close",
    );
    await waitUntil(() => a.registry.whereis('on-b') === undefined, 'on-b to be released on a');
    // The name can go first by b's own release (its process ended in the shutdown); the member
    // goes when a hears that b left, or when b's last leave reaches a: waited for on its own.
    await waitUntil(() => a.groups.members('leaving').length === 0, 'the member to go on a');
    await waitUntil(
      async () => (await a.registry.whereisStrict('on-b')) === undefined,
      'the store to drop on-b',
    );
  });
});
