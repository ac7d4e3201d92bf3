/**
 * Addressing through the public API: registered names (otp-rules.md §1.7),
 * services (keyed registries, R7.5), process groups (§1.12), the address
 * forms tell and ask accept, and request-reply extras (correlation ids,
 * deadlines that travel).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ActorContext,
  type ActorRef,
  type Address,
  CallTimeoutError,
  type DownMessage,
  defineActor,
  type GroupChange,
  InvalidArgumentError,
  KeyTakenError,
  NameTakenError,
  NoProcError,
  type Pid,
  type Reply,
  RuntimeError,
  type SupervisorRef,
  supervisor,
  whichChildren,
} from '../../src/index.js';
import { failOnUnhandledRejections, track } from '../support/guard.js';
import { manualSystem, recorder, type WorkerMsg, worker } from './fixture.js';

const setup = () => manualSystem();

/** Runs `fn` inside `ref`'s process and waits until it has run. */
async function inside(
  system: { idle(): Promise<void> },
  ref: ActorRef<WorkerMsg>,
  fn: (ctx: ActorContext<WorkerMsg>) => void,
): Promise<void> {
  ref.tell({ type: 'run', fn });
  await system.idle();
}

/** The running child `id` of `sup`. */
async function child(sup: SupervisorRef, id: string): Promise<ActorRef<WorkerMsg>> {
  const info = (await whichChildren(sup)).find((c) => c.id === id);
  assert.ok(info?.ref !== undefined, `child ${id} is running`);
  return info.ref as ActorRef<WorkerMsg>;
}

const code = (expected: string, type: new (...args: never[]) => Error) => (e: unknown) =>
  e instanceof type && e instanceof RuntimeError && e.code === expected;

