import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kvm } from '@nats-io/kv';
import { type ClusterGroupChange, ClusterGroups } from '../../src/cluster/groups.js';
import { CHUNK_SIZE, groupKey } from '../../src/cluster/groups-entries.js';
import type { ClusterPid } from '../../src/cluster/registry-port.js';
import { defineActor, exitReason } from '../../src/index.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import {
  NatsTestCluster,
  natsUnavailable,
  READY_LIMIT_MS,
  waitUntil,
} from '../support/nats/index.js';
import { TestMembership, type TestNode, testNode } from './test-node.js';

/** docs/semantics.md §25, "Cluster process groups", against a real nats-server. */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the cluster group tests: ${why}`);

interface Node extends TestNode {
  readonly groups: ClusterGroups;
}

const BUCKET = 'test_pg';

async function startNode(
  nats: NatsTestCluster,
  membership: TestMembership,
  name: string,
): Promise<Node> {
  const node = await testNode(nats, name, membership);
  const groups = await ClusterGroups.open(node.port, { bucket: BUCKET, reconcileIntervalMs: 0 });
  node.onGroupMessage = (group, message) => groups.deliverLocal(group, message);
  return Object.assign(node, { groups });
}

function key(pid: ClusterPid): string {
  return `${pid.node}/${pid.id}`;
}

function sorted(pids: readonly ClusterPid[]): string[] {
  return pids.map(key).sort();
}

/** Resolves when `node` lists exactly `expected` (any order) as members of `group`. */
function membersSeen(node: Node, group: string, expected: readonly ClusterPid[]): Promise<void> {
  const want = JSON.stringify(sorted(expected));
  return new Promise((resolve, reject) => {
    const done = (): boolean => JSON.stringify(sorted(node.groups.members(group))) === want;
    if (done()) return resolve();
    const timer = setTimeout(() => {
      stop();
      reject(
        new Error(
          `${node.id} did not see ${group} = ${want}; it sees ${JSON.stringify(sorted(node.groups.members(group)))}`,
        ),
      );
    }, READY_LIMIT_MS);
    const stop = node.groups.watch(() => {
      if (!done()) return;
      stop();
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('cluster process groups (one server)', { skip: why }, () => {
  failOnUnhandledRejections();
  let nats: NatsTestCluster;
  let membership: TestMembership;
  let a: Node;
  let b: Node;
  let c: Node;
  before(async () => {
    nats = await NatsTestCluster.start();
    membership = new TestMembership();
    a = await startNode(nats, membership, 'a');
    b = await startNode(nats, membership, 'b');
    c = await startNode(nats, membership, 'c');
  });
  after(async () => {
    // A before() that failed part-way leaves nodes unset: the servers are stopped anyway.
    try {
      for (const n of [a, b, c].filter((n) => n !== undefined)) {
        await n.groups.close();
        await n.system.shutdown();
      }
    } finally {
      await nats?.stop();
    }
  });

  it('a join shows on the joining node at once and on every other node after the flush', {
    timeout: LIMITS.test,
  }, async () => {
    const p = a.spawn().pid;
    a.groups.join('g1', p);
    assert.deepEqual(a.groups.members('g1'), [p]);
    assert.deepEqual(a.groups.localMembers('g1'), [p]);
    await membersSeen(b, 'g1', [p]);
    await membersSeen(c, 'g1', [p]);
    assert.ok(c.groups.whichGroups().includes('g1'));
    assert.deepEqual(c.groups.localMembers('g1'), []);
  });

  it('a process joins as often as it likes and must leave as often; other nodes count every join', {
    timeout: LIMITS.test,
  }, async () => {
    const p = a.spawn().pid;
    a.groups.join('twice', p);
    a.groups.join('twice', p);
    await membersSeen(b, 'twice', [p, p]);
    assert.equal(a.groups.leave('twice', p), true);
    await membersSeen(b, 'twice', [p]);
    assert.equal(a.groups.leave('twice', p), true);
    assert.equal(a.groups.leave('twice', p), false);
    await membersSeen(b, 'twice', []);
    assert.equal(b.groups.whichGroups().includes('twice'), false);
  });

  it('a member that exits leaves every group at once, and the others hear the leave', {
    timeout: LIMITS.test,
  }, async () => {
    const { ref, pid } = b.spawn();
    b.groups.join('x1', pid);
    b.groups.join('x2', pid);
    await membersSeen(a, 'x2', [pid]);
    const left: ClusterGroupChange[] = [];
    const stop = a.groups.watch((change) => {
      if (change.event === 'leave') left.push(change);
    });
    b.system.exit(ref, exitReason.kill);
    await b.system.exited(ref);
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(b.groups.members('x1'), []);
    await membersSeen(a, 'x1', []);
    await membersSeen(a, 'x2', []);
    stop();
    assert.deepEqual(left.map((c) => c.group).sort(), ['x1', 'x2']);
    assert.deepEqual(left[0]?.pids, [pid]);
  });

  it('a broadcast costs one message per hosting node and reaches every member once', {
    timeout: LIMITS.test,
  }, async () => {
    const got: string[] = [];
    const collector = defineActor<{ n: number }>({
      handle(msg, ctx) {
        got.push(`${ctx.self.pid}:${msg.n}`);
      },
    });
    const members = [
      a.spawn(collector as never).pid,
      b.spawn(collector as never).pid,
      b.spawn(collector as never).pid,
      c.spawn(collector as never).pid,
      c.spawn(collector as never).pid,
      c.spawn(collector as never).pid,
    ];
    for (const m of members) [a, b, c].find((n) => n.id === m.node)?.groups.join('bcast', m);
    await membersSeen(a, 'bcast', members);
    a.sentGroups.length = 0;
    const result = a.groups.broadcast('bcast', { n: 1 });
    assert.deepEqual(result, { local: 1, nodes: 2 });
    assert.deepEqual(a.sentGroups.map((s) => s.node).sort(), [b.id, c.id].sort());
    await waitUntil(() => got.length >= members.length, 'every member to receive the broadcast');
    await Promise.all([a, b, c].map((n) => n.system.idle()));
    assert.equal(got.length, members.length);
  });

  it('joins within the flush window go out as one write per group', {
    timeout: LIMITS.test,
  }, async () => {
    const kv = await new Kvm(a.connection).open(BUCKET);
    await a.groups.flush();
    const before = (await kv.status()).streamInfo.state.last_seq;
    const pids = Array.from({ length: 50 }, () => a.spawn().pid);
    for (const p of pids) a.groups.join('batched', p);
    await a.groups.flush();
    const afterSeq = (await kv.status()).streamInfo.state.last_seq;
    assert.equal(afterSeq - before, 1);
    await membersSeen(c, 'batched', pids);
  });

  it('many members on one node are chunked under the payload limit and all reach the others', {
    timeout: LIMITS.test,
  }, async () => {
    const count = CHUNK_SIZE + 10;
    const pids = Array.from({ length: count }, () => c.spawn().pid);
    for (const p of pids) c.groups.join('big', p);
    await c.groups.flush();
    const kv = await new Kvm(a.connection).open(BUCKET);
    assert.notEqual(await kv.get(groupKey('big', c.id, 1)), null);
    await membersSeen(a, 'big', pids);
    for (const p of pids.slice(0, 20)) c.groups.leave('big', p);
    await c.groups.flush();
    await membersSeen(a, 'big', pids.slice(20));
    assert.equal((await kv.get(groupKey('big', c.id, 1)))?.operation, 'DEL');
  });

  it('members of a node declared gone drop out at once and its entries are deleted', {
    timeout: LIMITS.test,
  }, async () => {
    const d = await startNode(nats, membership, 'd');
    const p = d.spawn().pid;
    d.groups.join('gone', p);
    await membersSeen(a, 'gone', [p]);
    const left: ClusterGroupChange[] = [];
    const stop = a.groups.watch((change) => left.push(change));
    membership.declareGone(d.id);
    stop();
    assert.deepEqual(a.groups.members('gone'), []);
    assert.deepEqual(left, [{ type: 'GROUP', event: 'leave', group: 'gone', pids: [p] }]);
    const kv = await new Kvm(a.connection).open(BUCKET);
    await waitUntil(
      async () => (await kv.get(groupKey('gone', d.id, 0)))?.operation === 'DEL',
      'the gone node entry to be deleted',
    );
    await d.groups.close();
    await d.system.shutdown();
  });

  it('an entry a peer wrote that is not a member list reads as no members', {
    timeout: LIMITS.test,
  }, async () => {
    const kv = await new Kvm(a.connection).open(BUCKET);
    await kv.put(groupKey('junk', 'zz_1', 0), '{"not":"pairs"}');
    await kv.put(groupKey('junk', 'zz_2', 0), '[[1,1],["x",2],[-3,1]');
    await kv.put('g.not.a-group-key', '[]');
    const p = b.spawn().pid;
    b.groups.join('junk', p);
    await membersSeen(c, 'junk', [p]);
  });

  it('joins made while the server is down are written once it is back', {
    timeout: LIMITS.test,
  }, async () => {
    const p = a.spawn().pid;
    await nats.kill(0);
    a.groups.join('while-down', p);
    assert.deepEqual(a.groups.members('while-down'), [p]);
    await assert.rejects(a.groups.flush(), { code: 'ERR_CLUSTER_UNAVAILABLE' });
    await nats.restart(0);
    await nats.waitForJetStream();
    // The retry timer writes it; the watch on b was rebuilt after the reconnect.
    await membersSeen(b, 'while-down', [p]);
    assert.ok(b.groups.rebuilds > 0);
  });
});
