/**
 * Restarts with exponential backoff (Akka's backoff supervisor), on the
 * manual clock: delayed, not counted against intensity, given up after
 * `maxRestarts`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type BackoffOptions,
  exitReason,
  type Pid,
  supervisor,
  terminateChild,
  whichChildren,
} from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { only, setup, worker } from './supervisor-helpers.js';

async function backoffTree(
  backoff: BackoffOptions,
  extra: { intensity?: number; random?: () => number; strategy?: 'one-for-all' } = {},
) {
  const s = setup();
  const log: string[] = [];
  const sup = await s.system.start(
    supervisor({
      intensity: extra.intensity ?? 0,
      ...(extra.strategy === undefined ? {} : { strategy: extra.strategy }),
      ...(extra.random === undefined ? {} : { random: extra.random }),
      children: [
        { id: 'a', actor: worker('a', log) },
        { id: 'c', actor: worker('c', log), backoff },
      ],
    }),
  );
  /** Crashes c now; returns its pid. */
  const crashC = async (): Promise<Pid> => {
    const c = await s.child(sup, 'c');
    await s.crash(c);
    return c.pid;
  };
  /** Advances the clock until c runs again; returns how long that took (ms), at most `limit`. */
  const delayUntilRestart = async (limit = 100_000): Promise<number> => {
    for (let waited = 0; waited <= limit; waited++) {
      const row = (await whichChildren(sup)).find((r) => r.id === 'c');
      if (row?.status === 'running') return waited;
      assert.equal(row?.status, 'restarting', 'waiting for its backoff');
      await s.clock.advanceAndSettle(1, s.system);
    }
    throw new Error('never restarted');
  };
  return { ...s, log, sup, crashC, delayUntilRestart };
}

