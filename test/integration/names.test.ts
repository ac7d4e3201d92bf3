import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createSystem,
  defineActor,
  InvalidArgumentError,
  NameTakenError,
  type Reply,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';

type Msg = { type: 'who'; reply: Reply<string> };
const named = (label: string) =>
  defineActor<Msg>({
    handle(msg) {
      msg.reply.send(label);
    },
  });

describe('names', () => {
  failOnUnhandledRejections();

  it('spawn with a name registers it; whereis returns the ref', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(named('db'), { name: 'db' });
    const found = system.whereis<Msg>('db');
    assert.equal(found?.pid, ref.pid);
    assert.equal(await found?.ask({ type: 'who' }), 'db');
    assert.equal(system.info(ref)?.name, 'db');
    assert.equal(system.whereis('nobody'), undefined);
    await system.shutdown();
  });

  it('a taken name throws NameTakenError (ERR_NAME_TAKEN) and spawns nothing', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const first = system.spawn(named('first'), { name: 'db' });
    assert.throws(
      () => system.spawn(named('second'), { name: 'db' }),
      (e: unknown) =>
        e instanceof NameTakenError && e.code === 'ERR_NAME_TAKEN' && e.takenName === 'db',
    );
    assert.deepEqual(system.processes(), [first.pid]);
    assert.equal(system.whereis('db')?.pid, first.pid);
    await system.shutdown();
  });

  for (const how of ['stops', 'crashes', 'is killed'] as const) {
    it(`the name is released when the process ${how}, and can be taken again at once`, async () => {
      const system = createSystem({ clock: new ManualClock() });
      const ref = system.spawn(
        defineActor<'crash'>({
          handle() {
            throw new Error('crash');
          },
        }),
        { name: 'svc' },
      );
      if (how === 'stops') await system.stop(ref);
      else if (how === 'crashes') {
        ref.tell('crash');
        await system.idle();
      } else system.kill(ref);
      assert.equal(system.isAlive(ref), false);
      assert.equal(system.whereis('svc'), undefined);
      const again = system.spawn(named('again'), { name: 'svc' });
      assert.equal(system.whereis('svc')?.pid, again.pid);
      await system.shutdown();
    });
  }

  it('a name is kept across a restart in place', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(
      defineActor<'crash'>({
        handle() {
          throw new Error('crash');
        },
        onError: () => 'restart',
      }),
      { name: 'phoenix' },
    );
    ref.tell('crash');
    await system.idle();
    assert.equal(system.whereis('phoenix')?.pid, ref.pid);
    await system.shutdown();
  });

  it('register and unregister manage names of live processes', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const a = system.spawn(named('a'));
    const b = system.spawn(named('b'));
    system.register('primary', a);
    assert.throws(() => system.register('primary', b), NameTakenError);
    assert.throws(
      () => system.register('secondary', a),
      InvalidArgumentError,
      'one name per process',
    );
    assert.equal(system.unregister('primary'), true);
    assert.equal(system.unregister('primary'), false);
    system.register('primary', b.pid);
    assert.equal(system.whereis('primary')?.pid, b.pid);
    await system.shutdown();
  });
});

describe('two systems in one process', () => {
  failOnUnhandledRejections();

  it('count pids independently and keep separate names', async () => {
    const one = createSystem({ clock: new ManualClock(), name: 'one' });
    const two = createSystem({ clock: new ManualClock(), name: 'two' });
    const a = one.spawn(named('one/db'), { name: 'db' });
    const b = two.spawn(named('two/db'), { name: 'db' });
    assert.equal(a.pid, 1);
    assert.equal(b.pid, 1);
    assert.equal(await one.whereis<Msg>('db')?.ask({ type: 'who' }), 'one/db');
    assert.equal(await two.whereis<Msg>('db')?.ask({ type: 'who' }), 'two/db');
    assert.deepEqual(one.processes(), [1]);
    assert.deepEqual(two.processes(), [1]);
    await Promise.all([one.shutdown(), two.shutdown()]);
  });

  it('shutting one down does not affect the other', async () => {
    const one = createSystem({ clock: new ManualClock() });
    const two = createSystem({ clock: new ManualClock() });
    const a = one.spawn(named('a'));
    const b = two.spawn(named('b'));
    await one.shutdown();
    assert.equal(one.isAlive(a), false);
    assert.equal(two.isAlive(b), true);
    assert.equal(two.isShutDown, false);
    assert.equal(await b.ask({ type: 'who' }), 'b');
    assert.doesNotThrow(() => two.spawn(named('c')));
    await two.shutdown();
  });

  it("one system's operations ignore or refuse another system's refs", async () => {
    const one = createSystem({ clock: new ManualClock() });
    const two = createSystem({ clock: new ManualClock() });
    const a = one.spawn(named('a'));
    await two.stop(a);
    two.kill(a);
    assert.equal(one.isAlive(a), true, 'another system cannot stop it');
    assert.equal(two.isAlive(a), false);
    assert.equal(two.info(a), undefined);
    assert.throws(() => two.sendAfter(10, a, { type: 'who' } as never), InvalidArgumentError);
    await Promise.all([one.shutdown(), two.shutdown()]);
  });

  it('clocks are per system: advancing one fires no timer of the other', async () => {
    const clockOne = new ManualClock();
    const clockTwo = new ManualClock();
    const one = createSystem({ clock: clockOne });
    const two = createSystem({ clock: clockTwo });
    const got: string[] = [];
    const sink = defineActor<string>({
      handle(m) {
        got.push(m);
      },
    });
    one.sendAfter(10, one.spawn(sink), 'one');
    two.sendAfter(10, two.spawn(sink), 'two');
    await clockOne.advanceAndSettle(10, one);
    assert.deepEqual(got, ['one']);
    await clockTwo.advanceAndSettle(10, two);
    assert.deepEqual(got, ['one', 'two']);
    await Promise.all([one.shutdown(), two.shutdown()]);
  });
});
