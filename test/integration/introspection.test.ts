/**
 * system.introspect(): what the rest of the API does not let a tester see
 * (§9 "Introspection"): registered names, message timers with their target
 * and time left, pending asks per caller and system-wide, what exited
 * processes and outside callers hold on live ones, sends attempted by
 * exited processes; and the late-reply dead letter's correlation id.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createSystem,
  type DeadLetter,
  type DownMessage,
  defineActor,
  type ExitMessage,
  formatPid,
  type Reply,
  WaitRemovedError,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { deferred, failOnUnhandledRejections, turn } from '../support/guard.js';

type Msg = { type: 'get'; reply: Reply<number> } | { type: 'hold'; reply: Reply<number> };

const server = defineActor<Msg, Reply<number>[]>({
  init: () => [],
  handle(msg, ctx) {
    if (msg.type === 'get') msg.reply.send(1);
    else ctx.state.push(msg.reply);
  },
});

describe('system.introspect()', () => {
  failOnUnhandledRejections();

  it('lists registered names with their holders, by name', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const b = system.spawn(server, { name: 'b' });
    const a = system.spawn(server, { name: 'a' });
    system.spawn(server);
    assert.deepEqual(system.introspect().names, [
      { name: 'a', pid: a.pid },
      { name: 'b', pid: b.pid },
    ]);
    system.kill(a);
    assert.deepEqual(system.introspect().names, [{ name: 'b', pid: b.pid }]);
    await system.shutdown();
  });

  it('lists message timers with target, owner, time left and period, soonest first', async () => {
    const clock = new ManualClock();
    const system = createSystem({ clock });
    const target = system.spawn(defineActor<string>({ handle() {} }));
    const setter = system.spawn(
      defineActor<string>({
        handle(_msg, ctx) {
          ctx.sendAfter(300, 'later', target);
          ctx.sendInterval(50, 'tick');
        },
      }),
    );
    setter.tell('go');
    await system.idle();
    system.sendAfter(100, target, 'from outside');
    clock.advance(10);
    const view = system.introspect();
    assert.deepEqual(view.timers, [
      {
        to: { kind: 'pid', pid: setter.pid },
        target: setter.pid,
        owner: setter.pid,
        leftMs: 40,
        intervalMs: 50,
      },
      {
        to: { kind: 'pid', pid: target.pid },
        target: target.pid,
        owner: undefined,
        leftMs: 90,
        intervalMs: 0,
      },
      {
        to: { kind: 'pid', pid: target.pid },
        target: target.pid,
        owner: setter.pid,
        leftMs: 290,
        intervalMs: 0,
      },
    ]);
    system.kill(setter);
    assert.deepEqual(
      system.introspect().timers.map((t) => t.owner),
      [undefined],
      "the setter's timers went with it",
    );
    await system.shutdown();
  });

  it('says where each timer goes: a pid, a registered name, a service key, a pool, another address', async () => {
    const clock = new ManualClock();
    const system = createSystem({ clock });
    const sink = defineActor<string>({ handle() {} });
    const p = system.spawn(sink);
    system.services.define('sessions', { keys: 'unique' });
    const pool = await system.startPool(sink, { size: 1, label: 'resize' });
    // Any address that is neither a ref nor a local name: described by its own `address`, as a cluster address is.
    const remote = {
      address: 'name:db@b_1',
      tell() {},
      offer: () => Promise.resolve(),
      ask: () => Promise.reject(new Error('unused')),
    };
    system.sendAfter(1, p, 'a');
    system.sendAfter(2, 'db', 'b');
    system.sendAfter(3, system.services.ref<string>('sessions', 'u1'), 'c');
    system.sendAfter(4, pool, 'd');
    system.sendAfter(5, remote, 'e');
    const view = system.introspect().timers.filter((t) => t.owner === undefined);
    assert.deepEqual(
      view.map((t) => [t.to, t.target, t.targetName]),
      [
        [{ kind: 'pid', pid: p.pid }, p.pid, undefined],
        [{ kind: 'name', name: 'db' }, undefined, 'db'],
        [{ kind: 'service', service: 'sessions', key: 'u1' }, undefined, undefined],
        [{ kind: 'pool', label: 'resize', supervisor: pool.supervisor.pid }, undefined, undefined],
        [{ kind: 'address', address: 'name:db@b_1' }, undefined, undefined],
      ],
    );
    assert.ok(
      !('targetName' in (view[2] as object)),
      'targetName is absent unless it goes to a name',
    );
    await system.shutdown();
  });

  it('counts pending asks per caller and system-wide, each with its target and time left', async () => {
    const clock = new ManualClock();
    const system = createSystem({ clock });
    const holder = system.spawn(server);
    const asker = system.spawn(
      defineActor<'go'>({
        handle(_msg, ctx) {
          void holder.ask({ type: 'hold' }, { timeout: 1_000 }).catch(() => undefined);
          void holder.ask({ type: 'hold' }, { timeout: 2_000 }).catch(() => undefined);
          ctx.stop();
        },
      }),
    );
    const outside = holder.ask({ type: 'hold' }, { timeout: Number.POSITIVE_INFINITY });
    asker.tell('go');
    await system.idle();
    const { asks } = system.introspect();
    assert.equal(asks.total, 3);
    assert.deepEqual(asks.byCaller, [
      { caller: asker.pid, count: 2 },
      { caller: undefined, count: 1 },
    ]);
    assert.deepEqual(
      asks.pending.map((a) => [a.caller, a.target, a.leftMs]).sort(),
      [
        [asker.pid, holder.pid, 1_000],
        [asker.pid, holder.pid, 2_000],
        [undefined, holder.pid, Number.POSITIVE_INFINITY],
      ].sort(),
    );
    system.kill(holder);
    await assert.rejects(outside, { code: 'ERR_PROCESS_EXITED' });
    assert.equal(system.introspect().asks.total, 0, 'asks to an exited process are gone');
    await system.shutdown();
  });

  it('shows system.exited callers per target; an aborted signal removes the monitor and rejects', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const target = system.spawn(server);
    const controller = new AbortController();
    const waiting = system.exited(target, { signal: controller.signal });
    const kept = system.exited(target);
    assert.deepEqual(system.introspect().stale.exitedWaiters, [{ target: target.pid, count: 2 }]);
    assert.equal(system.info(target)?.monitoredBy, 2);
    controller.abort(new Error('gave up'));
    await assert.rejects(waiting, /gave up/);
    assert.deepEqual(system.introspect().stale.exitedWaiters, [{ target: target.pid, count: 1 }]);
    assert.equal(system.info(target)?.monitoredBy, 1);
    system.kill(target);
    assert.equal((await kept).kind, 'killed');
    assert.deepEqual(system.introspect().stale.exitedWaiters, []);
    await system.shutdown();
  });

  it('after a storm of kills among linked and monitoring processes nothing stale is left; removeStale finds nothing to remove', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const peer = defineActor<DownMessage | ExitMessage | { type: 'tie'; pid: number }>({
      init: (ctx) => void ctx.trapExit(true),
      handle(msg, ctx) {
        if (msg.type !== 'tie') return;
        ctx.monitor(msg.pid as never);
        ctx.link(msg.pid as never);
      },
    });
    const refs = Array.from({ length: 30 }, () => system.spawn(peer));
    for (const [i, r] of refs.entries()) {
      r.tell({ type: 'tie', pid: refs[(i + 1) % refs.length]?.pid as number });
    }
    await system.idle();
    const before = system.info(refs[1] as never);
    assert.equal(before?.links.length, 2, 'linked to both neighbours');
    assert.equal(before?.monitoredBy, 1);
    for (let i = 0; i < refs.length; i += 3) system.kill(refs[i] as never);
    await system.idle();
    assert.deepEqual(system.info(refs[1] as never)?.links, [refs[2]?.pid], 'the dead side is gone');
    assert.deepEqual(system.introspect().stale, { monitors: [], links: [], exitedWaiters: [] });
    assert.deepEqual(system.removeStale(), { monitors: 0, links: 0, exitedWaiters: 0 });
    await system.shutdown();
  });

  it('an exit still being carried out is not stale: removeStale from an exit event leaves its links and monitors to it', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const watched = system.spawn(server);
    const trapping = defineActor<ExitMessage>({
      init: (ctx) => void ctx.trapExit(true),
      handle(msg) {
        exits.push(msg.reason.kind);
      },
    });
    const exits: string[] = [];
    const linked = system.spawn(trapping);
    let child: number | undefined;
    const parent = system.spawn(
      defineActor<'go'>({
        handle(_msg, ctx) {
          ctx.link(linked);
          ctx.monitor(watched);
          child = ctx.spawnLink(defineActor<string>({ handle() {} })).pid;
        },
      }),
    );
    parent.tell('go');
    await system.idle();
    const seen: unknown[] = [];
    // The child ends first, inside the parent's exit, before the parent's links and monitors are released.
    system.events.subscribe(
      (e) => {
        if (e.type !== 'exited' || e.pid !== child) return;
        seen.push(system.introspect().stale, system.removeStale());
      },
      ['exited'],
    );
    system.kill(parent);
    await system.idle();
    assert.deepEqual(seen, [
      { monitors: [], links: [], exitedWaiters: [] },
      { monitors: 0, links: 0, exitedWaiters: 0 },
    ]);
    assert.deepEqual(exits, ['killed'], 'the linked process still got the exit signal');
    assert.equal(system.info(watched)?.monitoredBy, 0, "the parent's monitor went with it");
    await system.shutdown();
  });

  it('a process already exiting is not waited on any more: removeStale({ exitedWaiters: true }) from its child’s exit leaves its waits, which resolve with its real reason', async () => {
    const system = createSystem({ clock: new ManualClock() });
    let child: number | undefined;
    const parent = system.spawn(
      defineActor<'go'>({
        handle(_msg, ctx) {
          child = ctx.spawn(defineActor<string>({ handle() {} })).pid;
        },
      }),
    );
    parent.tell('go');
    await system.idle();
    const waiting = system.exited(parent);
    const seen: unknown[] = [];
    // The child ends inside the parent's exit, while the parent is dead but still in the table.
    system.events.subscribe(
      (e) => {
        if (e.type !== 'exited' || e.pid !== child) return;
        seen.push(
          system.introspect().stale.exitedWaiters,
          system.removeStale({ exitedWaiters: true }),
        );
      },
      ['exited'],
    );
    system.kill(parent);
    assert.equal((await waiting).kind, 'killed');
    assert.deepEqual(seen, [[], { monitors: 0, links: 0, exitedWaiters: 0 }]);
    await system.shutdown();
  });

  it('removeStale({ exitedWaiters: true }) removes every system.exited wait; each rejects ERR_WAIT_REMOVED', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const target = system.spawn(server);
    const controller = new AbortController();
    const plain = system.exited(target);
    const aborting = system.exited(target, { signal: controller.signal });
    const watcher = system.spawn(
      defineActor<'go' | DownMessage>({
        handle(msg, ctx) {
          if (msg === 'go') ctx.monitor(target);
        },
      }),
    );
    watcher.tell('go');
    await system.idle();
    assert.equal(system.info(target)?.monitoredBy, 3);
    assert.deepEqual(system.removeStale(), { monitors: 0, links: 0, exitedWaiters: 0 });
    assert.deepEqual(system.introspect().stale.exitedWaiters, [{ target: target.pid, count: 2 }]);
    assert.deepEqual(system.removeStale({ exitedWaiters: true }), {
      monitors: 0,
      links: 0,
      exitedWaiters: 2,
    });
    for (const waiting of [plain, aborting]) {
      await assert.rejects(waiting, (e: unknown) => {
        assert.ok(e instanceof WaitRemovedError);
        assert.equal(e.code, 'ERR_WAIT_REMOVED');
        assert.equal(e.target, formatPid(target.pid));
        return true;
      });
    }
    assert.deepEqual(system.introspect().stale.exitedWaiters, []);
    assert.equal(system.info(target)?.monitoredBy, 1, "a process's monitor is not a wait");
    controller.abort(new Error('late abort'));
    system.kill(target);
    await system.idle();
    assert.deepEqual(system.removeStale({ exitedWaiters: true }).exitedWaiters, 0);
    await system.shutdown();
  });

  it('counts the sends attempted by processes that had exited', async () => {
    const system = createSystem({ clock: new ManualClock() });
    system.spawn(server, { name: 'sink' });
    const gate = deferred();
    const zombie = system.spawn(
      defineActor<'go'>({
        async handle(_msg, ctx) {
          const sink = ctx.named<string>('sink');
          await gate.promise;
          sink.tell('one');
          sink.tell('two');
        },
      }),
    );
    zombie.tell('go');
    await turn();
    assert.equal(system.introspect().senderExitedSends, 0);
    system.kill(zombie);
    gate.resolve();
    await turn();
    assert.equal(system.introspect().senderExitedSends, 2);
    await system.shutdown();
  });

  it('a late-reply dead letter carries the correlation id of the ask it answered', async () => {
    const clock = new ManualClock();
    const system = createSystem({ clock });
    const late = system.spawn(
      defineActor<{ type: 'hold'; reply: Reply<number> } | { type: 'answer' }, Reply<number>[]>({
        init: () => [],
        handle(msg, ctx) {
          if (msg.type === 'hold') ctx.state.push(msg.reply);
          else for (const port of ctx.state) port.send(7);
        },
      }),
    );
    const letters: DeadLetter[] = [];
    system.deadLetters.subscribe((l) => letters.push(l));
    const asked = late.ask({ type: 'hold' }, { timeout: 10 });
    await system.idle();
    const ids = system.introspect().asks.pending.map((a) => a.correlationId);
    assert.equal(ids.length, 1);
    await clock.advanceAndSettle(10, system);
    await assert.rejects(asked, { code: 'ERR_CALL_TIMEOUT' });
    late.tell({ type: 'answer' });
    await system.idle();
    assert.deepEqual(
      letters.map((l) => [l.reason, l.message, l.correlationId]),
      [['late-reply', 7, ids[0]]],
    );
    await system.shutdown();
  });
});
