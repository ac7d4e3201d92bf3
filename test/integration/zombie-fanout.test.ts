/**
 * Semantics §4 and §11: a process that has exited sends nothing — also
 * through the addresses that fan out or route (a process group's
 * broadcast, in any scope; a pool; a topic's publish; a service's
 * address, a duplicate key's dispatch among them) and through a reply
 * port. Each such send is refused before anything behind the address is
 * read: one dead letter `sender-exited` per send attempted, whatever the
 * number of members, workers or subscribers, with the address it was sent
 * through (`group:g`, `group:<scope>/g`, `pool:<label>`, `topic:<name>`,
 * `service:<service>/<key>`)
 * and no target, counted in `senderExitedSends`. A reply through a port is
 * refused the same way (its ask's correlation id on the dead letter) and
 * answers nothing: the asker waits on as if no reply had come. Timers set
 * by an exited process are pinned in exited-senders.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ActorRef,
  type DeadLetter,
  defineActor,
  exitReason,
  group,
  type Reply,
  topic,
} from '../../src/index.js';
import { deferred, failOnUnhandledRejections, track, turn } from '../support/guard.js';
import { zombieSetUp as setUp } from './fixture.js';

/** What a dead letter says about who sent what through where. */
const who = (l: DeadLetter) => [l.message, l.sender, l.target, l.address];

/** An actor that handles anything and keeps nothing. */
const idle = defineActor<unknown>({ handle() {} });

