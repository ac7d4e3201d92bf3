import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { ClusterGroupChange } from '../../src/cluster/groups.js';
import { encodeChunks, groupKey } from '../../src/cluster/groups-entries.js';
import { heartbeatSubject } from '../../src/cluster/heartbeat-subject.js';
import { pruneDownRecords } from '../../src/cluster/membership-departures.js';
import { json } from '../../src/cluster/membership-table.js';
import { openClusterGroups, openClusterRegistry } from '../../src/cluster/registry-node.js';
import { encodeOwner, nameKey } from '../../src/cluster/registry-record.js';
import { type ActorSystem, type ClusterNode, defineActor } from '../../src/index.js';
import { LIMITS } from '../support/guard.js';
import { APP_USER, NatsTestCluster, natsUnavailable, waitUntil } from '../support/nats/index.js';
import { FAST, LIMIT_MS, nextEvent, startNode, untilUp } from './node-helpers.js';
import { ChildNode } from './node-runner.js';

/**
 * docs/semantics.md §25, "Down retention" and the registry's stale owners:
 * a down record is pruned after the retention and the node forgets the
 * incarnation, yet the incarnation stays fenced (a node without a record
 * counts as down); a name whose owner's node has no record is released,
 * and group members of such a node are dropped.
 * Its own cluster name, so no other node (with the default retention)
 * remembers the victim.
 */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the retention tests: ${why}`);

type Node = ActorSystem & { cluster: ClusterNode };

const RETENTION = { cluster: 'ret', downRetention: 1_000 } as const;

describe('down retention (one server)', { skip: why }, () => {
  let nats: NatsTestCluster;
  let pruner: Node;
  const children: ChildNode[] = [];
  before(async () => {
    nats = await NatsTestCluster.start();
    pruner = await startNode(nats, 'pruner', { ...RETENTION, fenceAfter: LIMIT_MS });
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.stop()));
  });
  after(async () => {
    await pruner?.shutdown();
    await nats?.stop();
  });

  it('a node paused past the retention finds its record pruned and forgotten, and still ends with ERR_FENCED', {
    timeout: LIMITS.test,
  }, async () => {
    const victim = await ChildNode.start({
      servers: nats.urls,
      name: 'sleeper',
      connectOptions: APP_USER,
      ...FAST,
      ...RETENTION,
      // It must not fence itself for the pause: what ends it is what it learns on resuming.
      fenceAfter: LIMIT_MS,
    });
    children.push(victim);
    await untilUp(pruner.cluster, victim.id);
    const nodedown = nextEvent(
      pruner.cluster,
      (e) => e.type === 'nodedown' && e.node === victim.id,
    );
    victim.signal('SIGSTOP');
    await nodedown;
    const kv = await pruner.cluster.bucket('members');
    // The down record, then its delete marker, leave the table; the pruner forgets the victim.
    await waitUntil(async () => (await kv.get(victim.id)) === null, 'the record pruned', LIMIT_MS);
    await waitUntil(() => !pruner.cluster.isGone(victim.id), 'the departure forgotten', LIMIT_MS);
    victim.signal('SIGCONT');
    const ended = await victim.next((r) => r.type === 'ended');
    assert.equal(ended.type === 'ended' && ended.fenced, 'ERR_FENCED');
    console.log(`# pruned incarnation fenced: ${ended.type === 'ended' ? ended.why : ''}`);
    assert.equal(await victim.exited, 3);
    assert.equal(pruner.cluster.isUp(victim.id), false, 'the old incarnation never comes back');
  });

  it('a pruning round reads the table in one request: a record written during the round never holds it for the request timeout', {
    timeout: LIMITS.test,
  }, async () => {
    // The client's timeout is twice the hang guard: a round that waited it out fails the guard.
    // (A listing by consumer, `kv.keys()`, waits it out when a key is written while it lists.)
    const nc = await nats.connect();
    const kv = await new Kvm(jetstream(nc, { timeout: LIMIT_MS * 2 })).create('ret-round', {
      history: 1,
    });
    const record = (status: 'up' | 'down', at: number): Uint8Array =>
      json({ name: 'n', status, suspects: [], at });
    await kv.put('old_1', record('down', 0));
    await kv.put('live_1', record('up', Date.now()));
    for (let round = 0; round < 24; round++) {
      const pruning = pruneDownRecords(kv, Date.now(), 60_000);
      // The write lands at a different point of each round (a verdict racing the pruner's round).
      for (let hop = 0; hop < round % 8; hop++) await new Promise((r) => setImmediate(r));
      await kv.put('live_1', record('up', Date.now()));
      let timer: NodeJS.Timeout | undefined;
      const guard = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`round ${round} outlived the hang guard`)),
          LIMIT_MS,
        );
      });
      const pruned = await Promise.race([pruning, guard]).finally(() => clearTimeout(timer));
      assert.deepEqual(pruned, round === 0 ? ['old_1'] : [], `round ${round}`);
    }
    assert.equal((await kv.get('live_1'))?.operation, 'PUT', 'a live record is never pruned');
    assert.equal(
      (await kv.get('old_1'))?.operation,
      'DEL',
      'its marker is younger than the retention',
    );
    // The marker, once older than the retention (0 here), is purged, and nothing else is.
    await pruneDownRecords(kv, Date.now() + 1, 0);
    assert.equal(await kv.get('old_1'), null);
    assert.equal((await kv.get('live_1'))?.operation, 'PUT');
  });

  it('an incarnation without a member record is refused: its hello is answered down, its heartbeat with a fence notice', {
    timeout: LIMITS.test,
  }, async () => {
    const nc = await nats.connect();
    const ghost = 'ghost_0000000000000000000001';
    const prefix = 'airssys.ret';
    const fenceSeen = new Promise<string>((resolve) => {
      const sub = nc.subscribe(`${prefix}.n.${ghost}.s.fence`, {
        callback: (_error, msg) => {
          sub.unsubscribe();
          resolve(msg.string());
        },
      });
    });
    await nc.flush();
    const reply = await nc.request(
      `${prefix}.n.${pruner.cluster.id}.s.hello`,
      JSON.stringify({ id: ghost }),
      { timeout: LIMIT_MS },
    );
    assert.deepEqual(reply.json(), { down: true });
    nc.publish(heartbeatSubject(prefix, ghost), JSON.stringify({ seq: 1, at: Date.now() }));
    assert.deepEqual(JSON.parse(await fenceSeen), { by: pruner.cluster.id });
    assert.equal(pruner.cluster.isUp(ghost), false);
  });

  it('the registry refuses an owner whose node is not up, and releases a name whose owner has no member record', {
    timeout: LIMITS.test,
  }, async () => {
    // The grace an unknown owner is given is registry-owners.test.ts's: here, the table's word.
    const registry = await openClusterRegistry(pruner, {
      reconcileIntervalMs: 0,
      unknownOwnerGraceMs: 0,
    });
    try {
      const ghost = { node: 'ghost_0000000000000000000000', id: 7 };
      await assert.rejects(registry.register('ghostly', ghost), { code: 'ERR_NOCONNECTION' });
      // A stale owner written straight into the bucket (a node of an earlier life of the cluster).
      const names = await pruner.cluster.bucket('names');
      await names.put(nameKey('stale'), encodeOwner(ghost, Date.now()));
      await waitUntil(async () => {
        await registry.reconcile();
        return (await registry.whereisStrict('stale')) === undefined;
      }, 'the stale name released');
      assert.equal((await names.get(nameKey('stale')))?.operation, 'DEL');
      const mine = pruner.cluster.pidOf(pruner.spawn(defineActor({ handle() {} })));
      await registry.register('stale', mine);
      assert.deepEqual(await registry.whereisStrict('stale'), mine);
    } finally {
      await registry.close();
    }
  });

  it("the groups' reconcile drops the members of a node without a member record, and keeps those of a node that is up", {
    timeout: LIMITS.test,
  }, async () => {
    const keeper = await startNode(nats, 'keeper', RETENTION);
    const groups = await openClusterGroups(pruner, { reconcileIntervalMs: 0 });
    const theirs = await openClusterGroups(keeper, { reconcileIntervalMs: 0 });
    try {
      await untilUp(pruner.cluster, keeper.cluster.id);
      const member = keeper.cluster.pidOf(keeper.spawn(defineActor({ handle() {} })));
      theirs.join('workers', member);
      await theirs.flush();
      // A node of an earlier life of the cluster, its entry left in the bucket.
      const ghost = 'ghost_0000000000000000000002';
      const key = groupKey('workers', ghost, 0);
      const pg = await pruner.cluster.bucket('pg');
      await pg.put(key, encodeChunks(new Map([[7, 2]]))[0] ?? new Uint8Array());
      const listed = (): string[] =>
        groups
          .members('workers')
          .map((p) => `${p.node}/${p.id}`)
          .sort();
      const ghostly = [`${ghost}/7`, `${ghost}/7`, `${member.node}/${member.id}`].sort();
      await waitUntil(() => listed().join() === ghostly.join(), 'the stale entry mirrored');
      const heard: ClusterGroupChange[] = [];
      groups.watch((change) => heard.push(change));
      await groups.reconcile();
      assert.deepEqual(listed(), [`${member.node}/${member.id}`]);
      assert.deepEqual(heard, [
        {
          type: 'GROUP',
          event: 'leave',
          group: 'workers',
          pids: [
            { node: ghost, id: 7 },
            { node: ghost, id: 7 },
          ],
        },
      ]);
      assert.equal((await pg.get(key))?.operation, 'DEL');
      assert.equal((await pg.get(groupKey('workers', member.node, 0)))?.operation, 'PUT');
      assert.deepEqual(groups.whichGroups(), ['workers']);
      assert.equal(groups.broadcast('workers', { type: 'ping' }).nodes, 1, 'the up node only');
    } finally {
      await theirs.close();
      await groups.close();
      await keeper.shutdown();
    }
  });
});
