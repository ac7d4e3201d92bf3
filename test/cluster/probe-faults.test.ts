import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ClusterGroups } from '../../src/cluster/groups.js';
import type { ClusterRegistry } from '../../src/cluster/registry.js';
import {
  type ActorRef,
  type ActorSystem,
  type ClusterNode,
  type DownMessage,
  defineActor,
  type ExitMessage,
  type RuntimeError,
  type WirePid,
} from '../../src/index.js';
import { LIMITS } from '../support/guard.js';
import { natsUnavailable, waitUntil } from '../support/nats/index.js';
import { type EchoMsg, sequenceChecker } from './actors.js';
import { FAST, Inbox, LIMIT_MS, nextEvent } from './node-helpers.js';
import { probeCluster } from './probe-cluster.js';
import type { ProbeChild } from './probe-runner.js';

/**
 * Outside probes of docs/semantics.md §25 against nodes in child processes (real SIGKILL and
 * SIGSTOP): the real reason across nodes, `noconnection` for every kind of watcher and every
 * pending ask at the verdict, a paused node that never serves again, names and group members
 * of a killed node.
 */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the cluster fault probes: ${why}`);

type Node = ActorSystem & { cluster: ClusterNode };

/** A local process that passes every message to `inbox`; it traps exits when `trap`. */
function sink<T>(system: ActorSystem, inbox: Inbox<T>, setup?: (ctx: never) => void): ActorRef<T> {
  return system.spawn(
    defineActor<T>({
      init(ctx) {
        setup?.(ctx as never);
      },
      handle(msg) {
        inbox.push(msg);
      },
    }),
  );
}

describe('cluster fault probes (child processes, one server)', { skip: why }, () => {
  const probe = probeCluster({ services: true });
  let observer: Node;
  let registry: ClusterRegistry;
  let groups: ClusterGroups;
  const child = (name: string): Promise<ProbeChild> => probe.child(name);
  before(() => {
    ({ observer, registry, groups } = probe);
  });

  it('DOWN and EXIT carry the real reason across processes (a crash, with its message)', {
    timeout: LIMITS.test,
  }, async () => {
    const node = await child('reasons');
    const echo = observer.cluster.refOf<EchoMsg>(node.echo);
    const downs = new Inbox<DownMessage>();
    sink(observer, downs, (ctx: { monitor(r: unknown): void }) => ctx.monitor(echo));
    const exits = new Inbox<ExitMessage>();
    sink(observer, exits, (ctx: { trapExit(t: boolean): void; link(r: unknown): void }) => {
      ctx.trapExit(true);
      ctx.link(echo);
    });
    assert.equal(await echo.ask({ type: 'whoami' }, { timeout: LIMIT_MS }), node.id);
    echo.tell({ type: 'crash', message: 'probe boom' });
    const down = await downs.next();
    assert.equal(down.reason.kind, 'error');
    assert.equal((down.reason as { error: Error }).error.message, 'probe boom');
    const exit = await exits.next();
    assert.equal(exit.type, 'EXIT');
    assert.equal(exit.reason.kind, 'error');
    assert.equal((exit.reason as { error: Error }).error.message, 'probe boom');
  });

  it('SIGKILL: monitors, trapped and untrapped links, { name, node } monitors fire noconnection; asks by pid, by { name, node } and by cluster name fail ERR_NOCONNECTION at the verdict', {
    timeout: LIMITS.test,
  }, async () => {
    const node = await child('killed');
    const echo = observer.cluster.refOf<EchoMsg>(node.echo);
    const reg = await node.call({ type: 'register', name: 'probe-killed' });
    assert.equal(reg.ok, true);
    await waitUntil(() => registry.whereis('probe-killed') !== undefined, 'the name to show');
    const downs = new Inbox<DownMessage>();
    sink(observer, downs, (ctx: { monitor(r: unknown): void }) => ctx.monitor(echo));
    const named = observer.cluster.named<EchoMsg>('echo', node.id);
    const namedDowns = new Inbox<DownMessage>();
    sink(observer, namedDowns, (ctx: { monitor(r: unknown): void }) => ctx.monitor(named));
    const exits = new Inbox<ExitMessage>();
    sink(observer, exits, (ctx: { trapExit(t: boolean): void; link(r: unknown): void }) => {
      ctx.trapExit(true);
      ctx.link(echo);
    });
    const untrapped = observer.spawn(
      defineActor<never>({
        init(ctx) {
          ctx.link(echo);
        },
        handle() {},
      }),
    );
    const untrappedEnd = observer.exited(untrapped);
    // Every watch is in place there once an ask on the same connection is answered.
    assert.equal(await echo.ask({ type: 'whoami' }, { timeout: LIMIT_MS }), node.id);
    assert.equal(await named.ask({ type: 'whoami' }, { timeout: LIMIT_MS }), node.id);
    const nodedown = nextEvent(
      observer.cluster,
      (e) => e.type === 'nodedown' && e.node === node.id,
    );
    node.signal('SIGSTOP');
    const never = { timeout: 600_000 };
    const pending = [
      echo.ask({ type: 'whoami' }, never),
      named.ask({ type: 'whoami' }, never),
      observer.cluster.global<EchoMsg>('probe-killed').ask({ type: 'whoami' } as never, never),
      observer.cluster.named<EchoMsg>('echo', 'killed').ask({ type: 'whoami' }, never),
    ].map((p) =>
      p.then(
        () => 'answered',
        (e: RuntimeError) => e.code,
      ),
    );
    const settledAt: number[] = [];
    pending.forEach((p, i) => {
      void p.then(() => {
        settledAt[i] = Date.now();
      });
    });
    // A turn of the event loop before the kill: nothing may have settled yet (the node is up).
    await new Promise((r) => setImmediate(r));
    const early = settledAt.length;
    node.signal('SIGKILL');
    const killedAt = Date.now();
    await nodedown;
    const downAt = Date.now();
    // Each wait's limit (30 s) is far below the asks' 600 s: they must fail at the verdict.
    const guard = <T>(p: Promise<T>, what: string): Promise<T> =>
      Promise.race([
        p,
        new Promise<T>((_, reject) =>
          setTimeout(
            () => reject(new Error(`${what} not settled at the verdict`)),
            LIMIT_MS,
          ).unref(),
        ),
      ]);
    const codes = await guard(Promise.all(pending), 'pending asks');
    console.log(
      `# SIGKILL → nodedown after ${downAt - killedAt} ms; asks settled at ${JSON.stringify(settledAt.map((t) => (t === undefined ? null : t - killedAt)))} ms; ${early} before the kill`,
    );
    assert.deepEqual(codes, [
      'ERR_NOCONNECTION',
      'ERR_NOCONNECTION',
      'ERR_NOCONNECTION',
      'ERR_NOCONNECTION',
    ]);
    assert.equal((await downs.next()).reason.kind, 'noconnection');
    assert.equal((await namedDowns.next()).reason.kind, 'noconnection');
    const exit = await exits.next();
    assert.equal(exit.reason.kind, 'noconnection');
    assert.equal((await guard(untrappedEnd, 'the untrapped linked process')).kind, 'noconnection');
    // A holder known dead reads as undefined at once, and the name can be taken.
    assert.equal(registry.whereis('probe-killed'), undefined);
    const mine = observer.spawn(defineActor<never>({ handle() {} }));
    await registry.register('probe-killed', observer.cluster.pidOf(mine));
    // A monitor made after the verdict fires at once, and a later ask fails at once.
    const late = new Inbox<DownMessage>();
    sink(observer, late, (ctx: { monitor(r: unknown): void }) => ctx.monitor(echo));
    assert.equal((await late.next()).reason.kind, 'noconnection');
    await assert.rejects(echo.ask({ type: 'whoami' }, never), { code: 'ERR_NOCONNECTION' });
    const offered = await echo.offer({ type: 'whoami' } as never).then(
      () => 'resolved',
      (e: RuntimeError) => e.code,
    );
    assert.equal(offered, 'ERR_NOCONNECTION', 'an offer to a pid of a node declared down');
  });

  it('a killed node: its names are released and its group members drop out at once at the verdict; a broadcast then skips it', {
    timeout: LIMITS.test,
  }, async () => {
    const node = await child('grouped');
    const joined = await node.call({ type: 'join', group: 'probe-g', count: 3 });
    assert.equal(joined.ok, true);
    const inboxHere = new Inbox<unknown>();
    const here = sink(observer, inboxHere);
    groups.join('probe-g', observer.cluster.pidOf(here));
    await waitUntil(() => groups.members('probe-g').length === 4, 'four members');
    // A broadcast reaches the child's members once each.
    assert.deepEqual(groups.broadcast('probe-g', { hello: 1 }), { local: 1, nodes: 1 });
    for (let i = 0; i < 3; i++)
      assert.deepEqual((await node.next((r) => r.type === 'got')).msg, { hello: 1 });
    assert.deepEqual(await inboxHere.next(), { hello: 1 });
    const leaves: unknown[] = [];
    const off = groups.watch((e) => {
      if (e.event === 'leave') leaves.push(...e.pids);
    });
    // A group ask that only the child's member can take (it never answers): pending.
    const solo = await node.call({ type: 'join', group: 'probe-solo', count: 1 });
    assert.equal(solo.ok, true);
    await waitUntil(() => groups.members('probe-solo').length === 1, 'the solo member');
    const groupAsk = observer.cluster
      .group<EchoMsg>('probe-solo')
      .ask({ type: 'whoami' }, { timeout: 600_000 })
      .then(
        () => 'answered',
        (e: RuntimeError) => e.code,
      );
    const nodedown = nextEvent(
      observer.cluster,
      (e) => e.type === 'nodedown' && e.node === node.id,
    );
    node.signal('SIGKILL');
    await nodedown;
    assert.equal(
      await groupAsk,
      'ERR_NOCONNECTION',
      'a group ask pending on a member of the killed node',
    );
    assert.deepEqual(
      groups.members('probe-g').map((p) => p.node),
      [observer.cluster.id],
    );
    assert.deepEqual(groups.broadcast('probe-g', { hello: 2 }), { local: 1, nodes: 0 });
    assert.equal(
      leaves.length,
      4,
      'the watch heard the four leaves (three of probe-g, one of probe-solo)',
    );
    off();
    assert.deepEqual(
      (joined.pids as WirePid[]).map((p) => p.node),
      [node.id, node.id, node.id],
    );
  });

  it('a name a killed node registered for a process of another node lives on with that process; its exit releases it', {
    timeout: LIMITS.test,
  }, async () => {
    const node = await child('registrar');
    const holder = observer.spawn(defineActor<never>({ handle() {} }));
    const pid = observer.cluster.pidOf(holder);
    const reg = await node.call({ type: 'register', name: 'probe-lives-on', pid });
    assert.equal(reg.ok, true, JSON.stringify(reg));
    await waitUntil(() => registry.whereis('probe-lives-on') !== undefined, 'the name here');
    const nodedown = nextEvent(
      observer.cluster,
      (e) => e.type === 'nodedown' && e.node === node.id,
    );
    node.signal('SIGKILL');
    await nodedown;
    // A write and a strict read after the verdict: a release the verdict caused is in by then.
    const marker = observer.spawn(defineActor<never>({ handle() {} }));
    await registry.register('probe-after-verdict', observer.cluster.pidOf(marker));
    assert.deepEqual(await registry.whereisStrict('probe-lives-on'), pid);
    assert.deepEqual(registry.whereis('probe-lives-on'), pid);
    observer.exit(holder, { kind: 'shutdown' } as never);
    await waitUntil(
      async () => (await registry.whereisStrict('probe-lives-on')) === undefined,
      'the name to go with its process',
    );
    assert.equal(registry.whereis('probe-lives-on'), undefined);
  });

  it('a pause shorter than the acceptable pause under a burst of 20 000 tells: no verdict, nothing lost, in order', {
    timeout: LIMITS.test,
  }, async () => {
    const node = await child('blip');
    const checker = observer.spawn(sequenceChecker, { node: node.id });
    type Checker = { type: 'report'; reply: unknown };
    assert.deepEqual(
      await (checker as unknown as ActorRef<Checker>).ask({ type: 'report' } as never, {
        timeout: LIMIT_MS,
      }),
      { count: 0, errors: 0 },
    );
    let verdicts = 0;
    const off = observer.cluster.events.subscribe((e) => {
      if (e.type === 'nodedown' || e.type === 'unreachable') verdicts++;
    });
    node.signal('SIGSTOP');
    setTimeout(() => node.signal('SIGCONT'), FAST.acceptablePause / 3);
    const seq = checker as unknown as ActorRef<{ n: number }>;
    for (let n = 0; n < 20_000; n++) seq.tell({ n });
    const report = await (checker as unknown as ActorRef<Checker>).ask(
      { type: 'report' } as never,
      {
        timeout: LIMIT_MS,
      },
    );
    off();
    assert.deepEqual(report, { count: 20_000, errors: 0 });
    assert.equal(verdicts, 0);
  });
});
