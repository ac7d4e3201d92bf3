/**
 * otp-rules.md §1.10: restart strategies (R10.7).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  exitReason,
  type Pid,
  restartChild,
  type Strategy,
  supervisor,
  terminateChild,
  whichChildren,
} from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { only, setup, worker } from './supervisor-helpers.js';

const IDS = ['a', 'b', 'c', 'd'] as const;

async function fourChildren(strategy: Strategy) {
  const s = setup();
  const log: string[] = [];
  const sup = await s.system.start(
    supervisor({
      strategy,
      intensity: 10,
      children: IDS.map((id) => ({ id, actor: worker(id, log) })),
    }),
  );
  const before = await s.pids(sup);
  log.length = 0;
  return { ...s, log, sup, before };
}

describe('conformance §1.10: restart strategies', () => {
  failOnUnhandledRejections();

  it('R10.7 one-for-one restarts only the child that terminated', async () => {
    const { system, log, sup, before, pids, child, crash } = await fourChildren('one-for-one');
    await crash(await child(sup, 'b'));
    const after = await pids(sup);
    assert.notEqual(after.b, before.b);
    assert.deepEqual([after.a, after.c, after.d], [before.a, before.c, before.d]);
    assert.deepEqual(only(log, 'init:'), ['init:b']);
    assert.deepEqual(only(log, 'terminate:'), ['terminate:b:error']);
    await system.shutdown();
  });

  it('R10.7 one-for-all stops the other children in reverse start order, then starts every child again in start order', async () => {
    const { system, log, sup, before, pids, child, exits, crash } =
      await fourChildren('one-for-all');
    await crash(await child(sup, 'b'));
    assert.deepEqual(only(log, 'terminate:'), [
      'terminate:b:error',
      'terminate:d:shutdown',
      'terminate:c:shutdown',
      'terminate:a:shutdown',
    ]);
    assert.deepEqual(only(log, 'init:'), ['init:a', 'init:b', 'init:c', 'init:d']);
    const after = await pids(sup);
    for (const id of IDS) {
      assert.notEqual(after[id], before[id], `${id} has a new pid`);
      if (id !== 'b') assert.deepEqual(exits.get(before[id] as Pid), exitReason.shutdown());
    }
    await system.shutdown();
  });

  it('R10.7 a restarted child keeps its place in start order', async () => {
    const { system, sup, child, crash } = await fourChildren('one-for-one');
    await crash(await child(sup, 'a'));
    assert.deepEqual(
      (await whichChildren(sup)).map((c) => c.id),
      ['d', 'c', 'b', 'a'],
    );
    // And it is still stopped in that order: a restart of d in one-for-all
    // stops c, b, a (a last, because it is first in start order).
    const { system: s2, log, sup: sup2, child: child2 } = await fourChildren('one-for-all');
    (await child2(sup2, 'a')).tell({ type: 'crash' });
    await s2.idle();
    log.length = 0;
    (await child2(sup2, 'd')).tell({ type: 'crash' });
    await s2.idle();
    assert.deepEqual(only(log, 'terminate:'), [
      'terminate:d:error',
      'terminate:c:shutdown',
      'terminate:b:shutdown',
      'terminate:a:shutdown',
    ]);
    await system.shutdown();
    await s2.shutdown();
  });

  it('one-for-all restarts children stopped with terminateChild', async () => {
    const { system, log, sup, child, pids, crash } = await fourChildren('one-for-all');
    await terminateChild(sup, 'c');
    assert.equal((await pids(sup)).c, undefined);
    log.length = 0;
    await crash(await child(sup, 'a'));
    assert.deepEqual(only(log, 'init:'), ['init:a', 'init:b', 'init:c', 'init:d']);
    const rows = await whichChildren(sup);
    assert.deepEqual(
      rows.map((r) => [r.id, r.status]),
      IDS.map((id) => [id, 'running']).reverse(),
    );
    await system.shutdown();
  });

  it('R10.7 one-for-all stops temporary siblings and removes them instead of restarting them', async () => {
    const { system, child, exits, eventsOf, crash } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({
        strategy: 'one-for-all',
        children: [
          { id: 'a', actor: worker('a', log) },
          { id: 'tmp', actor: worker('tmp', log), restart: 'temporary' },
          { id: 'c', actor: worker('c', log) },
        ],
      }),
    );
    const tmp = await child(sup, 'tmp');
    await crash(await child(sup, 'a'));
    assert.deepEqual(exits.get(tmp.pid), exitReason.shutdown());
    assert.deepEqual(
      (await whichChildren(sup)).map((r) => [r.id, r.status]),
      [
        ['c', 'running'],
        ['a', 'running'],
      ],
    );
    assert.deepEqual(
      eventsOf('child-restarted').map((e) => e.id),
      ['a', 'c'],
    );
    await system.shutdown();
  });

  it('R10.7 rest-for-one stops the later children in reverse start order, then starts the terminated child and the later ones in start order', async () => {
    const { system, log, sup, before, pids, child, crash } = await fourChildren('rest-for-one');
    await crash(await child(sup, 'b'));
    assert.deepEqual(only(log, 'terminate:'), [
      'terminate:b:error',
      'terminate:d:shutdown',
      'terminate:c:shutdown',
    ]);
    assert.deepEqual(only(log, 'init:'), ['init:b', 'init:c', 'init:d']);
    const after = await pids(sup);
    assert.equal(after.a, before.a, 'an earlier child is not touched');
    for (const id of ['b', 'c', 'd'] as const) assert.notEqual(after[id], before[id]);
    await system.shutdown();
  });

  it('R10.7 rest-for-one: a crash of the last child restarts only that child', async () => {
    const { system, log, sup, before, pids, child, crash } = await fourChildren('rest-for-one');
    await crash(await child(sup, 'd'));
    assert.deepEqual(only(log, 'init:'), ['init:d']);
    const after = await pids(sup);
    assert.deepEqual([after.a, after.b, after.c], [before.a, before.b, before.c]);
    await system.shutdown();
  });

  it('R10.7 rest-for-one removes a temporary later sibling instead of restarting it', async () => {
    const { system, child, crash } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({
        strategy: 'rest-for-one',
        children: [
          { id: 'a', actor: worker('a', log) },
          { id: 'tmp', actor: worker('tmp', log), restart: 'temporary' },
        ],
      }),
    );
    await crash(await child(sup, 'a'));
    assert.deepEqual(
      (await whichChildren(sup)).map((r) => r.id),
      ['a'],
    );
    await system.shutdown();
  });

  it('R10.7 a child restarted by restartChild goes back to its place, not to the end', async () => {
    const { system, sup } = await fourChildren('one-for-one');
    await terminateChild(sup, 'b');
    await restartChild(sup, 'b');
    assert.deepEqual(
      (await whichChildren(sup)).map((c) => c.id),
      ['d', 'c', 'b', 'a'],
    );
    await system.shutdown();
  });
});
