/**
 * Registered names (src/registry/names.ts, otp-rules.md §1.7) and the
 * address by name (src/registry/named-ref.ts), resolved at every send.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InvalidArgumentError,
  NameTakenError,
  NoProcError,
  RuntimeError,
} from '../../../src/errors.js';
import { NamedRef, NameTable } from '../../../src/registry/index.js';
import { FakeHolder } from './fake-holder.js';

const invalidArg = (option: string) => (e: unknown) =>
  e instanceof InvalidArgumentError && e.option === option;

describe('NameTable (R7.1-R7.3)', () => {
  it('register, whereis and unregister; whereis is undefined when absent', () => {
    const names = new NameTable<FakeHolder>();
    const a = new FakeHolder(1);
    assert.equal(names.whereis('db'), undefined);
    names.register('db', a);
    assert.equal(names.whereis('db'), a);
    assert.equal(a.registeredName, 'db');
    assert.deepEqual(names.names(), ['db']);
    assert.equal(names.unregister('db'), true);
    assert.equal(names.whereis('db'), undefined);
    assert.equal(a.registeredName, undefined);
    assert.equal(names.unregister('db'), false, 'R7.3: not registered');
    names.register('db', a);
    assert.equal(names.whereis('db'), a, 'a freed name can be taken again');
  });

  it('a taken name throws NameTakenError (ERR_NAME_TAKEN) and keeps its holder', () => {
    const names = new NameTable<FakeHolder>();
    const a = new FakeHolder(1);
    const b = new FakeHolder(2);
    names.register('db', a);
    assert.throws(
      () => names.register('db', b),
      (e: unknown) =>
        e instanceof NameTakenError &&
        e instanceof RuntimeError &&
        e.code === 'ERR_NAME_TAKEN' &&
        e.takenName === 'db',
    );
    assert.throws(() => names.register('db', a), NameTakenError, 'even by its holder');
    assert.equal(names.whereis('db'), a);
    assert.equal(b.registeredName, undefined);
  });

  it('a process holds at most one name', () => {
    const names = new NameTable<FakeHolder>();
    const a = new FakeHolder(1);
    names.register('one', a);
    assert.throws(() => names.register('two', a), invalidArg('name'));
    assert.equal(names.whereis('two'), undefined);
    assert.equal(a.registeredName, 'one');
  });

  it('only live processes and non-empty names', () => {
    const names = new NameTable<FakeHolder>();
    const a = new FakeHolder(1);
    assert.throws(() => names.register('', a), invalidArg('name'));
    assert.throws(() => names.register(undefined as unknown as string, a), invalidArg('name'));
    a.alive = false;
    assert.throws(() => names.register('db', a), NoProcError);
    assert.deepEqual(names.names(), []);
  });

  it('release frees the name of an exiting process, and only its own', () => {
    const names = new NameTable<FakeHolder>();
    const a = new FakeHolder(1);
    const b = new FakeHolder(2);
    names.register('db', a);
    a.alive = false;
    names.release(a);
    assert.equal(names.whereis('db'), undefined);
    names.register('db', b);
    names.release(a); // a stale release must not free b's name
    assert.equal(names.whereis('db'), b);
    names.release(new FakeHolder(3));
    assert.equal(names.whereis('db'), b);
  });
});

describe('NamedRef: an address by name', () => {
  function setup() {
    const names = new NameTable<FakeHolder>();
    const lost: { message: unknown; address: string }[] = [];
    const ref = (name: string) =>
      new NamedRef<FakeHolder>(
        name,
        (n) => names.whereis(n),
        (message, address) => lost.push({ message, address }),
      );
    /** What the runtime does when a process ends: dead, and its name released. */
    const exit = (h: FakeHolder) => h.exit((x) => names.release(x));
    return { names, lost, ref, exit };
  }

  it('resolves at each send, so it follows the name from holder to holder', async () => {
    const { names, ref, exit } = setup();
    const db = ref('db');
    const a = new FakeHolder(1);
    const b = new FakeHolder(2);
    names.register('db', a);
    db.tell('to-a');
    assert.equal(await db.ask({ q: 1 }), 'answer-1');
    exit(a);
    names.register('db', b);
    db.tell('to-b', { ttl: 5 });
    assert.equal(await db.ask({ q: 2 }, { timeout: 9 }), 'answer-2');
    await db.offer('offered');
    assert.deepEqual(a.messages(), ['to-a']);
    assert.deepEqual(b.messages(), ['to-b']);
    assert.deepEqual(b.told[0]?.options, { ttl: 5 });
    assert.deepEqual(b.asked[0]?.options, { timeout: 9 });
    assert.deepEqual(b.offered, ['offered']);
  });

  it('does not keep sending to a live holder that gave the name up', () => {
    const { names, ref } = setup();
    const db = ref('db');
    const a = new FakeHolder(1);
    const b = new FakeHolder(2);
    names.register('db', a);
    db.tell(1);
    names.unregister('db');
    names.register('db', b);
    db.tell(2);
    names.unregister('db');
    names.register('other', a);
    db.tell(3);
    assert.deepEqual(a.messages(), [1]);
    assert.deepEqual(b.messages(), [2]);
  });

  it('nobody holds the name: tell is undeliverable (name:…); ask and offer reject ERR_NOPROC', async () => {
    const { names, lost, ref, exit } = setup();
    const db = ref('db');
    db.tell({ early: true });
    const a = new FakeHolder(1);
    names.register('db', a);
    db.tell({ held: true });
    exit(a);
    db.tell({ late: true });
    assert.deepEqual(lost, [
      { message: { early: true }, address: 'name:db' },
      { message: { late: true }, address: 'name:db' },
    ]);
    assert.deepEqual(a.messages(), [{ held: true }]);
    for (const p of [db.ask({ q: 1 }), db.offer('x')]) {
      await assert.rejects(
        p,
        (e: unknown) => e instanceof NoProcError && e.code === 'ERR_NOPROC' && e.target === '"db"',
      );
    }
    assert.throws(() => db.tell(undefined), invalidArg('message'));
    assert.equal(lost.length, 2);
  });

  it('needs a non-empty name', () => {
    const { ref } = setup();
    assert.throws(() => ref(''), invalidArg('name'));
    assert.equal(ref('db').name, 'db');
    assert.equal(String(ref('db')), 'NamedRef(db)');
  });
});
