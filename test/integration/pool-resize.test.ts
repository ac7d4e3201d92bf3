/**
 * Pool resizing through the public API (semantics §17): growing and
 * shrinking at run time, the keys a consistent-hash pool moves, an empty
 * and a stopped pool, and a resize whose work is linear in the slots.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError, NoProcError, whichChildren } from '../../src/index.js';
import { ChildTable } from '../../src/supervisor/children.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { countBy, KEYS, keyOf, ownersOf, setup, whoAnswers } from './pool-fixture.js';

describe('resizing', () => {
  failOnUnhandledRejections();

  it('grows and shrinks at run time; shrinking stops the highest slots', async () => {
    const { system, pool } = await setup({ size: 2 });
    await pool.resize(4);
    assert.equal(pool.size, 4);
    const four = pool.workers();
    assert.equal(four.length, 4);
    assert.deepEqual((await whichChildren(pool.supervisor)).map((c) => c.id).sort(), [
      'w0',
      'w1',
      'w2',
      'w3',
    ]);
    assert.equal(countBy(await whoAnswers(pool, 8)).size, 4, 'the new workers serve');
    await pool.resize(1);
    assert.equal(pool.size, 1);
    assert.deepEqual(
      pool.workers().map((w) => w.pid),
      [four[0]?.pid],
    );
    for (const w of four.slice(1)) assert.equal(system.isAlive(w), false);
    assert.deepEqual(await whoAnswers(pool, 3), [four[0]?.pid, four[0]?.pid, four[0]?.pid]);
    await assert.rejects(pool.resize(-1), InvalidArgumentError);
    assert.equal(pool.size, 1);
    await system.shutdown();
  });

  it('shrinking a large pool (20,000 workers to 1) is linear in the slots: the child table is walked a bounded number of times, leaving slot w0', async () => {
    const { system, pool } = await setup({ size: 20_000 });
    const first = pool.workers()[0];
    // A work count, not a clock: the children read through the table's full
    // list (by the pool or the supervisor) during the resize. Rebuilding the
    // slots at each step (the quadratic resize) reads ~n²/2 = 2·10⁸; past
    // the budget the read throws, so such a resize fails at once.
    const budget = 5 * 20_000;
    const list = Object.getOwnPropertyDescriptor(
      ChildTable.prototype,
      'list',
    ) as PropertyDescriptor;
    const read = list.get as (this: ChildTable) => readonly unknown[];
    let visited = 0;
    Object.defineProperty(ChildTable.prototype, 'list', {
      configurable: true,
      get(this: ChildTable) {
        const children = read.call(this);
        visited += children.length;
        if (visited > budget) throw new Error(`child table walked past ${budget} entries`);
        return children;
      },
    });
    try {
      await pool.resize(1);
    } finally {
      Object.defineProperty(ChildTable.prototype, 'list', list);
    }
    assert.ok(visited <= budget, `${visited} children read`);
    assert.equal(pool.size, 1);
    assert.deepEqual(
      (await whichChildren(pool.supervisor)).map((c) => c.id),
      ['w0'],
    );
    assert.deepEqual(pool.workers(), [first]);
    assert.equal(system.stats().processes, 2, 'the supervisor and one worker are left');
    await system.shutdown();
  });

  it('an empty pool: a tell is a dead letter (unregistered, pool:label), an ask rejects ERR_NOPROC', async () => {
    const { system, pool, letters } = await setup({ size: 2, label: 'resizer' });
    await pool.resize(0);
    assert.deepEqual(pool.workers(), []);
    pool.tell({ type: 'note', text: 'nobody' });
    assert.deepEqual(
      letters.map((d) => [d.reason, d.address, d.message]),
      [['unregistered', 'pool:resizer', { type: 'note', text: 'nobody' }]],
    );
    await assert.rejects(
      pool.ask({ type: 'who' }),
      (e: unknown) => e instanceof NoProcError && e.code === 'ERR_NOPROC',
    );
    await assert.rejects(pool.offer({ type: 'note', text: 'x' }), NoProcError);
    await pool.resize(1);
    assert.equal(await pool.ask({ type: 'who' }), pool.workers()[0]?.pid);
    await system.shutdown();
  });

  it('growing a consistent-hash pool from 4 to 5 moves about a fifth of the keys, all to the new worker', async () => {
    const ctx = await setup({ size: 4, strategy: 'consistent-hash', routingKey: keyOf });
    const before = await ownersOf(ctx);
    await ctx.pool.resize(5);
    const after = await ownersOf(ctx);
    let moved = 0;
    for (const key of KEYS) {
      if (after.get(key) === before.get(key)) continue;
      moved++;
      assert.equal(after.get(key), 'w4', `${key} moved to ${after.get(key)}`);
    }
    assert.ok(moved >= 100 && moved <= 300, `${moved} of 1000 keys moved`);
    // Shrinking back moves only w4's keys, each to where it was.
    await ctx.pool.resize(4);
    assert.deepEqual(await ownersOf(ctx), before);
    await ctx.system.shutdown();
  });

  it('a stopped pool routes nowhere: its sends are dead letters', async () => {
    const { system, pool, letters } = await setup({ size: 2 });
    await system.stop(pool.supervisor);
    assert.equal(pool.size, 0);
    assert.deepEqual(pool.workers(), []);
    pool.tell({ type: 'note', text: 'x' });
    assert.equal(letters.at(-1)?.reason, 'unregistered');
    await assert.rejects(pool.ask({ type: 'who' }), NoProcError);
    await system.shutdown();
  });
});
