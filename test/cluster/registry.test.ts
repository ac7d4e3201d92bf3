import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { ClusterRegistry, type ClusterRegistryOptions } from '../../src/cluster/registry.js';
import {
  ClusterNameTakenError,
  ClusterUnavailableError,
} from '../../src/cluster/registry-errors.js';
import type { ClusterPid } from '../../src/cluster/registry-port.js';
import { encodeOwner, nameKey } from '../../src/cluster/registry-record.js';
import { exitReason } from '../../src/index.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import {
  NatsTestCluster,
  natsUnavailable,
  READY_LIMIT_MS,
  waitUntil,
} from '../support/nats/index.js';
import { TestMembership, type TestNode, testNode } from './test-node.js';

/** docs/semantics.md §25, "Cluster registry", against a real nats-server. */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the cluster registry tests: ${why}`);

/** Resolves when `registry`'s mirror shows `name` held by `owner` (undefined: released). */
function nameSeen(
  registry: ClusterRegistry,
  name: string,
  owner: ClusterPid | undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const same = (o: ClusterPid | undefined): boolean =>
      o?.node === owner?.node && o?.id === owner?.id;
    if (same(registry.whereis(name))) return resolve();
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${name} did not become ${JSON.stringify(owner)}`));
    }, READY_LIMIT_MS);
    const stop = registry.watch(() => {
      if (!same(registry.whereis(name))) return;
      stop();
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Resolves with the owner of the next change of `name` that `registry`'s mirror applies
 * (a value that is not an owner, or a dead holder, included). Subscribe before the write.
 */
function nextChange(registry: ClusterRegistry, name: string): Promise<ClusterPid | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no change of ${name} was mirrored`));
    }, READY_LIMIT_MS);
    const stop = registry.watch((changed, owner) => {
      if (changed !== name) return;
      stop();
      clearTimeout(timer);
      resolve(owner);
    });
  });
}

interface Node extends TestNode {
  readonly registry: ClusterRegistry;
}

async function startNodes(
  nats: NatsTestCluster,
  membership: TestMembership,
  names: string[],
  options: ClusterRegistryOptions,
): Promise<Node[]> {
  const nodes: Node[] = [];
  for (const name of names) {
    const node = await testNode(nats, name, membership);
    nodes.push({ ...node, registry: await ClusterRegistry.open(node.port, options) });
  }
  return nodes;
}

async function stopNodes(nodes: Node[]): Promise<void> {
  for (const n of nodes) {
    await n.registry.close();
    await n.system.shutdown();
  }
}

describe('cluster registry (one server)', { skip: why }, () => {
  failOnUnhandledRejections();
  let nats: NatsTestCluster;
  let membership: TestMembership;
  let a: Node;
  let b: Node;
  let c: Node;
  before(async () => {
    nats = await NatsTestCluster.start();
    membership = new TestMembership();
    [a, b, c] = (await startNodes(nats, membership, ['a', 'b', 'c'], {
      bucket: 'test_names',
      reconcileIntervalMs: 0,
    })) as [Node, Node, Node];
  });
  after(async () => {
    // A before() that failed part-way leaves nodes unset: the servers (and every client they
    // made) are stopped anyway, or the open connections hang the file.
    try {
      await stopNodes([a, b, c].filter((n) => n !== undefined));
    } finally {
      await nats?.stop();
    }
  });

  it('the first writer wins; a second gets ERR_NAME_TAKEN naming the owner', {
    timeout: LIMITS.test,
  }, async () => {
    const p = a.spawn().pid;
    const q = b.spawn().pid;
    await a.registry.register('first', p);
    const error = await b.registry.register('first', q).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof ClusterNameTakenError);
    assert.equal(error.code, 'ERR_NAME_TAKEN');
    assert.deepEqual(error.owner, p);
    assert.match(error.message, new RegExp(a.id));
  });

  it('of concurrent registrations of one name from three nodes exactly one wins', {
    timeout: LIMITS.test,
  }, async () => {
    const pids = [a.spawn().pid, b.spawn().pid, c.spawn().pid];
    const outcomes = await Promise.allSettled(
      [a, b, c].map((n, i) => n.registry.register('race', pids[i] as ClusterPid)),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    assert.equal(won.length, 1);
    const winner = pids[outcomes.findIndex((o) => o.status === 'fulfilled')];
    for (const o of outcomes) {
      if (o.status === 'rejected')
        assert.deepEqual((o.reason as ClusterNameTakenError).owner, winner);
    }
    assert.deepEqual(await c.registry.whereisStrict('race'), winner);
  });

  it('whereis reads your writes on the registering node and reaches every other node', {
    timeout: LIMITS.test,
  }, async () => {
    const p = a.spawn().pid;
    await a.registry.register('ryw', p);
    assert.deepEqual(a.registry.whereis('ryw'), p);
    await nameSeen(b.registry, 'ryw', p);
    await nameSeen(c.registry, 'ryw', p);
    assert.deepEqual(await b.registry.whereisStrict('ryw'), p);
    assert.ok(b.registry.registered().includes('ryw'));
  });

  it('a name is released when its process exits, on every node', {
    timeout: LIMITS.test,
  }, async () => {
    const { ref, pid } = a.spawn();
    await a.registry.register('exits', pid);
    await nameSeen(b.registry, 'exits', pid);
    a.system.exit(ref, exitReason.kill);
    // The exit is visible on the registering node at once, before the store is told.
    assert.equal(a.registry.whereis('exits'), undefined);
    await nameSeen(b.registry, 'exits', undefined);
    assert.equal(await c.registry.whereisStrict('exits'), undefined);
    const q = c.spawn().pid;
    await c.registry.register('exits', q);
    await nameSeen(a.registry, 'exits', q);
  });

  it('unregister releases only a name this node holds', { timeout: LIMITS.test }, async () => {
    const p = a.spawn().pid;
    await a.registry.register('unreg', p);
    assert.equal(await b.registry.unregister('unreg'), false);
    assert.equal(await a.registry.unregister('unreg'), true);
    assert.equal(a.registry.whereis('unreg'), undefined);
    assert.equal(await b.registry.whereisStrict('unreg'), undefined);
    assert.equal(await a.registry.unregister('unreg'), false);
  });

  it('a watcher that throws fails neither register nor unregister, nor the other watchers', {
    timeout: LIMITS.test,
  }, async () => {
    const p = a.spawn().pid;
    const heard: string[] = [];
    const stopBad = a.registry.watch(() => {
      throw new Error('a watcher bug');
    });
    const stopGood = a.registry.watch((name) => heard.push(name));
    try {
      // The change is noted during register: the throw used to reject it (a plain Error, not
      // coded) although the name was registered.
      await a.registry.register('thrower', p);
      assert.deepEqual(a.registry.whereis('thrower'), p);
      assert.ok(heard.includes('thrower'));
      assert.equal(await a.registry.unregister('thrower'), true);
      assert.equal(a.registry.whereis('thrower'), undefined);
      assert.equal(heard.filter((n) => n === 'thrower').length, 2);
    } finally {
      stopBad();
      stopGood();
    }
  });

  it('a closed registry refuses register with ERR_CLUSTER_UNAVAILABLE and writes nothing', {
    timeout: LIMITS.test,
  }, async () => {
    const second = await ClusterRegistry.open(a.port, {
      bucket: 'test_names',
      reconcileIntervalMs: 0,
    });
    await second.close();
    const p = a.spawn().pid;
    // It used to write the name with no one left to watch the process: the name outlived it.
    const error = await second.register('after-close', p).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof ClusterUnavailableError, String(error));
    assert.equal(error.code, 'ERR_CLUSTER_UNAVAILABLE');
    assert.equal(await b.registry.whereisStrict('after-close'), undefined);
  });

  it('registering a name the same process holds again succeeds (a retry is safe)', {
    timeout: LIMITS.test,
  }, async () => {
    const p = a.spawn().pid;
    await a.registry.register('again', p);
    await a.registry.register('again', p);
    assert.deepEqual(await b.registry.whereisStrict('again'), p);
  });

  it('refuses a process of another node, a dead process and a bad name', {
    timeout: LIMITS.test,
  }, async () => {
    const { ref, pid } = a.spawn();
    await assert.rejects(b.registry.register('x', pid), { code: 'ERR_INVALID_ARG' });
    a.system.exit(ref, exitReason.kill);
    await a.system.exited(ref);
    await assert.rejects(a.registry.register('x', pid), { code: 'ERR_NOPROC' });
    await assert.rejects(a.registry.register('', a.spawn().pid), { code: 'ERR_INVALID_ARG' });
  });

  it('names of a node declared gone disappear at once and are deleted from the store', {
    timeout: LIMITS.test,
  }, async () => {
    const d = (
      await startNodes(nats, membership, ['d'], { bucket: 'test_names', reconcileIntervalMs: 0 })
    )[0] as Node;
    const p = d.spawn().pid;
    await d.registry.register('on-d', p);
    await nameSeen(b.registry, 'on-d', p);
    membership.declareGone(d.id);
    assert.equal(b.registry.whereis('on-d'), undefined);
    await waitUntil(
      async () => (await c.registry.whereisStrict('on-d')) === undefined,
      'the store to drop on-d',
    );
    await stopNodes([d]);
    const q = b.spawn().pid;
    await b.registry.register('on-d', q);
    assert.deepEqual(await a.registry.whereisStrict('on-d'), q);
  });

  it('a name held by a gone node is taken over even before its keys are purged', {
    timeout: LIMITS.test,
  }, async () => {
    const e = (
      await startNodes(nats, membership, ['e'], { bucket: 'test_names', reconcileIntervalMs: 0 })
    )[0] as Node;
    const p = e.spawn().pid;
    await e.registry.register('takeover', p);
    await stopNodes([e]);
    // Nobody heard the verdict (no listener purged), but the membership says e is gone.
    membership.gone.add(e.id);
    const q = a.spawn().pid;
    await a.registry.register('takeover', q);
    assert.deepEqual(await b.registry.whereisStrict('takeover'), q);
  });

  it('a value a peer wrote that is not an owner reads as no owner and never crashes the mirror', {
    timeout: LIMITS.test,
  }, async () => {
    const kv = await new Kvm(a.connection).open('test_names');
    // b's watch hears the garbage value as a change of 'garbage' with no owner (whereis reads
    // undefined before and after, so only the change says the mirror applied it).
    const mirrored = nextChange(b.registry, 'garbage');
    await kv.put('n.Z2FyYmFnZQ', 'not json {');
    await kv.put('not-a-name', '{}');
    assert.equal(await mirrored, undefined);
    assert.equal(b.registry.whereis('garbage'), undefined);
    const p = b.spawn().pid;
    await b.registry.register('garbage', p);
    await nameSeen(c.registry, 'garbage', p);
  });

  it('the watch survives a server restart: changes after it still arrive', {
    timeout: LIMITS.test,
  }, async () => {
    const before = b.registry.rebuilds;
    await nats.restart(0);
    await nats.waitForJetStream();
    const p = a.spawn().pid;
    await waitUntil(
      () =>
        a.registry.register('after-restart', p).then(
          () => true,
          (e: unknown) => {
            if (e instanceof ClusterUnavailableError) return false;
            throw e;
          },
        ),
      'a register after the restart',
    );
    await nameSeen(b.registry, 'after-restart', p);
    assert.ok(b.registry.rebuilds > before, 'the watch was rebuilt after the reconnect');
  });

  it('a watch whose consumer vanished on the server is caught by reconcile and rebuilt', {
    timeout: LIMITS.test,
  }, async () => {
    const jsm = await jetstreamManager(a.connection);
    for await (const consumer of await jsm.consumers.list('KV_test_names')) {
      await jsm.consumers.delete('KV_test_names', consumer.name);
    }
    const before = b.registry.rebuilds;
    const p = a.spawn().pid;
    await a.registry.register('stalled', p);
    // The first reconcile sees b behind the stream, the next one (no progress) rebuilds.
    // A reconcile whose status request the store did not answer in time (a loaded machine) is
    // ERR_CLUSTER_UNAVAILABLE and changes nothing; the next round tries again.
    await waitUntil(async () => {
      for (const n of [a, b, c]) {
        await n.registry.reconcile().catch((error: unknown) => {
          assert.ok(error instanceof ClusterUnavailableError, `reconcile failed: ${String(error)}`);
        });
      }
      return [b, c].every((n) => n.registry.whereis('stalled')?.id === p.id);
    }, 'b and c to see the name after their watches were rebuilt');
    assert.ok(b.registry.rebuilds > before);
  });

  it('reconcile releases names of dead local processes and adopts untracked ones', {
    timeout: LIMITS.test,
  }, async () => {
    // A register whose answer was lost but that took effect: the store names a live process of a.
    const { ref, pid } = a.spawn();
    const kv = await new Kvm(a.connection).open('test_names');
    await kv.create(nameKey('adopt'), encodeOwner(pid, Date.now()));
    await nameSeen(a.registry, 'adopt', pid);
    await a.registry.reconcile();
    // Adopted: its exit now releases it, as if a had registered it.
    a.system.exit(ref, exitReason.kill);
    await nameSeen(b.registry, 'adopt', undefined);
    // A dead process's name whose release never ran is released by its node: at once when its
    // watch shows the name (§25.R, its node adopts the names of its processes), or by the reconcile.
    const dead = a.spawn();
    a.system.exit(dead.ref, exitReason.kill);
    await a.system.exited(dead.ref);
    // whereis reads a dead holder as undefined at once, so the wait is on the mirror's change.
    const mirrored = nextChange(a.registry, 'orphan');
    await kv.create(nameKey('orphan'), encodeOwner(dead.pid, Date.now()));
    await mirrored;
    assert.equal(a.registry.whereis('orphan'), undefined);
    await a.registry.reconcile();
    await waitUntil(
      async () => (await c.registry.whereisStrict('orphan')) === undefined,
      'the store to drop orphan',
    );
  });

  it('reconcile releases a dead local process’s name that its watch never showed', {
    timeout: LIMITS.test,
  }, async () => {
    // Every watch stalls (its consumer is gone): only the reconcile can find the name.
    const jsm = await jetstreamManager(a.connection);
    for await (const consumer of await jsm.consumers.list('KV_test_names')) {
      await jsm.consumers.delete('KV_test_names', consumer.name);
    }
    const dead = a.spawn();
    a.system.exit(dead.ref, exitReason.kill);
    await a.system.exited(dead.ref);
    const kv = await new Kvm(a.connection).open('test_names');
    await kv.create(nameKey('unseen'), encodeOwner(dead.pid, Date.now()));
    await waitUntil(async () => {
      await a.registry.reconcile();
      return (await c.registry.whereisStrict('unseen')) === undefined;
    }, 'the reconcile to release unseen');
  });
});

describe('cluster registry (three servers)', { skip: why }, () => {
  failOnUnhandledRejections();
  let nats: NatsTestCluster;
  let nodes: Node[];
  before(async () => {
    nats = await NatsTestCluster.start({ size: 3 });
    nodes = await startNodes(nats, new TestMembership(), ['a', 'b'], {
      bucket: 'r3_names',
      replicas: 3,
      timeoutMs: 1_500,
      // A killed server can take a watch's consumer with it while the client stays connected
      // elsewhere (no reconnect): the periodic reconcile is what catches that.
      reconcileIntervalMs: 200,
    });
  });
  after(async () => {
    try {
      await stopNodes(nodes ?? []);
    } finally {
      await nats?.stop();
    }
  });

  it('with one of three servers killed, registrations go on and reach the other node', {
    timeout: LIMITS.test,
  }, async () => {
    const [a, b] = nodes as [Node, Node];
    await nats.kill(0);
    const p = a.spawn().pid;
    // The bucket's stream leader may have been on the killed server: retry through the election.
    await waitUntil(
      () =>
        a.registry.register('one-down', p).then(
          () => true,
          (e: unknown) => {
            if (e instanceof ClusterUnavailableError) return false;
            throw e;
          },
        ),
      'a register with one server down',
    );
    await nameSeen(b.registry, 'one-down', p);
    await nats.restart(0);
    await nats.waitForJetStream();
  });

  it('with two of three servers down register fails with ERR_CLUSTER_UNAVAILABLE, and works again after', {
    timeout: LIMITS.test,
  }, async () => {
    const [a, b] = nodes as [Node, Node];
    const p = a.spawn().pid;
    await a.registry.register('quorum-1', p);
    // b's last view holds the name before the quorum goes (its watch could still be delivering it).
    await nameSeen(b.registry, 'quorum-1', p);
    await nats.kill(1);
    await nats.kill(2);
    const error = await a.registry.register('quorum-2', a.spawn().pid).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof ClusterUnavailableError, String(error));
    assert.equal(error.code, 'ERR_CLUSTER_UNAVAILABLE');
    // A strict read fails, or is still answered by a leader that has not yet seen it lost its
    // quorum; it never hangs.
    const strict = await b.registry.whereisStrict('quorum-1').then(
      (owner) => owner,
      (e: unknown) => e,
    );
    if (strict instanceof Error)
      assert.equal((strict as ClusterUnavailableError).code, 'ERR_CLUSTER_UNAVAILABLE');
    else assert.deepEqual(strict, p);
    // The mirror still answers from its last view.
    assert.deepEqual(b.registry.whereis('quorum-1'), p);
    await nats.restart(1);
    await nats.restart(2);
    await nats.waitForJetStream();
    const q = a.spawn().pid;
    await waitUntil(
      () =>
        a.registry.register('quorum-3', q).then(
          () => true,
          (e: unknown) => {
            if (e instanceof ClusterUnavailableError) return false;
            throw e;
          },
        ),
      'a register once the quorum is back',
    );
    await nameSeen(b.registry, 'quorum-3', q);
  });
});
