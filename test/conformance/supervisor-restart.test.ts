/**
 * otp-rules.md §1.10: restart decisions (R10.5, R10.6), restarted children
 * (new pid, name released first) and the restart bookkeeping the
 * supervisor reports as events.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ActorRef,
  countChildren,
  type ExitReason,
  exitReason,
  getChildSpec,
  type RestartType,
  SupervisorError,
  supervisor,
  terminateChild,
  whichChildren,
} from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { setup, type WorkerMsg, worker } from './supervisor-helpers.js';

type Ending = 'normal' | 'shutdown' | '{shutdown, T}' | 'killed' | 'kill' | 'error';

/** Makes `ref` end with the given reason, by itself (not by its supervisor). */
function end(
  system: ReturnType<typeof setup>['system'],
  ref: ActorRef<WorkerMsg>,
  ending: Ending,
): ExitReason {
  switch (ending) {
    case 'normal':
      ref.tell({ type: 'exit', reason: exitReason.normal });
      return exitReason.normal;
    case 'shutdown':
      ref.tell({ type: 'exit', reason: exitReason.shutdown() });
      return exitReason.shutdown();
    case '{shutdown, T}':
      ref.tell({ type: 'exit', reason: exitReason.shutdown('T') });
      return exitReason.shutdown('T');
    case 'killed':
      system.kill(ref);
      return exitReason.killed;
    case 'kill':
      ref.tell({ type: 'exit', reason: exitReason.kill });
      return exitReason.kill;
    case 'error': {
      const error = new Error('boom');
      ref.tell({ type: 'crash', error });
      return exitReason.error(error);
    }
  }
}

/** R10.5's table: what the supervisor does with a child's own exit. */
const TABLE: Record<RestartType, Record<Ending, 'restart' | 'keep' | 'delete'>> = {
  permanent: {
    normal: 'restart',
    shutdown: 'restart',
    '{shutdown, T}': 'restart',
    killed: 'restart',
    kill: 'restart',
    error: 'restart',
  },
  transient: {
    normal: 'keep',
    shutdown: 'keep',
    '{shutdown, T}': 'keep',
    killed: 'restart',
    kill: 'restart',
    error: 'restart',
  },
  temporary: {
    normal: 'delete',
    shutdown: 'delete',
    '{shutdown, T}': 'delete',
    killed: 'delete',
    kill: 'delete',
    error: 'delete',
  },
};

const WORDS = {
  restart: 'is restarted with a new pid',
  keep: 'is not restarted and its spec is kept without a process',
  delete: 'is not restarted and its spec is deleted',
};