describe('names', () => {
  failOnUnhandledRejections();

  it('register, whereis and unregister; whereis is undefined when absent', async () => {
    const { system } = setup();
    const ref = system.spawn(worker());
    assert.equal(system.whereis('db'), undefined);
    system.register('db', ref);
    assert.equal(system.whereis<WorkerMsg>('db')?.pid, ref.pid);
    assert.equal(await system.whereis<WorkerMsg>('db')?.ask({ type: 'who' }), ref.pid);
    assert.equal(system.unregister('db'), true);
    assert.equal(system.whereis('db'), undefined);
    assert.equal(system.unregister('db'), false);
    assert.equal(system.isAlive(ref), true, 'unregistering does not touch the process');
    await system.shutdown();
  });

  it('registering a taken name fails with NameTakenError (ERR_NAME_TAKEN)', async () => {
    const { system } = setup();
    const a = system.spawn(worker(), { name: 'db' });
    const b = system.spawn(worker());
    assert.throws(() => system.register('db', b), code('ERR_NAME_TAKEN', NameTakenError));
    assert.throws(() => system.register('db', b.pid), NameTakenError);
    assert.throws(() => system.spawn(worker(), { name: 'db' }), NameTakenError);
    assert.equal(system.whereis('db')?.pid, a.pid);
    await system.shutdown();
  });

  it('a name is released the moment its process ends: before its exit is reported', async () => {
    const { system } = setup();
    const seen: (Pid | undefined)[] = [];
    system.events.subscribe(() => seen.push(system.whereis('db')?.pid), ['exited']);
    const holder = system.spawn(worker(), { name: 'db' });
    // A monitoring actor takes the name for itself as soon as it hears of the exit.
    const heir = system.spawn(
      defineActor<WorkerMsg | DownMessage>({
        init(ctx) {
          ctx.monitor(holder);
        },
        handle(msg, ctx) {
          if (msg.type === 'DOWN') system.register('db', ctx.self);
        },
      }),
    );
    await system.idle();
    holder.tell({ type: 'crash' });
    await system.idle();
    assert.deepEqual(seen, [undefined], 'the exited listener found the name free');
    assert.equal(system.whereis('db')?.pid, heir.pid, 'the DOWN handler could take it');
    await system.shutdown();
  });

  it('a named ref keeps reaching the name across a supervisor restart', async () => {
    const { system } = setup();
    const log: string[] = [];
    const db = system.named<WorkerMsg>('db'); // made before anyone holds the name
    const sup = (await system.start(
      supervisor({
        strategy: 'one-for-one',
        children: [{ id: 'db', actor: worker(log), options: { name: 'db' } }],
      }),
    )) as SupervisorRef;
    const first = await db.ask({ type: 'who' });
    db.tell({ type: 'note', text: 'before' });
    db.tell({ type: 'crash' });
    await system.idle();
    const second = await db.ask({ type: 'who' });
    assert.notEqual(second, first, 'the supervisor restarted the child with a new pid');
    assert.equal(system.isAlive(first), false);
    assert.equal((await child(sup, 'db')).pid, second);
    db.tell({ type: 'note', text: 'after' });
    await system.idle();
    assert.deepEqual(log, [`${first}:before`, `${second}:after`]);
    assert.equal(db.name, 'db');
    await system.shutdown();
  });

  it('a send to a name nobody holds is a dead letter with reason unregistered and an ask rejects ERR_NOPROC', async () => {
    const { system, letters } = setup();
    const ghost = system.named<WorkerMsg>('ghost');
    ghost.tell({ type: 'note', text: 'hello?' });
    assert.equal(letters.length, 1);
    const [letter] = letters;
    assert.equal(letter?.reason, 'unregistered');
    assert.equal(letter?.address, 'name:ghost');
    assert.equal(letter?.target, undefined);
    assert.deepEqual(letter?.message, { type: 'note', text: 'hello?' });
    await assert.rejects(ghost.ask({ type: 'who' }), code('ERR_NOPROC', NoProcError));
    await assert.rejects(ghost.offer({ type: 'note', text: 'x' }), NoProcError);
    assert.equal(system.stats().deadLetters, 1);
    await system.shutdown();
  });

  it('a name whose holder has ended is unregistered too, not a send to the dead pid', async () => {
    const { system, letters } = setup();
    const holder = system.spawn(worker(), { name: 'db' });
    const db = system.named<WorkerMsg>('db');
    assert.equal(await db.ask({ type: 'who' }), holder.pid);
    await system.stop(holder);
    db.tell({ type: 'note', text: 'late' });
    assert.deepEqual(
      letters.map((d) => [d.reason, d.address]),
      [['unregistered', 'name:db']],
    );
    await assert.rejects(db.ask({ type: 'who' }), NoProcError);
    await system.shutdown();
  });

  it('an actor reaches a name through ctx.named, resolved at each send', async () => {
    const { system, letters } = setup();
    const log: string[] = [];
    const forwarder = system.spawn(
      defineActor<{ type: 'fwd'; text: string }>({
        handle(msg, ctx) {
          ctx.named<WorkerMsg>('sink').tell({ type: 'note', text: msg.text });
        },
      }),
    );
    const sink1 = system.spawn(worker(log), { name: 'sink' });
    forwarder.tell({ type: 'fwd', text: 'one' });
    await system.idle();
    await system.stop(sink1);
    forwarder.tell({ type: 'fwd', text: 'lost' });
    await system.idle();
    const sink2 = system.spawn(worker(log), { name: 'sink' });
    forwarder.tell({ type: 'fwd', text: 'two' });
    await system.idle();
    assert.deepEqual(log, [`${sink1.pid}:one`, `${sink2.pid}:two`]);
    const lost = letters.filter((d) => d.reason === 'unregistered');
    assert.equal(lost.length, 1);
    assert.equal(lost[0]?.address, 'name:sink');
    assert.equal(lost[0]?.sender, forwarder.pid, 'the dead letter names the sending actor');
    await system.shutdown();
  });
});

