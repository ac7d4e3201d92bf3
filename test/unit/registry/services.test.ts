/**
 * Services (src/registry/services.ts): a keyed registry with unique and
 * duplicate keys, like Elixir's `Registry` (otp-rules.md R7.5), and the
 * address by service and key.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  InvalidArgumentError,
  KeyTakenError,
  NoProcError,
  RuntimeError,
} from '../../../src/errors.js';
import { ServiceRef, ServiceTable } from '../../../src/registry/index.js';
import { FakeHolder } from './fake-holder.js';

const invalidArg = (option: string) => (e: unknown) =>
  e instanceof InvalidArgumentError && e.option === option;

function table(): ServiceTable<FakeHolder> {
  const t = new ServiceTable<FakeHolder>();
  t.define('sessions', 'unique');
  t.define('rooms', 'duplicate');
  return t;
}

const pidsOf = (entries: readonly { holder: FakeHolder }[]) => entries.map((e) => e.holder.pid);

describe('ServiceTable: defining services', () => {
  it('defines a service once per mode; the same mode again is a no-op', () => {
    const t = table();
    t.define('sessions', 'unique');
    assert.deepEqual(t.names().sort(), ['rooms', 'sessions']);
    assert.equal(t.mode('sessions'), 'unique');
    assert.equal(t.mode('rooms'), 'duplicate');
  });

  it('refuses to redefine a service with the other mode, and bad names or modes', () => {
    const t = table();
    assert.throws(() => t.define('sessions', 'duplicate'), invalidArg('keys'));
    assert.equal(t.mode('sessions'), 'unique');
    assert.throws(() => t.define('x', 'many' as 'unique'), invalidArg('keys'));
    assert.throws(() => t.define('', 'unique'), invalidArg('service'));
    assert.throws(() => t.define(7 as unknown as string, 'unique'), invalidArg('service'));
    assert.deepEqual(t.names().sort(), ['rooms', 'sessions']);
  });

  it('every operation on an undefined service throws InvalidArgumentError naming service', () => {
    const t = table();
    const a = new FakeHolder(1);
    assert.throws(() => t.register('nope', 'k', a, undefined), invalidArg('service'));
    assert.throws(() => t.unregister('nope', 'k', a), invalidArg('service'));
    assert.throws(() => t.lookup('nope', 'k'), invalidArg('service'));
    assert.throws(() => t.count('nope'), invalidArg('service'));
    assert.throws(() => t.mode('nope'), invalidArg('service'));
    assert.equal(a.held.size, 0);
  });
});

describe('ServiceTable: unique keys', () => {
  it('registers a process under a key with a value; lookup finds it', () => {
    const t = table();
    const a = new FakeHolder(1);
    t.register('sessions', 'u1', a, { since: 3 });
    const found = t.lookup('sessions', 'u1');
    assert.equal(found.length, 1);
    assert.equal(found[0]?.holder, a);
    assert.deepEqual(found[0]?.value, { since: 3 });
    assert.deepEqual(t.lookup('sessions', 'u2'), []);
    assert.equal(a.held.size, 1);
  });

  it('a taken key throws KeyTakenError (ERR_KEY_TAKEN), for another process or the same one', () => {
    const t = table();
    const a = new FakeHolder(1);
    const b = new FakeHolder(2);
    t.register('sessions', 'u1', a, 'first');
    for (const who of [b, a]) {
      assert.throws(
        () => t.register('sessions', 'u1', who, 'second'),
        (e: unknown) =>
          e instanceof KeyTakenError &&
          e instanceof RuntimeError &&
          e.code === 'ERR_KEY_TAKEN' &&
          e.service === 'sessions' &&
          e.key === 'u1' &&
          e.message.includes('<0.1>'),
      );
    }
    assert.deepEqual(pidsOf(t.lookup('sessions', 'u1')), [1]);
    assert.equal(t.lookup('sessions', 'u1')[0]?.value, 'first');
    assert.equal(b.held.size, 0, 'a refused registration is not held');
    assert.equal(t.count('sessions'), 1);
  });

  it('one process may hold several unique keys', () => {
    const t = table();
    const a = new FakeHolder(1);
    t.register('sessions', 'u1', a, undefined);
    t.register('sessions', 'u2', a, undefined);
    assert.deepEqual(t.keysOf('sessions', a).sort(), ['u1', 'u2']);
    assert.equal(t.count('sessions'), 2);
  });

  it('unregister frees the key at once; a second unregister returns false', () => {
    const t = table();
    const a = new FakeHolder(1);
    const b = new FakeHolder(2);
    t.register('sessions', 'u1', a, undefined);
    assert.equal(t.unregister('sessions', 'u1', b), false, 'b holds nothing');
    assert.equal(t.unregister('sessions', 'u1', a), true);
    assert.equal(t.unregister('sessions', 'u1', a), false);
    assert.equal(a.held.size, 0, 'the released entry is dropped from the holder');
    t.register('sessions', 'u1', b, undefined);
    assert.deepEqual(pidsOf(t.lookup('sessions', 'u1')), [2]);
  });

  it("a process's exit removes its entries and frees its keys", () => {
    const t = table();
    const a = new FakeHolder(1);
    const b = new FakeHolder(2);
    t.register('sessions', 'u1', a, undefined);
    t.register('sessions', 'u2', a, undefined);
    t.register('rooms', 'lobby', a, undefined);
    t.register('rooms', 'lobby', b, undefined);
    a.exit();
    assert.deepEqual(t.lookup('sessions', 'u1'), []);
    assert.deepEqual(t.lookup('sessions', 'u2'), []);
    assert.deepEqual(pidsOf(t.lookup('rooms', 'lobby')), [2]);
    assert.deepEqual(t.keysOf('sessions', a), []);
    assert.equal(t.count('sessions'), 0);
    t.register('sessions', 'u1', b, undefined);
    assert.deepEqual(pidsOf(t.lookup('sessions', 'u1')), [2]);
  });

  it('a dead process cannot register: NoProcError', () => {
    const t = table();
    const a = new FakeHolder(1);
    a.exit();
    assert.throws(() => t.register('sessions', 'u1', a, undefined), NoProcError);
    assert.deepEqual(t.lookup('sessions', 'u1'), []);
  });

  it('a key must be a non-empty string', () => {
    const t = table();
    const a = new FakeHolder(1);
    assert.throws(() => t.register('sessions', '', a, undefined), invalidArg('key'));
    assert.throws(
      () => t.register('sessions', 3 as unknown as string, a, undefined),
      invalidArg('key'),
    );
    assert.equal(t.count('sessions'), 0);
  });
});

describe('ServiceTable: duplicate keys', () => {
  it('any number of processes share a key; lookup lists them oldest first with their values', () => {
    const t = table();
    const [a, b, c] = [new FakeHolder(1), new FakeHolder(2), new FakeHolder(3)];
    t.register('rooms', 'lobby', b, 'b');
    t.register('rooms', 'lobby', a, 'a');
    t.register('rooms', 'lobby', c, 'c');
    const entries = t.lookup('rooms', 'lobby');
    assert.deepEqual(pidsOf(entries), [2, 1, 3]);
    assert.deepEqual(
      entries.map((e) => e.value),
      ['b', 'a', 'c'],
    );
    assert.equal(t.count('rooms'), 3);
  });

  it('the same process may register a key twice; unregister removes all of its entries', () => {
    const t = table();
    const a = new FakeHolder(1);
    const b = new FakeHolder(2);
    t.register('rooms', 'lobby', a, 1);
    t.register('rooms', 'lobby', b, 2);
    t.register('rooms', 'lobby', a, 3);
    assert.deepEqual(pidsOf(t.lookup('rooms', 'lobby')), [1, 2, 1]);
    assert.equal(a.held.size, 2);
    assert.equal(t.unregister('rooms', 'lobby', a), true);
    assert.deepEqual(pidsOf(t.lookup('rooms', 'lobby')), [2]);
    assert.equal(a.held.size, 0);
    assert.deepEqual(t.keysOf('rooms', a), []);
  });

  it('lookup returns a copy: changing it changes nothing', () => {
    const t = table();
    t.register('rooms', 'lobby', new FakeHolder(1), undefined);
    t.lookup('rooms', 'lobby').pop();
    assert.equal(t.lookup('rooms', 'lobby').length, 1);
  });

  it('property: after any registrations and exits, lookups list exactly the live entries', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('reg' as const), who: fc.nat(4), key: fc.nat(3) }),
      fc.record({ kind: fc.constant('unreg' as const), who: fc.nat(4), key: fc.nat(3) }),
      fc.record({ kind: fc.constant('exit' as const), who: fc.nat(4) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const t = table();
        const holders = Array.from({ length: 5 }, (_, i) => new FakeHolder(i + 1));
        // The model: per key, the pids registered, in order.
        const model = new Map<string, number[]>();
        for (const o of ops) {
          const h = holders[o.who] as FakeHolder;
          if (o.kind === 'exit') {
            if (!h.alive) continue;
            h.exit();
            for (const [k, list] of model)
              model.set(
                k,
                list.filter((p) => p !== h.pid),
              );
            continue;
          }
          const key = `k${o.key}`;
          if (!h.alive) {
            if (o.kind === 'reg') assert.throws(() => t.register('rooms', key, h, undefined));
            continue;
          }
          if (o.kind === 'reg') {
            t.register('rooms', key, h, undefined);
            model.set(key, [...(model.get(key) ?? []), h.pid]);
          } else {
            const had = (model.get(key) ?? []).includes(h.pid);
            assert.equal(t.unregister('rooms', key, h), had);
            model.set(
              key,
              (model.get(key) ?? []).filter((p) => p !== h.pid),
            );
          }
        }
        let total = 0;
        for (let k = 0; k < 4; k++) {
          const expected = model.get(`k${k}`) ?? [];
          total += expected.length;
          assert.deepEqual(pidsOf(t.lookup('rooms', `k${k}`)), expected);
        }
        assert.equal(t.count('rooms'), total);
        for (const h of holders) {
          // Each entry is one registration its holder keeps until it is removed.
          const entries = [...model.values()].flat().filter((p) => p === h.pid).length;
          assert.equal(h.held.size, entries, `held by ${h.pid}`);
        }
      }),
    );
  });
});

describe('ServiceRef: an address by service and key', () => {
  function setup() {
    const t = table();
    const lost: { message: unknown; address: string }[] = [];
    const ref = (service: string, key: string) =>
      new ServiceRef(
        t,
        service,
        key,
        (message, address) => lost.push({ message, address }),
        (message, holder) => lost.push({ message, address: `refused:${holder.pid}` }),
      );
    return { t, lost, ref };
  }

  it('resolves at each send: a unique key reaches whoever holds it now', async () => {
    const { t, ref } = setup();
    const session = ref('sessions', 'u1');
    const a = new FakeHolder(1);
    const b = new FakeHolder(2);
    t.register('sessions', 'u1', a, undefined);
    session.tell('one');
    assert.equal(await session.ask({ q: 1 }), 'answer-1');
    a.exit();
    t.register('sessions', 'u1', b, undefined);
    session.tell('two', { priority: 'high' });
    assert.equal(await session.ask({ q: 2 }), 'answer-2');
    assert.deepEqual(a.messages(), ['one']);
    assert.deepEqual(b.messages(), ['two']);
    assert.deepEqual(b.told[0]?.options, { priority: 'high' });
  });

  it('a duplicate key: tell reaches every holder, ask and offer the oldest', async () => {
    const { t, ref } = setup();
    const lobby = ref('rooms', 'lobby');
    const [a, b, c] = [new FakeHolder(1), new FakeHolder(2), new FakeHolder(3)];
    t.register('rooms', 'lobby', b, undefined);
    t.register('rooms', 'lobby', a, undefined);
    t.register('rooms', 'lobby', c, undefined);
    lobby.tell('hello');
    for (const h of [a, b, c]) assert.deepEqual(h.messages(), ['hello']);
    assert.equal(await lobby.ask({ q: 1 }), 'answer-2');
    await lobby.offer('o');
    assert.deepEqual(b.offered, ['o']);
    assert.equal(a.asked.length + c.asked.length, 0);
  });

  it('nobody under the key: tell is undeliverable (service:name/key); ask and offer reject ERR_NOPROC', async () => {
    const { lost, ref } = setup();
    const ghost = ref('sessions', 'nobody');
    ghost.tell({ hi: 1 });
    assert.deepEqual(lost, [{ message: { hi: 1 }, address: 'service:sessions/nobody' }]);
    for (const p of [ghost.ask({ q: 1 }), ghost.offer('x')]) {
      await assert.rejects(
        p,
        (e: unknown) =>
          e instanceof NoProcError && e.code === 'ERR_NOPROC' && e.target === 'sessions/nobody',
      );
    }
    assert.throws(() => ghost.tell(undefined), invalidArg('message'));
    assert.equal(lost.length, 1);
  });

  it('needs a defined service and a non-empty key', () => {
    const { ref } = setup();
    assert.throws(() => ref('nope', 'k'), invalidArg('service'));
    assert.throws(() => ref('sessions', ''), invalidArg('key'));
    assert.equal(String(ref('sessions', 'u1')), 'ServiceRef(sessions/u1)');
  });
});
