/**
 * otp-rules.md §1.10: automatic shutdown on significant children (R10.16).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ActorRef,
  type AutoShutdown,
  type ExitReason,
  exitReason,
  type RestartType,
  supervisor,
  terminateChild,
  whichChildren,
} from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { type Behaviour, only, setup, type WorkerMsg, worker } from './supervisor-helpers.js';

async function tree(
  autoShutdown: AutoShutdown,
  significant: { id: string; restart: RestartType }[],
  strategy: 'one-for-one' | 'one-for-all' | 'rest-for-one' = 'one-for-one',
) {
  const s = setup();
  const log: string[] = [];
  const sup = await s.system.start(
    supervisor({
      strategy,
      autoShutdown,
      intensity: 10,
      children: [
        { id: 'first', actor: worker('first', log) },
        ...significant.map(({ id, restart }) => ({
          id,
          actor: worker(id, log),
          restart,
          significant: true,
        })),
        { id: 'last', actor: worker('last', log) },
      ],
    }),
  );
  log.length = 0;
  return { ...s, log, sup };
}

/** Ends `ref` by itself with `reason`. */
function end(
  system: ReturnType<typeof setup>['system'],
  ref: ActorRef<WorkerMsg>,
  reason: ExitReason,
): void {
  if (reason.kind === 'killed') system.kill(ref);
  else if (reason.kind === 'error') ref.tell({ type: 'crash', error: reason.error });
  else ref.tell({ type: 'exit', reason });
}

