import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ClusterRegistry } from '../../src/cluster/registry.js';
import { openClusterRegistry } from '../../src/cluster/registry-node.js';
import type { ClusterPid } from '../../src/cluster/registry-port.js';
import { type ActorSystem, type ClusterNode, defineActor, exitReason } from '../../src/index.js';
import { LIMITS } from '../support/guard.js';
import { NatsTestCluster, natsUnavailable, waitUntil } from '../support/nats/index.js';
import { STEADY, startNode, untilUp } from './node-helpers.js';

/**
 * Outside probe of docs/semantics.md §25.R on five cluster nodes: first writer wins under a
 * race of all five, every loser is told the winner, the winner reads its write at once, and the
 * name is released (everywhere) when its process exits, so a loser can then take it.
 */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the registry race probe: ${why}`);

type Node = ActorSystem & { cluster: ClusterNode };
const idle = defineActor<unknown>({ handle() {} });

describe('cluster registry: a race of five nodes (one server)', { skip: why }, () => {
  let nats: NatsTestCluster;
  const nodes: Node[] = [];
  const registries: ClusterRegistry[] = [];
  before(async () => {
    nats = await NatsTestCluster.start();
    for (const name of ['r1', 'r2', 'r3', 'r4', 'r5'])
      nodes.push(await startNode(nats, name, STEADY));
    for (const n of nodes)
      for (const m of nodes) if (n !== m) await untilUp(n.cluster, m.cluster.id);
    for (const n of nodes) registries.push(await openClusterRegistry(n));
  });
  after(async () => {
    for (const r of registries) await r.close();
    await Promise.all(nodes.map((n) => n.shutdown()));
    await nats?.stop();
  });

  it('20 names raced by 5 nodes each: one winner per name, every loser ERR_NAME_TAKEN naming it, read-your-writes, release on exit', {
    timeout: LIMITS.test,
  }, async () => {
    for (let round = 0; round < 20; round++) {
      const name = `race-${round}`;
      const pids = nodes.map((n) => ({ n, ref: n.spawn(idle) }));
      const outcomes = await Promise.all(
        pids.map(({ n, ref }, i) =>
          (registries[i] as ClusterRegistry).register(name, n.cluster.pidOf(ref)).then(
            () => ({ i, ok: true as const }),
            (e: { code?: string; owner?: ClusterPid }) => ({ i, ok: false as const, e }),
          ),
        ),
      );
      const winners = outcomes.filter((o) => o.ok);
      assert.equal(winners.length, 1, `${name}: exactly one winner`);
      const w = (winners[0] as { i: number }).i;
      const winnerPid = nodes[w]?.cluster.pidOf(pids[w]?.ref as never) as ClusterPid;
      for (const o of outcomes) {
        if (o.ok) continue;
        assert.equal(o.e.code, 'ERR_NAME_TAKEN', `${name}: loser ${o.i}`);
        assert.deepEqual(o.e.owner, winnerPid, `${name}: loser ${o.i} is told the winner`);
      }
      // Read your writes on the registering node, at once.
      assert.deepEqual(registries[w]?.whereis(name), winnerPid);
      for (const r of registries) {
        await waitUntil(() => r.whereis(name)?.id === winnerPid.id, `${name} on every node`);
      }
      // Release on exit: at once on the winner's node, then everywhere; then a loser takes it.
      const winnerNode = nodes[w] as Node;
      winnerNode.exit(pids[w]?.ref as never, exitReason.kill);
      await winnerNode.exited(pids[w]?.ref as never);
      assert.equal(
        registries[w]?.whereis(name),
        undefined,
        `${name}: released at once where it ran`,
      );
      for (const r of registries)
        await waitUntil(() => r.whereis(name) === undefined, `${name} released`);
      const next = (w + 1) % nodes.length;
      await registries[next]?.register(
        name,
        nodes[next]?.cluster.pidOf(pids[next]?.ref as never) as ClusterPid,
      );
      assert.equal(registries[next]?.whereis(name)?.node, nodes[next]?.cluster.id);
      for (const p of pids) p.n.exit(p.ref as never, exitReason.kill);
    }
  });

  it('unregister: gone at once on the node that resolved it (read your writes)', {
    timeout: LIMITS.test,
  }, async () => {
    const n = nodes[2] as Node;
    const r = registries[2] as ClusterRegistry;
    await r.register('probe-unreg', n.cluster.pidOf(n.spawn(idle)));
    assert.ok(r.whereis('probe-unreg'));
    assert.equal(await r.unregister('probe-unreg'), true);
    assert.equal(r.whereis('probe-unreg'), undefined);
    assert.equal(await r.whereisStrict('probe-unreg'), undefined);
  });
});
