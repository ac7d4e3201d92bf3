/**
 * Process groups (src/registry/groups.ts), Erlang `pg` (otp-rules.md §1.12):
 * joins counted per process, leaves matched one for one, groups existing
 * only while they have members, exits removing every join, watchers told
 * of every change.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidArgumentError, MailboxFullError, NoProcError } from '../../../src/errors.js';
import type { Pid } from '../../../src/process/index.js';
import { type GroupChange, GroupTable } from '../../../src/registry/index.js';
import { FakeHolder } from './fake-holder.js';

const invalidArg = (option: string) => (e: unknown) =>
  e instanceof InvalidArgumentError && e.option === option;

function setup() {
  const refused: { message: unknown; pid: Pid }[] = [];
  const groups = new GroupTable<FakeHolder>((message, h) => refused.push({ message, pid: h.pid }));
  return { groups, refused };
}

const sorted = (pids: readonly Pid[]) => [...pids].sort((x, y) => x - y);

describe('GroupTable: join, leave, members, whichGroups', () => {
  it('a group that does not exist reads as empty (R12.1)', () => {
    const { groups } = setup();
    assert.deepEqual(groups.members('nobody'), []);
    assert.deepEqual(groups.holders('nobody'), []);
    assert.deepEqual(groups.whichGroups(), []);
  });

  it('joining twice lists the process twice; it must leave twice (R12.2)', () => {
    const { groups } = setup();
    const a = new FakeHolder(1);
    const b = new FakeHolder(2);
    groups.join('g', a);
    groups.join('g', b);
    groups.join('g', a);
    assert.deepEqual(sorted(groups.members('g')), [1, 1, 2]);
    assert.deepEqual(
      groups
        .holders('g')
        .map((h) => h.pid)
        .sort(),
      [1, 2],
    );
    assert.equal(groups.leave('g', a), true);
    assert.deepEqual(sorted(groups.members('g')), [1, 2]);
    assert.equal(groups.leave('g', a), true);
    assert.deepEqual(groups.members('g'), [2]);
    assert.equal(groups.leave('g', a), false, 'not_joined (R12.3)');
    assert.deepEqual(groups.members('g'), [2]);
  });

  it('leaving a group never joined returns false and changes nothing', () => {
    const { groups } = setup();
    const a = new FakeHolder(1);
    const b = new FakeHolder(2);
    groups.join('g', b);
    assert.equal(groups.leave('g', a), false);
    assert.equal(groups.leave('other', a), false);
    assert.deepEqual(groups.members('g'), [2]);
    assert.deepEqual(groups.whichGroups(), ['g']);
  });

  it('whichGroups lists only groups with members: a group vanishes with its last member (R12.1)', () => {
    const { groups } = setup();
    const a = new FakeHolder(1);
    groups.join('x', a);
    groups.join('y', a);
    groups.join('y', a);
    assert.deepEqual(groups.whichGroups().sort(), ['x', 'y']);
    groups.leave('x', a);
    assert.deepEqual(groups.whichGroups(), ['y']);
    groups.leave('y', a);
    assert.deepEqual(groups.whichGroups(), ['y'], 'one join of y is left');
    groups.leave('y', a);
    assert.deepEqual(groups.whichGroups(), []);
  });

  it('a process holds one registration per group, however often it joins, dropped on its last leave', () => {
    const { groups } = setup();
    const a = new FakeHolder(1);
    groups.join('g', a);
    groups.join('g', a);
    groups.join('h', a);
    assert.equal(a.held.size, 2);
    groups.leave('g', a);
    assert.equal(a.held.size, 2);
    groups.leave('g', a);
    assert.equal(a.held.size, 1);
    groups.leave('h', a);
    assert.equal(a.held.size, 0);
  });

  it('an exit removes every join in every group (R12.4)', () => {
    const { groups } = setup();
    const a = new FakeHolder(1);
    const b = new FakeHolder(2);
    groups.join('g', a);
    groups.join('g', a);
    groups.join('g', b);
    groups.join('h', a);
    a.exit();
    assert.deepEqual(groups.members('g'), [2]);
    assert.deepEqual(groups.members('h'), []);
    assert.deepEqual(groups.whichGroups(), ['g']);
  });

  it('only live processes join; a group name is a non-empty string or a structured-cloneable key', () => {
    const { groups } = setup();
    const a = new FakeHolder(1);
    assert.throws(() => groups.join('', a), invalidArg('group'));
    assert.throws(() => groups.join(undefined as unknown as string, a), invalidArg('group'));
    assert.throws(() => groups.join(() => 1, a), invalidArg('group'));
    assert.throws(() => groups.join(Symbol('s') as unknown as string, a), invalidArg('group'));
    assert.throws(() => groups.join(new (class Point {})(), a), invalidArg('group'));
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    assert.throws(() => groups.join(cyclic, a), invalidArg('group'));
    assert.throws(() => groups.join('x'.repeat(5_000), a), invalidArg('group'));
    assert.throws(() => groups.leave('', a), invalidArg('group'));
    assert.deepEqual(groups.whichGroups(), [], 'a refused join creates no group');
    a.exit();
    assert.throws(() => groups.join('g', a), NoProcError);
    assert.deepEqual(groups.whichGroups(), []);
  });

  it('R12.1 groups are arbitrary terms: structurally equal keys are one group, different ones (1 and "1") are not', () => {
    const { groups } = setup();
    const a = new FakeHolder(1);
    const b = new FakeHolder(2);
    groups.join(['shard', 1], a);
    groups.join(['shard', 1], b);
    groups.join({ x: 1, y: [2n, null] }, a);
    groups.join(1, a);
    groups.join('1', b);
    groups.join(new Map([[1, 'a']]), a);
    groups.join(new Set([2, 1]), a);
    groups.join(new Date(5), b);
    groups.join(new Uint8Array([1, 2]), b);
    groups.join('\0s1', a);
    assert.deepEqual(sorted(groups.members(['shard', 1])), [1, 2]);
    assert.deepEqual(groups.members({ y: [2n, null], x: 1 }), [1], 'key order does not matter');
    assert.deepEqual(groups.members(1), [1]);
    assert.deepEqual(groups.members('1'), [2]);
    assert.deepEqual(groups.members(-0), [], '0 and -0 are one key, distinct from 1');
    assert.deepEqual(groups.members(new Map([[1, 'a']])), [1]);
    assert.deepEqual(groups.members(new Set([1, 2])), [1], 'a set is unordered');
    assert.deepEqual(groups.members(new Date(5)), [2]);
    assert.deepEqual(groups.members(new Uint8Array([1, 2])), [2]);
    assert.deepEqual(
      groups.members(new Uint16Array([1, 2])),
      [],
      'the view type is part of the key',
    );
    assert.deepEqual(groups.members('\0s1'), [1], 'a string starting with NUL is still a string');
    assert.deepEqual(groups.members(['shard', 2]), []);
    assert.equal(groups.whichGroups().length, 9);
    assert.equal(groups.leave(['shard', 1], a), true);
    assert.deepEqual(groups.members(['shard', 1]), [2]);
  });

  it("R12.1 a group keeps its name as first joined, frozen: changing the caller's key changes nothing", () => {
    const { groups } = setup();
    const a = new FakeHolder(1);
    const key = { region: 'eu', ids: [1] };
    groups.join(key, a);
    key.ids.push(2);
    assert.deepEqual(groups.whichGroups(), [{ region: 'eu', ids: [1] }]);
    const kept = groups.whichGroups()[0] as { ids: number[] };
    assert.ok(Object.isFrozen(kept) && Object.isFrozen(kept.ids));
    assert.deepEqual(groups.members({ region: 'eu', ids: [1] }), [1]);
  });

  it('R12.1 scopes are independent: the same group name in two tables is two groups, and changes say their scope', () => {
    const a = new FakeHolder(1);
    const seen: GroupChange[] = [];
    const one = new GroupTable<FakeHolder>(() => {}, 'one');
    const two = new GroupTable<FakeHolder>(() => {}, 'two');
    one.watch('g', (c) => seen.push(c));
    two.watch('g', (c) => seen.push(c));
    one.join('g', a);
    assert.deepEqual(one.members('g'), [1]);
    assert.deepEqual(two.members('g'), []);
    assert.deepEqual(
      seen.map((c) => [c.scope, c.event]),
      [['one', 'join']],
    );
  });

  it('property: members and whichGroups match a model of joins, leaves and exits', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('join' as const), who: fc.nat(3), group: fc.nat(2) }),
      fc.record({ kind: fc.constant('leave' as const), who: fc.nat(3), group: fc.nat(2) }),
      fc.record({ kind: fc.constant('exit' as const), who: fc.nat(3) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 50 }), (ops) => {
        const { groups } = setup();
        const holders = Array.from({ length: 4 }, (_, i) => new FakeHolder(i + 1));
        const joins = new Map<string, number>(); // `${group}/${pid}` -> count
        for (const o of ops) {
          const h = holders[o.who] as FakeHolder;
          if (o.kind === 'exit') {
            if (h.alive) h.exit();
            for (const k of [...joins.keys()]) if (k.endsWith(`/${h.pid}`)) joins.delete(k);
            continue;
          }
          const g = `g${o.group}`;
          const k = `${g}/${h.pid}`;
          if (o.kind === 'join') {
            if (!h.alive) {
              assert.throws(() => groups.join(g, h), NoProcError);
              continue;
            }
            groups.join(g, h);
            joins.set(k, (joins.get(k) ?? 0) + 1);
          } else {
            const n = joins.get(k) ?? 0;
            assert.equal(groups.leave(g, h), n > 0);
            if (n > 1) joins.set(k, n - 1);
            else joins.delete(k);
          }
        }
        const live = new Set<string>();
        for (let g = 0; g < 3; g++) {
          const expected: number[] = [];
          for (const [k, n] of joins) {
            const [group, pid] = k.split('/');
            if (group === `g${g}`) for (let i = 0; i < n; i++) expected.push(Number(pid));
          }
          if (expected.length > 0) live.add(`g${g}`);
          assert.deepEqual(sorted(groups.members(`g${g}`)), sorted(expected as Pid[]));
        }
        assert.deepEqual(groups.whichGroups().sort(), [...live].sort());
      }),
    );
  });
});

describe('GroupTable: watching (pg:monitor, R12.5)', () => {
  it('returns the current members and reports every join and leave of the group', () => {
    const { groups } = setup();
    const a = new FakeHolder(1);
    const b = new FakeHolder(2);
    groups.join('g', a);
    const seen: GroupChange[] = [];
    const { members } = groups.watch('g', (c) => seen.push(c));
    assert.deepEqual(members, [1]);
    groups.join('g', b);
    groups.join('other', b);
    groups.leave('g', a);
    assert.deepEqual(seen, [
      { type: 'GROUP', event: 'join', group: 'g', scope: 'default', pids: [2] },
      { type: 'GROUP', event: 'leave', group: 'g', scope: 'default', pids: [1] },
    ]);
  });

  it('an exit is one leave per group, repeating the pid once per join', () => {
    const { groups } = setup();
    const a = new FakeHolder(1);
    groups.join('g', a);
    groups.join('g', a);
    groups.join('g', a);
    groups.join('h', a);
    const seen: GroupChange[] = [];
    groups.watch(undefined, (c) => seen.push(c));
    a.exit();
    assert.deepEqual(seen.map((c) => [c.event, c.group, c.pids]).sort(), [
      ['leave', 'g', [1, 1, 1]],
      ['leave', 'h', [1]],
    ]);
  });

  it('a watch of every group sees all groups; its members list is empty', () => {
    const { groups } = setup();
    const a = new FakeHolder(1);
    groups.join('g', a);
    const seen: string[] = [];
    const { members } = groups.watch(undefined, (c) => seen.push(`${c.event}:${c.group}`));
    assert.deepEqual(members, []);
    groups.join('x', a);
    groups.leave('g', a);
    assert.deepEqual(seen, ['join:x', 'leave:g']);
  });

  it('a released watch hears nothing more', () => {
    const { groups } = setup();
    const a = new FakeHolder(1);
    const seen: GroupChange[] = [];
    const { watch } = groups.watch('g', (c) => seen.push(c));
    groups.join('g', a);
    watch.release();
    groups.leave('g', a);
    groups.join('g', a);
    assert.equal(seen.length, 1);
  });

  it('a watch owned by a process ends when it exits', () => {
    const { groups } = setup();
    const owner = new FakeHolder(1);
    const member = new FakeHolder(2);
    const seen: GroupChange[] = [];
    groups.watch('g', (c) => seen.push(c), owner);
    assert.equal(owner.held.size, 1);
    groups.join('g', member);
    owner.exit();
    groups.leave('g', member);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.event, 'join');
  });

  it('a watcher that leaves or joins from its listener does not disturb the others', () => {
    const { groups } = setup();
    const a = new FakeHolder(1);
    const b = new FakeHolder(2);
    const seen: string[] = [];
    groups.watch('g', (c) => {
      if (c.event === 'join' && c.pids[0] === 1) groups.join('g', b);
    });
    groups.watch('g', (c) => seen.push(`${c.event}:${c.pids.join()}`));
    groups.join('g', a);
    assert.deepEqual(sorted(groups.members('g')), [1, 2]);
    assert.deepEqual(seen.sort(), ['join:1', 'join:2']);
  });

  it('refuses an empty group name', () => {
    const { groups } = setup();
    assert.throws(() => groups.watch('', () => {}), invalidArg('group'));
  });
});

describe('GroupTable: broadcast', () => {
  it('sends to every distinct member once, however often it joined', () => {
    const { groups } = setup();
    const a = new FakeHolder(1);
    const b = new FakeHolder(2);
    const outsider = new FakeHolder(3);
    groups.join('g', a);
    groups.join('g', a);
    groups.join('g', b);
    assert.equal(groups.broadcast('g', 'hi', { priority: 'high' }), 2);
    assert.deepEqual(a.messages(), ['hi']);
    assert.deepEqual(b.messages(), ['hi']);
    assert.deepEqual(b.told[0]?.options, { priority: 'high' });
    assert.deepEqual(outsider.messages(), []);
    assert.equal(groups.broadcast('empty', 'hi'), 0);
  });

  it('a member whose mailbox refuses is skipped and reported; the others still get it', () => {
    const { groups, refused } = setup();
    const a = new FakeHolder(1);
    const b = new FakeHolder(2);
    groups.join('g', a);
    groups.join('g', b);
    a.refuse = new MailboxFullError('<0.1>', 1);
    assert.equal(groups.broadcast('g', 'hi'), 1);
    assert.deepEqual(b.messages(), ['hi']);
    assert.deepEqual(refused, [{ message: 'hi', pid: 1 }]);
  });

  it("an error other than a full mailbox is the sender's and is thrown", () => {
    const { groups, refused } = setup();
    const a = new FakeHolder(1);
    groups.join('g', a);
    a.refuse = new TypeError('bad option');
    assert.throws(() => groups.broadcast('g', 'hi'), TypeError);
    assert.deepEqual(refused, []);
  });

  it('undefined is not a message', () => {
    const { groups } = setup();
    groups.join('g', new FakeHolder(1));
    assert.throws(() => groups.broadcast('g', undefined), invalidArg('message'));
  });
});