describe('a killed process’s async handler sends nothing through groups, pools, topics, services or a reply port (§4, §11)', () => {
  failOnUnhandledRejections();

  it('a group broadcast after an await, in the default scope, a named scope or through a typed group, reaches no member: one sender-exited dead letter per broadcast, counted', async () => {
    const { system, target, exited, received, killWhileAwaiting } = setUp();
    system.groups.join('g', target);
    system.groups.scope('shards').join('g', target);
    const gate = deferred();
    const reached: number[] = [];
    const zombie = system.spawn(
      defineActor<'go'>({
        async handle() {
          await gate.promise;
          reached.push(system.groups.broadcast('g', 'to the group'));
          reached.push(system.groups.scope('shards').broadcast('g', 'to the scope'));
          reached.push(system.groups.typed(group<unknown>('g')).broadcast('typed'));
        },
      }),
    );
    zombie.tell('go');
    await killWhileAwaiting(zombie, gate);
    await system.idle();
    assert.equal(received(), 0, 'the member received nothing');
    assert.deepEqual(reached, [0, 0, 0], 'each broadcast reached no one');
    assert.deepEqual(exited().map(who), [
      ['to the group', zombie.pid, undefined, 'group:g'],
      ['to the scope', zombie.pid, undefined, 'group:shards/g'],
      ['typed', zombie.pid, undefined, 'group:g'],
    ]);
    assert.equal(system.introspect().senderExitedSends, 3);
    await system.shutdown();
  });

  it('a tell, ask or offer through a pool after an await reaches no worker, a broadcast pool’s too: one sender-exited dead letter per send, counted; the ask and the offer reject at once with NoProcError', async () => {
    const { system, exited, killWhileAwaiting } = setUp();
    const pool = await system.startPool(idle, { size: 2 });
    const all = await system.startPool(idle, { size: 2, strategy: 'broadcast', label: 'all' });
    const workers = [...pool.workers(), ...all.workers()];
    const gate = deferred();
    type Tracked = ReturnType<typeof track<unknown>>;
    const sent: { asked?: Tracked; offered?: Tracked } = {};
    const zombie = system.spawn(
      defineActor<'go'>({
        async handle() {
          await gate.promise;
          pool.tell('tell');
          sent.asked = track(pool.ask({ q: 1 } as never));
          sent.offered = track(pool.offer('offer'));
          all.tell('to all');
        },
      }),
    );
    zombie.tell('go');
    await killWhileAwaiting(zombie, gate);
    await system.idle();
    assert.equal(sent.asked?.settled(), true, 'the ask was settled at once');
    await assert.rejects(sent.asked.promise, { code: 'ERR_NOPROC' });
    await assert.rejects(sent.offered?.promise ?? Promise.resolve(), { code: 'ERR_NOPROC' });
    assert.deepEqual(
      workers.map((w) => system.info(w)?.mailbox.enqueued),
      [0, 0, 0, 0],
      'no worker received anything',
    );
    assert.deepEqual(exited().map(who), [
      ['tell', zombie.pid, undefined, 'pool:pool'],
      [{ q: 1 }, zombie.pid, undefined, 'pool:pool'],
      ['offer', zombie.pid, undefined, 'pool:pool'],
      ['to all', zombie.pid, undefined, 'pool:all'],
    ]);
    assert.equal(system.introspect().senderExitedSends, 4);
    await system.shutdown();
  });

  it('a tell, ask or offer through a service’s address after an await reaches no holder, a dispatch to a duplicate key’s holders too: one sender-exited dead letter per send, counted; the ask and the offer reject at once with NoProcError', async () => {
    const { system, target, exited, received, killWhileAwaiting } = setUp();
    const other = system.spawn(idle);
    system.services.define('many', { keys: 'duplicate' });
    system.services.define('one', { keys: 'unique' });
    system.services.register('many', 'k', target);
    system.services.register('many', 'k', other);
    system.services.register('one', 'u', target);
    const many = system.services.ref<unknown>('many', 'k');
    const one = system.services.ref<unknown>('one', 'u');
    const gate = deferred();
    type Tracked = ReturnType<typeof track<unknown>>;
    const sent: { asked?: Tracked; offered?: Tracked } = {};
    const zombie = system.spawn(
      defineActor<'go'>({
        async handle() {
          await gate.promise;
          many.tell('dispatch');
          one.tell('unique');
          sent.asked = track(one.ask({ q: 1 } as never));
          sent.offered = track(one.offer('offer'));
        },
      }),
    );
    zombie.tell('go');
    await killWhileAwaiting(zombie, gate);
    await system.idle();
    assert.equal(sent.asked?.settled(), true, 'the ask was settled at once');
    await assert.rejects(sent.asked.promise, { code: 'ERR_NOPROC' });
    await assert.rejects(sent.offered?.promise ?? Promise.resolve(), { code: 'ERR_NOPROC' });
    assert.equal(received(), 0, 'the holder received nothing');
    assert.equal(system.info(other)?.mailbox.enqueued, 0);
    assert.deepEqual(exited().map(who), [
      ['dispatch', zombie.pid, undefined, 'service:many/k'],
      ['unique', zombie.pid, undefined, 'service:one/u'],
      [{ q: 1 }, zombie.pid, undefined, 'service:one/u'],
      ['offer', zombie.pid, undefined, 'service:one/u'],
    ]);
    assert.equal(system.introspect().senderExitedSends, 4);
    await system.shutdown();
  });

  it('a publish after an await reaches no subscriber, actor or callback: one sender-exited dead letter per publish, counted, also for a topic nobody subscribes to', async () => {
    const { system, target, exited, received, killWhileAwaiting } = setUp();
    const news = topic<unknown>('news');
    const called: unknown[] = [];
    system.topics.subscribe(news, target);
    system.topics.subscribe(news, (m) => called.push(m));
    const gate = deferred();
    const reached: number[] = [];
    const zombie = system.spawn(
      defineActor<'go'>({
        async handle() {
          await gate.promise;
          reached.push(system.topics.publish(news, 'news item'));
          reached.push(system.topics.publish(topic<unknown>('quiet'), 'nobody listens'));
        },
      }),
    );
    zombie.tell('go');
    await killWhileAwaiting(zombie, gate);
    await system.idle();
    assert.equal(received(), 0, 'the subscribed actor received nothing');
    assert.deepEqual(called, [], 'the callback was not called');
    assert.deepEqual(reached, [0, 0]);
    assert.deepEqual(exited().map(who), [
      ['news item', zombie.pid, undefined, 'topic:news'],
      ['nobody listens', zombie.pid, undefined, 'topic:quiet'],
    ]);
    assert.equal(system.introspect().senderExitedSends, 2);
    await system.shutdown();
  });

  it('a reply a killed process makes after an await through a port it was handed does not answer the ask: a sender-exited dead letter with the ask’s correlation id, counted, and the asker times out', async () => {
    const { system, clock, exited, killWhileAwaiting } = setUp();
    const gate = deferred();
    const waiting = deferred();
    type Handed = { readonly port: Reply<string> };
    const zombie = system.spawn(
      defineActor<Handed>({
        async handle(msg) {
          waiting.resolve();
          await gate.promise;
          msg.port.send('from the grave');
        },
      }),
    );
    let correlationId: number | undefined;
    const forwarder = system.spawn(
      defineActor<{ readonly reply: Reply<string> }>({
        handle(msg) {
          correlationId = msg.reply.correlationId;
          zombie.tell({ port: msg.reply });
        },
      }),
    );
    const asked = track(forwarder.ask({}, { timeout: 1000 }));
    await waiting.promise;
    await killWhileAwaiting(zombie, gate);
    await system.idle();
    await turn();
    assert.equal(asked.settled(), false, 'the zombie’s reply did not answer the ask');
    assert.deepEqual(
      exited().map((l) => [l.message, l.sender, l.target, l.correlationId]),
      [['from the grave', zombie.pid, undefined, correlationId]],
    );
    assert.equal(system.introspect().senderExitedSends, 1);
    await clock.advanceAndSettle(1000, system);
    await assert.rejects(asked.promise, { code: 'ERR_CALL_TIMEOUT' });
    await system.shutdown();
  });

  it('a failure a killed process makes after an await through a port it was handed answers nothing either: a sender-exited dead letter with the ask’s correlation id, and a live holder of the port still answers', async () => {
    const { system, exited, killWhileAwaiting } = setUp();
    const gate = deferred();
    const waiting = deferred();
    type Handed = { readonly port: Reply<string> } | 'answer';
    const failure = new Error('from the grave');
    const zombie = system.spawn(
      defineActor<Handed>({
        async handle(msg) {
          if (msg === 'answer') return;
          waiting.resolve();
          await gate.promise;
          msg.port.fail(failure);
        },
      }),
    );
    let held: Reply<string> | undefined;
    const living = system.spawn(
      defineActor<Handed>({
        handle(msg) {
          if (msg === 'answer') held?.send('from the living');
          else held = msg.port;
        },
      }),
    );
    let correlationId: number | undefined;
    const forwarder = system.spawn(
      defineActor<{ readonly reply: Reply<string> }>({
        handle(msg) {
          correlationId = msg.reply.correlationId;
          zombie.tell({ port: msg.reply });
          living.tell({ port: msg.reply });
        },
      }),
    );
    const asked = track(forwarder.ask({}));
    await waiting.promise;
    await killWhileAwaiting(zombie, gate);
    await system.idle();
    assert.equal(asked.settled(), false, 'the zombie’s failure did not answer the ask');
    assert.deepEqual(
      exited().map((l) => [l.message, l.sender, l.target, l.correlationId]),
      [[failure, zombie.pid, undefined, correlationId]],
    );
    living.tell('answer');
    await system.idle();
    assert.equal(await asked.promise, 'from the living');
    await system.shutdown();
  });

  it('a killed process’s reply and failure after an await to an ask made to it are sender-exited, not late-reply: the sender is refused first, and each is counted', async () => {
    const { system, exited, killWhileAwaiting } = setUp();
    const gate = deferred();
    const letters: string[] = [];
    system.deadLetters.subscribe((l) => letters.push(l.reason));
    const zombie = system.spawn(
      defineActor<{ readonly reply: Reply<string> }>({
        async handle(msg) {
          await gate.promise;
          msg.reply.send('late answer');
          msg.reply.fail(new Error('late failure'));
        },
      }),
    );
    const asked = track(zombie.ask({}, { timeout: 1000 }));
    await killWhileAwaiting(zombie, gate);
    await assert.rejects(asked.promise, { code: 'ERR_PROCESS_EXITED' });
    await system.idle();
    assert.deepEqual(
      exited().map((l) => [l.sender, l.correlationId === undefined]),
      [
        [zombie.pid, false],
        [zombie.pid, false],
      ],
    );
    assert.equal(letters.includes('late-reply'), false, String(letters));
    assert.equal(system.introspect().senderExitedSends, 2);
    await system.shutdown();
  });
});