describe('services', () => {
  failOnUnhandledRejections();

  it('processes register under a service and key; lookups by service and key find them', async () => {
    const { system } = setup();
    system.services.define('sessions', { keys: 'unique' });
    const a = system.spawn(worker([], (ctx) => ctx.registerService('sessions', 'u1', { n: 1 })));
    const b = system.spawn(worker());
    await system.idle();
    system.services.register('sessions', 'u2', b, { n: 2 });
    system.services.register('sessions', 'u3', b.pid);
    const u1 = system.services.lookup<WorkerMsg>('sessions', 'u1');
    assert.deepEqual(
      u1.map((e) => [e.ref.pid, e.value]),
      [[a.pid, { n: 1 }]],
    );
    assert.equal(await u1[0]?.ref.ask({ type: 'who' }), a.pid);
    assert.deepEqual(
      system.services.lookup('sessions', 'u2').map((e) => [e.ref.pid, e.value]),
      [[b.pid, { n: 2 }]],
    );
    assert.deepEqual(system.services.lookup('sessions', 'nobody'), []);
    assert.deepEqual(system.services.keys('sessions', b).sort(), ['u2', 'u3']);
    assert.deepEqual(system.services.keys('sessions', a), ['u1']);
    assert.equal(system.services.count('sessions'), 3);
    await system.shutdown();
  });

  it('a unique key already held throws KeyTakenError (ERR_KEY_TAKEN), outside or inside an actor', async () => {
    const { system } = setup();
    system.services.define('sessions', { keys: 'unique' });
    const a = system.spawn(worker());
    const b = system.spawn(worker());
    system.services.register('sessions', 'u1', a);
    assert.throws(
      () => system.services.register('sessions', 'u1', b),
      (e: unknown) =>
        code('ERR_KEY_TAKEN', KeyTakenError)(e) &&
        (e as KeyTakenError).service === 'sessions' &&
        (e as KeyTakenError).key === 'u1',
    );
    let thrown: unknown;
    await inside(system, b, (ctx) => {
      try {
        ctx.registerService('sessions', 'u1');
      } catch (error) {
        thrown = error;
      }
    });
    assert.ok(thrown instanceof KeyTakenError);
    assert.deepEqual(
      system.services.lookup('sessions', 'u1').map((e) => e.ref.pid),
      [a.pid],
    );
    await system.shutdown();
  });

  it('a duplicate key holds many processes: a tell reaches each, an ask the oldest', async () => {
    const { system } = setup();
    const log: string[] = [];
    system.services.define('rooms', { keys: 'duplicate' });
    const members = [0, 1, 2].map(() =>
      system.spawn(worker(log, (ctx) => ctx.registerService('rooms', 'lobby'))),
    );
    await system.idle();
    const lobby = system.services.ref<WorkerMsg>('rooms', 'lobby');
    lobby.tell({ type: 'note', text: 'hi' });
    await system.idle();
    assert.deepEqual(log.sort(), members.map((m) => `${m.pid}:hi`).sort());
    assert.equal(await lobby.ask({ type: 'who' }), members[0]?.pid);
    assert.deepEqual(
      system.services.lookup('rooms', 'lobby').map((e) => e.ref.pid),
      members.map((m) => m.pid),
    );
    await system.shutdown();
  });

  for (const how of ['crashes', 'stops', 'is killed'] as const) {
    it(`a process's entries are removed when it ${how}`, async () => {
      const { system } = setup();
      system.services.define('sessions', { keys: 'unique' });
      system.services.define('rooms', { keys: 'duplicate' });
      const a = system.spawn(
        worker([], (ctx) => {
          ctx.registerService('sessions', 'u1');
          ctx.registerService('rooms', 'lobby');
        }),
      );
      const b = system.spawn(worker([], (ctx) => ctx.registerService('rooms', 'lobby')));
      await system.idle();
      if (how === 'crashes') {
        a.tell({ type: 'crash' });
        await system.idle();
      } else if (how === 'stops') await system.stop(a);
      else system.kill(a);
      assert.equal(system.isAlive(a), false);
      assert.deepEqual(system.services.lookup('sessions', 'u1'), []);
      assert.deepEqual(
        system.services.lookup('rooms', 'lobby').map((e) => e.ref.pid),
        [b.pid],
      );
      assert.equal(system.services.count('sessions'), 0);
      system.services.register('sessions', 'u1', b);
      assert.equal(system.services.lookup('sessions', 'u1')[0]?.ref.pid, b.pid);
      await system.shutdown();
    });
  }

  it('unregisterService and services.unregister remove entries; false when there were none', async () => {
    const { system } = setup();
    system.services.define('sessions', { keys: 'unique' });
    const a = system.spawn(worker([], (ctx) => ctx.registerService('sessions', 'u1')));
    await system.idle();
    const results: boolean[] = [];
    await inside(system, a, (ctx) => {
      results.push(ctx.unregisterService('sessions', 'u1'));
      results.push(ctx.unregisterService('sessions', 'u1'));
    });
    assert.deepEqual(results, [true, false]);
    assert.deepEqual(system.services.lookup('sessions', 'u1'), []);
    system.services.register('sessions', 'u2', a);
    assert.equal(system.services.unregister('sessions', 'u2', a), true);
    assert.equal(system.services.unregister('sessions', 'u2', a), false);
    await system.stop(a);
    assert.equal(system.services.unregister('sessions', 'u2', a), false, 'a dead process');
    await system.shutdown();
  });

  it('a service ref keeps reaching the key across a supervisor restart', async () => {
    const { system } = setup();
    system.services.define('sessions', { keys: 'unique' });
    const sup = (await system.start(
      supervisor({
        strategy: 'one-for-one',
        children: [
          {
            id: 's',
            actor: worker([], (ctx) => ctx.registerService('sessions', 'u1')),
          },
        ],
      }),
    )) as SupervisorRef;
    const session = system.services.ref<WorkerMsg>('sessions', 'u1');
    const first = await session.ask({ type: 'who' });
    session.tell({ type: 'crash' });
    await system.idle();
    const second = await session.ask({ type: 'who' });
    assert.notEqual(second, first);
    assert.equal((await child(sup, 's')).pid, second);
    assert.equal(system.services.count('sessions'), 1);
    await system.shutdown();
  });

  it('a send to a key nobody holds is a dead letter (unregistered); an ask rejects ERR_NOPROC', async () => {
    const { system, letters } = setup();
    system.services.define('sessions', { keys: 'unique' });
    const ref = system.services.ref<WorkerMsg>('sessions', 'u9');
    ref.tell({ type: 'note', text: 'x' });
    assert.deepEqual(
      letters.map((d) => [d.reason, d.address]),
      [['unregistered', 'service:sessions/u9']],
    );
    await assert.rejects(ref.ask({ type: 'who' }), code('ERR_NOPROC', NoProcError));
    await system.shutdown();
  });

  it('a service must be defined, once per mode', async () => {
    const { system } = setup();
    system.services.define('s', { keys: 'unique' });
    system.services.define('s', { keys: 'unique' });
    assert.throws(() => system.services.define('s', { keys: 'duplicate' }), RuntimeError);
    assert.throws(() => system.services.ref('undefined-service', 'k'), RuntimeError);
    assert.throws(
      () => system.services.register('undefined-service', 'k', system.spawn(worker())),
      RuntimeError,
    );
    await system.shutdown();
  });
});

