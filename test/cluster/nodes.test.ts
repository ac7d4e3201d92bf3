import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type ActorRef,
  type ActorSystem,
  type ClusterNode,
  createSystem,
  type DownMessage,
  defineActor,
  type ExitMessage,
  type RuntimeError,
  supervisor,
  whichChildren,
} from '../../src/index.js';
import { LIMITS } from '../support/guard.js';
import { NatsTestCluster, natsUnavailable } from '../support/nats/index.js';
import { type EchoMsg, echo, reporter, sequenceChecker } from './actors.js';
import { Inbox, LIMIT_MS, nextDeadLetter, nextEvent, startNode, untilUp } from './node-helpers.js';

/** docs/semantics.md §25: nodes, location-transparent pids, remote links and monitors (in-process nodes, one server). */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the cluster node tests: ${why}`);

type Node = ActorSystem & { cluster: ClusterNode };

/** A local process that passes everything it gets to `inbox` (and traps exits when asked). */
function probe<T>(system: ActorSystem, inbox: Inbox<T>, trap = false): ActorRef<T> {
  return system.spawn(
    defineActor<T>({
      init(ctx) {
        if (trap) ctx.trapExit(true);
      },
      handle(msg) {
        inbox.push(msg);
      },
    }),
  );
}

describe('cluster nodes (one server)', { skip: why }, () => {
  let nats: NatsTestCluster;
  let a: Node;
  let b: Node;
  let c: Node;
  before(async () => {
    nats = await NatsTestCluster.start();
    a = await startNode(nats, 'a');
    b = await startNode(nats, 'b');
    c = await startNode(nats, 'c');
    await untilUp(a.cluster, c.cluster.id);
    await untilUp(b.cluster, c.cluster.id);
  });
  after(async () => {
    await Promise.all([a?.shutdown(), b?.shutdown(), c?.shutdown()]);
    await nats?.stop();
  });

  it('a node id is its name plus an incarnation, and a node counts as up only after the handshake', {
    timeout: LIMITS.test,
  }, async () => {
    assert.match(a.cluster.id, /^a_[a-z0-9]+$/);
    const again = await startNode(nats, 'a');
    try {
      assert.notEqual(again.cluster.id, a.cluster.id);
      assert.ok(a.cluster.isUp(again.cluster.id), 'the old incarnation saw the new one up');
      assert.ok(again.cluster.nodes().includes(b.cluster.id));
    } finally {
      const left = nextEvent(
        a.cluster,
        (e) => e.type === 'nodedown' && e.node === again.cluster.id,
      );
      await again.shutdown();
      const event = await left;
      assert.equal(event.type === 'nodedown' && event.reason, 'left');
    }
  });

  it('tell and ask work the same on a remote pid; values keep their types', {
    timeout: LIMITS.test,
  }, async () => {
    const ref = b.spawn(echo, { args: 'b-echo' });
    const remote = a.cluster.refOf<EchoMsg>(b.cluster.pidOf(ref));
    const value = {
      when: new Date(5),
      big: 2n ** 70n,
      map: new Map([['k', new Set([1, 2])]]),
      bytes: new Uint8Array([1, 2, 3]),
      nan: Number.NaN,
      list: [undefined, null, 'x'],
    };
    assert.deepEqual(await remote.ask({ type: 'echo', value }), value);
    assert.equal(await remote.ask({ type: 'whoami' }), 'b-echo');
  });

  it('refs travel inside messages and arrive as working refs; the sender is a working ref', {
    timeout: LIMITS.test,
  }, async () => {
    const inbox = new Inbox<{ from: ActorRef<EchoMsg>; value: unknown }>();
    const here = probe(a, inbox);
    const there = a.cluster.refOf<EchoMsg>(b.cluster.pidOf(b.spawn(echo)));
    there.tell({ type: 'tell-back', to: here as ActorRef<unknown>, value: 7 });
    const got = await inbox.next();
    assert.equal(got.value, 7);
    assert.equal(await got.from.ask({ type: 'whoami' }), 'echo');
    assert.deepEqual(
      a.cluster.pidOf(got.from),
      b.cluster.pidOf(b.cluster.refOf(a.cluster.pidOf(got.from))),
    );
  });

  it('a reply port passed across two nodes answers the original asker', {
    timeout: LIMITS.test,
  }, async () => {
    const onC = b.cluster.refOf<EchoMsg>(c.cluster.pidOf(c.spawn(echo)));
    const onB = a.cluster.refOf<EchoMsg>(b.cluster.pidOf(b.spawn(echo)));
    assert.equal(await onB.ask({ type: 'forward', to: onC, value: 'via c' }), 'via c');
  });

  it('errors keep their code across nodes', { timeout: LIMITS.test }, async () => {
    const remote = a.cluster.refOf<EchoMsg>(b.cluster.pidOf(b.spawn(echo)));
    await assert.rejects(remote.ask({ type: 'fail', code: 'x1' }), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.equal((error as RuntimeError).code, 'ERR_CLUSTER');
      assert.equal((error as unknown as { detail: string }).detail, 'x1');
      return true;
    });
  });

  it('a remote monitor fires DOWN with the real exit reason, code included', {
    timeout: LIMITS.test,
  }, async () => {
    const remote = a.cluster.refOf<EchoMsg>(b.cluster.pidOf(b.spawn(echo)));
    const inbox = new Inbox<DownMessage>();
    a.spawn(
      defineActor<DownMessage>({
        init(ctx) {
          ctx.monitor(remote);
        },
        handle(msg) {
          inbox.push(msg);
        },
      }),
    );
    // The monitor is registered there before the crash: a round trip on the same connection orders it.
    await remote.ask({ type: 'whoami' });
    remote.tell({ type: 'crash', message: 'boom' });
    const down = await inbox.next();
    assert.equal(down.reason.kind, 'error');
    assert.equal((down.reason as { error: Error }).error.message, 'boom');
  });

  it('a remote link delivers EXIT with the real reason both ways', {
    timeout: LIMITS.test,
  }, async () => {
    const remote = a.cluster.refOf<EchoMsg>(b.cluster.pidOf(b.spawn(echo)));
    const inbox = new Inbox<ExitMessage>();
    const linker = a.spawn(
      defineActor<ExitMessage | { type: 'link' }>({
        init(ctx) {
          ctx.trapExit(true);
        },
        handle(msg, ctx) {
          if (msg.type === 'link') ctx.link(remote);
          else inbox.push(msg);
        },
      }),
    );
    linker.tell({ type: 'link' });
    await remote.ask({ type: 'whoami' });
    remote.tell({ type: 'crash', message: 'linked boom' });
    const exit = await inbox.next();
    assert.equal(exit.type, 'EXIT');
    assert.equal((exit.reason as { error: Error }).error.message, 'linked boom');

    // The other way: the local end dies, the remote one (not trapping) dies with the same reason.
    const victim = b.spawn(echo);
    const victimHere = a.cluster.refOf<EchoMsg>(b.cluster.pidOf(victim));
    const dying = a.spawn(
      defineActor<{ type: 'go' }>({
        init(ctx) {
          ctx.link(victimHere);
        },
        handle() {
          throw new Error('local end crashed');
        },
      }),
    );
    await victimHere.ask({ type: 'whoami' });
    const ended = b.exited(victim);
    dying.tell({ type: 'go' });
    const reason = await ended;
    assert.equal(reason.kind, 'error');
    assert.equal((reason as { error: Error }).error.message, 'local end crashed');
  });

  it('a pid of a node that is not up is unreachable: a send is a dead letter, a monitor fires noconnection at once', {
    timeout: LIMITS.test,
  }, async () => {
    const ghost = a.cluster.refOf<EchoMsg>({ node: 'ghost_1', id: 5 });
    await a.cluster.ready;
    // An unknown node may still be joining: its pids are live until it is known to be gone.
    const gone = a.cluster.refOf<unknown>({ node: 'gone_1', id: 5 });
    assert.ok(ghost !== undefined && gone !== undefined);
    const sent = nextDeadLetter(a, (d) => d.reason === 'noconnection');
    const departed = await startNode(nats, 'departed');
    const onDeparted = a.cluster.refOf<unknown>(departed.cluster.pidOf(departed.spawn(echo)));
    const down = nextEvent(
      a.cluster,
      (e) => e.type === 'nodedown' && e.node === departed.cluster.id,
    );
    await departed.shutdown();
    await down;
    const stale = a.cluster.refOf<unknown>({ node: departed.cluster.id, id: 99 });
    stale.tell({ late: true });
    assert.equal((await sent).reason, 'noconnection');
    const inbox = new Inbox<DownMessage>();
    a.spawn(
      defineActor<DownMessage>({
        init(ctx) {
          ctx.monitor(stale);
        },
        handle(msg) {
          inbox.push(msg);
        },
      }),
    );
    const fired = await inbox.next();
    assert.equal(fired.reason.kind, 'noconnection');
    assert.equal(a.isAlive(onDeparted as ActorRef<never>), false);
  });

  it('FIFO per sender and receiver pair under load, nothing lost or duplicated', {
    timeout: LIMITS.test,
  }, async () => {
    const checker = b.spawn(sequenceChecker);
    const remote = a.cluster.refOf<{ n: number }>(b.cluster.pidOf(checker));
    const total = 20_000;
    const inbox = new Inbox<unknown>();
    const sender = a.spawn(
      defineActor<{ type: 'go' }>({
        async handle() {
          for (let n = 0; n < total; n++) remote.tell({ n });
          // Same pair, so the report request arrives after every numbered message.
          // Its answer comes after the 20 000 messages are handled there: a hang guard, not the
          // default 5 s ask timeout (a busy machine may take longer than that).
          inbox.push(
            await (remote as unknown as ActorRef<never>).ask({ type: 'report' } as never, {
              timeout: LIMIT_MS,
            }),
          );
        },
      }),
    );
    sender.tell({ type: 'go' });
    assert.deepEqual(await inbox.next(), { count: total, errors: 0 });
  });

  it('a payload over the server max_payload is refused at send with ERR_PAYLOAD_TOO_LARGE', {
    timeout: LIMITS.test,
  }, () => {
    const remote = a.cluster.refOf<unknown>(b.cluster.pidOf(b.spawn(echo)));
    assert.throws(
      () => remote.tell({ blob: 'x'.repeat(2 * 1024 * 1024) }),
      (e: unknown) => (e as RuntimeError).code === 'ERR_PAYLOAD_TOO_LARGE',
    );
    assert.throws(
      () => remote.tell({ f: () => 1 }),
      (e: unknown) => (e as RuntimeError).code === 'ERR_INVALID_ARG',
    );
  });

  it('a frame of an unknown version or tag is a dead letter bad-frame, never a crash', {
    timeout: LIMITS.test,
  }, async () => {
    const nc = await nats.connect();
    const subject = `airssys.airssys.n.${b.cluster.id}.m`;
    const bad = nextDeadLetter(b, (d) => d.reason === 'bad-frame');
    nc.publish(subject, new Uint8Array([1, 99, 123]));
    assert.match((await bad).address ?? '', /unknown version/);
    const badTag = nextDeadLetter(b, (d) => d.reason === 'bad-frame');
    const body = new TextEncoder().encode(
      `${String.fromCharCode(1, 1)}{"f":"${a.cluster.id}","b":[[42,1]]}`,
    );
    nc.publish(subject, body);
    assert.match((await badTag).address ?? '', /unknown op/);
    const remote = a.cluster.refOf<EchoMsg>(b.cluster.pidOf(b.spawn(echo)));
    assert.equal(await remote.ask({ type: 'whoami' }), 'echo');
  });

  it('spawn(def, { node }) runs a portable definition on another node behind a stand-in', {
    timeout: LIMITS.test,
  }, async () => {
    const ref = a.spawn(echo, { node: 'b', args: 'spawned' });
    // The answer waits for the spawn there (one round trip more than an ask): a hang guard.
    assert.equal(
      await (ref as ActorRef<EchoMsg>).ask({ type: 'whoami' }, { timeout: LIMIT_MS }),
      'spawned',
    );
    const pid = a.cluster.pidOf(ref);
    assert.equal(pid.node, b.cluster.id);
    assert.ok(b.isAlive(pid.id as never));
    await a.stop(ref);
    assert.equal(b.isAlive(pid.id as never), false);
  });

  it('a supervisor here restarts a child there; terminate runs there with the reason', {
    timeout: LIMITS.test,
  }, async () => {
    const inbox = new Inbox<{ type: 'terminated'; reason: { kind: string } }>();
    const watcher = probe(a, inbox);
    const sup = a.spawn(
      supervisor({
        children: [{ id: 'r', actor: reporter, options: { node: 'b', args: watcher } }],
      }),
    );
    const [first] = await whichChildren(sup);
    const child = first?.ref as ActorRef<{ type: 'crash' }>;
    assert.equal(a.cluster.pidOf(child).node, b.cluster.id);
    const restarted = nextRestart(a);
    child.tell({ type: 'crash' });
    assert.equal((await inbox.next()).reason.kind, 'error');
    await restarted;
    const [second] = await whichChildren(sup);
    assert.ok(second?.ref !== undefined && second.ref !== child);
    assert.equal(a.cluster.pidOf(second.ref).node, b.cluster.id);
    await a.stop(sup);
    assert.equal((await inbox.next()).reason.kind, 'shutdown');
  });

  it('a node without a cluster refuses spawn(def, { node }) with ERR_INVALID_ARG', {
    timeout: LIMITS.test,
  }, () => {
    const plain = createSystem();
    assert.throws(
      () => plain.spawn(echo, { node: 'b' }),
      (e: unknown) => (e as RuntimeError).code === 'ERR_INVALID_ARG',
    );
  });
});

/** Resolves at the next `child-restarted` event of `system`. */
function nextRestart(system: ActorSystem): Promise<void> {
  return new Promise((resolve) => {
    const off = system.events.subscribe((e) => {
      if (e.type !== 'child-restarted') return;
      off();
      resolve();
    });
  });
}
