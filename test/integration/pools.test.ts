/**
 * Pools through the public API: N supervised workers behind one address,
 * each routing strategy, and a pool under crashing workers (resizing:
 * pool-resize.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ActorRef,
  createSystem,
  defineActor,
  InvalidArgumentError,
  type Pid,
  restartChild,
  StartFailedError,
  whichChildren,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import {
  countBy,
  type Job,
  KEYS,
  keyOf,
  ownersOf,
  setup,
  whoAnswers,
  worker,
} from './pool-fixture.js';

describe('pool basics', () => {
  failOnUnhandledRejections();

  it('starts N supervised workers w0…w(N-1) behind one address', async () => {
    const { system, pool } = await setup({ size: 4 });
    // whichChildren lists the newest first, as OTP does: sort by slot.
    const children = (await whichChildren(pool.supervisor)).sort((a, b) =>
      String(a.id).localeCompare(String(b.id)),
    );
    assert.deepEqual(
      children.map((c) => [c.id, c.status]),
      [
        ['w0', 'running'],
        ['w1', 'running'],
        ['w2', 'running'],
        ['w3', 'running'],
      ],
    );
    assert.equal(pool.size, 4);
    assert.equal(pool.strategy, 'round-robin');
    assert.deepEqual(
      pool.workers().map((w) => w.pid),
      children.map((c) => c.ref?.pid),
    );
    assert.equal(new Set(pool.workers().map((w) => w.pid)).size, 4);
    await system.shutdown();
  });

  it('rejects bad options: size, strategy, a worker name', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const def = worker([]);
    for (const size of [-1, 1.5, Number.NaN]) {
      await assert.rejects(system.startPool(def, { size }), InvalidArgumentError, String(size));
    }
    await assert.rejects(
      system.startPool(def, { size: 2, strategy: 'fastest' as 'random' }),
      (e: unknown) => e instanceof InvalidArgumentError && e.option === 'strategy',
    );
    await assert.rejects(
      system.startPool(def, { size: 2, options: { name: 'w' } }),
      InvalidArgumentError,
    );
    assert.deepEqual(system.processes(), [], 'no pool was left behind');
    await system.shutdown();
  });

  it('a worker that fails its init fails the start: StartFailedError', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const broken = defineActor<Job>({
      init() {
        throw new Error('no');
      },
      handle() {},
    });
    await assert.rejects(system.startPool(broken, { size: 2 }), StartFailedError);
    await system.idle();
    assert.deepEqual(system.processes(), []);
    await system.shutdown();
  });
});

describe('strategies', () => {
  failOnUnhandledRejections();

  it('round-robin: over k·N asks each worker answers exactly k times, in turn', async () => {
    const { system, pool } = await setup({ size: 3, strategy: 'round-robin' });
    const pids = pool.workers().map((w) => w.pid);
    const answers = await whoAnswers(pool, 12);
    assert.deepEqual(answers.slice(0, 3), pids);
    for (const [pid, n] of countBy(answers)) assert.equal(n, 4, `worker ${pid}`);
    assert.equal(countBy(answers).size, 3);
    await system.shutdown();
  });

  it('random: the injected random source picks the worker', async () => {
    let next = 0;
    const { system, pool } = await setup({ size: 4, strategy: 'random', random: () => next });
    const pids = pool.workers().map((w) => w.pid);
    next = 0.5;
    assert.deepEqual(await whoAnswers(pool, 3), [pids[2], pids[2], pids[2]]);
    next = 0.99;
    assert.equal(await pool.ask({ type: 'who' }), pids[3]);
    await system.shutdown();
  });

  it('random: with Math.random every worker gets some of 400 messages', async () => {
    const { system, pool, log } = await setup({ size: 4, strategy: 'random' });
    for (let i = 0; i < 400; i++) pool.tell({ type: 'note', text: String(i) });
    await system.idle();
    const counts = countBy(log.map(([pid]) => pid));
    assert.equal(log.length, 400);
    assert.equal(counts.size, 4);
    for (const n of counts.values()) assert.ok(n > 40, `a worker got only ${n}`);
    await system.shutdown();
  });

  it('least-loaded: a message goes to the worker with the shortest mailbox', async () => {
    const { system, pool, log } = await setup({ size: 3, strategy: 'least-loaded' });
    const [w0, w1, w2] = pool.workers() as [ActorRef<Job>, ActorRef<Job>, ActorRef<Job>];
    for (const [w, n] of [
      [w0, 3],
      [w1, 1],
      [w2, 2],
    ] as const) {
      for (let i = 0; i < n; i++) w.tell({ type: 'note', text: 'backlog' });
    }
    pool.tell({ type: 'note', text: 'routed' });
    await system.idle();
    assert.deepEqual(
      log.filter(([, t]) => t === 'routed'),
      [[w1.pid, 'routed']],
    );
    await system.shutdown();
  });

  it('least-loaded: a burst into idle workers spreads evenly', async () => {
    const { system, pool, log } = await setup({ size: 3, strategy: 'least-loaded' });
    for (let i = 0; i < 9; i++) pool.tell({ type: 'note', text: String(i) });
    await system.idle();
    const counts = countBy(log.map(([pid]) => pid));
    assert.deepEqual([...counts.values()], [3, 3, 3]);
    await system.shutdown();
  });

  it('consistent-hash: one key always reaches one worker; a send option key wins', async () => {
    const ctx = await setup({ size: 4, strategy: 'consistent-hash', routingKey: keyOf });
    const { system, pool, log } = ctx;
    const first = await ownersOf(ctx);
    const again = await ownersOf(ctx);
    assert.deepEqual(again, first);
    assert.equal(new Set(first.values()).size, 4, 'every worker owns some keys');
    // A note has no key of its own; the send option gives it one.
    log.length = 0;
    pool.tell({ type: 'note', text: 'n' }, { routingKey: 'key-7' });
    await system.idle();
    const bySlot = await ctx.slots();
    assert.equal(bySlot.get((log[0] as [Pid, string])[0]), first.get('key-7'));
    await system.shutdown();
  });

  it('consistent-hash: a message without a routing key is refused with InvalidArgumentError', async () => {
    const { system, pool, log } = await setup({ size: 2, strategy: 'consistent-hash' });
    const noKey = (e: unknown) => e instanceof InvalidArgumentError && e.option === 'routingKey';
    assert.throws(() => pool.tell({ type: 'job', key: 'k' }), noKey);
    await assert.rejects(pool.ask({ type: 'who' }), noKey);
    await assert.rejects(pool.offer({ type: 'note', text: 'x' }), noKey);
    assert.equal(
      await pool.ask({ type: 'who' }, { routingKey: 'k' }),
      await pool.ask({ type: 'who' }, { routingKey: 'k' }),
    );
    await system.idle();
    assert.deepEqual(log, []);
    await system.shutdown();
  });

  it('broadcast: a tell reaches every worker; an ask resolves with the first reply', async () => {
    const { system, pool, log } = await setup({ size: 3, strategy: 'broadcast' });
    const pids = pool.workers().map((w) => w.pid);
    pool.tell({ type: 'note', text: 'all' });
    await system.idle();
    assert.deepEqual(log.map(([pid]) => pid).sort(), [...pids].sort());
    const answer = await pool.ask({ type: 'who' });
    assert.ok(pids.includes(answer));
    await system.shutdown();
  });

  it('offer goes through the strategy too', async () => {
    const { system, pool, log } = await setup({ size: 2 });
    const pids = pool.workers().map((w) => w.pid);
    await pool.offer({ type: 'note', text: 'a' });
    await pool.offer({ type: 'note', text: 'b' });
    await system.idle();
    assert.deepEqual(log, [
      [pids[0], 'a'],
      [pids[1], 'b'],
    ]);
    await system.shutdown();
  });
});

describe('a pool under crashing workers', () => {
  failOnUnhandledRejections();

  it('a pool under a crashing worker keeps serving and routes to the restarted worker', async () => {
    const { system, pool } = await setup({ size: 3 });
    const [w0, w1, w2] = pool.workers().map((w) => w.pid);
    (pool.workers()[1] as ActorRef<Job>).tell({ type: 'crash' });
    await system.idle();
    const now = pool.workers().map((w) => w.pid);
    assert.equal(now.length, 3);
    assert.equal(now[0], w0);
    assert.equal(now[2], w2);
    assert.notEqual(now[1], w1, 'slot w1 has a new worker');
    assert.equal(system.isAlive(w1 as Pid), false);
    const answers = await whoAnswers(pool, 6);
    assert.deepEqual([...countBy(answers).entries()].sort(), now.map((p) => [p, 2]).sort());
    assert.ok(!answers.includes(w1 as Pid));
    await system.shutdown();
  });

  it('keeps answering while workers crash again and again', async () => {
    const { system, pool, letters } = await setup({ size: 3, intensity: 100 });
    const answers: Pid[] = [];
    for (let i = 0; i < 30; i++) {
      if (i % 3 === 0) pool.tell({ type: 'crash' });
      answers.push(await pool.ask({ type: 'who' }));
    }
    await system.idle();
    assert.equal(answers.length, 30);
    assert.equal(system.isAlive(pool.supervisor), true);
    assert.equal(pool.workers().length, 3);
    assert.ok(new Set(answers).size > 3, 'restarted workers answered too');
    assert.deepEqual(
      letters.filter((d) => d.reason === 'noproc'),
      [],
    );
    await system.shutdown();
  });

  it("a message routed between a worker's death and its restart goes to a live worker", async () => {
    const { system, pool, letters, log } = await setup({ size: 3 });
    const victim = pool.workers()[0] as ActorRef<Job>;
    // The client runs after the victim crashed and before the supervisor
    // has handled the EXIT (the run queue is FIFO).
    const client = system.spawn(
      defineActor<'go'>({
        handle() {
          for (let i = 0; i < 3; i++) pool.tell({ type: 'note', text: `n${i}` });
        },
      }),
    );
    await system.idle();
    victim.tell({ type: 'crash' });
    client.tell('go');
    await system.idle();
    assert.deepEqual(
      letters.map((d) => [d.reason, d.target]),
      [],
      'no message was sent to the dead worker',
    );
    assert.equal(log.length, 3);
    assert.ok(log.every(([pid]) => pid !== victim.pid));
    await system.shutdown();
  });

  it("consistent-hash: a crashed worker's keys come back to its restarted worker", async () => {
    const ctx = await setup({ size: 4, strategy: 'consistent-hash', routingKey: keyOf });
    const before = await ownersOf(ctx);
    const victim = ctx.pool.workers()[1] as ActorRef<Job>;
    victim.tell({ type: 'crash' });
    await ctx.system.idle();
    assert.equal(ctx.system.isAlive(victim), false);
    assert.deepEqual(await ownersOf(ctx), before);
    const w1 = [...(await ctx.slots()).entries()].find(([, id]) => id === 'w1')?.[0];
    assert.ok(w1 !== undefined && w1 !== victim.pid);
    await ctx.system.shutdown();
  });

  it('a slot without a running worker is skipped, and used again once it restarts', async () => {
    const ctx = await setup({
      size: 3,
      strategy: 'consistent-hash',
      routingKey: keyOf,
      restart: 'transient',
    });
    const { system, pool } = ctx;
    const before = await ownersOf(ctx);
    const quitter = pool.workers()[1] as ActorRef<Job>;
    quitter.tell({ type: 'quit' }); // a normal exit: a transient child is not restarted
    await system.idle();
    assert.equal(pool.size, 3, 'the slot is kept');
    assert.equal(pool.workers().length, 2);
    const during = await ownersOf(ctx);
    for (const key of KEYS) {
      if (before.get(key) === 'w1') assert.notEqual(during.get(key), 'w1');
      else assert.equal(during.get(key), before.get(key), `${key} of a running worker moved`);
    }
    await restartChild(pool.supervisor, 'w1');
    assert.deepEqual(await ownersOf(ctx), before);
    await system.shutdown();
  });
});
