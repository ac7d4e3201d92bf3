/**
 * otp-rules.md §1.10: the supervisor API (R10.14) and the supervisor being
 * blocked while it starts or stops a child (R10.17).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  countChildren,
  deleteChild,
  exitReason,
  getChildSpec,
  NoProcError,
  restartChild,
  StartFailedError,
  SupervisorError,
  startChild,
  supervisor,
  terminateChild,
  whichChildren,
} from '../../src/index.js';
import { deferred, failOnUnhandledRejections, track } from '../support/guard.js';
import { type Behaviour, only, quiesce, setup, worker } from './supervisor-helpers.js';

function code(c: string, id?: string) {
  return (e: unknown): boolean =>
    e instanceof SupervisorError && e.code === c && (id === undefined || e.childId === id);
}

async function withChildren(ids: readonly string[] = ['a', 'b']) {
  const s = setup();
  const log: string[] = [];
  const sup = await s.system.start(
    supervisor({ children: ids.map((id) => ({ id, actor: worker(id, log) })) }),
  );
  return { ...s, log, sup };
}

describe('conformance §1.10: the supervisor API', () => {
  failOnUnhandledRejections();

  it('R10.14 startChild starts the child and resolves with its ref; it goes last in start order, so it stops first', async () => {
    const { system, sup, log } = await withChildren();
    const ref = await startChild(sup, { id: 'new', actor: worker('new', log) });
    assert.ok(ref !== undefined);
    assert.equal(system.isAlive(ref), true);
    const rows = await whichChildren(sup);
    assert.deepEqual(
      rows.map((r) => r.id),
      ['new', 'b', 'a'],
    );
    assert.equal(rows[0]?.ref?.pid, ref.pid);
    await system.stop(sup);
    assert.deepEqual(only(log, 'terminate'), [
      'terminate:new:shutdown',
      'terminate:b:shutdown',
      'terminate:a:shutdown',
    ]);
    await system.shutdown();
  });

  it('R10.14 startChild of a child whose init is ignored resolves undefined and keeps the spec', async () => {
    const { system, sup, log } = await withChildren();
    const ref = await startChild(sup, { id: 'i', actor: worker('i', log, { ignore: true }) });
    assert.equal(ref, undefined);
    const row = (await whichChildren(sup)).find((r) => r.id === 'i');
    assert.deepEqual({ status: row?.status, ref: row?.ref }, { status: 'stopped', ref: undefined });
    await system.shutdown();
  });

  it('R10.14 startChild of a temporary child whose init is ignored resolves undefined and stores nothing', async () => {
    const { system, sup, log } = await withChildren();
    const ref = await startChild(sup, {
      id: 'i',
      actor: worker('i', log, { ignore: true }),
      restart: 'temporary',
    });
    assert.equal(ref, undefined);
    assert.equal((await countChildren(sup)).specs, 2);
    await system.shutdown();
  });

  it('R10.14 startChild with the id of a child that is not running rejects with ERR_CHILD_ALREADY_PRESENT', async () => {
    const { system, sup, log } = await withChildren();
    await terminateChild(sup, 'a');
    await assert.rejects(
      startChild(sup, { id: 'a', actor: worker('a2', log) }),
      code('ERR_CHILD_ALREADY_PRESENT', 'a'),
    );
    await system.shutdown();
  });

  it('R10.14 startChild with the id of a running child rejects with ERR_CHILD_ALREADY_STARTED', async () => {
    const { system, sup, log } = await withChildren();
    await assert.rejects(
      startChild(sup, { id: 'a', actor: worker('a2', log) }),
      code('ERR_CHILD_ALREADY_STARTED', 'a'),
    );
    assert.deepEqual(only(log, 'init-begin:a2'), []);
    await system.shutdown();
  });

  it('R10.14 startChild whose child hits a name held outside the supervisor rejects with ERR_CHILD_ALREADY_STARTED and stores nothing', async () => {
    const { system, sup, log } = await withChildren();
    await system.start(worker('outsider', log), { name: 'svc' });
    await assert.rejects(
      startChild(sup, { id: 'svc', actor: worker('svc', log), options: { name: 'svc' } }),
      code('ERR_CHILD_ALREADY_STARTED'),
    );
    assert.equal((await countChildren(sup)).specs, 2);
    await system.shutdown();
  });

  it('R10.14 startChild whose start fails rejects with StartFailedError carrying the reason, and stores nothing', async () => {
    const { system, sup, log } = await withChildren();
    let failure: unknown;
    await startChild(sup, { id: 'bad', actor: worker('bad', log, { failInit: true }) }).catch(
      (e: unknown) => {
        failure = e;
      },
    );
    assert.ok(failure instanceof StartFailedError);
    const reason = failure.reason as { kind: string; error?: Error };
    assert.equal(reason.kind, 'error');
    assert.equal(reason.error?.message, 'bad init failed');
    assert.deepEqual(
      (await whichChildren(sup)).map((r) => r.id),
      ['b', 'a'],
    );
    assert.equal(system.isAlive(sup), true, 'a failed startChild is not a crash');
    await system.shutdown();
  });

  it('R10.14 terminateChild resolves also when the child is not running, and keeps the spec', async () => {
    const { system, sup } = await withChildren();
    await terminateChild(sup, 'a');
    await terminateChild(sup, 'a');
    assert.deepEqual(await countChildren(sup), { specs: 2, active: 1, supervisors: 0, workers: 2 });
    assert.equal((await getChildSpec(sup, 'a')).id, 'a');
    await system.shutdown();
  });

  it('R10.14 terminateChild of an unknown id rejects with ERR_CHILD_NOT_FOUND', async () => {
    const { system, sup } = await withChildren();
    await assert.rejects(terminateChild(sup, 'nope'), code('ERR_CHILD_NOT_FOUND', 'nope'));
    await system.shutdown();
  });

  it("R10.14 terminateChild deletes a temporary child's spec", async () => {
    const { system, sup, log } = await withChildren();
    await startChild(sup, { id: 't', actor: worker('t', log), restart: 'temporary' });
    await terminateChild(sup, 't');
    await assert.rejects(getChildSpec(sup, 't'), code('ERR_CHILD_NOT_FOUND'));
    assert.equal((await countChildren(sup)).specs, 2);
    await system.shutdown();
  });

  it("R10.14 terminateChild on a supervisor takes an id: its child's ref or pid is not found (OTP not_found) and the child is left alone", async () => {
    const { system, sup, child } = await withChildren();
    const a = await child(sup, 'a');
    await assert.rejects(terminateChild(sup, a), code('ERR_CHILD_NOT_FOUND'));
    await assert.rejects(terminateChild(sup, a.pid), code('ERR_CHILD_NOT_FOUND'));
    assert.equal(system.isAlive(a), true);
    assert.equal((await child(sup, 'a')).pid, a.pid, 'still the same, running child');
    await system.shutdown();
  });

  it('R10.14 restartChild starts a stopped child from its spec and resolves with the new ref', async () => {
    const { system, sup, child } = await withChildren();
    const before = await child(sup, 'a');
    await terminateChild(sup, 'a');
    const after = await restartChild(sup, 'a');
    assert.ok(after !== undefined && after.pid !== before.pid);
    assert.equal((await child(sup, 'a')).pid, after.pid);
    await system.shutdown();
  });

  it('R10.14 restartChild resolves undefined when the start is ignored', async () => {
    const { system } = setup();
    const log: string[] = [];
    const behaviour: Behaviour = {};
    const sup = await system.start(
      supervisor({ children: [{ id: 'c', actor: worker('c', log, behaviour) }] }),
    );
    await terminateChild(sup, 'c');
    behaviour.ignore = true;
    assert.equal(await restartChild(sup, 'c'), undefined);
    assert.equal((await whichChildren(sup))[0]?.status, 'stopped');
    await system.shutdown();
  });

  it('R10.14 restartChild rejects with ERR_CHILD_RUNNING, ERR_CHILD_NOT_FOUND, or StartFailedError when the start fails', async () => {
    const { system } = setup();
    const log: string[] = [];
    const behaviour: Behaviour = {};
    const sup = await system.start(
      supervisor({ children: [{ id: 'c', actor: worker('c', log, behaviour) }] }),
    );
    await assert.rejects(restartChild(sup, 'c'), code('ERR_CHILD_RUNNING', 'c'));
    await assert.rejects(restartChild(sup, 'zz'), code('ERR_CHILD_NOT_FOUND', 'zz'));
    await terminateChild(sup, 'c');
    behaviour.failInit = true;
    await assert.rejects(restartChild(sup, 'c'), StartFailedError);
    const [row] = await whichChildren(sup);
    assert.deepEqual({ status: row?.status, ref: row?.ref }, { status: 'stopped', ref: undefined });
    assert.equal(system.isAlive(sup), true);
    await system.shutdown();
  });

  it('R10.14 deleteChild forgets a stopped child, and rejects for a running or unknown one', async () => {
    const { system, sup } = await withChildren();
    await assert.rejects(deleteChild(sup, 'a'), code('ERR_CHILD_RUNNING', 'a'));
    await assert.rejects(deleteChild(sup, 'zz'), code('ERR_CHILD_NOT_FOUND', 'zz'));
    await terminateChild(sup, 'a');
    await deleteChild(sup, 'a');
    await assert.rejects(getChildSpec(sup, 'a'), code('ERR_CHILD_NOT_FOUND'));
    assert.deepEqual(
      (await whichChildren(sup)).map((r) => r.id),
      ['b'],
    );
    await system.shutdown();
  });

  it('R10.14 whichChildren lists every child, most recently started first, with its ref, status, type and restart type', async () => {
    const { system } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({
        children: [
          { id: 'w', actor: worker('w', log), restart: 'transient' },
          { id: 's', actor: supervisor({ children: [] }) },
          { id: 'i', actor: worker('i', log, { ignore: true }) },
        ],
      }),
    );
    const rows = await whichChildren(sup);
    assert.deepEqual(
      rows.map((r) => [r.id, r.status, r.ref === undefined, r.type, r.restart]),
      [
        ['i', 'stopped', true, 'worker', 'permanent'],
        ['s', 'running', false, 'supervisor', 'permanent'],
        ['w', 'running', false, 'worker', 'transient'],
      ],
    );
    await system.shutdown();
  });

  it('R10.14 countChildren counts specs, active children, supervisors and workers', async () => {
    const { system } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({
        children: [
          { id: 'w1', actor: worker('w1', log) },
          { id: 'w2', actor: worker('w2', log) },
          { id: 's', actor: supervisor({ children: [] }) },
        ],
      }),
    );
    await terminateChild(sup, 'w2');
    assert.deepEqual(await countChildren(sup), { specs: 3, active: 2, supervisors: 1, workers: 2 });
    await system.shutdown();
  });

  it('R10.14 getChildSpec returns the spec with every default filled in, or rejects with ERR_CHILD_NOT_FOUND', async () => {
    const { system } = setup();
    const actor = worker('w', []);
    const sup = await system.start(
      supervisor({ children: [{ id: 'w', actor, options: { name: 'w1' } }] }),
    );
    const spec = await getChildSpec(sup, 'w');
    assert.equal(spec.id, 'w');
    assert.equal(spec.actor, actor);
    assert.equal(spec.options?.name, 'w1');
    assert.deepEqual(
      [spec.restart, spec.shutdown, spec.type, spec.significant],
      ['permanent', 5_000, 'worker', false],
    );
    await assert.rejects(getChildSpec(sup, 'nope'), code('ERR_CHILD_NOT_FOUND', 'nope'));
    await system.shutdown();
  });

  it('R10.14 every API call on a supervisor that is gone rejects with NoProcError', async () => {
    const { system, sup, log } = await withChildren();
    await system.stop(sup);
    const calls: Promise<unknown>[] = [
      startChild(sup, { id: 'x', actor: worker('x', log) }),
      terminateChild(sup, 'a'),
      restartChild(sup, 'a'),
      deleteChild(sup, 'a'),
      whichChildren(sup),
      countChildren(sup),
      getChildSpec(sup, 'a'),
    ];
    for (const call of calls) await assert.rejects(call, NoProcError);
    await system.shutdown();
  });

  it('R10.14 API calls have no client timeout: a start slower than the ask timeout still resolves', async () => {
    const { system, clock, sup, log } = await withChildren();
    const gate = deferred();
    const started = track(
      startChild(sup, { id: 'slow', actor: worker('slow', log, { initGate: gate.promise }) }),
    );
    await quiesce(system);
    clock.advance(60_000);
    await quiesce(system);
    assert.equal(started.settled(), false);
    gate.resolve();
    const ref = await started.promise;
    assert.ok(ref !== undefined && system.isAlive(ref));
    await system.shutdown();
  });

  it('R10.17 the supervisor handles no other request while it starts a child', async () => {
    const { system, sup, log } = await withChildren();
    const gate = deferred();
    const started = track(
      startChild(sup, { id: 'slow', actor: worker('slow', log, { initGate: gate.promise }) }),
    );
    await quiesce(system);
    const rows = track(whichChildren(sup));
    const counts = track(countChildren(sup));
    await quiesce(system);
    assert.equal(rows.settled(), false, 'whichChildren waits behind the start');
    assert.equal(counts.settled(), false);
    gate.resolve();
    await started.promise;
    assert.deepEqual(
      (await rows.promise).map((r) => [r.id, r.status]),
      [
        ['slow', 'running'],
        ['b', 'running'],
        ['a', 'running'],
      ],
    );
    assert.equal((await counts.promise).active, 3);
    await system.shutdown();
  });

  it('R10.17 the supervisor handles no other request while it stops a child', async () => {
    const { system } = setup();
    const log: string[] = [];
    const gate = deferred();
    const sup = await system.start(
      supervisor({
        children: [
          { id: 'a', actor: worker('a', log) },
          { id: 'slow', actor: worker('slow', log, { terminateGate: gate.promise }) },
        ],
      }),
    );
    const stopping = track(terminateChild(sup, 'slow'));
    await quiesce(system);
    const rows = track(whichChildren(sup));
    await quiesce(system);
    assert.equal(rows.settled(), false);
    gate.resolve();
    await stopping.promise;
    assert.deepEqual(
      (await rows.promise).map((r) => [r.id, r.status]),
      [
        ['slow', 'stopped'],
        ['a', 'running'],
      ],
    );
    await system.shutdown();
  });

  it('R10.17 a child that crashes while the supervisor is starting another is restarted only after that start', async () => {
    const { system, sup, child, log, eventsOf } = await withChildren();
    const a = await child(sup, 'a');
    const gate = deferred();
    const started = track(
      startChild(sup, { id: 'slow', actor: worker('slow', log, { initGate: gate.promise }) }),
    );
    await quiesce(system);
    system.exit(a, exitReason.error(new Error('boom')));
    await quiesce(system);
    assert.equal(system.isAlive(a), false);
    assert.deepEqual(eventsOf('child-exited'), [], 'the EXIT waits in the mailbox');
    gate.resolve();
    await started.promise;
    await system.idle();
    assert.deepEqual(
      eventsOf('child-started').map((e) => e.id),
      ['a', 'b', 'slow', 'a'],
    );
    assert.deepEqual(
      eventsOf('child-restarted').map((e) => [e.id, e.previous]),
      [['a', a.pid]],
    );
    await system.shutdown();
  });
});
