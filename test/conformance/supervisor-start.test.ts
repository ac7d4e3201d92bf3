/**
 * otp-rules.md §1.10: supervisor flags (R10.1), child specs (R10.2), the
 * link to each child (R10.3) and how a supervisor starts (R10.4).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  dynamicSupervisor,
  exitReason,
  getChildSpec,
  InvalidArgumentError,
  InvalidChildSpecError,
  StartFailedError,
  startChild,
  supervisor,
  whichChildren,
} from '../../src/index.js';
import { deferred, failOnUnhandledRejections, track } from '../support/guard.js';
import { only, quiesce, setup, worker } from './supervisor-helpers.js';

const noop = worker('noop', []);

function invalidArg(option: string) {
  return (e: unknown): boolean => e instanceof InvalidArgumentError && e.option === option;
}

function invalidSpec(field: string) {
  return (e: unknown): boolean => e instanceof InvalidChildSpecError && e.field === field;
}

describe('conformance §1.10: supervisor flags, child specs and starting', () => {
  failOnUnhandledRejections();

  it('R10.1 default flags: one-for-one, intensity 3 within a 5000 ms period, no auto-shutdown', async () => {
    const { system, child, crash, exits, clock } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({
        children: [
          { id: 'a', actor: worker('a', log) },
          { id: 'b', actor: worker('b', log) },
        ],
      }),
    );
    const a = await child(sup, 'a');
    for (let i = 0; i < 3; i++) {
      await crash(await child(sup, 'b'));
      await clock.advanceAndSettle(1_000, system);
    }
    assert.equal((await child(sup, 'a')).pid, a.pid, 'one-for-one: the sibling is untouched');
    assert.equal(system.isAlive(sup), true, '3 restarts are allowed');
    await crash(await child(sup, 'b'));
    assert.deepEqual(exits.get(sup.pid), exitReason.shutdown(), 'the 4th within 5000 ms is not');

    // The period is 5000 ms: restarts 5001 ms apart never accumulate.
    const s2 = setup();
    const { system: system2, clock: clock2 } = s2;
    const sup2 = await system2.start(
      supervisor({ children: [{ id: 'b', actor: worker('b', log) }] }),
    );
    for (let i = 0; i < 8; i++) {
      await s2.crash(await s2.child(sup2, 'b'));
      await clock2.advanceAndSettle(1_667, system2);
    }
    assert.equal(system2.isAlive(sup2), true, 'at most 3 restarts in any 5000 ms');
    await system.shutdown();
    await system2.shutdown();
  });

  it('R10.1 a flag value that is not valid is rejected, naming the flag', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ strategy: 'simple-one-for-one' }, 'strategy'],
      [{ strategy: 'one_for_one' }, 'strategy'],
      [{ intensity: -1 }, 'intensity'],
      [{ intensity: 1.5 }, 'intensity'],
      [{ intensity: Number.POSITIVE_INFINITY }, 'intensity'],
      [{ intensity: '3' }, 'intensity'],
      [{ period: 0 }, 'period'],
      [{ period: -5 }, 'period'],
      [{ period: Number.POSITIVE_INFINITY }, 'period'],
      [{ period: Number.NaN }, 'period'],
      [{ autoShutdown: 'sometimes' }, 'autoShutdown'],
    ];
    for (const [flags, option] of bad) {
      assert.throws(
        () => supervisor({ ...flags, children: [] } as never),
        invalidArg(option),
        JSON.stringify(flags),
      );
    }
    assert.throws(() => dynamicSupervisor({ intensity: -1 }), invalidArg('intensity'));
    assert.throws(() => dynamicSupervisor({ period: 0 }), invalidArg('period'));
  });

  it('R10.1 flags in the wrong shape are rejected with InvalidArgumentError', () => {
    for (const flags of [42, 'one-for-one', null]) {
      assert.throws(
        () => supervisor(flags as never),
        (e: unknown) => e instanceof InvalidArgumentError,
        String(flags),
      );
    }
  });

  it('R10.1 unknown flag keys are ignored', async () => {
    const { system } = setup();
    const sup = await system.start(
      supervisor({ children: [], maxR: 9, shutdown: 'never' } as never),
    );
    assert.equal(system.isAlive(sup), true);
    await system.shutdown();
  });

  it('R10.2 each invalid child spec field is rejected with InvalidChildSpecError naming it', () => {
    const bad: [unknown, string][] = [
      [{ actor: noop }, 'id'],
      [{ id: '', actor: noop }, 'id'],
      [{ id: 7, actor: noop }, 'id'],
      [{ id: 'x' }, 'actor'],
      [{ id: 'x', actor: { label: 'no handle' } }, 'actor'],
      [{ id: 'x', actor: noop, restart: 'sometimes' }, 'restart'],
      [{ id: 'x', actor: noop, shutdown: -10 }, 'shutdown'],
      [{ id: 'x', actor: noop, shutdown: 'brutal_kill' }, 'shutdown'],
      [{ id: 'x', actor: noop, type: 'manager' }, 'type'],
      [{ id: 'x', actor: noop, restart: 'transient', significant: 'yes' }, 'significant'],
      [{ id: 'x', actor: noop, options: { name: '' } }, 'options'],
      [{ id: 'x', actor: noop, backoff: { minMs: -1, maxMs: 10 } }, 'backoff.minMs'],
      [42, 'spec'],
      [null, 'spec'],
    ];
    for (const [spec, field] of bad) {
      assert.throws(
        () => supervisor({ autoShutdown: 'any-significant', children: [spec as never] }),
        invalidSpec(field),
        JSON.stringify(spec),
      );
    }
  });

  it('R10.2 a permanent significant child is a bad combination', () => {
    assert.throws(
      () =>
        supervisor({
          autoShutdown: 'any-significant',
          children: [{ id: 'x', actor: noop, significant: true }],
        }),
      invalidSpec('significant'),
    );
  });

  it('R10.2 a significant child under autoShutdown never is a bad combination', () => {
    assert.throws(
      () =>
        supervisor({
          children: [{ id: 'x', actor: noop, restart: 'transient', significant: true }],
        }),
      invalidSpec('significant'),
    );
  });

  it('R10.2 duplicate child ids are rejected, naming the child', () => {
    assert.throws(
      () =>
        supervisor({
          children: [
            { id: 'x', actor: noop },
            { id: 'x', actor: noop },
          ],
        }),
      (e: unknown) => invalidSpec('id')(e) && (e as InvalidChildSpecError).childId === 'x',
    );
  });

  it('R10.2 in startChild a bad spec rejects with the spec error and nothing is stored', async () => {
    const { system } = setup();
    const sup = await system.start(supervisor({ children: [] }));
    await assert.rejects(
      startChild(sup, { id: 'x', actor: noop, restart: 'sometimes' as never }),
      invalidSpec('restart'),
    );
    await assert.rejects(startChild(sup, { id: '', actor: noop }), invalidSpec('id'));
    assert.deepEqual(await whichChildren(sup), []);
    await system.shutdown();
  });

  it('R10.2 unknown keys in a child spec are ignored', async () => {
    const { system, child } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({
        children: [{ id: 'x', actor: worker('x', log), modules: 'dynamic' } as never],
      }),
    );
    assert.equal(system.isAlive(await child(sup, 'x')), true);
    await system.shutdown();
  });

  it('R10.2 defaults: permanent, not significant, 5000 ms shutdown for a worker and infinity for a supervisor', async () => {
    const { system } = setup();
    const sup = await system.start(
      supervisor({
        children: [
          { id: 'w', actor: noop },
          { id: 's', actor: supervisor({ children: [] }) },
        ],
      }),
    );
    const w = await getChildSpec(sup, 'w');
    assert.deepEqual(
      [w.restart, w.shutdown, w.type, w.significant, w.backoff],
      ['permanent', 5_000, 'worker', false, undefined],
    );
    const s = await getChildSpec(sup, 's');
    assert.deepEqual([s.restart, s.shutdown, s.type], ['permanent', 'infinity', 'supervisor']);
    await system.shutdown();
  });

  it('R10.3 each child is started linked to its supervisor', async () => {
    const { system, child } = setup();
    const sup = await system.start(supervisor({ children: [{ id: 'w', actor: noop }] }));
    const w = await child(sup, 'w');
    assert.deepEqual(system.info(w)?.links, [sup.pid]);
    assert.equal(system.info(w)?.parent, sup.pid);
    assert.ok(system.info(sup)?.links.includes(w.pid));
    await system.shutdown();
  });

  it('R10.4 a supervisor traps exits', async () => {
    const { system } = setup();
    const sup = await system.start(supervisor({ children: [] }));
    assert.equal(system.info(sup)?.trapExit, true);
    await system.shutdown();
  });

  it('R10.4 children start one after another in list order, each start synchronous', async () => {
    const { system } = setup();
    const log: string[] = [];
    const gateA = deferred();
    const gateB = deferred();
    const started = track(
      system.start(
        supervisor({
          children: [
            { id: 'a', actor: worker('a', log, { initGate: gateA.promise }) },
            { id: 'b', actor: worker('b', log, { initGate: gateB.promise }) },
            { id: 'c', actor: worker('c', log) },
          ],
        }),
      ),
    );
    await quiesce(system);
    assert.deepEqual(log, ['init-begin:a'], 'b waits for a to finish its init');
    gateA.resolve();
    await quiesce(system);
    assert.deepEqual(log, ['init-begin:a', 'init:a', 'init-begin:b']);
    assert.equal(started.settled(), false, 'start returns only when every child has started');
    gateB.resolve();
    const sup = await started.promise;
    assert.deepEqual(log, [
      'init-begin:a',
      'init:a',
      'init-begin:b',
      'init:b',
      'init-begin:c',
      'init:c',
    ]);
    assert.deepEqual(
      (await whichChildren(sup)).map((c) => c.id),
      ['c', 'b', 'a'],
    );
    await system.shutdown();
  });

  it('R10.4 when child k fails to start, children before it stop in reverse order, later ones never start, and the supervisor exits with failedToStartChild', async () => {
    const { system, exits, eventsOf } = setup();
    const log: string[] = [];
    const pids = new Set(system.processes());
    const error = new Error('c init failed');
    const failing = worker('c', log, { failInit: true });
    const start = system.start(
      supervisor({
        children: [
          { id: 'a', actor: worker('a', log) },
          { id: 'b', actor: worker('b', log) },
          { id: 'c', actor: failing },
          { id: 'd', actor: worker('d', log) },
        ],
      }),
    );
    let failure: unknown;
    await start.catch((e: unknown) => {
      failure = e;
    });
    assert.ok(failure instanceof StartFailedError);
    const reason = failure.reason as {
      kind: string;
      detail?: { failedToStartChild: string; reason: { kind: string; error: Error } };
    };
    assert.equal(reason.kind, 'shutdown');
    assert.equal(reason.detail?.failedToStartChild, 'c');
    assert.equal(reason.detail?.reason.kind, 'error');
    assert.equal(reason.detail?.reason.error.message, error.message);
    assert.deepEqual(only(log, 'terminate'), ['terminate:b:shutdown', 'terminate:a:shutdown']);
    assert.equal(only(log, 'init-begin:d').length, 0, 'd never starts');
    assert.deepEqual(system.processes(), [...pids], 'nothing is left running');
    const shutdowns = eventsOf('supervisor-shutdown');
    assert.deepEqual(
      shutdowns.map((e) => [e.cause, e.id]),
      [['start-failed', 'c']],
    );
    const supPid = shutdowns[0]?.supervisor;
    assert.ok(supPid !== undefined);
    assert.deepEqual(exits.get(supPid), failure.reason, 'the supervisor exits with that reason');
    assert.deepEqual(
      eventsOf('child-start-failed').map((e) => e.id),
      ['c'],
    );
    await system.shutdown();
  });

  it('R10.4 a child whose init is ignored is kept without a process', async () => {
    const { system } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({
        children: [
          { id: 'ignored', actor: worker('i', log, { ignore: true }) },
          { id: 'next', actor: worker('n', log) },
        ],
      }),
    );
    const rows = await whichChildren(sup);
    assert.deepEqual(
      rows.map((r) => [r.id, r.status, r.ref === undefined]),
      [
        ['next', 'running', false],
        ['ignored', 'stopped', true],
      ],
    );
    await system.shutdown();
  });

  it('R10.4 a temporary child whose init is ignored is dropped', async () => {
    const { system } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({
        children: [
          { id: 'ignored', actor: worker('i', log, { ignore: true }), restart: 'temporary' },
          { id: 'next', actor: worker('n', log) },
        ],
      }),
    );
    assert.deepEqual(
      (await whichChildren(sup)).map((r) => r.id),
      ['next'],
    );
    await system.shutdown();
  });

  it('R10.4 a supervisor whose own start fails leaves no process behind and restarts nothing', async () => {
    const { system, eventsOf } = setup();
    const log: string[] = [];
    await assert.rejects(
      system.start(
        supervisor({
          children: [
            { id: 'a', actor: worker('a', log), restart: 'permanent' },
            { id: 'b', actor: worker('b', log, { failInit: true }) },
          ],
        }),
      ),
      StartFailedError,
    );
    await system.idle();
    assert.deepEqual(system.processes(), []);
    assert.equal(eventsOf('child-restarted').length, 0, 'the rollback is not a crash');
    assert.deepEqual(
      eventsOf('child-exited').map((e) => [e.id, e.action]),
      [['a', 'shutdown']],
    );
    await system.shutdown();
  });

  it('R10.4 a child whose name is taken fails to start, and the supervisor start fails', async () => {
    const { system } = setup();
    const log: string[] = [];
    const holder = await system.start(worker('holder', log), { name: 'taken' });
    let failure: unknown;
    await system
      .start(
        supervisor({
          children: [{ id: 'x', actor: worker('x', log), options: { name: 'taken' } }],
        }),
      )
      .catch((e: unknown) => {
        failure = e;
      });
    assert.ok(failure instanceof StartFailedError);
    const reason = failure.reason as { kind: string; detail?: { failedToStartChild: string } };
    assert.equal(reason.detail?.failedToStartChild, 'x');
    assert.equal(only(log, 'init-begin:x').length, 0, 'the child never ran init');
    assert.equal(system.whereis('taken')?.pid, holder.pid);
    await system.shutdown();
  });
});
