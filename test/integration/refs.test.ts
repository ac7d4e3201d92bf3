import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { ActorProcess } from '../../src/actor/index.js';
import {
  type ActorRef,
  createSystem,
  type DownMessage,
  defineActor,
  type MonitorRef,
  type Reply,
  supervisor,
} from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';

type Msg =
  | { type: 'set'; secret: string }
  | { type: 'get'; reply: Reply<string> }
  | { type: 'echo'; reply: Reply<unknown> }
  | { type: 'watch'; target: ActorRef<never>; reply: Reply<MonitorRef> };

const keeper = defineActor<Msg, { secret: string; watch?: MonitorRef }>({
  init: () => ({ secret: 'hidden' }),
  handle(msg, ctx) {
    switch (msg.type) {
      case 'set':
        ctx.state.secret = msg.secret;
        return;
      case 'get':
        msg.reply.send(ctx.state.secret);
        return;
      case 'echo':
        msg.reply.send(msg.reply);
        return;
      case 'watch':
        msg.reply.send(ctx.monitor(msg.target));
        return;
    }
  },
});

/** Every value reachable from `root` by reading properties, own or inherited (getters too), `depth` steps deep. */
function reachable(root: unknown, depth: number): unknown[] {
  const seen = new Set<unknown>();
  const walk = (value: unknown, left: number): void => {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
    if (seen.has(value)) return;
    seen.add(value);
    if (left === 0) return;
    for (
      let o: object | null = value as object;
      o !== null && o !== Object.prototype && o !== Function.prototype;
      o = Object.getPrototypeOf(o)
    ) {
      for (const key of Reflect.ownKeys(o)) {
        let child: unknown;
        try {
          child = Reflect.get(o, key, value);
        } catch {
          continue;
        }
        walk(child, left - 1);
      }
    }
  };
  walk(root, depth);
  return [...seen];
}

/** The names a ref shows, own and inherited, minus what every object has. */
function members(value: object): string[] {
  const names = new Set<string>();
  for (
    let o: object | null = value;
    o !== null && o !== Object.prototype;
    o = Object.getPrototypeOf(o)
  ) {
    for (const key of Reflect.ownKeys(o)) if (typeof key === 'string') names.add(key);
  }
  names.delete('constructor');
  return [...names].sort();
}

describe('refs are addresses (§1)', () => {
  failOnUnhandledRejections();

  it('a ref shows pid, tell, offer and ask, and nothing else', async () => {
    const system = createSystem();
    const ref = system.spawn(keeper);
    assert.deepEqual(members(ref), ['ask', 'offer', 'pid', 'tell', 'toString']);
    assert.deepEqual(Object.keys(ref), []);
    assert.equal((ref as unknown as { state?: unknown }).state, undefined);
    assert.equal((ref as unknown as { stop?: unknown }).stop, undefined);
    assert.equal(inspect(ref), `ActorRef<0.${ref.pid}>`);
    assert.equal(await ref.ask({ type: 'get' }), 'hidden');
    await system.shutdown();
  });

  it('no property path from a ref, a named address, a service address, a pool or a supervisor ref leads to a process', async () => {
    const system = createSystem();
    system.services.define('keepers', { keys: 'unique' });
    const ref = system.spawn(keeper, { name: 'k' });
    system.services.register('keepers', 'one', ref);
    const workers = await system.startPool(keeper, { size: 2 });
    const sup = system.spawn(
      supervisor({ children: [{ id: 'k2', actor: keeper, options: { name: 'k2' } }] }),
    );
    await system.idle();
    const addresses: unknown[] = [
      ref,
      system.whereis('k'),
      system.whereis('k2'),
      system.named('k'),
      system.services.ref('keepers', 'one'),
      system.services.lookup('keepers', 'one'),
      workers,
      sup,
    ];
    for (const address of addresses) {
      const found = reachable(address, 6).filter((v) => v instanceof ActorProcess);
      assert.deepEqual(found, [], `${String(address)} leads to a process`);
    }
    await system.shutdown();
  });

  it('a reply port and a monitor ref lead to no process either', async () => {
    const system = createSystem();
    const a = system.spawn(keeper);
    const b = system.spawn(keeper);
    const port = await a.ask({ type: 'echo' });
    const watch = await a.ask({ type: 'watch', target: b });
    for (const value of [port, watch]) {
      const found = reachable(value, 6).filter((v) => v instanceof ActorProcess);
      assert.deepEqual(found, []);
    }
    assert.equal((watch as MonitorRef).active, true);
    await system.shutdown();
  });

  it('the state changes only through messages: the same ref reads what a message set', async () => {
    const system = createSystem();
    const ref = system.spawn(keeper);
    ref.tell({ type: 'set', secret: 'new' });
    assert.equal(await ref.ask({ type: 'get' }), 'new');
    await system.shutdown();
  });

  it('a ref stays the same object for its process, so refs compare by identity and by pid', async () => {
    const system = createSystem();
    const ref = system.spawn(keeper, { name: 'same' });
    assert.equal(system.whereis('same'), ref);
    await system.shutdown();
  });

  it('a DOWN ref is the monitor ref the watcher holds', async () => {
    const system = createSystem();
    const downs: DownMessage[] = [];
    const watcher = system.spawn(
      defineActor<
        DownMessage | { type: 'watch'; target: ActorRef<never>; reply: Reply<MonitorRef> }
      >({
        handle(msg, ctx) {
          if (msg.type === 'DOWN') downs.push(msg);
          else msg.reply.send(ctx.monitor(msg.target));
        },
      }),
    );
    const target = system.spawn(keeper);
    const m = await watcher.ask({ type: 'watch', target });
    await system.stop(target);
    await system.idle();
    assert.equal(downs.length, 1);
    assert.equal(downs[0]?.ref, m);
    assert.equal(downs[0]?.pid, target.pid);
    await system.shutdown();
  });
});