describe('process groups', () => {
  failOnUnhandledRejections();

  it('join, leave, members and which groups, from outside and from inside actors', async () => {
    const { system } = setup();
    const a = system.spawn(worker([], (ctx) => ctx.join('workers')));
    const b = system.spawn(worker());
    await system.idle();
    system.groups.join('workers', b);
    system.groups.join('admins', b.pid);
    assert.deepEqual(system.groups.members('workers').sort(), [a.pid, b.pid].sort());
    assert.deepEqual(system.groups.whichGroups().sort(), ['admins', 'workers']);
    const left: boolean[] = [];
    await inside(system, a, (ctx) => {
      left.push(ctx.leave('workers'));
      left.push(ctx.leave('workers'));
    });
    assert.deepEqual(left, [true, false]);
    assert.equal(system.groups.leave('admins', b), true);
    assert.equal(system.groups.leave('admins', b), false);
    assert.deepEqual(system.groups.members('workers'), [b.pid]);
    assert.deepEqual(system.groups.members('admins'), []);
    assert.deepEqual(system.groups.whichGroups(), ['workers'], 'an emptied group is gone');
    await system.shutdown();
  });

  it("a group loses a member's every join when it crashes", async () => {
    const { system } = setup();
    const changes: GroupChange[] = [];
    system.groups.watch(undefined, (c) => changes.push(c));
    const member = system.spawn(
      worker([], (ctx) => {
        ctx.join('a');
        ctx.join('a');
        ctx.join('b');
      }),
    );
    const other = system.spawn(worker([], (ctx) => ctx.join('a')));
    await system.idle();
    assert.equal(system.groups.members('a').filter((p) => p === member.pid).length, 2);
    changes.length = 0;
    member.tell({ type: 'crash' });
    await system.idle();
    assert.deepEqual(system.groups.members('a'), [other.pid]);
    assert.deepEqual(system.groups.members('b'), []);
    assert.deepEqual(system.groups.whichGroups(), ['a']);
    assert.deepEqual(changes.map((c) => [c.event, c.group, c.pids]).sort(), [
      ['leave', 'a', [member.pid, member.pid]],
      ['leave', 'b', [member.pid]],
    ]);
    await system.shutdown();
  });

  it('after crashes, a supervised group holds each current worker exactly once', async () => {
    const { system } = setup();
    const sup = (await system.start(
      supervisor({
        strategy: 'one-for-one',
        intensity: 10,
        children: ['w0', 'w1', 'w2'].map((id) => ({
          id,
          actor: worker([], (ctx) => ctx.join('workers')),
        })),
      }),
    )) as SupervisorRef;
    const before = system.groups.members('workers');
    for (const id of ['w1', 'w1', 'w2']) {
      (await child(sup, id)).tell({ type: 'crash' });
      await system.idle();
    }
    const current = (await whichChildren(sup)).map((c) => c.ref?.pid as Pid);
    const after = system.groups.members('workers');
    assert.deepEqual([...after].sort(), [...current].sort());
    assert.equal(new Set(after).size, 3);
    assert.equal(after.filter((p) => before.includes(p)).length, 1, 'only w0 survived');
    await system.shutdown();
  });

  it("an actor subscribed to a group's joins and leaves receives them until it exits", async () => {
    const { system, letters } = setup();
    const { ref: watcher, handled: heard } = recorder<GroupChange>(system);
    const early = system.spawn(worker([], (ctx) => ctx.join('g')));
    await system.idle();
    const { members } = system.groups.watchFrom(watcher, 'g');
    assert.deepEqual(members, [early.pid]);
    const late = system.spawn(worker([], (ctx) => ctx.join('g')));
    await system.idle();
    system.groups.join('elsewhere', late);
    early.tell({ type: 'crash' });
    await system.idle();
    assert.deepEqual(
      heard.map((c) => [c.type, c.event, c.group, c.pids]),
      [
        ['GROUP', 'join', 'g', [late.pid]],
        ['GROUP', 'leave', 'g', [early.pid]],
      ],
    );
    await system.stop(watcher);
    system.groups.leave('g', late);
    await system.idle();
    assert.equal(heard.length, 2);
    assert.deepEqual(letters, [], 'a dead watcher is no longer sent changes');
    await system.shutdown();
  });

  it('a callback watch stops on stop()', async () => {
    const { system } = setup();
    const heard: string[] = [];
    const w = system.groups.watch('g', (c) => heard.push(`${c.event}:${c.pids.join()}`));
    const a = system.spawn(worker());
    system.groups.join('g', a);
    w.stop();
    system.groups.leave('g', a);
    assert.deepEqual(heard, [`join:${a.pid}`]);
    await system.shutdown();
  });

  it('a send to every member reaches each once, however often it joined', async () => {
    const { system } = setup();
    const log: string[] = [];
    const a = system.spawn(
      worker(log, (ctx) => {
        ctx.join('g');
        ctx.join('g');
      }),
    );
    const b = system.spawn(worker(log, (ctx) => ctx.join('g')));
    const outsider = system.spawn(worker(log));
    await system.idle();
    assert.equal(system.groups.broadcast('g', { type: 'note', text: 'all' }), 2);
    await system.idle();
    assert.deepEqual(log.sort(), [`${a.pid}:all`, `${b.pid}:all`].sort());
    assert.ok(!log.some((l) => l.startsWith(`${outsider.pid}:`)));
    assert.equal(system.groups.broadcast('nobody', { type: 'note', text: 'x' }), 0);
    await system.shutdown();
  });
});

