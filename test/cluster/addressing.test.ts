import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from '@nats-io/nats-core';
import { decodeBatch, OP } from '../../src/cluster/frames.js';
import type { ClusterGroups } from '../../src/cluster/groups.js';
import type { ClusterRegistry } from '../../src/cluster/registry.js';
import { openClusterGroups, openClusterRegistry } from '../../src/cluster/registry-node.js';
import {
  type ActorRef,
  type ActorSystem,
  type Address,
  type ClusterNode,
  countChildren,
  createSystem,
  type DownMessage,
  defineActor,
  type Reply,
  type RuntimeError,
  type SupervisorMessage,
  supervisor,
  terminateChild,
  whichChildren,
} from '../../src/index.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import { APP_USER, NatsTestCluster, natsUnavailable, waitUntil } from '../support/nats/index.js';
import { Inbox, LIMIT_MS, nextDeadLetter, STEADY, untilUp } from './node-helpers.js';

/**
 * docs/semantics.md §25.A (addresses across nodes), §25.R (a name for any
 * pid) and §25.G (a broadcast is one frame per hosting node), against a
 * real nats-server: in-process nodes, and a child-process node where a
 * kill matters.
 */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the cluster addressing tests: ${why}`);

type Msg =
  | { readonly type: 'note'; readonly text: string }
  | { readonly type: 'get'; readonly reply: Reply<string> }
  | { readonly type: 'use'; readonly to: Address<Msg>; readonly reply: Reply<string> };

/** Records notes, answers `get` with its label, and asks an address it was sent. */
const labelled = (label: string, notes: Inbox<string>) =>
  defineActor<Msg>({
    async handle(msg) {
      if (msg.type === 'note') notes.push(`${label}:${msg.text}`);
      else if (msg.type === 'get') msg.reply.send(label);
      else {
        try {
          msg.reply.send(await msg.to.ask({ type: 'get' }, { timeout: LIMIT_MS }));
        } catch (error) {
          msg.reply.send(`failed:${(error as RuntimeError).code}`);
        }
      }
    },
  });

interface Node {
  readonly system: ActorSystem & { cluster: ClusterNode };
  readonly registry: ClusterRegistry;
  readonly groups: ClusterGroups;
  readonly notes: Inbox<string>;
}

async function startNode(nats: NatsTestCluster, name: string): Promise<Node> {
  const system = createSystem({
    cluster: { servers: nats.urls, name, connectOptions: { ...APP_USER }, ...STEADY },
  }) as ActorSystem & { cluster: ClusterNode };
  await system.cluster.ready;
  const registry = await openClusterRegistry(system, { reconcileIntervalMs: 0 });
  const groups = await openClusterGroups(system, { reconcileIntervalMs: 0 });
  return { system, registry, groups, notes: new Inbox<string>() };
}

describe('addresses across nodes (one server)', { skip: why }, () => {
  failOnUnhandledRejections();
  let nats: NatsTestCluster;
  let a: Node;
  let b: Node;
  let c: Node;
  before(async () => {
    nats = await NatsTestCluster.start();
    a = await startNode(nats, 'a');
    b = await startNode(nats, 'b');
    c = await startNode(nats, 'c');
    for (const [x, y] of [
      [a, b],
      [a, c],
      [b, c],
    ] as const) {
      await untilUp(x.system.cluster, y.system.cluster.id);
      await untilUp(y.system.cluster, x.system.cluster.id);
    }
  });
  after(async () => {
    for (const n of [a, b, c]) {
      if (n === undefined) continue;
      await n.registry.close();
      await n.groups.close();
      if (!n.system.isShutDown) await n.system.shutdown();
    }
    await nats?.stop();
  });

  it('a cluster name may name a process of another node; the registering node sees it at once', {
    timeout: LIMITS.test,
  }, async () => {
    const onA = a.system.spawn(labelled('a1', a.notes));
    const pid = a.system.cluster.pidOf(onA);
    await b.registry.register('held-by-b', pid);
    assert.deepEqual(b.registry.whereis('held-by-b'), pid);
    await waitUntil(() => c.registry.whereis('held-by-b') !== undefined, 'c to see held-by-b');
    // First writer wins: another process cannot take it.
    const other = c.system.spawn(labelled('c1', c.notes));
    await assert.rejects(c.registry.register('held-by-b', c.system.cluster.pidOf(other)), {
      code: 'ERR_NAME_TAKEN',
    });
  });

  it('a name held for another node’s process is released when that process exits (its node tells)', {
    timeout: LIMITS.test,
  }, async () => {
    const onA = a.system.spawn(labelled('a2', a.notes));
    const pid = a.system.cluster.pidOf(onA);
    await b.registry.register('exits', pid);
    await waitUntil(() => a.registry.whereis('exits') !== undefined, 'a to see exits');
    a.system.kill(onA);
    for (const n of [a, b, c]) {
      await waitUntil(() => n.registry.whereis('exits') === undefined, 'exits to be released');
    }
    await waitUntil(
      async () => (await c.registry.whereisStrict('exits')) === undefined,
      'the store to drop exits',
    );
  });

  it('a cluster name is an address: tell, offer and ask reach its holder from any node', {
    timeout: LIMITS.test,
  }, async () => {
    const onB = b.system.spawn(labelled('b-holder', b.notes));
    await b.registry.register('svc', b.system.cluster.pidOf(onB));
    await waitUntil(() => a.registry.whereis('svc') !== undefined, 'a to see svc');
    const svc = a.system.cluster.global<Msg>('svc');
    assert.equal(await svc.ask({ type: 'get' }, { timeout: LIMIT_MS }), 'b-holder');
    svc.tell({ type: 'note', text: 'told' });
    assert.equal(await b.notes.next(), 'b-holder:told');
    await svc.offer({ type: 'note', text: 'offered' });
    assert.equal(await b.notes.next(), 'b-holder:offered');
    // On the holder's own node it is the local process.
    assert.equal(
      await b.system.cluster.global<Msg>('svc').ask({ type: 'get' }, { timeout: LIMIT_MS }),
      'b-holder',
    );
  });

  it('a cluster name nobody holds: tell is a dead letter unregistered, ask and offer reject ERR_NOPROC', {
    timeout: LIMITS.test,
  }, async () => {
    const nobody = a.system.cluster.global<Msg>('nobody');
    const letter = nextDeadLetter(a.system, (d) => d.address === 'global:nobody');
    nobody.tell({ type: 'note', text: 'lost' });
    assert.equal((await letter).reason, 'unregistered');
    await assert.rejects(nobody.ask({ type: 'get' }), { code: 'ERR_NOPROC' });
    await assert.rejects(nobody.offer({ type: 'note', text: 'x' }), { code: 'ERR_NOPROC' });
  });

  it('a cluster name can be monitored (resolved once) and is a timer destination', {
    timeout: LIMITS.test,
  }, async () => {
    const onC = c.system.spawn(labelled('c-timer', c.notes));
    await c.registry.register('timed', c.system.cluster.pidOf(onC));
    await waitUntil(() => a.registry.whereis('timed') !== undefined, 'a to see timed');
    const timed = a.system.cluster.global<Msg>('timed');
    a.system.sendAfter(1, timed, { type: 'note', text: 'tick' });
    assert.equal(await c.notes.next(), 'c-timer:tick');
    const downs = new Inbox<DownMessage>();
    a.system.spawn(
      defineActor<DownMessage>({
        init(ctx) {
          ctx.monitor(timed);
        },
        handle: (msg) => downs.push(msg),
      }),
    );
    c.system.exit(onC, 'boom' as never);
    const down = await downs.next();
    assert.equal(down.type, 'DOWN');
    assert.deepEqual(down.reason, { kind: 'error', error: 'boom' });
  });

  it('a local name of another node is reached as { name, node } (Erlang {Name, Node} ! Msg)', {
    timeout: LIMITS.test,
  }, async () => {
    b.system.spawn(labelled('b-db', b.notes), { name: 'db' });
    const db = a.system.cluster.named<Msg>('db', b.system.cluster.id);
    assert.equal(await db.ask({ type: 'get' }, { timeout: LIMIT_MS }), 'b-db');
    db.tell({ type: 'note', text: 'by-name' });
    assert.equal(await b.notes.next(), 'b-db:by-name');
    // Local names stay node-local: a has no 'db'.
    assert.equal(a.system.whereis('db'), undefined);
    // Nobody holds it on b: the ask fails with the coded error, the tell is b's dead letter.
    const none = a.system.cluster.named<Msg>('none', 'b');
    await assert.rejects(none.ask({ type: 'get' }, { timeout: LIMIT_MS }), { code: 'ERR_NOPROC' });
    const letter = nextDeadLetter(b.system, (d) => d.reason === 'unregistered');
    none.tell({ type: 'note', text: 'lost' });
    assert.equal((await letter).address, 'name:none');
  });

  it('a { name, node } address can be monitored: DOWN with its holder’s reason, noproc when nobody holds it', {
    timeout: LIMITS.test,
  }, async () => {
    const watched = b.system.spawn(labelled('b-watched', b.notes), { name: 'watched' });
    const downs = new Inbox<DownMessage>();
    const there = a.system.cluster.named<Msg>('watched', b.system.cluster.id);
    const nobody = a.system.cluster.named<Msg>('nobody-here', b.system.cluster.id);
    a.system.spawn(
      defineActor<DownMessage>({
        init(ctx) {
          ctx.monitor(nobody as never);
          ctx.monitor(there as never);
        },
        handle: (msg) => downs.push(msg),
      }),
    );
    assert.equal((await downs.next()).reason.kind, 'noproc');
    // b's side: its node watches the holder for a before the holder goes.
    await waitUntil(
      () => (b.system.info(watched)?.monitoredBy ?? 0) > 0,
      'b to watch the holder for a',
    );
    assert.equal(await there.ask({ type: 'get' }, { timeout: LIMIT_MS }), 'b-watched');
    b.system.exit(watched, new Error('gone') as never);
    const down = await downs.next();
    assert.equal(down.reason.kind, 'error');
    assert.equal((down.reason as { error?: Error }).error?.message, 'gone');
  });

  it('names, service keys and pools travel inside messages and arrive as working addresses', {
    timeout: LIMITS.test,
  }, async () => {
    const onB = b.system.spawn(labelled('b-user', b.notes));
    a.system.spawn(labelled('a-named', a.notes), { name: 'on-a' });
    a.system.services.define('sessions', { keys: 'unique' });
    const session = a.system.spawn(labelled('a-session', a.notes));
    a.system.services.register('sessions', 'u1', session);
    const pool = await a.system.startPool(labelled('a-pool', a.notes), { size: 2 });
    const remote = a.system.cluster.refOf<Msg>(b.system.cluster.pidOf(onB));
    const cases: [Address<Msg>, string][] = [
      [a.system.named<Msg>('on-a'), 'a-named'],
      [a.system.services.ref<Msg>('sessions', 'u1'), 'a-session'],
      [pool as unknown as Address<Msg>, 'a-pool'],
    ];
    for (const [address, label] of cases) {
      // a's process hands the address to b's process, which asks it.
      const got = await a.system
        .spawn(
          defineActor<{ type: 'go'; reply: Reply<string> }>({
            async handle(msg) {
              msg.reply.send(await remote.ask({ type: 'use', to: address }, { timeout: LIMIT_MS }));
            },
          }),
        )
        .ask({ type: 'go' }, { timeout: LIMIT_MS });
      assert.equal(got, label);
    }
    // A pool that has ended reaches nothing: the ask made through it fails with the coded error.
    const poolOnB = await a.system
      .spawn(
        defineActor<{ type: 'go'; reply: Reply<string> }>({
          async handle(msg) {
            await a.system.stop(pool.supervisor);
            msg.reply.send(
              await remote.ask(
                { type: 'use', to: pool as unknown as Address<Msg> },
                { timeout: LIMIT_MS },
              ),
            );
          },
        }),
      )
      .ask({ type: 'go' }, { timeout: LIMIT_MS });
    assert.equal(poolOnB, 'failed:ERR_NOPROC');
    // A remote address sent back to its own node is the local address again.
    const echoBack = await new Promise<unknown>((resolve) => {
      const sink = a.system.spawn(defineActor<{ to: unknown }>({ handle: (m) => resolve(m.to) }));
      b.system.cluster
        .refOf<{ to: unknown }>(a.system.cluster.pidOf(sink))
        .tell({ to: b.system.cluster.named('on-a', a.system.cluster.id) });
    });
    assert.equal(String(echoBack), 'NamedRef(on-a)');
  });

  it('the supervisor API takes a supervisor’s cluster name or { name, node } address', {
    timeout: LIMITS.test,
  }, async () => {
    const sup = await b.system.start(
      supervisor({
        children: [
          { id: 'w1', actor: labelled('sup-w1', b.notes) },
          { id: 'w2', actor: labelled('sup-w2', b.notes) },
        ],
      }),
      { name: 'orders-sup' },
    );
    await b.registry.register('orders-sup', b.system.cluster.pidOf(sup));
    await waitUntil(() => a.registry.whereis('orders-sup') !== undefined, 'a to see orders-sup');
    const byName = a.system.cluster.global<SupervisorMessage>('orders-sup');
    const children = await whichChildren(byName);
    assert.deepEqual(children.map((c) => c.id).sort(), ['w1', 'w2']);
    // The children's refs arrive as working refs.
    const w1 = children.find((c) => c.id === 'w1')?.ref as ActorRef<Msg>;
    assert.equal(await w1.ask({ type: 'get' }, { timeout: LIMIT_MS }), 'sup-w1');
    const onB = a.system.cluster.named<SupervisorMessage>('orders-sup', b.system.cluster.id);
    await terminateChild(onB, 'w2');
    assert.equal((await countChildren(byName)).active, 1);
  });

  it('a cluster group is an address: tell reaches every member, ask asks one', {
    timeout: LIMITS.test,
  }, async () => {
    const members = [
      b.system.spawn(labelled('g-b', b.notes)),
      c.system.spawn(labelled('g-c', c.notes)),
    ];
    b.groups.join('crew', b.system.cluster.pidOf(members[0] as ActorRef<never>));
    c.groups.join('crew', c.system.cluster.pidOf(members[1] as ActorRef<never>));
    await waitUntil(() => a.groups.members('crew').length === 2, 'a to see both members');
    const crew = a.system.cluster.group<Msg>('crew');
    crew.tell({ type: 'note', text: 'all' });
    assert.equal(await b.notes.next(), 'g-b:all');
    assert.equal(await c.notes.next(), 'g-c:all');
    // a has no member: its asks take b's and c's members in turn.
    const answers = new Set<string>();
    for (let i = 0; i < 2; i++) answers.add(await crew.ask({ type: 'get' }, { timeout: LIMIT_MS }));
    assert.deepEqual([...answers].sort(), ['g-b', 'g-c']);
    await assert.rejects(a.system.cluster.group<Msg>('empty').ask({ type: 'get' }), {
      code: 'ERR_NOPROC',
    });
  });

  it('a group broadcast costs one frame per hosting node (counted at the transport)', {
    timeout: LIMITS.test,
  }, async () => {
    const { root, cluster } = a.system.cluster.options;
    const counter: NatsConnection = await nats.connect();
    const frames = new Map<string, number>();
    counter.subscribe(`${root}.${cluster}.n.*.m`, {
      callback: (_error, msg) => {
        const to = msg.subject.split('.')[3] as string;
        for (const frame of decodeBatch(msg.data).frames) {
          const f = frame as unknown[];
          if (f[0] === OP.group && f[1] === 'fan') frames.set(to, (frames.get(to) ?? 0) + 1);
        }
      },
    });
    await counter.flush();
    // Three members on b, two on c, none on a (the sender).
    for (let i = 0; i < 3; i++) {
      const p = b.system.spawn(labelled(`fan-b${i}`, b.notes));
      b.groups.join('fan', b.system.cluster.pidOf(p));
    }
    for (let i = 0; i < 2; i++) {
      const p = c.system.spawn(labelled(`fan-c${i}`, c.notes));
      c.groups.join('fan', c.system.cluster.pidOf(p));
    }
    await waitUntil(() => a.groups.members('fan').length === 5, 'a to see five members');
    assert.deepEqual(a.groups.broadcast('fan', { type: 'note', text: 'x' }), {
      local: 0,
      nodes: 2,
    });
    const got: string[] = [];
    for (let i = 0; i < 3; i++) got.push(await b.notes.next());
    for (let i = 0; i < 2; i++) got.push(await c.notes.next());
    assert.deepEqual(got.sort(), ['fan-b0:x', 'fan-b1:x', 'fan-b2:x', 'fan-c0:x', 'fan-c1:x']);
    await counter.flush();
    assert.deepEqual(
      Object.fromEntries(frames),
      Object.fromEntries([
        [b.system.cluster.id, 1],
        [c.system.cluster.id, 1],
      ]),
    );
    await counter.close();
  });
});
