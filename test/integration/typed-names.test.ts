import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ActorRef,
  childSpec,
  createSystem,
  type DownMessage,
  defineActor,
  group,
  InvalidArgumentError,
  name,
  type Reply,
  serviceKey,
  supervisor,
} from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';

type CounterMsg =
  | { readonly type: 'inc' }
  | { readonly type: 'get'; readonly reply: Reply<number> };

const counter = defineActor<CounterMsg, number>({
  init: () => 0,
  handle(msg, ctx) {
    if (msg.type === 'inc') ctx.state++;
    else msg.reply.send(ctx.state);
  },
});

const counterName = name<CounterMsg>('counter');
const sessions = serviceKey<CounterMsg>('sessions');

describe('typed names and service keys (§17)', () => {
  failOnUnhandledRejections();

  it('a name token registers, finds and addresses the same process as its string', async () => {
    const system = createSystem();
    const ref = system.spawn(counter, { name: counterName });
    assert.equal(system.whereis(counterName), ref);
    assert.equal(system.whereis('counter'), ref);
    system.named(counterName).tell({ type: 'inc' });
    assert.equal(await system.named(counterName).ask({ type: 'get' }), 1);
    assert.equal(system.unregister(counterName), true);
    assert.equal(system.whereis(counterName), undefined);
    system.register(counterName, ref);
    assert.equal(system.whereis('counter'), ref);
    await system.shutdown();
  });

  it('a supervised child registered under a token is found again after a restart', async () => {
    const system = createSystem();
    system.spawn(
      supervisor({
        children: [childSpec({ id: 'c', actor: counter, options: { name: counterName } })],
      }),
    );
    await system.idle();
    const first = system.whereis(counterName) as ActorRef<CounterMsg>;
    system.kill(first);
    await system.idle();
    const second = system.whereis(counterName);
    assert.ok(second !== undefined && second.pid !== first.pid);
    assert.equal(await second.ask({ type: 'get' }), 0);
    await system.shutdown();
  });

  it('a monitor by token fires with the name, like a monitor by string', async () => {
    const system = createSystem();
    const downs: DownMessage[] = [];
    const target = system.spawn(counter, { name: counterName });
    system.spawn(
      defineActor<DownMessage>({
        init: (ctx) => {
          ctx.monitor(counterName);
        },
        handle: (msg) => {
          downs.push(msg);
        },
      }),
    );
    await system.idle();
    await system.stop(target);
    await system.idle();
    assert.equal(downs.length, 1);
    assert.equal(downs[0]?.name, 'counter');
    assert.equal(downs[0]?.pid, target.pid);
    await system.shutdown();
  });

  it('a service key defines, registers, looks up and addresses its service', async () => {
    const system = createSystem();
    system.services.define(sessions, { keys: 'unique' });
    const ref = system.spawn(counter);
    system.services.register(sessions, 'u1', ref);
    assert.deepEqual(
      system.services.lookup(sessions, 'u1').map((e) => e.ref),
      [ref],
    );
    system.services.ref(sessions, 'u1').tell({ type: 'inc' });
    assert.equal(await system.services.ref(sessions, 'u1').ask({ type: 'get' }), 1);
    assert.deepEqual(system.services.keys(sessions, ref), ['u1']);
    assert.equal(system.services.count(sessions), 1);
    assert.equal(system.services.unregister(sessions, 'u1', ref), true);
    await system.shutdown();
  });

  it('a group token joins, lists, broadcasts to and leaves the group of its string', async () => {
    const system = createSystem();
    const room = group<CounterMsg>('room');
    const a = system.spawn(counter);
    const b = system.spawn(counter);
    const typed = system.groups.typed(room);
    typed.join(a);
    system.groups.join('room', b);
    assert.deepEqual(typed.members(), [a.pid, b.pid]);
    assert.equal(typed.broadcast({ type: 'inc' }), 2);
    assert.equal(await b.ask({ type: 'get' }), 1);
    assert.equal(typed.leave(a), true);
    assert.deepEqual(system.groups.members('room'), [b.pid]);
    assert.throws(() => group(''), InvalidArgumentError);
    assert.throws(() => system.groups.typed({} as never), InvalidArgumentError);
    await system.shutdown();
  });

  it('an empty name or service, or something that is not a token, is refused with ERR_INVALID_ARG', () => {
    assert.throws(() => name(''), InvalidArgumentError);
    assert.throws(() => serviceKey(''), InvalidArgumentError);
    const system = createSystem();
    assert.throws(
      () => system.spawn(counter, { name: { name: 42 } as never }),
      (e: unknown) => e instanceof InvalidArgumentError && e.code === 'ERR_INVALID_ARG',
    );
    assert.throws(() => system.whereis({} as never), InvalidArgumentError);
    assert.equal(system.stats().processes, 0);
  });

  it('a token is frozen plain data: it survives structured cloning and JSON', () => {
    assert.ok(Object.isFrozen(counterName));
    assert.deepEqual(structuredClone(counterName), { name: 'counter' });
    assert.equal(JSON.stringify(sessions), '{"service":"sessions"}');
  });
});
