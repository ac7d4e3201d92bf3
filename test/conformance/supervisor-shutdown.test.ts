/**
 * otp-rules.md §1.10: how a supervisor shuts one child down (R10.11), how
 * it terminates as a whole (R10.12), and what it ignores (R10.13). JS
 * mapping (§3): the supervisor stops a child gracefully (its terminate
 * runs) and kills it after its shutdown timeout; "ignores shutdown" is a
 * terminate that never settles, never a busy loop.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ActorRef,
  exitReason,
  type SupervisorRef,
  supervisor,
  terminateChild,
  whichChildren,
} from '../../src/index.js';
import { deferred, failOnUnhandledRejections, track } from '../support/guard.js';
import { only, quiesce, setup, type WorkerMsg, worker } from './supervisor-helpers.js';

describe('conformance §1.10: shutting children and supervisors down', () => {
  failOnUnhandledRejections();

  it('R10.11 brutalKill kills the child: it ends with killed and its terminate does not run', async () => {
    const { system, child, exits, eventsOf } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({ children: [{ id: 'c', actor: worker('c', log), shutdown: 'brutalKill' }] }),
    );
    const c = await child(sup, 'c');
    await terminateChild(sup, 'c');
    assert.deepEqual(exits.get(c.pid), exitReason.killed);
    assert.deepEqual(only(log, 'terminate'), []);
    const [exited] = eventsOf('child-exited');
    assert.deepEqual([exited?.action, exited?.reason], ['shutdown', exitReason.killed]);
    await system.shutdown();
  });

  it('R10.11 a numeric shutdown stops the child gracefully: terminate runs with shutdown and it exits shutdown', async () => {
    const { system, child, exits } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({ children: [{ id: 'c', actor: worker('c', log), shutdown: 1_000 }] }),
    );
    const c = await child(sup, 'c');
    await terminateChild(sup, 'c');
    assert.deepEqual(exits.get(c.pid), exitReason.shutdown());
    assert.deepEqual(only(log, 'terminate'), ['terminate:c:shutdown']);
    await system.shutdown();
  });

  it('R10.11 a child that ignores shutdown is killed after its timeout', async () => {
    const { system, clock, child, exits } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({
        children: [{ id: 'c', actor: worker('c', log, { hang: true }), shutdown: 1_000 }],
      }),
    );
    const c = await child(sup, 'c');
    const stopping = track(terminateChild(sup, 'c'));
    await quiesce(system);
    assert.deepEqual(only(log, 'terminate'), ['terminate:c:shutdown'], 'it was asked to stop');
    clock.advance(999);
    await quiesce(system);
    assert.equal(system.isAlive(c), true, 'not before its timeout');
    assert.equal(stopping.settled(), false, 'the supervisor waits for it');
    clock.advance(1);
    await stopping.promise;
    assert.equal(system.isAlive(c), false);
    assert.deepEqual(exits.get(c.pid), exitReason.killed);
    assert.equal(system.isAlive(sup), true);
    await system.shutdown();
  });

  it('R10.11 a child stuck in an async handler is killed after its timeout', async () => {
    const { system, clock, child, exits } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({ children: [{ id: 'c', actor: worker('c', log), shutdown: 2_000 }] }),
    );
    const c = await child(sup, 'c');
    c.tell({ type: 'await', promise: new Promise<void>(() => {}) });
    await quiesce(system);
    const stopping = track(terminateChild(sup, 'c'));
    await quiesce(system);
    clock.advance(1_999);
    await quiesce(system);
    assert.equal(system.isAlive(c), true);
    assert.equal(stopping.settled(), false);
    clock.advance(1);
    await stopping.promise;
    assert.deepEqual(exits.get(c.pid), exitReason.killed);
    assert.deepEqual(only(log, 'terminate'), [], 'killed: no terminate');
    await system.shutdown();
  });

  it('R10.11 a child that traps exits still stops when its supervisor shuts it down', async () => {
    const { system, child, exits } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({ children: [{ id: 'c', actor: worker('c', log, { trap: true }) }] }),
    );
    const c = await child(sup, 'c');
    await terminateChild(sup, 'c');
    assert.deepEqual(exits.get(c.pid), exitReason.shutdown());
    assert.deepEqual(only(log, 'terminate'), ['terminate:c:shutdown']);
    assert.deepEqual(only(log, 'EXIT'), [], 'no EXIT message: the stop is not an ordinary signal');
    await system.shutdown();
  });

  it('R10.11 with infinity the supervisor waits as long as the child takes', async () => {
    const { system, clock, child, exits } = setup();
    const log: string[] = [];
    const gate = deferred();
    const sup = await system.start(
      supervisor({
        children: [
          {
            id: 'c',
            actor: worker('c', log, { terminateGate: gate.promise }),
            shutdown: 'infinity',
          },
        ],
      }),
    );
    const c = await child(sup, 'c');
    const stopping = track(terminateChild(sup, 'c'));
    await quiesce(system);
    clock.advance(24 * 3_600_000);
    await quiesce(system);
    assert.equal(system.isAlive(c), true, 'never killed');
    assert.equal(stopping.settled(), false);
    gate.resolve();
    await stopping.promise;
    assert.deepEqual(exits.get(c.pid), exitReason.shutdown());
    await system.shutdown();
  });

  it('R10.11 a child that unlinked itself from its supervisor cannot make the shutdown hang', async () => {
    const { system, child, exits } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({ children: [{ id: 'c', actor: worker('c', log) }] }),
    );
    const c = await child(sup, 'c');
    c.tell({ type: 'run', fn: (ctx) => ctx.unlink(sup) });
    await system.idle();
    assert.deepEqual(system.info(c)?.links, []);
    await terminateChild(sup, 'c');
    assert.deepEqual(exits.get(c.pid), exitReason.shutdown());
    await system.shutdown();
  });

  it('R10.11 a child whose terminate fails exits with that error, and the shutdown carries on', async () => {
    const { system, child, exits } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({
        children: [
          { id: 'a', actor: worker('a', log) },
          { id: 'b', actor: worker('b', log, { failTerminate: true }) },
        ],
      }),
    );
    const a = await child(sup, 'a');
    const b = await child(sup, 'b');
    await system.stop(sup);
    assert.equal(exits.get(b.pid)?.kind, 'error');
    assert.deepEqual(exits.get(a.pid), exitReason.shutdown(), 'the next child was still stopped');
    assert.deepEqual(exits.get(sup.pid), exitReason.normal);
    await system.shutdown();
  });

  it('R10.12 children stop in reverse start order', async () => {
    const { system } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({ children: ['a', 'b', 'c', 'd'].map((id) => ({ id, actor: worker(id, log) })) }),
    );
    await system.stop(sup);
    assert.deepEqual(only(log, 'terminate'), [
      'terminate:d:shutdown',
      'terminate:c:shutdown',
      'terminate:b:shutdown',
      'terminate:a:shutdown',
    ]);
    await system.shutdown();
  });

  it("R10.12 each child's termination finishes before the next child is signalled", async () => {
    const { system, clock, exits } = setup();
    const log: string[] = [];
    const gate = deferred();
    const sup = await system.start(
      supervisor({
        children: [
          { id: 'a', actor: worker('a', log) },
          { id: 'b', actor: worker('b', log, { hang: true }), shutdown: 500 },
          { id: 'c', actor: worker('c', log, { terminateGate: gate.promise }) },
        ],
      }),
    );
    const stopped = track(system.stop(sup));
    await quiesce(system);
    assert.deepEqual(only(log, 'terminate'), ['terminate:c:shutdown']);
    gate.resolve();
    await quiesce(system);
    assert.deepEqual(only(log, 'terminate'), ['terminate:c:shutdown', 'terminate:b:shutdown']);
    clock.advance(499);
    await quiesce(system);
    assert.deepEqual(only(log, 'terminate').length, 2, 'a waits while b is given its 500 ms');
    clock.advance(1);
    await stopped.promise;
    assert.deepEqual(only(log, 'terminate'), [
      'terminate:c:shutdown',
      'terminate:b:shutdown',
      'terminate:a:shutdown',
    ]);
    assert.deepEqual(exits.get(sup.pid), exitReason.normal);
    await system.shutdown();
  });

  it('R10.12 a stopped supervisor exits with the stop reason, and its children get shutdown, never that reason', async () => {
    const { system, child, exits } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({ children: ['a', 'b'].map((id) => ({ id, actor: worker(id, log) })) }),
    );
    const a = await child(sup, 'a');
    const b = await child(sup, 'b');
    const reason = exitReason.error(new Error('operator says no'));
    await system.stop(sup, { reason });
    assert.deepEqual(exits.get(sup.pid), reason);
    assert.deepEqual(exits.get(a.pid), exitReason.shutdown());
    assert.deepEqual(exits.get(b.pid), exitReason.shutdown());
    assert.deepEqual(only(log, 'terminate'), ['terminate:b:shutdown', 'terminate:a:shutdown']);
    await system.shutdown();
  });

  it("R10.12 a supervisor that gets an exit signal from its parent stops its children and exits with the parent's reason", async () => {
    const { system, exits } = setup();
    const log: string[] = [];
    // The parent traps exits: the supervisor's exit comes back to it over the link.
    const parent = await system.start(worker('parent', log, { trap: true }));
    let sup: SupervisorRef | undefined;
    parent.tell({
      type: 'run',
      fn: (ctx) => {
        sup = ctx.spawnLink(
          supervisor({ children: ['a', 'b'].map((id) => ({ id, actor: worker(id, log) })) }),
        );
      },
    });
    await system.idle();
    assert.ok(sup !== undefined);
    const target = sup;
    const rows = await whichChildren(target);
    parent.tell({
      type: 'run',
      fn: (ctx) => ctx.exit(target, exitReason.shutdown('bye')),
    });
    await system.idle();
    assert.deepEqual(exits.get(target.pid), exitReason.shutdown('bye'));
    for (const r of rows)
      assert.deepEqual(exits.get((r.ref as ActorRef<never>).pid), exitReason.shutdown());
    assert.deepEqual(only(log, 'terminate:b').concat(only(log, 'terminate:a')), [
      'terminate:b:shutdown',
      'terminate:a:shutdown',
    ]);
    assert.deepEqual(only(log, 'EXIT'), ['EXIT:parent'], 'the exit came back over the link');
    await system.shutdown();
  });

  it('R10.12 stopping a supervision tree stops it depth-first, newest first', async () => {
    const { system } = setup();
    const log: string[] = [];
    const inner = supervisor({
      children: ['x', 'y'].map((id) => ({ id, actor: worker(id, log) })),
    });
    const top = await system.start(
      supervisor({
        children: [
          { id: 'a', actor: worker('a', log) },
          { id: 'inner', actor: inner },
          { id: 'b', actor: worker('b', log) },
        ],
      }),
    );
    await system.stop(top);
    assert.deepEqual(only(log, 'terminate'), [
      'terminate:b:shutdown',
      'terminate:y:shutdown',
      'terminate:x:shutdown',
      'terminate:a:shutdown',
    ]);
    assert.deepEqual(system.processes(), []);
    await system.shutdown();
  });

  it('system.shutdown stops a supervision tree in reverse start order and restarts nothing', async () => {
    const { system, eventsOf } = setup();
    const log: string[] = [];
    const inner = supervisor({
      children: ['x', 'y'].map((id) => ({ id, actor: worker(id, log) })),
    });
    await system.start(
      supervisor({
        children: [
          { id: 'a', actor: worker('a', log) },
          { id: 'inner', actor: inner },
          { id: 'b', actor: worker('b', log) },
        ],
      }),
    );
    await system.shutdown();
    assert.deepEqual(only(log, 'terminate'), [
      'terminate:b:shutdown',
      'terminate:y:shutdown',
      'terminate:x:shutdown',
      'terminate:a:shutdown',
    ]);
    assert.equal(eventsOf('child-restarted').length, 0);
    assert.equal(eventsOf('child-start-failed').length, 0);
    assert.deepEqual(system.processes(), []);
  });

  it('R10.13 the supervisor ignores an EXIT from a linked process that is neither its parent nor its child', async () => {
    const { system, exits, pids } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({ intensity: 0, children: [{ id: 'c', actor: worker('c', log) }] }),
    );
    const before = await pids(sup);
    const stranger = await system.start(worker('stranger', log));
    stranger.tell({ type: 'run', fn: (ctx) => ctx.link(sup) });
    await system.idle();
    assert.ok(system.info(sup)?.links.includes(stranger.pid));
    const error = new Error('stranger crashed');
    stranger.tell({ type: 'crash', error });
    await system.idle();
    assert.deepEqual(exits.get(stranger.pid), exitReason.error(error));
    assert.equal(system.isAlive(sup), true);
    assert.deepEqual(await pids(sup), before, 'no child was touched');
    await system.shutdown();
  });

  it('R10.13 the supervisor ignores an exit signal sent from outside any process, and unexpected messages', async () => {
    const { system, pids } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({ intensity: 0, children: [{ id: 'c', actor: worker('c', log) }] }),
    );
    const before = await pids(sup);
    system.exit(sup, exitReason.error(new Error('from outside')));
    system.exit(sup, exitReason.shutdown());
    (sup as unknown as ActorRef<unknown>).tell({ type: 'garbage' });
    (sup as unknown as ActorRef<unknown>).tell('garbage');
    await system.idle();
    assert.equal(system.isAlive(sup), true);
    assert.deepEqual(await pids(sup), before);
    await system.shutdown();
  });

  it('a supervisor killed outright takes its children with it', async () => {
    const { system, child, exits } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({ children: [{ id: 'c', actor: worker('c', log) }] }),
    );
    const c: ActorRef<WorkerMsg> = await child(sup, 'c');
    system.exit(sup, exitReason.kill);
    await system.idle();
    assert.deepEqual(exits.get(sup.pid), exitReason.killed);
    assert.equal(system.isAlive(c), false);
    assert.deepEqual(system.processes(), []);
    await system.shutdown();
  });
});