describe('address forms', () => {
  failOnUnhandledRejections();

  /** Uses any address the same way: a tell, then an ask. */
  async function use(to: Address<WorkerMsg>, text: string): Promise<Pid> {
    to.tell({ type: 'note', text });
    return to.ask({ type: 'who' });
  }

  it('a ref, a name, a service key and a pool are all targets for tell and ask (ask to a name, a service and a pool)', async () => {
    const { system } = setup();
    const log: string[] = [];
    system.services.define('svc', { keys: 'unique' });
    const byRef = system.spawn(worker(log));
    const byName = system.spawn(worker(log), { name: 'named' });
    const byService = system.spawn(worker(log, (ctx) => ctx.registerService('svc', 'k')));
    const pool = await system.startPool(worker(log), { size: 2 });
    await system.idle();
    const poolPids = pool.workers().map((w) => w.pid);

    assert.equal(await use(byRef, 'ref'), byRef.pid);
    assert.equal(await use(system.named<WorkerMsg>('named'), 'name'), byName.pid);
    assert.equal(await use(system.services.ref<WorkerMsg>('svc', 'k'), 'service'), byService.pid);
    const answered = await use(pool, 'pool');
    assert.ok(poolPids.includes(answered));
    await system.idle();
    assert.deepEqual(
      log.filter((l) => !l.endsWith(':pool')).sort(),
      [`${byRef.pid}:ref`, `${byName.pid}:name`, `${byService.pid}:service`].sort(),
    );
    assert.equal(log.filter((l) => l.endsWith(':pool')).length, 1);
    await system.shutdown();
  });
});

