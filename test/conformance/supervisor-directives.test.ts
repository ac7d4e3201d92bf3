/**
 * The error hook's directives (resume, restart, stop, escalate) combined
 * with restart types and strategies: what the supervisor sees of each.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EscalatedError,
  exitReason,
  type RestartType,
  type Strategy,
  supervisor,
  whichChildren,
} from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { type Behaviour, only, setup, worker } from './supervisor-helpers.js';

/** A supervisor (`strategy`, intensity 0) of `c`, whose error hook says `directive`, and a plain `d`. */
function pairUnder(strategy: Strategy, directive: 'resume' | 'restart', log: string[]) {
  return supervisor({
    strategy,
    intensity: 0,
    children: [
      { id: 'c', actor: worker('c', log, { onError: directive }) },
      { id: 'd', actor: worker('d', log) },
    ],
  });
}

describe('error-hook directives under a supervisor', () => {
  failOnUnhandledRejections();

  for (const strategy of ['one-for-one', 'one-for-all', 'rest-for-one'] as const) {
    it(`resume keeps the same pid and the supervisor sees nothing (${strategy})`, async () => {
      const { system, child, pids, events, exits } = setup();
      const log: string[] = [];
      const sup = await system.start(pairUnder(strategy, 'resume', log));
      const before = await pids(sup);
      events.length = 0;
      const c = await child(sup, 'c');
      for (let i = 0; i < 3; i++) c.tell({ type: 'crash' });
      assert.equal(await c.ask({ type: 'ping' }), c.pid, 'it still handles messages');
      await system.idle();
      assert.deepEqual(await pids(sup), before);
      assert.deepEqual(events, [], 'no supervision event');
      assert.equal(exits.get(c.pid), undefined);
      assert.deepEqual(only(log, 'terminate'), [], 'resume runs no terminate');
      await system.shutdown();
    });

    it(`the restart directive restarts in place: same pid, not counted against the supervisor's intensity (${strategy})`, async () => {
      const { system, child, pids, events, inPlace } = setup();
      const log: string[] = [];
      const sup = await system.start(pairUnder(strategy, 'restart', log));
      const before = await pids(sup);
      events.length = 0;
      log.length = 0;
      const c = await child(sup, 'c');
      for (let i = 0; i < 3; i++) c.tell({ type: 'crash' });
      await system.idle();
      assert.equal(system.isAlive(sup), true, 'intensity 0, yet alive: nothing was counted');
      assert.deepEqual(await pids(sup), before, 'same pids, siblings untouched');
      assert.deepEqual(events, [], 'no supervision event');
      assert.deepEqual(inPlace, [c.pid, c.pid, c.pid], 'three restarts in place');
      assert.deepEqual(log, [
        'terminate:c:error',
        'init-begin:c',
        'init:c',
        'terminate:c:error',
        'init-begin:c',
        'init:c',
        'terminate:c:error',
        'init-begin:c',
        'init:c',
      ]);
      assert.equal(system.info(c)?.restarts, 3);
      await system.shutdown();
    });
  }

  it('a restart in place whose init fails ends the process, and the supervisor applies the restart type', async () => {
    const { system, child, exits, eventsOf } = setup();
    const log: string[] = [];
    const behaviour: Behaviour = { onError: 'restart' };
    const sup = await system.start(
      supervisor({ children: [{ id: 'c', actor: worker('c', log, behaviour) }] }),
    );
    const c = await child(sup, 'c');
    behaviour.failInit = true;
    c.tell({ type: 'crash' });
    await system.idle();
    assert.equal(exits.get(c.pid)?.kind, 'error', 'the failed init ended the process');
    assert.deepEqual(
      eventsOf('child-exited').map((e) => [e.pid, e.action]),
      [[c.pid, 'restart']],
    );
    // The supervisor's own restart fails too (init still fails): it retries
    // until its intensity is used up.
    assert.equal(system.isAlive(sup), false);
    await system.shutdown();
  });

  const STOP: Record<RestartType, 'restart' | 'delete'> = {
    permanent: 'restart',
    transient: 'restart',
    temporary: 'delete',
  };
  for (const [restart, action] of Object.entries(STOP) as [RestartType, 'restart' | 'delete'][]) {
    it(`the stop directive exits with the error, so the supervisor applies the ${restart} restart type (${action})`, async () => {
      const { system, child, exits, eventsOf } = setup();
      const log: string[] = [];
      const sup = await system.start(
        supervisor({
          children: [{ id: 'c', actor: worker('c', log, { onError: 'stop' }), restart }],
        }),
      );
      const c = await child(sup, 'c');
      const error = new Error('stop me');
      c.tell({ type: 'crash', error });
      await system.idle();
      assert.deepEqual(exits.get(c.pid), exitReason.error(error));
      assert.deepEqual(only(log, 'terminate'), ['terminate:c:error'], 'terminate ran first');
      assert.deepEqual(
        eventsOf('child-exited').map((e) => [e.pid, e.action]),
        [[c.pid, action]],
      );
      const rows = await whichChildren(sup);
      if (action === 'restart') assert.notEqual(rows[0]?.ref?.pid, c.pid);
      else assert.deepEqual(rows, []);
      await system.shutdown();
    });
  }

  it('escalate fails the supervisor: it stops its children and exits with an EscalatedError, and its own parent supervisor reacts', async () => {
    const { system, exits, children, child, childSupervisor, eventsOf } = setup();
    const log: string[] = [];
    const boom = new Error('beyond me');
    const inner = supervisor({
      intensity: 5,
      children: [
        { id: 'a', actor: worker('a', log) },
        { id: 'e', actor: worker('e', log, { onError: 'escalate' }) },
        { id: 'z', actor: worker('z', log) },
      ],
    });
    const top = await system.start(
      supervisor({ intensity: 5, children: [{ id: 'inner', actor: inner }] }),
    );
    const innerRef = await childSupervisor(top, 'inner');
    const e = await child(innerRef, 'e');
    log.length = 0;
    e.tell({ type: 'crash', error: boom });
    await system.idle();

    assert.deepEqual(exits.get(e.pid), exitReason.error(boom), 'the child exits with its error');
    const innerExit = exits.get(innerRef.pid);
    assert.equal(innerExit?.kind, 'error');
    const escalated = innerExit?.kind === 'error' ? innerExit.error : undefined;
    assert.ok(escalated instanceof EscalatedError, 'the supervisor fails with an EscalatedError');
    assert.equal(escalated.cause, boom);
    assert.equal(escalated.child, e.pid);
    assert.deepEqual(
      eventsOf('child-restarted')
        .filter((ev) => ev.supervisor === innerRef.pid)
        .map((ev) => ev.id),
      [],
      'the failing supervisor does not restart the escalating child itself',
    );
    // Its remaining children were stopped, newest first, before it exited.
    assert.deepEqual(only(log, 'terminate'), [
      'terminate:e:error',
      'terminate:z:shutdown',
      'terminate:a:shutdown',
    ]);
    // The parent saw an abnormal exit of a permanent child and restarted it.
    const after = (await children(top)).get('inner');
    assert.equal(after?.status, 'running');
    assert.notEqual(after?.ref?.pid, innerRef.pid);
    assert.deepEqual(
      eventsOf('child-restarted')
        .filter((ev) => ev.supervisor === top.pid)
        .map((ev) => [ev.id, ev.previous]),
      [['inner', innerRef.pid]],
    );
    const fresh = await children(await childSupervisor(top, 'inner'));
    assert.deepEqual(
      [...fresh.values()].map((r) => [r.id, r.status]),
      [
        ['z', 'running'],
        ['e', 'running'],
        ['a', 'running'],
      ],
    );
    assert.equal(system.isAlive(top), true);
    await system.shutdown();
  });

  it('escalate from a temporary child still fails the supervisor', async () => {
    const { system, exits, child, crash } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({
        children: [
          { id: 'e', actor: worker('e', log, { onError: 'escalate' }), restart: 'temporary' },
        ],
      }),
    );
    await crash(await child(sup, 'e'));
    const reason = exits.get(sup.pid);
    assert.ok(reason?.kind === 'error' && reason.error instanceof EscalatedError);
    await system.shutdown();
  });

  it('escalate under a transient parent: the failing supervisor is restarted, as its exit is abnormal', async () => {
    const { system, children, child, childSupervisor, crash } = setup();
    const log: string[] = [];
    const inner = supervisor({
      children: [{ id: 'e', actor: worker('e', log, { onError: 'escalate' }) }],
    });
    const top = await system.start(
      supervisor({ children: [{ id: 'inner', actor: inner, restart: 'transient' }] }),
    );
    const innerRef = await childSupervisor(top, 'inner');
    await crash(await child(innerRef, 'e'));
    const row = (await children(top)).get('inner');
    assert.equal(row?.status, 'running');
    assert.notEqual(row?.ref?.pid, innerRef.pid);
    await system.shutdown();
  });
});
