import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from '@nats-io/nats-core';
import { decodeBatch, encodeBatch, OP } from '../../src/cluster/frames.js';
import type { ClusterRegistry } from '../../src/cluster/registry.js';
import { openClusterRegistry } from '../../src/cluster/registry-node.js';
import {
  type ActorSystem,
  type Address,
  type ClusterNode,
  createSystem,
  type DownMessage,
  defineActor,
  type Reply,
} from '../../src/index.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import { APP_USER, NatsTestCluster, natsUnavailable, waitUntil } from '../support/nats/index.js';
import { keyed } from './actors.js';
import { FAST, Inbox, LIMIT_MS, nextDeadLetter, untilUp } from './node-helpers.js';
import { ChildNode } from './node-runner.js';

/**
 * docs/semantics.md §25.A (addresses across nodes keep no state per
 * address, keep FIFO behind a spawn, are refused across systems), §25.R (a
 * name for a pid of a node that is up), §25.F (an answer that does not
 * decode fails its ask), against a real nats-server.
 */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the cluster address limit tests: ${why}`);

type Msg =
  | { readonly type: 'note'; readonly text: string }
  | { readonly type: 'get'; readonly reply: Reply<string> };

interface Node {
  readonly system: ActorSystem & { cluster: ClusterNode };
  readonly registry: ClusterRegistry;
}

async function startNode(nats: NatsTestCluster, name: string): Promise<Node> {
  const system = createSystem({
    cluster: { servers: nats.urls, name, connectOptions: { ...APP_USER }, ...FAST },
  }) as ActorSystem & { cluster: ClusterNode };
  await system.cluster.ready;
  const registry = await openClusterRegistry(system, { reconcileIntervalMs: 0 });
  return { system, registry };
}

/** Answers `get` with its label. */
const labelled = (label: string) =>
  defineActor<Msg>({
    handle(msg) {
      if (msg.type === 'get') msg.reply.send(label);
    },
  });

describe('addresses of other nodes: bounded, ordered, owned (one server)', { skip: why }, () => {
  failOnUnhandledRejections();
  let nats: NatsTestCluster;
  let a: Node;
  let b: Node;
  before(async () => {
    nats = await NatsTestCluster.start();
    a = await startNode(nats, 'a');
    b = await startNode(nats, 'b');
    await untilUp(a.system.cluster, b.system.cluster.id);
    await untilUp(b.system.cluster, a.system.cluster.id);
  });
  after(async () => {
    for (const n of [a, b]) {
      if (n === undefined) continue;
      await n.registry.close();
      if (!n.system.isShutDown) await n.system.shutdown();
    }
    await nats?.stop();
  });

  it('an address of another node keeps no record: sends to, and addresses received for, many distinct names leave the process table as it was', {
    timeout: LIMITS.test,
  }, async () => {
    const bId = b.system.cluster.id;
    b.system.spawn(labelled('b-last'), { name: 'last' });
    const last = a.system.cluster.named<Msg>('last', bId);
    assert.equal(await last.ask({ type: 'get' }, { timeout: LIMIT_MS }), 'b-last');
    const got = new Inbox<Address<Msg>>();
    const sink = a.system.spawn(
      defineActor<{ to: Address<Msg> }>({ handle: (m) => got.push(m.to) }),
    );
    const before = a.system.processes().length;
    for (let i = 0; i < 300; i++) {
      a.system.cluster.named<Msg>(`nobody-${i}`, bId).tell({ type: 'note', text: 'x' });
    }
    // Addresses a peer sends: b hands a's sink 300 distinct names of b.
    const sinkOnB = b.system.cluster.refOf<{ to: unknown }>(a.system.cluster.pidOf(sink));
    for (let i = 0; i < 300; i++) sinkOnB.tell({ to: b.system.named(`sent-${i}`) });
    for (let i = 0; i < 300; i++) await got.next();
    assert.equal(await last.ask({ type: 'get' }, { timeout: LIMIT_MS }), 'b-last');
    assert.equal(a.system.processes().length, before);
  });

  it('a name or service key of another system in the same process cannot cross to another node (ERR_INVALID_ARG)', {
    timeout: LIMITS.test,
  }, async () => {
    const other = createSystem();
    try {
      other.services.define('s', { keys: 'unique' });
      const onB = b.system.spawn(labelled('b-x'));
      const remote = a.system.cluster.refOf<{ to: unknown }>(b.system.cluster.pidOf(onB));
      assert.throws(() => remote.tell({ to: other.named('db') }), { code: 'ERR_INVALID_ARG' });
      assert.throws(() => remote.tell({ to: other.services.ref('s', 'k') }), {
        code: 'ERR_INVALID_ARG',
      });
      // This system's own name still crosses.
      remote.tell({ to: a.system.named('db') });
    } finally {
      await other.shutdown();
    }
  });

  it('a send to an address of a node waits behind a spawn on that node in flight (FIFO)', {
    timeout: LIMITS.test,
  }, async () => {
    b.system.services.define('keyed', { keys: 'unique' });
    // A service key of b, as b hands it to a.
    const got = new Inbox<Address<{ type: 'whoami'; reply: Reply<string> }>>();
    const sink = a.system.spawn(defineActor<{ to: never }>({ handle: (m) => got.push(m.to) }));
    b.system.cluster
      .refOf<{ to: unknown }>(a.system.cluster.pidOf(sink))
      .tell({ to: b.system.services.ref('keyed', 'k1') });
    const key = await got.next();
    // The spawn registers the key there; the ask made right after it must find it.
    a.system.spawn(keyed, { node: b.system.cluster.id, args: 'k1' });
    assert.equal(await key.ask({ type: 'whoami' }, { timeout: LIMIT_MS }), 'k1');
  });

  it('a cluster name cannot be registered for a process of a node that is not up (ERR_NOCONNECTION)', {
    timeout: LIMITS.test,
  }, async () => {
    await assert.rejects(a.registry.register('ghostly', { node: 'ghost_1x9', id: 5 }), {
      code: 'ERR_NOCONNECTION',
    });
    assert.equal(a.registry.whereis('ghostly'), undefined);
  });

  it('cancelling a watch of a process exit removes its monitor, on this node and on another', {
    timeout: LIMITS.test,
  }, async () => {
    const here = a.system.spawn(labelled('a-watched'));
    const there = b.system.spawn(labelled('b-watched'));
    const cancelHere = a.system.cluster.onExit(a.system.cluster.pidOf(here).id, () => {});
    const remote = a.system.cluster.refOf(b.system.cluster.pidOf(there));
    const cancelThere = a.system.cluster.onExit(b.system.cluster.pidOf(there), () => {});
    assert.equal(a.system.info(here)?.monitoredBy, 1);
    assert.equal(a.system.info(remote)?.monitoredBy, 1);
    cancelHere();
    cancelThere();
    assert.equal(a.system.info(here)?.monitoredBy, 0);
    assert.equal(a.system.info(remote)?.monitoredBy, 0);
  });

  it('a monitor of a { name, node } address given up (demonitor) leaves no record behind', {
    timeout: LIMITS.test,
  }, async () => {
    const held = b.system.spawn(labelled('b-held'), { name: 'held' });
    // The holder's own record exists before counting (a pid's record lives while it does).
    a.system.cluster.refOf(b.system.cluster.pidOf(held));
    const there = a.system.cluster.named<Msg>('held', b.system.cluster.id);
    type Cmd = { type: 'watch' | 'unwatch'; reply: Reply<boolean> };
    const watcher = a.system.spawn(
      defineActor<Cmd, { ref: unknown }>({
        init: () => ({ ref: undefined }),
        handle(msg, ctx) {
          if (msg.type === 'watch') ctx.state.ref = ctx.monitor(there as never);
          else msg.reply.send(ctx.demonitor(ctx.state.ref as never));
          if (msg.type === 'watch') msg.reply.send(true);
        },
      }),
    );
    const before = a.system.processes().length;
    await watcher.ask({ type: 'watch' }, { timeout: LIMIT_MS });
    await waitUntil(
      () => (b.system.info(held)?.monitoredBy ?? 0) > 0,
      'b to watch the holder for a',
    );
    assert.equal(await watcher.ask({ type: 'unwatch' }, { timeout: LIMIT_MS }), true);
    assert.equal(a.system.processes().length, before);
  });

  it('an answer that does not decode fails its ask with ERR_BAD_FRAME (it never hangs)', {
    timeout: LIMITS.test,
  }, async () => {
    const silent = b.system.spawn(defineActor<Msg>({ handle() {} }));
    const { root, cluster } = a.system.cluster.options;
    const aId = a.system.cluster.id;
    const bId = b.system.cluster.id;
    const spy: NatsConnection = await nats.connect();
    const askId = new Promise<number>((resolve) => {
      spy.subscribe(`${root}.${cluster}.n.${bId}.m`, {
        callback: (_error, msg) => {
          for (const frame of decodeBatch(msg.data).frames) {
            const f = frame as unknown[];
            const reply = (f[4] as { reply?: { i?: number } } | undefined)?.reply;
            if (f[0] === OP.tell && typeof reply?.i === 'number') resolve(reply.i);
          }
        },
      });
    });
    await spy.flush();
    const asked = a.system.cluster
      .refOf<Msg>(b.system.cluster.pidOf(silent))
      .ask({ type: 'get' }, { timeout: Number.POSITIVE_INFINITY });
    const id = await askId;
    // An answer as b would send it, carrying an address of an unknown kind.
    const bad = JSON.stringify([OP.reply, id, 1, 1, { $$airssys: 'a', v: { k: 'zz' } }]);
    const letter = nextDeadLetter(a.system, (d) => d.reason === 'bad-frame');
    spy.publish(`${root}.${cluster}.n.${aId}.m`, encodeBatch(bId, [bad]));
    await assert.rejects(asked, { code: 'ERR_BAD_FRAME' });
    await letter;
    await spy.close();
  });
});

describe('a name held for a process of a node that dies (child process)', { skip: why }, () => {
  failOnUnhandledRejections();
  let nats: NatsTestCluster;
  let a: Node;
  let child: ChildNode;
  before(async () => {
    nats = await NatsTestCluster.start();
    a = await startNode(nats, 'a');
    child = await ChildNode.start({
      servers: nats.urls,
      name: 'doomed',
      connectOptions: APP_USER,
      ...FAST,
    });
    await untilUp(a.system.cluster, child.id);
  });
  after(async () => {
    await child?.stop();
    await a?.registry.close();
    if (a !== undefined && !a.system.isShutDown) await a.system.shutdown();
    await nats?.stop();
  });

  it('is released when its node is declared down; a monitor of the name fires noconnection, and a { name, node } address of it is noconnection', {
    timeout: LIMITS.test,
  }, async () => {
    await a.registry.register('on-child', child.echo);
    assert.deepEqual(a.registry.whereis('on-child'), child.echo);
    const downs = new Inbox<DownMessage>();
    a.system.spawn(
      defineActor<DownMessage>({
        init(ctx) {
          ctx.monitor(a.system.cluster.global('on-child'));
        },
        handle: (msg) => downs.push(msg),
      }),
    );
    // A local name of that node, as an address made while it was up.
    const there = a.system.cluster.named<Msg>('anything', child.id);
    child.signal('SIGKILL');
    const down = await downs.next();
    assert.equal(down.reason.kind, 'noconnection');
    await assert.rejects(there.ask({ type: 'get' }), { code: 'ERR_NOCONNECTION' });
    const letter = nextDeadLetter(a.system, (d) => d.reason === 'noconnection');
    there.tell({ type: 'note', text: 'too late' });
    const dead = await letter;
    assert.deepEqual(dead.message, { type: 'note', text: 'too late' });
    assert.equal(dead.address, `name:anything@${child.id}`);
    // An interval aimed at it: its first tick is the one dead letter, then it stops.
    const ticked = nextDeadLetter(a.system, (d) => d.reason === 'noconnection');
    const interval = a.system.sendInterval(1, there, { type: 'note', text: 'tick' });
    assert.equal((await ticked).address, `name:anything@${child.id}`);
    await waitUntil(() => a.system.readTimer(interval) === false, 'the interval to stop');
    await waitUntil(() => a.registry.whereis('on-child') === undefined, 'on-child to be released');
    await waitUntil(
      async () => (await a.registry.whereisStrict('on-child')) === undefined,
      'the store to drop on-child',
    );
  });
});
