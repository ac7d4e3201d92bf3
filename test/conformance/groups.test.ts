/**
 * otp-rules.md §1.12: process groups (`pg`) in named scopes, with group
 * names of any structured-cloneable key (R12.1, R12.4, R12.5).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type GroupChange, InvalidArgumentError } from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { setup } from './harness.js';

describe('conformance §1.12: process groups in scopes', () => {
  failOnUnhandledRejections();

  it('R12.1 scopes are independent (OTP pg scopes): a group joined in one scope is empty in another', async () => {
    const { system, probe } = setup();
    const p = await probe();
    p.run((ctx) => {
      ctx.join('workers', { scope: 'cluster' });
      ctx.join('workers', { scope: 'cluster' });
    });
    await system.idle();
    const cluster = system.groups.scope('cluster');
    assert.deepEqual(cluster.members('workers'), [p.pid, p.pid]);
    assert.deepEqual(system.groups.members('workers'), [], 'the default scope has no such group');
    assert.equal(system.groups.scope('cluster'), cluster, 'one scope object per name');
    assert.equal(system.groups.scope('default'), system.groups);
    assert.deepEqual(system.groups.scopes(), ['default', 'cluster']);
    let left: boolean[] = [];
    p.run((ctx) => {
      left = [ctx.leave('workers'), ctx.leave('workers', { scope: 'cluster' })];
    });
    await system.idle();
    assert.deepEqual(left, [false, true]);
    assert.deepEqual(cluster.members('workers'), [p.pid]);
    await system.shutdown();
  });

  it('R12.1 a group name is any structured-cloneable key, equal by structure', async () => {
    const { system, probe } = setup();
    const p = await probe();
    const q = await probe();
    p.run((ctx) => ctx.join(['shard', 3]));
    system.groups.join(['shard', 3], q.ref);
    system.groups.join({ tenant: 't1', region: 'eu' }, q.ref);
    await system.idle();
    assert.deepEqual(
      [...system.groups.members(['shard', 3])].sort((a, b) => a - b),
      [p.pid, q.pid],
    );
    assert.deepEqual(system.groups.members({ region: 'eu', tenant: 't1' }), [q.pid]);
    assert.equal(system.groups.broadcast(['shard', 3], { type: 'note', text: 'hi' }), 2);
    assert.throws(() => system.groups.join(() => 0, p.ref), InvalidArgumentError);
    await system.shutdown();
  });

  it('R12.4 a member that exits leaves its groups in every scope, and watchers hear it with the scope named', async () => {
    const { system, probe } = setup();
    const p = await probe();
    const changes: GroupChange[] = [];
    system.groups.scope('a').watch(undefined, (c) => changes.push(c));
    system.groups.watch(undefined, (c) => changes.push(c));
    p.run((ctx) => {
      ctx.join(['g', 1], { scope: 'a' });
      ctx.join(['g', 1]);
    });
    await system.idle();
    await system.stop(p.ref);
    assert.deepEqual(system.groups.scope('a').whichGroups(), []);
    assert.deepEqual(system.groups.whichGroups(), []);
    assert.deepEqual(
      changes.map((c) => [c.scope, c.event, c.group]),
      [
        ['a', 'join', ['g', 1]],
        ['default', 'join', ['g', 1]],
        ['a', 'leave', ['g', 1]],
        ['default', 'leave', ['g', 1]],
      ],
    );
    await system.shutdown();
  });

  it('a scope name must be a non-empty string of at most 256 characters (ERR_INVALID_ARG naming scope)', async () => {
    const { system } = setup();
    const scope = (e: unknown) => e instanceof InvalidArgumentError && e.option === 'scope';
    assert.throws(() => system.groups.scope(''), scope);
    assert.throws(() => system.groups.scope(7 as unknown as string), scope);
    assert.throws(() => system.groups.scope('s'.repeat(257)), scope);
    system.groups.scope('s'.repeat(256));
    assert.ok(system.groups.scopes().includes('s'.repeat(256)));
    await system.shutdown();
  });

  it('a group name may hold Map, Set, Date, RegExp and binary data; Error objects and boxed primitives are refused as class instances', async () => {
    const { system, probe } = setup();
    const p = await probe();
    const group = (e: unknown) => e instanceof InvalidArgumentError && e.option === 'group';
    const accepted = [new Map([['k', 1]]), new Set([1]), new Date(0), /x/, new Uint8Array([1])];
    for (const name of accepted) system.groups.join(name, p.ref);
    assert.equal(system.groups.whichGroups().length, accepted.length);
    for (const name of [new Error('e'), new Number(1), Object('x'), new Boolean(true)]) {
      assert.throws(() => system.groups.join(name, p.ref), group, String(name));
    }
    await system.shutdown();
  });

  it('the group keeps a copy of its name: arrays and plain objects frozen deeply, a Map not, and changing it leaves the group as it was', async () => {
    const { system, probe } = setup();
    const p = await probe();
    system.groups.join({ tags: ['a'], by: new Map([['k', 1]]) }, p.ref);
    const [kept] = system.groups.whichGroups() as [{ tags: string[]; by: Map<string, number> }];
    assert.ok(Object.isFrozen(kept) && Object.isFrozen(kept.tags));
    kept.by.set('k', 2); // freezing does not reach a Map's contents
    assert.equal((system.groups.whichGroups()[0] as typeof kept).by.get('k'), 2, 'one copy');
    assert.deepEqual(system.groups.members({ tags: ['a'], by: new Map([['k', 1]]) }), [p.pid]);
    await system.shutdown();
  });
});
