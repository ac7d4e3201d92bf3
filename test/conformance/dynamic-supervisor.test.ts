/**
 * otp-rules.md §1.11 (Elixir DynamicSupervisor) and the parts of R10.15
 * (simple_one_for_one) that carry over: children added at run time, without
 * ids, restarted one-for-one, capped by maxChildren, shut down concurrently.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ActorRef,
  countChildren,
  deleteChild,
  dynamicSupervisor,
  exitReason,
  InvalidArgumentError,
  InvalidChildSpecError,
  restartChild,
  StartFailedError,
  SupervisorError,
  startChild,
  terminateChild,
  whichChildren,
} from '../../src/index.js';
import { deferred, failOnUnhandledRejections, track } from '../support/guard.js';
import { only, quiesce, setup, type WorkerMsg, worker } from './supervisor-helpers.js';

function code(c: string) {
  return (e: unknown): boolean => e instanceof SupervisorError && e.code === c;
}

async function start(
  log: string[],
  s: ReturnType<typeof setup>,
  spec: Parameters<typeof dynamicSupervisor>[0] = {},
) {
  const sup = await s.system.start(dynamicSupervisor(spec));
  const add = async (label: string, extra: object = {}) => {
    const ref = await startChild(sup, { actor: worker(label, log), ...extra });
    assert.ok(ref !== undefined);
    return ref as ActorRef<WorkerMsg>;
  };
  return { sup, add };
}

describe('conformance §1.11: dynamic supervisor', () => {
  failOnUnhandledRejections();

  it('§1.11 a dynamic supervisor starts with no children; startChild adds them without ids', async () => {
    const s = setup();
    const log: string[] = [];
    const { sup, add } = await start(log, s);
    assert.deepEqual(await whichChildren(sup), []);
    const a = await add('a');
    const b = await add('b');
    const rows = await whichChildren(sup);
    assert.deepEqual(
      rows.map((r) => [r.id, r.ref?.pid, r.status]),
      [
        [undefined, b.pid, 'running'],
        [undefined, a.pid, 'running'],
      ],
    );
    assert.deepEqual(await countChildren(sup), { specs: 2, active: 2, supervisors: 0, workers: 2 });
    await s.system.shutdown();
  });

  it('R10.15 a dynamic child whose start is ignored resolves undefined and nothing is stored', async () => {
    const s = setup();
    const log: string[] = [];
    const { sup } = await start(log, s);
    assert.equal(await startChild(sup, { actor: worker('i', log, { ignore: true }) }), undefined);
    assert.deepEqual(await whichChildren(sup), []);
    await s.system.shutdown();
  });

  it('R10.15 a dynamic child whose start fails rejects with the start error, and nothing is stored', async () => {
    const s = setup();
    const log: string[] = [];
    const { sup } = await start(log, s);
    await assert.rejects(
      startChild(sup, { actor: worker('bad', log, { failInit: true }) }),
      (e: unknown) =>
        e instanceof StartFailedError && (e.reason as { kind: string }).kind === 'error',
    );
    assert.deepEqual(await whichChildren(sup), []);
    assert.equal(s.system.isAlive(sup), true);
    await s.system.shutdown();
  });

  it('§1.11 maxChildren caps the children: startChild beyond it rejects with ERR_MAX_CHILDREN', async () => {
    const s = setup();
    const log: string[] = [];
    const { sup, add } = await start(log, s, { maxChildren: 2 });
    const a = await add('a');
    await add('b');
    await assert.rejects(startChild(sup, { actor: worker('c', log) }), code('ERR_MAX_CHILDREN'));
    assert.deepEqual(only(log, 'init-begin:c'), [], 'the refused child never started');
    await terminateChild(sup, a);
    await add('c');
    await s.system.shutdown();
  });

  it('§1.11 an invalid maxChildren is rejected', () => {
    for (const maxChildren of [-1, 1.5, Number.NaN]) {
      assert.throws(
        () => dynamicSupervisor({ maxChildren }),
        (e: unknown) => e instanceof InvalidArgumentError && e.option === 'maxChildren',
      );
    }
  });

  it('R10.15 terminateChild takes a ref or pid: a child stops, a live process that is not a child is left alone, a dead pid resolves', async () => {
    const s = setup();
    const log: string[] = [];
    const { sup, add } = await start(log, s);
    const a = await add('a');
    await terminateChild(sup, a.pid);
    assert.deepEqual(s.exits.get(a.pid), exitReason.shutdown());
    assert.deepEqual(await whichChildren(sup), [], 'a terminated dynamic child is forgotten');
    const stranger = await s.system.start(worker('stranger', log));
    await assert.rejects(terminateChild(sup, stranger), code('ERR_CHILD_NOT_FOUND'));
    assert.equal(s.system.isAlive(stranger), true);
    await terminateChild(sup, a.pid); // gone: ok
    await s.system.shutdown();
  });

  it('R10.15 terminateChild with an id on a dynamic supervisor rejects with ERR_SUPERVISOR_TAKES_PIDS (OTP simple_one_for_one), distinct from not found', async () => {
    const s = setup();
    const log: string[] = [];
    const { sup, add } = await start(log, s);
    const a = await add('a');
    await assert.rejects(terminateChild(sup, 'some-id'), code('ERR_SUPERVISOR_TAKES_PIDS'));
    assert.equal(s.system.isAlive(a), true, 'no child was touched');
    await s.system.shutdown();
  });

  it('R10.15 restartChild and deleteChild on a dynamic supervisor reject with ERR_SUPERVISOR_TAKES_PIDS: dynamic children have no ids', async () => {
    const s = setup();
    const log: string[] = [];
    const { sup } = await start(log, s);
    await assert.rejects(restartChild(sup, 'x'), code('ERR_SUPERVISOR_TAKES_PIDS'));
    await assert.rejects(deleteChild(sup, 'x'), code('ERR_SUPERVISOR_TAKES_PIDS'));
    await s.system.shutdown();
  });

  it('§1.11 a crashed dynamic child is restarted one-for-one with a new pid', async () => {
    const s = setup();
    const log: string[] = [];
    const { sup, add } = await start(log, s);
    const a = await add('a');
    const b = await add('b');
    a.tell({ type: 'crash' });
    await s.system.idle();
    const rows = await whichChildren(sup);
    assert.equal(rows.length, 2);
    assert.ok(
      rows.some((r) => r.ref?.pid === b.pid),
      'the sibling is untouched',
    );
    assert.ok(rows.every((r) => r.ref?.pid !== a.pid && r.status === 'running'));
    assert.deepEqual(
      s.eventsOf('child-restarted').map((e) => [e.id, e.previous]),
      [[undefined, a.pid]],
    );
    await s.system.shutdown();
  });

  it('§1.11 exceeding the intensity shuts the dynamic supervisor down with shutdown', async () => {
    const s = setup();
    const log: string[] = [];
    const { sup, add } = await start(log, s, { intensity: 1 });
    await add('a');
    for (let i = 0; i < 2; i++) {
      const [row] = await whichChildren(sup);
      assert.ok(row?.ref !== undefined);
      (row.ref as ActorRef<WorkerMsg>).tell({ type: 'crash' });
      await s.system.idle();
    }
    assert.deepEqual(s.exits.get(sup.pid), exitReason.shutdown());
    await s.system.shutdown();
  });

  it('R10.15 a temporary dynamic child that exits is forgotten', async () => {
    const s = setup();
    const log: string[] = [];
    const { sup, add } = await start(log, s);
    const t = await add('t', { restart: 'temporary' });
    t.tell({ type: 'crash' });
    await s.system.idle();
    assert.deepEqual(await whichChildren(sup), []);
    await s.system.shutdown();
  });

  it('R10.15 a transient dynamic child that exits normally is forgotten, and frees its place under maxChildren', async () => {
    const s = setup();
    const log: string[] = [];
    const { sup, add } = await start(log, s, { maxChildren: 1 });
    const t = await add('t', { restart: 'transient' });
    t.tell({ type: 'exit', reason: exitReason.normal });
    await s.system.idle();
    assert.deepEqual(await whichChildren(sup), [], 'no stopped row that can never be removed');
    await add('next');
    await s.system.shutdown();
  });

  it('§1.11 a dynamic supervisor shuts its children down concurrently', async () => {
    const s = setup();
    const log: string[] = [];
    const gate = deferred();
    const sup = await s.system.start(dynamicSupervisor());
    for (const label of ['a', 'b', 'c']) {
      await startChild(sup, { actor: worker(label, log, { terminateGate: gate.promise }) });
    }
    const stopped = track(s.system.stop(sup));
    await quiesce(s.system);
    assert.deepEqual(
      only(log, 'terminate').sort(),
      ['terminate:a:shutdown', 'terminate:b:shutdown', 'terminate:c:shutdown'],
      'every child was asked to stop before any finished',
    );
    assert.equal(stopped.settled(), false);
    gate.resolve();
    await stopped.promise;
    assert.deepEqual(s.system.processes(), []);
    await s.system.shutdown();
  });

  it('§1.11 on shutdown, dynamic children still alive after their timeout are killed', async () => {
    const s = setup();
    const log: string[] = [];
    const sup = await s.system.start(dynamicSupervisor());
    const hung = await startChild(sup, {
      actor: worker('hung', log, { hang: true }),
      shutdown: 1_000,
    });
    const quick = await startChild(sup, { actor: worker('quick', log), shutdown: 1_000 });
    assert.ok(hung !== undefined && quick !== undefined);
    const stopped = track(s.system.stop(sup));
    await quiesce(s.system);
    assert.deepEqual(s.exits.get(quick.pid), exitReason.shutdown());
    assert.equal(s.system.isAlive(hung), true);
    s.clock.advance(1_000);
    await stopped.promise;
    assert.deepEqual(s.exits.get(hung.pid), exitReason.killed);
    await s.system.shutdown();
  });

  it('R10.15 a dynamic supervisor has no auto-shutdown: a significant child is rejected', async () => {
    const s = setup();
    const log: string[] = [];
    const { sup } = await start(log, s);
    await assert.rejects(
      startChild(sup, { actor: worker('s', log), restart: 'transient', significant: true }),
      (e: unknown) => e instanceof InvalidChildSpecError && e.field === 'significant',
    );
    await s.system.shutdown();
  });
});