describe('restart with backoff', () => {
  failOnUnhandledRejections();

  it('restarts of a child with backoff are delayed exponentially, up to maxMs', async () => {
    const { system, crashC, delayUntilRestart } = await backoffTree({
      minMs: 100,
      maxMs: 1_000,
      jitter: 0,
      resetAfterMs: 60_000,
    });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      await crashC();
      delays.push(await delayUntilRestart());
    }
    assert.deepEqual(delays, [100, 200, 400, 800, 1_000, 1_000]);
    await system.shutdown();
  });

  it('restarts under backoff do not count against the intensity', async () => {
    const { system, sup, crashC, delayUntilRestart, eventsOf } = await backoffTree(
      { minMs: 10, maxMs: 10, jitter: 0 },
      { intensity: 0 },
    );
    for (let i = 0; i < 5; i++) {
      await crashC();
      await delayUntilRestart();
    }
    assert.equal(system.isAlive(sup), true, 'intensity 0, five restarts');
    assert.equal(eventsOf('child-restarted').length, 5);
    await system.shutdown();
  });

  it('each restart under backoff gets a new pid, reported with the previous one', async () => {
    const { system, sup, child, crashC, delayUntilRestart, eventsOf } = await backoffTree({
      minMs: 50,
      maxMs: 50,
      jitter: 0,
    });
    const before = await crashC();
    await delayUntilRestart();
    const after = (await child(sup, 'c')).pid;
    assert.notEqual(after, before);
    assert.deepEqual(
      eventsOf('child-restarted').map((e) => [e.id, e.previous, e.pid]),
      [['c', before, after]],
    );
    await system.shutdown();
  });

  it('a child that ran healthy for resetAfterMs starts again from minMs', async () => {
    const { system, clock, crashC, delayUntilRestart } = await backoffTree({
      minMs: 100,
      maxMs: 10_000,
      jitter: 0,
      resetAfterMs: 5_000,
    });
    await crashC();
    assert.equal(await delayUntilRestart(), 100);
    await crashC();
    assert.equal(await delayUntilRestart(), 200);
    await clock.advanceAndSettle(5_000, system);
    await crashC();
    assert.equal(await delayUntilRestart(), 100, 'the count was reset');
    await system.shutdown();
  });

  it('maxRestarts exhausted: the supervisor shuts down with shutdown (event cause backoff)', async () => {
    const { system, sup, exits, crashC, delayUntilRestart, eventsOf, log } = await backoffTree(
      { minMs: 10, maxMs: 100, jitter: 0, maxRestarts: 2, resetAfterMs: 60_000 },
      { intensity: 100 },
    );
    await crashC();
    await delayUntilRestart();
    await crashC();
    await delayUntilRestart();
    log.length = 0;
    await crashC();
    assert.deepEqual(exits.get(sup.pid), exitReason.shutdown());
    assert.deepEqual(
      eventsOf('supervisor-shutdown').map((e) => [e.cause, e.id]),
      [['backoff', 'c']],
    );
    assert.deepEqual(only(log, 'terminate'), ['terminate:c:error', 'terminate:a:shutdown']);
    assert.deepEqual(system.processes(), []);
    await system.shutdown();
  });

  it('jitter spreads the delay by at most ±jitter of it, drawn from the random source', async () => {
    const low = await backoffTree({ minMs: 100, maxMs: 1_000, jitter: 0.5 }, { random: () => 0 });
    await low.crashC();
    assert.equal(await low.delayUntilRestart(), 50);
    const high = await backoffTree(
      { minMs: 100, maxMs: 1_000, jitter: 0.5 },
      { random: () => 0.999_999 },
    );
    await high.crashC();
    const delay = await high.delayUntilRestart();
    assert.ok(delay > 100 && delay <= 150, `${delay} within 100..150`);
    await low.system.shutdown();
    await high.system.shutdown();
  });

  it('terminateChild during the backoff delay cancels the pending restart', async () => {
    const { system, clock, sup, crashC, eventsOf } = await backoffTree({
      minMs: 100,
      maxMs: 100,
      jitter: 0,
    });
    await crashC();
    await terminateChild(sup, 'c');
    await clock.advanceAndSettle(1_000, system);
    const row = (await whichChildren(sup)).find((r) => r.id === 'c');
    assert.deepEqual({ status: row?.status, ref: row?.ref }, { status: 'stopped', ref: undefined });
    assert.equal(eventsOf('child-restarted').length, 0);
    await system.shutdown();
  });

  it('under one-for-all, the siblings are stopped at once and everything restarts after the delay', async () => {
    const { system, clock, sup, exits, pids, crashC, log } = await backoffTree(
      { minMs: 100, maxMs: 100, jitter: 0 },
      { strategy: 'one-for-all' },
    );
    const before = await pids(sup);
    log.length = 0;
    await crashC();
    assert.deepEqual(exits.get(before.a as Pid), exitReason.shutdown(), 'a stopped at once');
    assert.deepEqual(only(log, 'init:'), []);
    await clock.advanceAndSettle(100, system);
    assert.deepEqual(only(log, 'init:'), ['init:a', 'init:c']);
    const after = await pids(sup);
    assert.ok(after.a !== undefined && after.a !== before.a);
    await system.shutdown();
  });

  it('a restart under backoff whose start fails is retried after the next backoff delay, not at once', async () => {
    const { system, clock, child, crash, exits } = setup();
    const log: string[] = [];
    let failures = 0;
    const behaviour = {
      get failInit() {
        if (failures <= 0) return false;
        failures--;
        return true;
      },
    };
    const sup = await system.start(
      supervisor({
        intensity: 3,
        children: [
          {
            id: 'db',
            actor: worker('db', log, behaviour),
            backoff: { minMs: 100, maxMs: 10_000, jitter: 0, resetAfterMs: 60_000 },
          },
        ],
      }),
    );
    // The database is down for the next ten starts.
    failures = 10;
    log.length = 0;
    await crash(await child(sup, 'db'));
    const attempts: number[] = [];
    for (let t = 0; t < 20_000 && system.isAlive(sup); t += 50) {
      const before = only(log, 'init-begin').length;
      await clock.advanceAndSettle(50, system);
      const now = only(log, 'init-begin').length;
      for (let k = before; k < now; k++) attempts.push(clock.now());
    }
    assert.deepEqual(
      exits.get(sup.pid),
      undefined,
      'failed starts under backoff do not use up the intensity',
    );
    assert.deepEqual(
      attempts.slice(0, 4),
      [100, 300, 700, 1_500],
      'each retry waits for the next delay',
    );
    await system.shutdown();
  });
});