describe('request-reply', () => {
  failOnUnhandledRejections();

  type Req = { readonly type: 'req'; readonly reply: Reply<string> };

  it('correlation ids are visible in envelopes and match the reply port', async () => {
    const { system } = setup();
    const seen: { envelope: string | number | undefined; reply: number }[] = [];
    const server = system.spawn(
      defineActor<Req>({
        handle(msg, ctx) {
          seen.push({ envelope: ctx.envelope?.correlationId, reply: msg.reply.correlationId });
          msg.reply.send('ok');
        },
      }),
      { envelopes: true },
    );
    await server.ask({ type: 'req' });
    await server.ask({ type: 'req' }, { timeout: 100 });
    assert.equal(seen.length, 2);
    for (const s of seen) assert.equal(s.envelope, s.reply);
    assert.notEqual(seen[0]?.reply, seen[1]?.reply, 'each ask has its own id');
    await system.shutdown();
  });

  it('an ask with options carries its correlation id even to a receiver without envelopes; a tell carries the one it is given', async () => {
    const { system } = setup();
    const ids: (string | number | undefined)[] = [];
    const server = system.spawn(
      defineActor<Req | { readonly type: 'event' }>({
        handle(msg, ctx) {
          ids.push(ctx.envelope?.correlationId);
          if (msg.type === 'req') msg.reply.send('ok');
        },
      }),
    );
    let port = -1;
    const probe = system.spawn(
      defineActor<Req>({
        handle(msg) {
          port = msg.reply.correlationId;
          msg.reply.send('ok');
        },
      }),
    );
    await probe.ask({ type: 'req' }, { priority: 'high' });
    await server.ask({ type: 'req' }, { priority: 'high' });
    server.tell({ type: 'event' }, { correlationId: 'order-7' });
    server.tell({ type: 'event' });
    await system.idle();
    assert.equal(typeof ids[0], 'number');
    assert.ok((ids[0] as number) > port, 'ids grow');
    assert.deepEqual(ids.slice(1), ['order-7', undefined]);
    await system.shutdown();
  });

  it('a downstream actor sees the time left of the request it serves', async () => {
    const { clock, system } = setup();
    type Down = { readonly type: 'budget'; readonly reply: Reply<[number, number]> };
    type Front =
      | { readonly type: 'serve'; readonly reply: Reply<[number, number]> }
      | { readonly type: 'go' };
    const downstream = system.spawn(
      defineActor<Down>({
        handle(msg) {
          msg.reply.send([msg.reply.expiresAt, msg.reply.remaining()]);
        },
      }),
    );
    let held: Reply<[number, number]> | undefined;
    const front = system.spawn(
      defineActor<Front>({
        handle(msg) {
          if (msg.type === 'serve') {
            held = msg.reply; // answered later, after time has passed
            return;
          }
          const reply = held as Reply<[number, number]>;
          // A far longer timeout of its own: the request's deadline wins.
          downstream.ask({ type: 'budget' }, { deadline: reply.expiresAt, timeout: 60_000 }).then(
            (v) => reply.send(v),
            (e: unknown) => reply.fail(e),
          );
        },
      }),
    );
    clock.advance(50);
    const answer = front.ask({ type: 'serve' }, { timeout: 1_000 });
    await system.idle();
    assert.equal(held?.expiresAt, 1_050);
    assert.equal(held?.remaining(), 1_000);
    clock.advance(300);
    assert.equal(held?.remaining(), 700);
    front.tell({ type: 'go' });
    assert.deepEqual(await answer, [1_050, 700]);
    await system.shutdown();
  });

  it('an ask with a deadline times out at the deadline, not at its longer timeout', async () => {
    const { clock, system } = setup();
    const parked: Reply<string>[] = [];
    const server = system.spawn(
      defineActor<Req>({
        handle(msg) {
          parked.push(msg.reply);
        },
      }),
    );
    const asked = track(server.ask({ type: 'req' }, { deadline: 100, timeout: 10_000 }));
    await system.idle();
    assert.equal(parked[0]?.expiresAt, 100);
    await clock.advanceAndSettle(99, system);
    assert.equal(asked.settled(), false);
    assert.equal(parked[0]?.remaining(), 1);
    await clock.advanceAndSettle(1, system);
    await assert.rejects(asked.promise, CallTimeoutError);
    assert.equal(parked[0]?.pending, false);
    assert.equal(parked[0]?.remaining(), 0, 'never negative');
    await system.shutdown();
  });

  it('a shorter timeout beats a later deadline; an ask that waits forever has Infinity left', async () => {
    const { system } = setup();
    const budgets: [number, number][] = [];
    const server = system.spawn(
      defineActor<Req>({
        handle(msg) {
          budgets.push([msg.reply.expiresAt, msg.reply.remaining()]);
          msg.reply.send('ok');
        },
      }),
    );
    await server.ask({ type: 'req' }, { deadline: 5_000, timeout: 200 });
    await server.ask({ type: 'req' }, { timeout: Number.POSITIVE_INFINITY });
    assert.deepEqual(budgets, [
      [200, 200],
      [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY],
    ]);
    await system.shutdown();
  });

  it('a deadline must be a clock time', async () => {
    const { system } = setup();
    const server = system.spawn(worker());
    await assert.rejects(
      server.ask({ type: 'who' }, { deadline: Number.NaN }),
      (e: unknown) =>
        e instanceof InvalidArgumentError &&
        e.code === 'ERR_INVALID_ARG' &&
        e.option === 'deadline',
    );
    await system.shutdown();
  });
});
