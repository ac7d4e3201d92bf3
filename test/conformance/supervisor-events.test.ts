/**
 * Supervision events on `system.events`: child-started, child-exited (with
 * the action taken), child-restarted (with the previous pid),
 * child-start-failed, and supervisor-shutdown (with its cause).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  exitReason,
  type Pid,
  StartFailedError,
  type SupervisionEvent,
  supervisor,
  terminateChild,
} from '../../src/index.js';
import { deferred, failOnUnhandledRejections } from '../support/guard.js';
import { type Behaviour, quiesce, setup, worker } from './supervisor-helpers.js';

describe('supervision events', () => {
  failOnUnhandledRejections();

  it("child-started reports each child's supervisor, id, pid and clock time", async () => {
    const { system, clock, events, pids } = setup();
    const log: string[] = [];
    clock.advance(1_234);
    const sup = await system.start(
      supervisor({ children: ['a', 'b'].map((id) => ({ id, actor: worker(id, log) })) }),
    );
    const p = await pids(sup);
    assert.deepEqual(events, [
      { type: 'child-started', supervisor: sup.pid, id: 'a', pid: p.a, at: 1_234 },
      { type: 'child-started', supervisor: sup.pid, id: 'b', pid: p.b, at: 1_234 },
    ]);
    await system.shutdown();
  });

  it('a crash reports child-exited with the reason and action restart, then child-started and child-restarted with the previous pid', async () => {
    const { system, clock, events, child } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({ children: [{ id: 'c', actor: worker('c', log) }] }),
    );
    const before = await child(sup, 'c');
    events.length = 0;
    clock.advance(10);
    const error = new Error('boom');
    before.tell({ type: 'crash', error });
    await system.idle();
    const after = await child(sup, 'c');
    const expected: SupervisionEvent[] = [
      {
        type: 'child-exited',
        supervisor: sup.pid,
        id: 'c',
        pid: before.pid,
        reason: exitReason.error(error),
        action: 'restart',
        at: 10,
      },
      { type: 'child-started', supervisor: sup.pid, id: 'c', pid: after.pid, at: 10 },
      {
        type: 'child-restarted',
        supervisor: sup.pid,
        id: 'c',
        pid: after.pid,
        previous: before.pid,
        at: 10,
      },
    ];
    assert.deepEqual(events, expected);
    await system.shutdown();
  });

  it('child-exited reports the action: keep, delete, or shutdown when the supervisor stopped the child', async () => {
    const { system, events, child } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({
        children: [
          { id: 'tr', actor: worker('tr', log), restart: 'transient' },
          { id: 'tmp', actor: worker('tmp', log), restart: 'temporary' },
          { id: 'p', actor: worker('p', log) },
        ],
      }),
    );
    events.length = 0;
    (await child(sup, 'tr')).tell({ type: 'exit', reason: exitReason.normal });
    (await child(sup, 'tmp')).tell({ type: 'exit', reason: exitReason.shutdown('x') });
    await system.idle();
    await terminateChild(sup, 'p');
    assert.deepEqual(
      events.map((e) => (e.type === 'child-exited' ? [e.id, e.reason, e.action] : e.type)),
      [
        ['tr', exitReason.normal, 'keep'],
        ['tmp', exitReason.shutdown('x'), 'delete'],
        ['p', exitReason.shutdown(), 'shutdown'],
      ],
    );
    await system.shutdown();
  });

  it('child-start-failed reports the reason of a failed start', async () => {
    const { system, events, child, crash } = setup();
    const log: string[] = [];
    const behaviour: Behaviour = {};
    const sup = await system.start(
      supervisor({
        intensity: 1,
        children: [{ id: 'c', actor: worker('c', log, behaviour) }],
      }),
    );
    behaviour.failInit = true;
    events.length = 0;
    await crash(await child(sup, 'c'));
    const failed = events.filter((e) => e.type === 'child-start-failed');
    assert.equal(failed.length, 1, 'one failed restart, then intensity 1 is exceeded by the retry');
    const [f] = failed;
    assert.ok(f?.type === 'child-start-failed');
    assert.deepEqual([f.supervisor, f.id, f.reason.kind], [sup.pid, 'c', 'error']);
    assert.equal(
      f.reason.kind === 'error' && f.reason.error instanceof Error ? f.reason.error.message : '',
      'c init failed',
    );
    await system.shutdown();
  });

  it('supervisor-shutdown reports its cause: intensity, significant, start-failed', async () => {
    const causes: [string, string | undefined, Pid][] = [];
    {
      const { system, eventsOf, child, crash } = setup();
      const sup = await system.start(
        supervisor({ intensity: 0, children: [{ id: 'c', actor: worker('c', []) }] }),
      );
      await crash(await child(sup, 'c'));
      for (const e of eventsOf('supervisor-shutdown')) causes.push([e.cause, e.id, e.supervisor]);
      assert.equal(causes.at(-1)?.[2], sup.pid);
      await system.shutdown();
    }
    {
      const { system, eventsOf, child } = setup();
      const sup = await system.start(
        supervisor({
          autoShutdown: 'any-significant',
          children: [{ id: 's', actor: worker('s', []), restart: 'transient', significant: true }],
        }),
      );
      (await child(sup, 's')).tell({ type: 'exit', reason: exitReason.normal });
      await system.idle();
      for (const e of eventsOf('supervisor-shutdown')) causes.push([e.cause, e.id, e.supervisor]);
      assert.equal(causes.at(-1)?.[2], sup.pid);
      await system.shutdown();
    }
    {
      const { system, eventsOf } = setup();
      await assert.rejects(
        system.start(
          supervisor({ children: [{ id: 'f', actor: worker('f', [], { failInit: true }) }] }),
        ),
      );
      for (const e of eventsOf('supervisor-shutdown')) causes.push([e.cause, e.id, e.supervisor]);
      await system.shutdown();
    }
    assert.deepEqual(
      causes.map(([cause, id]) => [cause, id]),
      [
        ['intensity', 'c'],
        ['significant', 's'],
        ['start-failed', 'f'],
      ],
    );
  });

  it('a subscription can be limited to supervision event types', async () => {
    const { system, child, crash } = setup();
    const seen: string[] = [];
    system.events.subscribe((e) => seen.push(e.type), ['child-restarted', 'supervisor-shutdown']);
    const sup = await system.start(
      supervisor({ intensity: 1, children: [{ id: 'c', actor: worker('c', []) }] }),
    );
    for (let i = 0; i < 2; i++) {
      await crash(await child(sup, 'c'));
    }
    assert.deepEqual(seen, ['child-restarted', 'supervisor-shutdown']);
    await system.shutdown();
  });

  it('a supervisor killed while a child is starting reports no supervisor-shutdown afterwards: it was killed, its start did not fail', async () => {
    const { system, events, exits } = setup();
    const log: string[] = [];
    const gate = deferred();
    const start = system.start(
      supervisor({
        children: [
          { id: 'a', actor: worker('a', log) },
          { id: 'slow', actor: worker('slow', log, { initGate: gate.promise }) },
        ],
      }),
    );
    const rejected = assert.rejects(start, StartFailedError);
    await quiesce(system);
    const [supPid] = system.processes();
    assert.ok(supPid !== undefined);
    events.length = 0;
    system.kill(supPid);
    gate.resolve();
    await rejected;
    await system.idle();
    assert.deepEqual(exits.get(supPid), exitReason.killed);
    assert.deepEqual(
      events.filter((e) => e.type === 'supervisor-shutdown'),
      [],
      'a dead supervisor reports nothing',
    );
    assert.deepEqual(system.processes(), []);
    await system.shutdown();
  });
});
