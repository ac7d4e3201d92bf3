/**
 * Edge cases of links, monitors, exit signals and supervisors found in
 * review: zombies after a self-inflicted exit, a supervisor dying while a
 * start or restart is in flight, bounded mailboxes and runtime messages,
 * nested exits during a death. Each test failed before its fix.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ActorRef,
  countChildren,
  createSystem,
  type DeadLetter,
  type DownMessage,
  defineActor,
  dynamicSupervisor,
  type ExitMessage,
  exitReason,
  type Pid,
  type SupervisionEvent,
  startChild,
  supervisor,
  terminateChild,
  whichChildren,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { type Behaviour, setup, worker } from '../conformance/supervisor-helpers.js';
import { deferred, failOnUnhandledRejections, turn } from '../support/guard.js';
import { manualSystem } from './fixture.js';

describe('review: exit signals and zombies', () => {
  failOnUnhandledRejections();

  it('a bounded drop-oldest mailbox never drops a trapped EXIT (§11: runtime messages bypass the overflow policy)', async () => {
    const { system, letters } = manualSystem();
    const seen: string[] = [];
    const gate = deferred();
    type Msg = { type: 'block' } | { type: 'note'; text: string } | ExitMessage;
    const trapper = await system.start(
      defineActor<Msg>({
        init(ctx) {
          ctx.trapExit(true);
        },
        handle(msg) {
          if (msg.type === 'block') return gate.promise;
          seen.push(msg.type === 'EXIT' ? `EXIT:${msg.reason.kind}` : msg.text);
        },
      }),
      { mailbox: { capacity: 1, overflow: 'drop-oldest' } },
    );
    const dying = system.spawn(
      defineActor<{ type: 'go' }>({
        init(ctx) {
          ctx.link(trapper);
        },
        handle() {},
      }),
    );
    await system.idle();
    trapper.tell({ type: 'block' });
    await turn();
    // The trapper is busy; a linked process dies: its EXIT is queued.
    system.exit(dying, exitReason.shutdown('bye'));
    // An ordinary message arrives at the (now full) mailbox.
    trapper.tell({ type: 'note', text: 'later' });
    gate.resolve();
    await system.idle();
    assert.deepEqual(
      letters.filter((d) => (d.message as { type?: string }).type === 'EXIT'),
      [],
      'the EXIT was evicted as a dead letter',
    );
    assert.equal(seen[0], 'EXIT:shutdown', 'the trapper never learned of the exit');
    await system.shutdown();
  });

  it('a handler that ended its own process and then throws is not handed to onError: no restart in place of a dead process', async () => {
    const clock = new ManualClock();
    const system = createSystem({ clock });
    const log: string[] = [];
    const restarted: Pid[] = [];
    system.events.subscribe((e) => {
      if (e.type === 'restarted') restarted.push(e.pid);
    });
    const ref = await system.start(
      defineActor<{ type: 'go' }>({
        init() {
          log.push('init');
        },
        handle(_msg, ctx) {
          ctx.exit(ctx.self, exitReason.shutdown('self'));
          // Code runs on after the exit (it is not an exception) and fails.
          throw new Error('after exit');
        },
        terminate(reason) {
          log.push(`terminate:${reason.kind}`);
        },
        onError() {
          log.push('onError');
          return 'restart';
        },
      }),
    );
    ref.tell({ type: 'go' });
    await system.idle();
    assert.equal(system.isAlive(ref), false);
    assert.deepEqual(log, ['init'], 'onError, terminate and init ran on a dead process');
    assert.deepEqual(restarted, [], 'a dead process was reported restarted');
    assert.equal(system.status(ref), 'stopped');
    await system.shutdown();
  });

  it('an async handler that ended its own process before its first await leaves no async work in flight: shutdown resolves', async () => {
    const clock = new ManualClock();
    const system = createSystem({ clock });
    const ref = await system.start(
      defineActor<{ type: 'go' }>({
        async handle(_msg, ctx) {
          ctx.exit(ctx.self, exitReason.shutdown('self'));
          // A zombie awaiting something that never settles (it ignores ctx.signal).
          await new Promise<void>(() => {});
        },
      }),
    );
    ref.tell({ type: 'go' });
    for (let i = 0; i < 5; i++) await turn();
    assert.equal(system.isAlive(ref), false);
    assert.equal(
      system.stats().scheduler.inFlight,
      0,
      'the dead process still counts as in flight',
    );
    let done = false;
    const shutdown = system.shutdown().then(() => {
      done = true;
    });
    for (let i = 0; i < 20; i++) await turn();
    assert.equal(done, true, 'system.shutdown never resolves');
    await shutdown;
  });

  it('a zombie (killed while awaiting) that calls ctx.monitor leaves no monitor behind on the target', async () => {
    const clock = new ManualClock();
    const system = createSystem({ clock });
    const target = await system.start(defineActor<{ type: 'x' }>({ handle() {} }));
    const gate = deferred();
    let ref: { readonly active: boolean } | undefined;
    const zombie = await system.start(
      defineActor<{ type: 'go' } | DownMessage>({
        async handle(msg, ctx) {
          if (msg.type !== 'go') return;
          await gate.promise;
          ref = ctx.monitor(target);
        },
      }),
    );
    zombie.tell({ type: 'go' });
    await turn();
    system.kill(zombie);
    gate.resolve();
    await system.idle();
    assert.equal(system.info(target)?.monitoredBy, 0, 'a dead owner holds a monitor on the target');
    assert.equal(ref?.active, false);
    await system.shutdown();
  });

  it('system.exit called from an exited listener while another death is carried out still ends the target before it returns', async () => {
    const clock = new ManualClock();
    const system = createSystem({ clock });
    const idle = defineActor<{ type: 'x' }>({ handle() {} });
    const first = await system.start(idle);
    const second = await system.start(idle);
    let aliveAfterExit: boolean | undefined;
    system.events.subscribe((e) => {
      if (e.type !== 'exited' || e.pid !== first.pid) return;
      system.exit(second, exitReason.shutdown('from listener'));
      aliveAfterExit = system.isAlive(second);
    });
    system.exit(first, exitReason.shutdown('first'));
    assert.equal(aliveAfterExit, false, 'system.exit returned with its target still alive');
    await system.shutdown();
  });
});

describe('review: supervisors', () => {
  failOnUnhandledRejections();

  /** A worker whose first init is synchronous and every later init waits on `gate`. */
  function gatedAfterFirst(gate: Promise<void>): Behaviour {
    let starts = 0;
    return {
      get initGate() {
        starts++;
        return (starts === 1 ? undefined : gate) as Promise<void>;
      },
    };
  }

  /**
   * A worker `label` (logging to `log`) whose second start waits on `gate`
   * and then fails; its other starts succeed.
   */
  function secondStartGatedThenFails(log: string[], label: string, gate: Promise<void>): Behaviour {
    const starts = (): number => log.filter((e) => e === `init-begin:${label}`).length;
    return {
      get initGate() {
        return (starts() === 2 ? gate : undefined) as Promise<void>;
      },
      get failInit() {
        return starts() === 2;
      },
    };
  }

  it('a supervisor killed while a restart is in flight sends itself no retry afterwards (no sup:retry dead letter)', async () => {
    const { system, child } = setup();
    const letters: DeadLetter[] = [];
    system.deadLetters.subscribe((d) => letters.push(d));
    const log: string[] = [];
    const gate = deferred();
    const sup = await system.start(
      supervisor({
        intensity: 5,
        children: [{ id: 'c', actor: worker('c', log, gatedAfterFirst(gate.promise)) }],
      }),
    );
    (await child(sup, 'c')).tell({ type: 'crash' });
    for (let i = 0; i < 5; i++) await turn();
    // The restart waits on the new child's init; the supervisor is killed meanwhile.
    system.kill(sup);
    gate.resolve();
    await system.idle();
    for (let i = 0; i < 5; i++) await turn();
    assert.deepEqual(
      letters.map((d) => (d.message as { type?: string }).type),
      [],
      'the dead supervisor went on with its restart',
    );
    await system.shutdown();
  });

  it('a supervisor killed while a backoff restart is in flight does not report giving up afterwards', async () => {
    const { system, clock, child, crash } = setup();
    let supDead = false;
    const after: SupervisionEvent[] = [];
    system.events.subscribe((e) => {
      if (supDead && e.type === 'supervisor-shutdown') after.push(e);
    });
    const log: string[] = [];
    const gate = deferred();
    const sup = await system.start(
      supervisor({
        children: [
          {
            id: 'c',
            actor: worker('c', log, gatedAfterFirst(gate.promise)),
            backoff: { minMs: 10, maxMs: 10, jitter: 0, maxRestarts: 1 },
          },
        ],
      }),
    );
    await crash(await child(sup, 'c'));
    clock.advance(10); // the backoff delay ends: the restart waits on the child's init
    for (let i = 0; i < 5; i++) await turn();
    system.kill(sup);
    supDead = true;
    gate.resolve();
    await system.idle();
    for (let i = 0; i < 5; i++) await turn();
    assert.deepEqual(after, [], 'a killed supervisor reported supervisor-shutdown (backoff)');
    await system.shutdown();
  });

  it('a child killed just after its async init finished is still restarted (permanent), never silently dropped', async () => {
    // The kill lands k microtasks after the init's gate opens; some k falls
    // between the init finishing and the supervisor recording the start.
    for (let k = 0; k < 12; k++) {
      const { system, exits, child } = setup();
      const log: string[] = [];
      const gate = deferred();
      const sup = await system.start(
        supervisor({
          intensity: 100,
          children: [{ id: 'c', actor: worker('c', log, gatedAfterFirst(gate.promise)) }],
        }),
      );
      const c = await child(sup, 'c');
      c.tell({ type: 'crash' });
      for (let i = 0; i < 5; i++) await turn();
      const starting = system.processes().find((p) => p !== sup.pid && p !== c.pid);
      assert.ok(starting !== undefined, 'the restarted child is starting');
      gate.resolve();
      let chain: Promise<void> = Promise.resolve();
      for (let i = 0; i < k; i++) chain = chain.then(() => {});
      await chain.then(() => system.exit(starting, exitReason.kill));
      await system.idle();
      assert.deepEqual(exits.get(starting), exitReason.killed);
      const [row] = await whichChildren(sup);
      assert.equal(
        row?.status,
        'running',
        `k=${k}: the permanent child was dropped, not restarted`,
      );
      await system.shutdown();
    }
  });

  it('startChild of a child killed just after its async init finished does not crash the supervisor', async () => {
    for (let k = 0; k < 12; k++) {
      const { system } = setup();
      const log: string[] = [];
      const gate = deferred();
      const sup = await system.start(supervisor({ intensity: 100 }));
      const started = startChild(sup, {
        id: 'c',
        actor: worker('c', log, { initGate: gate.promise }),
      }).catch((e: unknown) => e);
      for (let i = 0; i < 5; i++) await turn();
      const starting = system.processes().find((p) => p !== sup.pid);
      assert.ok(starting !== undefined);
      gate.resolve();
      let chain: Promise<void> = Promise.resolve();
      for (let i = 0; i < k; i++) chain = chain.then(() => {});
      await chain.then(() => system.exit(starting, exitReason.kill));
      await started;
      await system.idle();
      assert.equal(system.isAlive(sup), true, `k=${k}: the supervisor crashed`);
      await system.shutdown();
    }
  });

  it('a dynamic child whose restart is ignored is forgotten and frees its place under maxChildren', async () => {
    const { system } = setup();
    const log: string[] = [];
    let starts = 0;
    const b: Behaviour = {
      get ignore() {
        starts++;
        return starts > 1; // the restart's init stops with normal: OTP ignore
      },
    };
    const pool = await system.start(dynamicSupervisor({ maxChildren: 1, intensity: 10 }));
    const c = (await startChild(pool, { actor: worker('c', log, b) })) as ActorRef<{
      type: 'crash';
    }>;
    c.tell({ type: 'crash' });
    await system.idle();
    assert.deepEqual(
      await whichChildren(pool),
      [],
      'a stopped child is kept by a dynamic supervisor',
    );
    assert.equal((await countChildren(pool)).specs, 0);
    await startChild(pool, { actor: worker('d', log) }); // rejects ERR_MAX_CHILDREN
    await system.shutdown();
  });

  it('R10.10 one-for-all: terminateChild of the first child while a failed group restart waits for its retry does not leave the failed child restarting forever', async () => {
    const { system, child } = setup();
    const log: string[] = [];
    const gate = deferred();
    // b's second start (the group restart) waits on the gate and then fails; later starts succeed.
    const b = secondStartGatedThenFails(log, 'b', gate.promise);
    const sup = await system.start(
      supervisor({
        strategy: 'one-for-all',
        intensity: 10,
        children: [
          { id: 'a', actor: worker('a', log) },
          { id: 'b', actor: worker('b', log, b) },
        ],
      }),
    );
    (await child(sup, 'a')).tell({ type: 'crash' });
    for (let i = 0; i < 5; i++) await turn();
    // The supervisor is blocked on b's start; an API call queues meanwhile.
    const terminated = terminateChild(sup, 'a');
    gate.resolve();
    await terminated;
    await system.idle();
    const rows = new Map((await whichChildren(sup)).map((r) => [r.id, r.status]));
    assert.notEqual(rows.get('b'), 'restarting', 'b is stuck restarting: its retry was dropped');
    await system.shutdown();
  });

  it('R10.10 a failed restart is retried even when the supervisor has a bounded mailbox that is full at that moment', async () => {
    const { system, child } = setup();
    const log: string[] = [];
    const gate = deferred();
    // c's second start waits on the gate and then fails; later starts succeed.
    const b = secondStartGatedThenFails(log, 'c', gate.promise);
    const sup = await system.start(
      supervisor({ intensity: 10, children: [{ id: 'c', actor: worker('c', log, b) }] }),
      { mailbox: { capacity: 1 } },
    );
    (await child(sup, 'c')).tell({ type: 'crash' });
    for (let i = 0; i < 5; i++) await turn();
    // While the restart is blocked, one request fills the supervisor's mailbox.
    const rows = whichChildren(sup);
    gate.resolve();
    await rows;
    await system.idle();
    const [row] = await whichChildren(sup);
    assert.equal(row?.status, 'running', 'the retry was dropped by the overflow policy');
    await system.shutdown();
  });

  it('R10.13 a supervisor ignores an unexpected null message instead of crashing', async () => {
    const { system } = setup();
    const log: string[] = [];
    const sup = await system.start(
      supervisor({ children: [{ id: 'c', actor: worker('c', log) }] }),
    );
    (sup as unknown as ActorRef<unknown>).tell(null);
    await system.idle();
    assert.equal(system.isAlive(sup), true);
    await system.shutdown();
  });
});