describe('a handler that ended its own process: a fan-out is one refused send (§4)', () => {
  failOnUnhandledRejections();

  it('a broadcast to two members, a publish to two subscribers and a send through a broadcast pool of two workers are one sender-exited dead letter each, not one per recipient', async () => {
    const { system, exited } = setUp();
    const members = [system.spawn(idle), system.spawn(idle)] as ActorRef<unknown>[];
    const news = topic<unknown>('news');
    for (const m of members) {
      system.groups.join('g', m);
      system.topics.subscribe(news, m);
    }
    const all = await system.startPool(idle, { size: 2, strategy: 'broadcast', label: 'all' });
    const reached: number[] = [];
    const ended = system.spawn(
      defineActor<'go'>({
        handle(_msg, ctx) {
          ctx.exit(ctx.self, exitReason.kill);
          reached.push(system.groups.broadcast('g', 'broadcast'));
          reached.push(system.topics.publish(news, 'publish'));
          all.tell('pool');
        },
      }),
    );
    ended.tell('go');
    await system.idle();
    assert.deepEqual(reached, [0, 0]);
    assert.deepEqual(
      [...members, ...all.workers()].map((r) => system.info(r)?.mailbox.enqueued),
      [0, 0, 0, 0],
    );
    assert.deepEqual(exited().map(who), [
      ['broadcast', ended.pid, undefined, 'group:g'],
      ['publish', ended.pid, undefined, 'topic:news'],
      ['pool', ended.pid, undefined, 'pool:all'],
    ]);
    assert.equal(system.introspect().senderExitedSends, 3);
    await system.shutdown();
  });

  it('a live async handler’s broadcast, publish and pool send after an await still arrive', async () => {
    const { system, target, exited, received } = setUp();
    system.groups.join('g', target);
    system.topics.subscribe(topic<unknown>('news'), target);
    const pool = await system.startPool(idle, { size: 1 });
    const done = deferred();
    const sender = system.spawn(
      defineActor<'go'>({
        async handle() {
          await Promise.resolve();
          system.groups.broadcast('g', 'broadcast');
          system.topics.publish(topic<unknown>('news'), 'publish');
          pool.tell('pool');
          done.resolve();
        },
      }),
    );
    sender.tell('go');
    await done.promise;
    await system.idle();
    assert.equal(received(), 2);
    assert.equal(system.info(pool.workers()[0] as ActorRef<unknown>)?.mailbox.enqueued, 1);
    assert.deepEqual(exited(), []);
    await system.shutdown();
  });
});

