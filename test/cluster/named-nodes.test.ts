import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sendTarget } from '../../src/cluster/cluster-addresses.js';
import { newNodeId, startedLast } from '../../src/cluster/options.js';
import {
  type ActorRef,
  type ActorSystem,
  type Address,
  type ClusterNode,
  defineActor,
  type Reply,
} from '../../src/index.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import { APP_USER, NatsTestCluster, natsUnavailable } from '../support/nats/index.js';
import type { EchoMsg } from './actors.js';
import {
  FAST,
  Inbox,
  LIMIT_MS,
  nextDeadLetter,
  nextEvent,
  startNode,
  untilUp,
} from './node-helpers.js';
import { ChildNode } from './node-runner.js';

/**
 * docs/semantics.md §25, "A `{Name, Node}` address follows the node name":
 * `named(name, nodeName)` resolves the node by name at every send, to that
 * name's up incarnation, as Erlang's `{Name, Node} ! Msg` does; kept across
 * a restart of the node it reaches the new incarnation. Given a node id it
 * stays that incarnation's. With two incarnations of one name up at once,
 * every node picks the same one: the one that started last.
 */

/** What the relay's actor does with an address it is sent: asks it who it is. */
type UseMsg = {
  readonly type: 'use';
  readonly to: Address<EchoMsg>;
  readonly reply: Reply<{ said: string; as: string }>;
};

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the named-node address tests: ${why}`);

describe('which incarnation a send goes to (no server)', () => {
  const wire = { k: 'n', node: 'store', name: 'db' } as const;

  it('a node name resolves to its up incarnation, reusing the address while it stays current', {
    timeout: LIMITS.test,
  }, () => {
    let up: string | undefined = 'store_k3v9';
    const nodes = { upNamed: () => up };
    const first = sendTarget(wire, undefined, nodes);
    assert.deepEqual(first, { k: 'n', node: 'store_k3v9', name: 'db' });
    assert.equal(sendTarget(wire, first, nodes), first);
    up = 'store_7q2m';
    assert.deepEqual(sendTarget(wire, first, nodes), { k: 'n', node: 'store_7q2m', name: 'db' });
    up = undefined;
    assert.equal(sendTarget(wire, first, nodes), wire);
  });

  it('a service key or pool keeps what it names at the new incarnation', {
    timeout: LIMITS.test,
  }, () => {
    const nodes = { upNamed: () => 'store_k3v9' };
    const service = { k: 's', node: 'store', service: 'users', key: '42' } as const;
    assert.deepEqual(sendTarget(service, undefined, nodes), { ...service, node: 'store_k3v9' });
    const pool = { k: 'p', node: 'store', id: 7 } as const;
    assert.deepEqual(sendTarget(pool, undefined, nodes), { ...pool, node: 'store_k3v9' });
  });
});

describe('two incarnations of one name up at once (no server)', () => {
  it('the incarnation that started last is the one every node picks, whatever order they came up in', {
    timeout: LIMITS.test,
  }, () => {
    const early = 'store_0mift3kq8' + 'a'.repeat(13);
    const late = 'store_0mift3kq9' + '0'.repeat(13);
    assert.equal(startedLast([early, late]), late);
    assert.equal(startedLast([late, early]), late);
    assert.equal(startedLast([]), undefined);
    // A node id leads its incarnation with its start time, fixed width: later starts sort later.
    const id = newNodeId('store');
    assert.match(id, /^store_[0-9a-z]{22}$/);
    assert.equal(startedLast([id, early]), id);
  });
});

describe('two incarnations of one name up at once (real nats-server)', { skip: why }, () => {
  failOnUnhandledRejections();
  let nats: NatsTestCluster;
  const systems: (ActorSystem & { cluster: ClusterNode })[] = [];
  before(async () => {
    nats = await NatsTestCluster.start();
  });
  after(async () => {
    await Promise.all(systems.map((s) => s.shutdown()));
    await nats?.stop();
  });

  it('every node picks the same one: the incarnation that started last', {
    timeout: LIMITS.test,
  }, async () => {
    const first = await startNode(nats, 'b');
    systems.push(first);
    const watcher = await startNode(nats, 'a');
    systems.push(watcher);
    await untilUp(watcher.cluster, first.cluster.id);
    const second = await startNode(nats, 'b');
    systems.push(second);
    await untilUp(watcher.cluster, second.cluster.id);
    const [early, late] = [first.cluster.id, second.cluster.id];
    assert.equal(watcher.cluster.upNamed('b'), late);
    // Nodes that join later shake hands with both in any order: they pick the same one.
    for (const name of ['c0', 'c1', 'c2']) {
      const joiner = await startNode(nats, name);
      systems.push(joiner);
      await untilUp(joiner.cluster, first.cluster.id);
      await untilUp(joiner.cluster, second.cluster.id);
      assert.equal(joiner.cluster.upNamed('b'), late, `${name} picks ${late}, not ${early}`);
    }
  });
});

describe('a { name, node } address across a restart of its node (child process)', {
  skip: why,
}, () => {
  failOnUnhandledRejections();
  let nats: NatsTestCluster;
  let a: ActorSystem & { cluster: ClusterNode };
  const children: ChildNode[] = [];
  const store = async (): Promise<ChildNode> => {
    const child = await ChildNode.start({
      servers: nats.urls,
      name: 'store',
      connectOptions: APP_USER,
      ...FAST,
    });
    children.push(child);
    await untilUp(a.cluster, child.id);
    return child;
  };
  before(async () => {
    nats = await NatsTestCluster.start();
    a = await startNode(nats, 'client');
  });
  after(async () => {
    for (const child of children) await child.stop();
    if (a !== undefined && !a.isShutDown) await a.shutdown();
    await nats?.stop();
  });

  it('kept across the restart, reaches the new incarnation; while none is up, a send is noconnection', {
    timeout: LIMITS.test,
  }, async () => {
    const first = await store();
    const byName = a.cluster.named<EchoMsg>('echo', 'store');
    const byId = a.cluster.named<EchoMsg>('echo', first.id);
    assert.equal(String(byName), 'Address(name:echo@store)');
    assert.equal(await byName.ask({ type: 'whoami' }, { timeout: LIMIT_MS }), first.id);

    const gone = nextEvent(a.cluster, (e) => e.type === 'nodedown' && e.node === first.id);
    first.shutdown();
    await gone;
    await assert.rejects(byName.ask({ type: 'whoami' }, { timeout: LIMIT_MS }), {
      code: 'ERR_NOCONNECTION',
      message: /node store is not up/,
    });
    const letter = nextDeadLetter(a, (d) => d.reason === 'noconnection');
    byName.tell({ type: 'stop' });
    assert.equal((await letter).address, 'name:echo@store');

    const second = await store();
    assert.notEqual(second.id, first.id);
    assert.equal(a.cluster.upNamed('store'), second.id);
    // The same address object, kept: an ask and a tell reach the new incarnation's `echo`.
    assert.equal(await byName.ask({ type: 'whoami' }, { timeout: LIMIT_MS }), second.id);
    const back = new Inbox<{ value: unknown }>();
    const sink = a.spawn(defineActor<{ value: unknown }>({ handle: (msg) => back.push(msg) }));
    byName.tell({ type: 'tell-back', to: sink as ActorRef<unknown>, value: 'arrived' });
    assert.equal((await back.next()).value, 'arrived');
    // One made with the first incarnation's id stays that incarnation's.
    await assert.rejects(byId.ask({ type: 'whoami' }, { timeout: LIMIT_MS }), {
      code: 'ERR_NOCONNECTION',
    });
  });

  it('sent inside a message it travels by name, and the receiving node follows the name too', {
    timeout: LIMITS.test,
  }, async () => {
    const store = children.at(-1) as ChildNode;
    const relay = await startNode(nats, 'relay');
    try {
      await untilUp(relay.cluster, store.id);
      await untilUp(a.cluster, relay.cluster.id);
      const user = relay.spawn(
        defineActor<UseMsg>({
          async handle(msg) {
            const said = await msg.to.ask({ type: 'whoami' }, { timeout: LIMIT_MS });
            msg.reply.send({ said, as: String(msg.to) });
          },
        }),
      );
      const remote = a.cluster.refOf<UseMsg>(relay.cluster.pidOf(user));
      const answer = await remote.ask(
        { type: 'use', to: a.cluster.named<EchoMsg>('echo', 'store') },
        { timeout: LIMIT_MS },
      );
      assert.deepEqual(answer, { said: store.id, as: 'Address(name:echo@store)' });
    } finally {
      await relay.shutdown();
    }
  });
});
