/**
 * Edge cases of addressing (docs/semantics.md §17, otp-rules.md §1.7 and
 * §1.12): registrations across an in-place restart, notifications of a
 * process that ends inside its own handler, re-entrant watchers and
 * subscribers, fan-out sends with bad options, and pools resized
 * concurrently or after a temporary worker left.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defineActor,
  exitReason,
  type GroupChange,
  InvalidArgumentError,
  type Pid,
  type SystemEvent,
  topic,
  whichChildren,
} from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { manualSystem, recorder, type WorkerMsg, worker } from './fixture.js';

const setup = () => manualSystem();

const note = (text: string): WorkerMsg => ({ type: 'note', text });

describe('registrations made in init, across an in-place restart', () => {
  failOnUnhandledRejections();

  it('an actor that subscribes in init gets one copy of each publish after a restart', async () => {
    const { system } = setup();
    const notes = topic<WorkerMsg>('notes');
    const log: string[] = [];
    const ref = system.spawn(worker(log, (ctx) => ctx.subscribe(notes), 'restart'));
    await system.idle();
    ref.tell({ type: 'crash' });
    await system.idle();
    assert.equal(system.isAlive(ref), true);
    assert.equal(system.topics.publish(notes, note('once')), 1);
    await system.idle();
    assert.deepEqual(log, [`${ref.pid}:once`]);
    await system.shutdown();
  });

  it('an actor that registers a unique key in init survives its restart', async () => {
    const { system } = setup();
    system.services.define('sessions', { keys: 'unique' });
    const ref = system.spawn(worker([], (ctx) => ctx.registerService('sessions', 'u1'), 'restart'));
    await system.idle();
    ref.tell({ type: 'crash' });
    await system.idle();
    assert.equal(system.isAlive(ref), true, 'the restart directive keeps the process alive');
    assert.deepEqual(
      system.services.lookup('sessions', 'u1').map((e) => e.ref.pid),
      [ref.pid],
    );
    await system.shutdown();
  });

  it('an actor that joins a group in init is a member once after a restart', async () => {
    const { system } = setup();
    const ref = system.spawn(worker([], (ctx) => ctx.join('g'), 'restart'));
    await system.idle();
    ref.tell({ type: 'crash' });
    await system.idle();
    assert.deepEqual(system.groups.members('g'), [ref.pid]);
    await system.shutdown();
  });
});

describe('notifications of a process that ends inside its own handler', () => {
  failOnUnhandledRejections();

  it('an actor watching a group hears the leave of a member that kills itself', async () => {
    const { system, letters } = setup();
    const { ref: watcher, handled: heard } = recorder<GroupChange>(system);
    const member = system.spawn(worker([], (ctx) => ctx.join('g')));
    await system.idle();
    system.groups.watchFrom(watcher, 'g');
    member.tell({ type: 'run', fn: (ctx) => ctx.exit(ctx.self, exitReason.kill) });
    await system.idle();
    assert.equal(system.isAlive(member), false);
    assert.deepEqual(
      letters.map((d) => d.reason),
      [],
      'the change is not a dead letter (sender-exited)',
    );
    assert.deepEqual(
      heard.map((c) => [c.event, c.pids]),
      [['leave', [member.pid]]],
    );
    await system.shutdown();
  });

  it('an actor subscribed to exited events hears of a process that kills itself', async () => {
    const { system, letters } = setup();
    const exits: Pid[] = [];
    const watcher = system.spawn(
      defineActor<SystemEvent>({
        handle(e) {
          if (e.type === 'exited') exits.push(e.pid);
        },
      }),
    );
    system.subscribeEvents(watcher, ['exited']);
    const member = system.spawn(worker());
    await system.idle();
    member.tell({ type: 'run', fn: (ctx) => ctx.exit(ctx.self, exitReason.kill) });
    await system.idle();
    assert.deepEqual(
      letters.map((d) => d.reason),
      [],
      'the event is not a dead letter (sender-exited)',
    );
    assert.deepEqual(exits, [member.pid]);
    await system.shutdown();
  });
});

describe('re-entrant watchers and subscribers', () => {
  failOnUnhandledRejections();

  it('a watcher that makes a joiner leave: the other watchers hear the join before the leave', async () => {
    const { system } = setup();
    const a = system.spawn(worker());
    system.groups.watch('g', (c) => {
      if (c.event === 'join') system.groups.leave('g', a);
    });
    const seen: string[] = [];
    system.groups.watch('g', (c) => seen.push(c.event));
    system.groups.join('g', a);
    assert.deepEqual(system.groups.members('g'), []);
    assert.deepEqual(seen, ['join', 'leave'], 'replaying the changes gives the real membership');
    await system.shutdown();
  });

  it('a subscriber killed by an earlier subscriber during a publish is neither reached nor sent a dead letter', async () => {
    const { system, letters } = setup();
    const notes = topic<WorkerMsg>('notes');
    const victim = system.spawn(worker());
    system.topics.subscribe(notes, () => system.kill(victim));
    system.topics.subscribe(notes, victim);
    const reached = system.topics.publish(notes, note('x'));
    assert.equal(system.isAlive(victim), false);
    assert.equal(system.topics.subscribers(notes), 1);
    assert.equal(reached, 1, 'only the callback was reached');
    assert.deepEqual(
      letters.map((d) => [d.reason, d.target]),
      [],
      'nothing is sent to the subscriber that had already exited',
    );
    await system.shutdown();
  });

  it('an actor watching a group that an earlier watcher kills is not sent the change', async () => {
    const { system, letters } = setup();
    const watcher = system.spawn(defineActor<GroupChange>({ handle() {} }));
    const member = system.spawn(worker());
    await system.idle();
    system.groups.watch('g', () => system.kill(watcher));
    system.groups.watchFrom(watcher, 'g');
    system.groups.join('g', member);
    assert.equal(system.isAlive(watcher), false);
    assert.deepEqual(
      letters.map((d) => [d.reason, d.target]),
      [],
      'a dead watcher is no longer sent changes',
    );
    await system.shutdown();
  });
  it('a member watching its own group is not sent its own leave when it exits', async () => {
    const { system, letters } = setup();
    const member = system.spawn(
      defineActor<WorkerMsg | GroupChange>({
        init(ctx) {
          ctx.join('g');
        },
        handle() {},
      }),
    );
    await system.idle();
    system.groups.watchFrom(member, 'g');
    await system.stop(member);
    assert.deepEqual(
      letters.map((d) => [d.reason, d.target]),
      [],
      'an exited watcher is no longer sent changes',
    );
    await system.shutdown();
  });
});

describe('fan-out sends', () => {
  failOnUnhandledRejections();

  it('invalid send options throw InvalidArgumentError through a publish, a group broadcast and a broadcast pool', async () => {
    const { system, letters } = setup();
    const notes = topic<WorkerMsg>('notes');
    const bad = { priority: 'urgent' as never };
    const ref = system.spawn(worker());
    system.topics.subscribe(notes, ref);
    system.groups.join('g', ref);
    const pool = await system.startPool(worker(), { size: 2, strategy: 'broadcast' });
    assert.throws(() => ref.tell(note('x'), bad), InvalidArgumentError, 'a direct tell');
    assert.throws(() => system.topics.publish(notes, note('x'), bad), InvalidArgumentError);
    assert.throws(() => system.groups.broadcast('g', note('x'), bad), InvalidArgumentError);
    assert.throws(() => pool.tell(note('x'), bad), InvalidArgumentError);
    assert.deepEqual(
      letters.map((d) => d.reason),
      [],
      'not dead letters of full mailboxes',
    );
    await system.shutdown();
  });

  it('publishing undefined throws even when the topic has no subscriber, like any address', async () => {
    const { system, letters } = setup();
    const anything = topic<unknown>('anything');
    assert.throws(() => system.named('nobody').tell(undefined as never), InvalidArgumentError);
    assert.throws(() => system.topics.publish(anything, undefined), InvalidArgumentError);
    assert.deepEqual(letters, []);
    await system.shutdown();
  });
});

describe('pools', () => {
  failOnUnhandledRejections();

  it('broadcast: an offer reaches every worker, as a tell does', async () => {
    const { system } = setup();
    const log: string[] = [];
    const pool = await system.startPool(worker(log), { size: 3, strategy: 'broadcast' });
    await pool.offer(note('all'));
    await system.idle();
    assert.deepEqual(
      log.sort(),
      pool
        .workers()
        .map((w) => `${w.pid}:all`)
        .sort(),
    );
    await system.shutdown();
  });

  it('a pool of temporary workers still resizes after one of them has exited', async () => {
    const { system } = setup();
    const pool = await system.startPool(worker(), { size: 3, restart: 'temporary' });
    pool.workers()[1]?.tell({ type: 'run', fn: (ctx) => ctx.stop() });
    await system.idle();
    assert.equal(pool.size, 2);
    await pool.resize(3);
    assert.equal(pool.workers().length, 3);
    await system.shutdown();
  });

  it('two concurrent resizes to the same size both succeed', async () => {
    const { system } = setup();
    const pool = await system.startPool(worker(), { size: 2 });
    await Promise.all([pool.resize(4), pool.resize(4)]);
    assert.equal(pool.workers().length, 4);
    await system.shutdown();
  });

  it('a shrink started during a grow: the pool ends at the last size asked, slots w0…w(n-1)', async () => {
    const { system } = setup();
    const pool = await system.startPool(worker(), { size: 3 });
    const grow = pool.resize(5);
    const shrink = pool.resize(2);
    await Promise.all([grow, shrink]);
    assert.deepEqual((await whichChildren(pool.supervisor)).map((c) => c.id).sort(), ['w0', 'w1']);
    await system.shutdown();
  });

  it('an empty pool at start: sends are unregistered dead letters until it grows', async () => {
    const { system, letters } = setup();
    const pool = await system.startPool(worker(), {
      size: 0,
      strategy: 'consistent-hash',
      routingKey: (m) => m.type,
      label: 'empty',
    });
    pool.tell(note('lost'));
    assert.deepEqual(
      letters.map((d) => [d.reason, d.address]),
      [['unregistered', 'pool:empty']],
    );
    await pool.resize(2);
    assert.equal(pool.workers().length, 2);
    await system.shutdown();
  });
});