describe('a live process’s callbacks are its own, whoever started it (§4)', () => {
  failOnUnhandledRejections();

  it('a process started from an async handler that then exits answers, publishes and tells from a timer its synchronous init set up: all delivered, none sender-exited', async () => {
    const { system, target, exited, seen } = setUp();
    const news = topic<unknown>('news');
    system.topics.subscribe(news, target);
    let go = false;
    const done = deferred<number>();
    // A poll loop set up in init, as a socket's or a child process's callbacks would be.
    const poller = defineActor<{ reply: Reply<string> }, { pending: Reply<string>[] }>({
      init() {
        const state = { pending: [] as Reply<string>[] };
        const poll = setInterval(() => {
          if (!go) return;
          clearInterval(poll);
          for (const reply of state.pending) reply.send('from the poller');
          const reached = system.topics.publish(news, 'published');
          target.tell('told');
          done.resolve(reached);
        }, 1);
        return state;
      },
      handle(msg, ctx) {
        ctx.state.pending.push(msg.reply);
      },
    });
    let started: ActorRef<{ reply: Reply<string> }> | undefined;
    const spawner = system.spawn(
      defineActor<'go'>({
        async handle(_msg, ctx) {
          await Promise.resolve();
          started = await system.start(poller);
          ctx.stop();
        },
      }),
    );
    spawner.tell('go');
    await system.exited(spawner);
    assert.ok(started !== undefined && system.isAlive(started), 'the poller lives on');
    const answer = track(started.ask({}));
    await system.idle();
    go = true;
    assert.equal(await done.promise, 1, 'the publish reached the subscriber');
    await system.idle();
    assert.ok(answer.settled(), 'the ask was answered');
    assert.equal(await answer.promise, 'from the poller');
    assert.deepEqual(
      seen.map(([msg]) => msg),
      ['published', 'told'],
    );
    assert.deepEqual(exited(), []);
    await system.shutdown();
  });
});