describe('conformance §1.10: auto-shutdown', () => {
  failOnUnhandledRejections();

  for (const reason of [exitReason.normal, exitReason.shutdown(), exitReason.shutdown('T')]) {
    const name =
      reason.kind === 'shutdown' && reason.detail !== undefined ? '{shutdown, T}' : reason.kind;
    it(`R10.16 any-significant: a transient significant child that exits ${name} shuts the supervisor down`, async () => {
      const { system, sup, child, exits, log, eventsOf } = await tree('any-significant', [
        { id: 's', restart: 'transient' },
      ]);
      end(system, await child(sup, 's'), reason);
      await system.idle();
      assert.deepEqual(exits.get(sup.pid), exitReason.shutdown());
      assert.deepEqual(only(log, 'terminate'), [
        `terminate:s:${reason.kind}`,
        'terminate:last:shutdown',
        'terminate:first:shutdown',
      ]);
      assert.deepEqual(
        eventsOf('supervisor-shutdown').map((e) => [e.cause, e.id]),
        [['significant', 's']],
      );
      assert.deepEqual(system.processes(), []);
      await system.shutdown();
    });
  }

  for (const reason of [
    exitReason.normal,
    exitReason.shutdown(),
    exitReason.killed,
    exitReason.error(new Error('boom')),
  ]) {
    it(`R10.16 any-significant: a temporary significant child's exit (${reason.kind}) shuts the supervisor down`, async () => {
      const { system, sup, child, exits } = await tree('any-significant', [
        { id: 's', restart: 'temporary' },
      ]);
      end(system, await child(sup, 's'), reason);
      await system.idle();
      assert.deepEqual(exits.get(sup.pid), exitReason.shutdown());
      await system.shutdown();
    });
  }

  it('R10.16 an abnormal exit of a transient significant child restarts it instead of shutting down', async () => {
    const { system, sup, child, eventsOf } = await tree('any-significant', [
      { id: 's', restart: 'transient' },
    ]);
    const before = await child(sup, 's');
    before.tell({ type: 'crash' });
    await system.idle();
    assert.equal(system.isAlive(sup), true);
    assert.notEqual((await child(sup, 's')).pid, before.pid);
    assert.equal(eventsOf('supervisor-shutdown').length, 0);
    await system.shutdown();
  });

  it('R10.16 all-significant: the supervisor shuts down only when the last significant child has ended', async () => {
    const { system, sup, child, exits, log } = await tree('all-significant', [
      { id: 's1', restart: 'transient' },
      { id: 's2', restart: 'temporary' },
    ]);
    await terminateChild(sup, 'first'); // not significant: irrelevant
    (await child(sup, 's1')).tell({ type: 'exit', reason: exitReason.normal });
    await system.idle();
    assert.equal(system.isAlive(sup), true, 's2 is still running');
    log.length = 0;
    (await child(sup, 's2')).tell({ type: 'exit', reason: exitReason.normal });
    await system.idle();
    assert.deepEqual(exits.get(sup.pid), exitReason.shutdown());
    assert.deepEqual(only(log, 'terminate'), ['terminate:s2:normal', 'terminate:last:shutdown']);
    await system.shutdown();
  });

  it('R10.16 terminateChild on a significant child does not shut the supervisor down', async () => {
    const { system, sup } = await tree('any-significant', [{ id: 's', restart: 'transient' }]);
    await terminateChild(sup, 's');
    await system.idle();
    assert.equal(system.isAlive(sup), true);
    const { system: system2, sup: sup2 } = await tree('all-significant', [
      { id: 's', restart: 'temporary' },
    ]);
    await terminateChild(sup2, 's');
    await system2.idle();
    assert.equal(system2.isAlive(sup2), true);
    await system.shutdown();
    await system2.shutdown();
  });

  it('R10.16 a significant child stopped as a sibling in one-for-all or rest-for-one does not shut the supervisor down', async () => {
    for (const strategy of ['one-for-all', 'rest-for-one'] as const) {
      const { system, sup, child } = await tree(
        'any-significant',
        [
          { id: 's', restart: 'transient' },
          { id: 't', restart: 'temporary' },
        ],
        strategy,
      );
      (await child(sup, 'first')).tell({ type: 'crash' });
      await system.idle();
      assert.equal(system.isAlive(sup), true, strategy);
      assert.deepEqual(
        (await whichChildren(sup)).map((r) => [r.id, r.status]),
        [
          ['last', 'running'],
          ['s', 'running'],
          ['first', 'running'],
        ],
        `${strategy}: the temporary one is removed, the transient one restarted`,
      );
      await system.shutdown();
    }
  });

  it('R10.16 a child that is not significant never shuts the supervisor down', async () => {
    const { system, child } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({
        autoShutdown: 'any-significant',
        children: [
          { id: 'tmp', actor: worker('tmp', log), restart: 'temporary' },
          { id: 'tr', actor: worker('tr', log), restart: 'transient' },
        ],
      }),
    );
    (await child(sup, 'tmp')).tell({ type: 'exit', reason: exitReason.normal });
    (await child(sup, 'tr')).tell({ type: 'exit', reason: exitReason.shutdown() });
    await system.idle();
    assert.equal(system.isAlive(sup), true);
    await system.shutdown();
  });

  it('R10.16 all-significant: a significant child whose restart is pending still counts as active', async () => {
    const { system, child, exits, eventsOf } = setup();
    const log: string[] = [];
    let failures = 0;
    const s1: Behaviour = {
      get failInit() {
        return failures-- > 0;
      },
    };
    const sup = await system.start(
      supervisor({
        autoShutdown: 'all-significant',
        intensity: 10,
        children: [
          { id: 's1', actor: worker('s1', log, s1), restart: 'transient', significant: true },
          { id: 's2', actor: worker('s2', log), restart: 'temporary', significant: true },
        ],
      }),
    );
    const a = await child(sup, 's1');
    const b = await child(sup, 's2');
    // s1 crashes and its restart fails once (OTP: pid {restarting, _}, still
    // counted); s2's own exit arrives before the retry.
    failures = 1;
    system.exit(a, exitReason.error(new Error('boom')));
    system.exit(b, exitReason.shutdown());
    await system.idle();
    assert.equal(eventsOf('child-start-failed').length, 1, "s1's first restart failed");
    assert.equal(exits.get(sup.pid), undefined, 's1 is still there: no auto-shutdown');
    assert.equal((await whichChildren(sup))[0]?.status, 'running');
    await system.shutdown();
  });
});