describe('conformance §1.10: restart decisions', () => {
  failOnUnhandledRejections();

  for (const restart of ['permanent', 'transient', 'temporary'] as const) {
    for (const [ending, expected] of Object.entries(TABLE[restart]) as [
      Ending,
      'restart' | 'keep' | 'delete',
    ][]) {
      it(`R10.5 a ${restart} child that exits ${ending} ${WORDS[expected]}`, async () => {
        const { system, exits, child, eventsOf } = setup();
        const log: string[] = [];
        const sup = await system.start(
          supervisor({
            intensity: 10,
            children: [
              { id: 'c', actor: worker('c', log), restart },
              { id: 'other', actor: worker('other', log) },
            ],
          }),
        );
        const before = await child(sup, 'c');
        const other = await child(sup, 'other');
        const reason = end(system, before, ending);
        await system.idle();
        assert.deepEqual(exits.get(before.pid), reason);
        assert.equal(system.isAlive(sup), true, 'the supervisor lives on');
        assert.equal((await child(sup, 'other')).pid, other.pid, 'the sibling is untouched');
        const [exited] = eventsOf('child-exited');
        assert.equal(exited?.pid, before.pid);
        assert.equal(exited?.action, expected);
        assert.deepEqual(exited?.reason, reason);
        const rows = await whichChildren(sup);
        const row = rows.find((r) => r.id === 'c');
        if (expected === 'restart') {
          assert.equal(row?.status, 'running');
          assert.ok(row?.ref !== undefined && row.ref.pid !== before.pid, 'a new pid');
          assert.equal(system.isAlive(row.ref), true);
          const [restarted] = eventsOf('child-restarted');
          assert.equal(restarted?.previous, before.pid);
          assert.equal(restarted?.pid, row.ref.pid);
        } else if (expected === 'keep') {
          assert.deepEqual(
            { status: row?.status, ref: row?.ref },
            { status: 'stopped', ref: undefined },
          );
          assert.equal((await getChildSpec(sup, 'c')).restart, 'transient');
          assert.equal(eventsOf('child-restarted').length, 0);
        } else {
          assert.equal(row, undefined, 'no row for a deleted temporary child');
          await assert.rejects(
            getChildSpec(sup, 'c'),
            (e) => e instanceof SupervisorError && e.code === 'ERR_CHILD_NOT_FOUND',
          );
          assert.equal((await countChildren(sup)).specs, 1);
          assert.equal(eventsOf('child-restarted').length, 0);
        }
        await system.shutdown();
      });
    }
  }

  it('R10.5 the restart of a permanent child that exited normal counts against the intensity', async () => {
    const { system, exits, child, eventsOf } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({ intensity: 1, period: 5_000, children: [{ id: 'c', actor: worker('c', log) }] }),
    );
    end(system, await child(sup, 'c'), 'normal');
    await system.idle();
    assert.equal(system.isAlive(sup), true, 'the first restart is within intensity 1');
    end(system, await child(sup, 'c'), 'normal');
    await system.idle();
    assert.equal(system.isAlive(sup), false, 'the second normal exit exceeds intensity 1');
    assert.deepEqual(exits.get(sup.pid), exitReason.shutdown());
    assert.deepEqual(
      eventsOf('supervisor-shutdown').map((e) => [e.cause, e.id]),
      [['intensity', 'c']],
    );
    await system.shutdown();
  });

  it('R10.6 terminateChild stops a permanent child without restarting it', async () => {
    const { system, exits, child, eventsOf } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({ intensity: 0, children: [{ id: 'c', actor: worker('c', log) }] }),
    );
    const c = await child(sup, 'c');
    await terminateChild(sup, 'c');
    await system.idle();
    assert.deepEqual(exits.get(c.pid), exitReason.shutdown());
    assert.equal(system.isAlive(sup), true, 'intensity 0, yet no give-up: nothing was counted');
    const [row] = await whichChildren(sup);
    assert.deepEqual({ status: row?.status, ref: row?.ref }, { status: 'stopped', ref: undefined });
    assert.deepEqual(
      eventsOf('child-exited').map((e) => e.action),
      ['shutdown'],
    );
    assert.equal(eventsOf('child-restarted').length, 0);
    await system.shutdown();
  });

  it('R10.6 siblings stopped by a one-for-all restart are not treated as exits of their own', async () => {
    const { system, child, eventsOf } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({
        strategy: 'one-for-all',
        intensity: 1,
        children: [
          { id: 'a', actor: worker('a', log), restart: 'transient' },
          { id: 'b', actor: worker('b', log) },
        ],
      }),
    );
    await child(sup, 'a');
    const b = await child(sup, 'b');
    b.tell({ type: 'crash' });
    await system.idle();
    // a was stopped with shutdown: as its own exit that would have been "keep"
    // for a transient child; as the supervisor's doing it is restarted.
    assert.equal(system.isAlive(sup), true, 'one event, within intensity 1');
    const actions = eventsOf('child-exited').map((e) => [e.id, e.action]);
    assert.deepEqual(actions, [
      ['b', 'restart'],
      ['a', 'shutdown'],
    ]);
    const rows = await whichChildren(sup);
    assert.deepEqual(
      rows.map((r) => [r.id, r.status]),
      [
        ['b', 'running'],
        ['a', 'running'],
      ],
    );
    await system.shutdown();
  });

  it('R10.6 stopping the supervisor restarts nothing', async () => {
    const { system, exits, child, eventsOf } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({
        children: [
          { id: 'a', actor: worker('a', log) },
          { id: 'b', actor: worker('b', log), restart: 'transient' },
        ],
      }),
    );
    const a = await child(sup, 'a');
    const b = await child(sup, 'b');
    await system.stop(sup);
    await system.idle();
    assert.deepEqual(exits.get(sup.pid), exitReason.normal);
    assert.deepEqual(exits.get(a.pid), exitReason.shutdown());
    assert.deepEqual(exits.get(b.pid), exitReason.shutdown());
    assert.equal(eventsOf('child-restarted').length, 0);
    assert.equal(eventsOf('child-started').length, 2, 'only the initial starts');
    assert.deepEqual(system.processes(), []);
    await system.shutdown();
  });

  it('a restarted child gets a new pid and its registered name is free again before the restart', async () => {
    const { system, child } = setup();
    const log: string[] = [];
    const seenInInit: (number | undefined)[] = [];
    const named = worker('named', log);
    const probe = {
      ...named,
      init(ctx: Parameters<NonNullable<typeof named.init>>[0], args: undefined) {
        // The name is registered before init runs (R8.2), so it must be ours.
        seenInInit.push(system.whereis('svc')?.pid);
        return named.init?.(ctx, args);
      },
    };
    const sup = await system.start(
      supervisor({ children: [{ id: 'svc', actor: probe, options: { name: 'svc' } }] }),
    );
    const first = await child(sup, 'svc');
    assert.equal(system.whereis('svc')?.pid, first.pid);
    first.tell({ type: 'crash' });
    await system.idle();
    const second = await child(sup, 'svc');
    assert.notEqual(second.pid, first.pid, 'pids are never reused');
    assert.equal(system.whereis('svc')?.pid, second.pid, 'the name moved to the new process');
    assert.deepEqual(seenInInit, [first.pid, second.pid], 'no name conflict on restart');
    await system.shutdown();
  });

  it('a restarted child runs init again with the args of its spec', async () => {
    const { system, child, crash } = setup();
    const args: unknown[] = [];
    const base = worker('w', []);
    const withArgs = {
      ...base,
      init(ctx: Parameters<NonNullable<typeof base.init>>[0], a: { n: number }) {
        args.push(a);
        return base.init?.(ctx, undefined);
      },
    };
    const sup = await system.start(
      supervisor({ children: [{ id: 'w', actor: withArgs, options: { args: { n: 7 } } }] }),
    );
    await crash(await child(sup, 'w'));
    assert.deepEqual(args, [{ n: 7 }, { n: 7 }]);
    await system.shutdown();
  });
});
