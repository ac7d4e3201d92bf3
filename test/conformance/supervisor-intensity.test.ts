/**
 * otp-rules.md §1.10: restart intensity (R10.8), escalation to the parent
 * supervisor (R10.9) and failed restarts (R10.10).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  countChildren,
  deleteChild,
  exitReason,
  restartChild,
  SupervisorError,
  startChild,
  supervisor,
  terminateChild,
  whichChildren,
} from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { type Behaviour, only, setup, worker } from './supervisor-helpers.js';

/** A behaviour whose init fails the next `n` times, then succeeds. */
function failingTimes(n: number): Behaviour & { left: number } {
  return {
    left: n,
    get failInit() {
      if (this.left <= 0) return false;
      this.left--;
      return true;
    },
  };
}

function code(c: string) {
  return (e: unknown): boolean => e instanceof SupervisorError && e.code === c;
}

describe('conformance §1.10: restart intensity, escalation and failed restarts', () => {
  failOnUnhandledRejections();

  it('R10.8 exceeding intensity within the period shuts the supervisor down with shutdown', async () => {
    const { system, clock, child, crash, exits, eventsOf } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({ intensity: 2, period: 5_000, children: [{ id: 'c', actor: worker('c', log) }] }),
    );
    await crash(await child(sup, 'c')); // t = 0
    await clock.advanceAndSettle(1_000, system);
    await crash(await child(sup, 'c')); // t = 1000
    await clock.advanceAndSettle(1_000, system);
    assert.equal(system.isAlive(sup), true, 'two restarts within 5000 ms are allowed');
    await crash(await child(sup, 'c'));
    assert.equal(system.isAlive(sup), false);
    assert.deepEqual(exits.get(sup.pid), exitReason.shutdown());
    assert.deepEqual(
      eventsOf('supervisor-shutdown').map((e) => [e.cause, e.id, e.supervisor]),
      [['intensity', 'c', sup.pid]],
    );
    await system.shutdown();
  });

  it('R10.8 with intensity 0 the first restart attempt makes the supervisor give up', async () => {
    const { system, child, exits, crash } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({ intensity: 0, children: [{ id: 'c', actor: worker('c', log) }] }),
    );
    await crash(await child(sup, 'c'));
    assert.deepEqual(exits.get(sup.pid), exitReason.shutdown());
    assert.deepEqual(only(log, 'init:'), ['init:c'], 'no restart was tried');
    await system.shutdown();
  });

  it('R10.8 restarts older than the period stop counting: the window slides', async () => {
    const { system, clock, child, crash, exits } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({ intensity: 1, period: 5_000, children: [{ id: 'c', actor: worker('c', log) }] }),
    );
    await crash(await child(sup, 'c')); // t = 0
    await clock.advanceAndSettle(5_001, system);
    await crash(await child(sup, 'c')); // t = 5001: the one at 0 has left the window
    assert.equal(system.isAlive(sup), true);
    await clock.advanceAndSettle(4_999, system);
    await crash(await child(sup, 'c')); // t = 10000: the one at 5001 is still inside
    assert.deepEqual(exits.get(sup.pid), exitReason.shutdown());
    await system.shutdown();
  });

  it('R10.8 the window is inclusive: a restart exactly one period ago still counts', async () => {
    const { system, clock, child, crash, exits } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({ intensity: 1, period: 5_000, children: [{ id: 'c', actor: worker('c', log) }] }),
    );
    await crash(await child(sup, 'c')); // t = 0
    await clock.advanceAndSettle(5_000, system);
    await crash(await child(sup, 'c')); // t = 5000 >= 5000 - 5000
    assert.deepEqual(exits.get(sup.pid), exitReason.shutdown());
    await system.shutdown();
  });

  it('R10.8 one child termination is one event, however many siblings one-for-all restarts', async () => {
    const { system, child, exits, crash } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({
        strategy: 'one-for-all',
        intensity: 1,
        children: ['a', 'b', 'c'].map((id) => ({ id, actor: worker(id, log) })),
      }),
    );
    await crash(await child(sup, 'b'));
    assert.equal(system.isAlive(sup), true, 'three restarts, one event, within intensity 1');
    assert.equal(only(log, 'init:').length, 6);
    await crash(await child(sup, 'a'));
    assert.deepEqual(exits.get(sup.pid), exitReason.shutdown(), 'the second event exceeds it');
    await system.shutdown();
  });

  it('R10.8 a sibling that died on its own just before a one-for-all restart is restarted once and counted once', async () => {
    const { system, child, pids, eventsOf } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({
        strategy: 'one-for-all',
        intensity: 1,
        children: ['a', 'b'].map((id) => ({ id, actor: worker(id, log) })),
      }),
    );
    const a = await child(sup, 'a');
    const b = await child(sup, 'b');
    system.exit(a, exitReason.error(new Error('a')));
    system.exit(b, exitReason.error(new Error('b')));
    await system.idle();
    assert.equal(system.isAlive(sup), true, 'one restart event, within intensity 1');
    assert.deepEqual(
      eventsOf('child-restarted').map((e) => e.id),
      ['a', 'b'],
    );
    const after = await pids(sup);
    assert.ok(after.a !== a.pid && after.b !== b.pid);
    await system.shutdown();
  });

  it('R10.8 manual restartChild and startChild are not counted', async () => {
    const { system } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({ intensity: 0, children: [{ id: 'c', actor: worker('c', log) }] }),
    );
    for (let i = 0; i < 5; i++) {
      await terminateChild(sup, 'c');
      await restartChild(sup, 'c');
      await startChild(sup, { id: `extra${i}`, actor: worker(`extra${i}`, log) });
    }
    await system.idle();
    assert.equal(system.isAlive(sup), true);
    assert.deepEqual(await countChildren(sup), {
      specs: 6,
      active: 6,
      supervisors: 0,
      workers: 6,
    });
    await system.shutdown();
  });

  it('R10.8 every retry after a failed restart counts as another event', async () => {
    const { system, child, exits, eventsOf, crash } = setup();
    const log: string[] = [];
    const behaviour: Behaviour = {};
    const sup = await system.start(
      supervisor({ intensity: 2, children: [{ id: 'c', actor: worker('c', log, behaviour) }] }),
    );
    behaviour.failInit = true;
    log.length = 0;
    await crash(await child(sup, 'c'));
    // Event 1: the crash, restart fails; event 2: retry, fails; event 3: gives up untried.
    assert.equal(only(log, 'init-begin:').length, 2);
    assert.equal(eventsOf('child-start-failed').length, 2);
    assert.deepEqual(exits.get(sup.pid), exitReason.shutdown());
    await system.shutdown();
  });

  it('R10.8 on giving up, the supervisor drops the failed child and stops the others in reverse start order', async () => {
    const { system, child, exits, crash } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({
        intensity: 0,
        children: ['a', 'b', 'c'].map((id) => ({ id, actor: worker(id, log) })),
      }),
    );
    log.length = 0;
    await crash(await child(sup, 'b'));
    assert.deepEqual(log, ['terminate:b:error', 'terminate:c:shutdown', 'terminate:a:shutdown']);
    assert.deepEqual(exits.get(sup.pid), exitReason.shutdown());
    assert.deepEqual(system.processes(), []);
    await system.shutdown();
  });

  it("R10.9 a child supervisor that gives up is restarted by its permanent parent and counts against the parent's intensity", async () => {
    const { system, exits, child, childSupervisor } = setup();
    const log: string[] = [];
    const inner = supervisor({ intensity: 0, children: [{ id: 'w', actor: worker('w', log) }] });
    const top = await system.start(
      supervisor({ intensity: 1, children: [{ id: 'inner', actor: inner }] }),
    );
    const first = await childSupervisor(top, 'inner');
    const w1 = await child(first, 'w');
    w1.tell({ type: 'crash' });
    await system.idle();
    assert.deepEqual(exits.get(first.pid), exitReason.shutdown(), 'the inner one gave up');
    assert.equal(system.isAlive(top), true);
    const second = await childSupervisor(top, 'inner');
    assert.notEqual(second.pid, first.pid, 'the parent restarted it');
    const w2 = await child(second, 'w');
    assert.notEqual(w2.pid, w1.pid, 'its init ran again');
    w2.tell({ type: 'crash' });
    await system.idle();
    assert.deepEqual(exits.get(second.pid), exitReason.shutdown());
    assert.deepEqual(exits.get(top.pid), exitReason.shutdown(), 'the failure climbed to the top');
    await system.shutdown();
  });

  it('R10.9 a transient child supervisor that gives up is not restarted: shutdown is a clean exit', async () => {
    const { system, exits, children, child, childSupervisor, crash } = setup();
    const log: string[] = [];
    const inner = supervisor({ intensity: 0, children: [{ id: 'w', actor: worker('w', log) }] });
    const top = await system.start(
      supervisor({ children: [{ id: 'inner', actor: inner, restart: 'transient' }] }),
    );
    const first = await childSupervisor(top, 'inner');
    await crash(await child(first, 'w'));
    assert.deepEqual(exits.get(first.pid), exitReason.shutdown());
    const row = (await children(top)).get('inner');
    assert.deepEqual({ status: row?.status, ref: row?.ref }, { status: 'stopped', ref: undefined });
    assert.equal(system.isAlive(top), true);
    await system.shutdown();
  });

  it('R10.9 a restarted child supervisor runs init again: children added at run time are lost and deleted ones reappear', async () => {
    const { system, child, childSupervisor, crash } = setup();
    const log: string[] = [];
    const inner = supervisor({
      intensity: 0,
      children: [
        { id: 'w', actor: worker('w', log) },
        { id: 'gone', actor: worker('gone', log) },
      ],
    });
    const top = await system.start(supervisor({ children: [{ id: 'inner', actor: inner }] }));
    const first = await childSupervisor(top, 'inner');
    await terminateChild(first, 'gone');
    await deleteChild(first, 'gone');
    await startChild(first, { id: 'added', actor: worker('added', log) });
    assert.deepEqual(
      (await whichChildren(first)).map((c) => c.id),
      ['added', 'w'],
    );
    await crash(await child(first, 'w'));
    const second = await childSupervisor(top, 'inner');
    assert.notEqual(second.pid, first.pid);
    assert.deepEqual(
      (await whichChildren(second)).map((c) => c.id),
      ['gone', 'w'],
    );
    await system.shutdown();
  });

  it('R10.10 while a restart is failing, the child shows as restarting and API calls are served between retries', async () => {
    const { system, child } = setup();
    const log: string[] = [];
    const behaviour: Behaviour = {};
    const sup = await system.start(
      supervisor({
        intensity: 3,
        children: [
          { id: 'c', actor: worker('c', log, behaviour) },
          { id: 'ok', actor: worker('ok', log) },
        ],
      }),
    );
    const c = await child(sup, 'c');
    behaviour.failInit = true;
    // The EXIT is queued first; the requests after it; the retry of the failed
    // restart goes behind them (a message to itself).
    system.exit(c, exitReason.error(new Error('boom')));
    const rows = whichChildren(sup);
    const counts = countChildren(sup);
    const restart = restartChild(sup, 'c');
    const del = deleteChild(sup, 'c');
    assert.deepEqual(
      (await rows).map((r) => [r.id, r.status, r.ref === undefined]),
      [
        ['ok', 'running', false],
        ['c', 'restarting', true],
      ],
    );
    assert.deepEqual(await counts, { specs: 2, active: 1, supervisors: 0, workers: 2 });
    await assert.rejects(restart, code('ERR_CHILD_RESTARTING'));
    await assert.rejects(del, code('ERR_CHILD_RESTARTING'));
    await system.idle();
    await system.shutdown();
  });

  it('R10.10 terminateChild on a restarting child returns ok, leaves it stopped and ends the retries', async () => {
    const { system, child, eventsOf } = setup();
    const log: string[] = [];
    const behaviour: Behaviour = {};
    const sup = await system.start(
      supervisor({ intensity: 100, children: [{ id: 'c', actor: worker('c', log, behaviour) }] }),
    );
    const c = await child(sup, 'c');
    behaviour.failInit = true;
    log.length = 0;
    system.exit(c, exitReason.error(new Error('boom')));
    await terminateChild(sup, 'c');
    await system.idle();
    assert.equal(only(log, 'init-begin:').length, 1, 'one failed restart, no retry after');
    assert.equal(eventsOf('child-start-failed').length, 1);
    const [row] = await whichChildren(sup);
    assert.deepEqual({ status: row?.status, ref: row?.ref }, { status: 'stopped', ref: undefined });
    assert.equal(system.isAlive(sup), true);
    behaviour.failInit = false;
    assert.ok((await restartChild(sup, 'c')) !== undefined, 'it can be restarted by hand');
    await system.shutdown();
  });

  it('R10.10 a supervisor whose child is restarting can still be shut down', async () => {
    const { system, child, exits } = setup();
    const log: string[] = [];
    const behaviour: Behaviour = {};
    const sup = await system.start(
      supervisor({
        intensity: 1_000_000,
        children: [{ id: 'c', actor: worker('c', log, behaviour) }],
      }),
    );
    const c = await child(sup, 'c');
    behaviour.failInit = true;
    system.exit(c, exitReason.error(new Error('boom')));
    await system.stop(sup, { reason: exitReason.shutdown('operator') });
    await system.idle();
    assert.deepEqual(exits.get(sup.pid), exitReason.shutdown('operator'));
    assert.ok(only(log, 'init-begin:').length < 100, 'the retries ended with the supervisor');
    await system.shutdown();
  });

  it('R10.10 a failed restart recovers on a retry, with a new pid', async () => {
    const { system, child, eventsOf } = setup();
    const log: string[] = [];
    const behaviour = failingTimes(0);
    const sup = await system.start(
      supervisor({ intensity: 5, children: [{ id: 'c', actor: worker('c', log, behaviour) }] }),
    );
    const before = await child(sup, 'c');
    behaviour.left = 2;
    before.tell({ type: 'crash' });
    await system.idle();
    const after = await child(sup, 'c');
    assert.notEqual(after.pid, before.pid);
    assert.equal(eventsOf('child-start-failed').length, 2);
    assert.deepEqual(
      eventsOf('child-restarted').map((e) => [e.previous, e.pid]),
      [[before.pid, after.pid]],
    );
    await system.shutdown();
  });

  it('R10.10 one-for-all: when a restart fails part-way, the children already restarted are stopped and the whole group is retried', async () => {
    const { system, child, crash } = setup();
    const log: string[] = [];
    const cBehaviour = failingTimes(0);
    const sup = await system.start(
      supervisor({
        strategy: 'one-for-all',
        intensity: 5,
        children: [
          { id: 'a', actor: worker('a', log) },
          { id: 'b', actor: worker('b', log) },
          { id: 'c', actor: worker('c', log, cBehaviour) },
        ],
      }),
    );
    cBehaviour.left = 1;
    log.length = 0;
    await crash(await child(sup, 'a'));
    assert.deepEqual(log, [
      'terminate:a:error',
      'terminate:c:shutdown',
      'terminate:b:shutdown',
      'init-begin:a',
      'init:a',
      'init-begin:b',
      'init:b',
      'init-begin:c',
      // c failed: this round's a and b are stopped, newest first, and the group retried.
      'terminate:b:shutdown',
      'terminate:a:shutdown',
      'init-begin:a',
      'init:a',
      'init-begin:b',
      'init:b',
      'init-begin:c',
      'init:c',
    ]);
    assert.deepEqual(
      (await whichChildren(sup)).map((r) => r.status),
      ['running', 'running', 'running'],
    );
    await system.shutdown();
  });

  it('R10.10 rest-for-one: the retry resumes at the child that failed, without restarting earlier ones again', async () => {
    const { system, child } = setup();
    const log: string[] = [];
    const cBehaviour = failingTimes(0);
    const sup = await system.start(
      supervisor({
        strategy: 'rest-for-one',
        intensity: 5,
        children: [
          { id: 'a', actor: worker('a', log) },
          { id: 'b', actor: worker('b', log) },
          { id: 'c', actor: worker('c', log, cBehaviour) },
          { id: 'd', actor: worker('d', log) },
        ],
      }),
    );
    cBehaviour.left = 1;
    log.length = 0;
    const b = await child(sup, 'b');
    b.tell({ type: 'crash' });
    await system.idle();
    assert.deepEqual(log, [
      'terminate:b:error',
      'terminate:d:shutdown',
      'terminate:c:shutdown',
      'init-begin:b',
      'init:b',
      'init-begin:c',
      'init-begin:c',
      'init:c',
      'init-begin:d',
      'init:d',
    ]);
    await system.shutdown();
  });
});
