import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ActorContext,
  defineActor,
  type ExitReason,
  exitReason,
  ProcessExitedError,
  type Reply,
  SystemShutdownError,
} from '../../src/index.js';
import { deferred, failOnUnhandledRejections, track, turn } from '../support/guard.js';
import { exitsOf, manualSystem } from './fixture.js';

function setup(options: { shutdownTimeout?: number } = {}) {
  const { clock, system, letters } = manualSystem(options);
  return { clock, system, exits: exitsOf(system), letters };
}

/** An actor that records its name in `order` when it terminates, spawning `children` in init. */
function node(
  order: string[],
  name: string,
  children: readonly [string, readonly string[]][] = [],
) {
  return defineActor<string>({
    init(ctx: ActorContext<string>) {
      for (const [child, grandchildren] of children) {
        ctx.spawn(
          node(
            order,
            child,
            grandchildren.map((g) => [g, []] as [string, string[]]),
          ),
        );
      }
    },
    handle() {},
    terminate() {
      order.push(name);
    },
  });
}

describe('shutdown', () => {
  failOnUnhandledRejections();

  it('stops children before parents and newest first', async () => {
    const { system } = setup();
    const order: string[] = [];
    system.spawn(
      node(order, 'A', [
        ['A1', []],
        ['A2', []],
      ]),
    );
    system.spawn(node(order, 'B', [['B1', []]]));
    system.spawn(node(order, 'C'));
    await system.idle();
    assert.equal(system.processes().length, 6);
    await system.shutdown();
    assert.deepEqual(order, ['C', 'B1', 'B', 'A2', 'A1', 'A']);
  });

  it('each sibling subtree finishes stopping before the next older sibling starts', async () => {
    const { system } = setup();
    const order: string[] = [];
    system.spawn(
      node(order, 'root', [
        ['c1', []],
        ['c2', ['g']],
      ]),
    );
    await system.idle();
    await system.shutdown();
    assert.deepEqual(order, ['g', 'c2', 'c1', 'root']);
  });

  it('a grandchild stops before its parent, and that parent before the root', async () => {
    const { system } = setup();
    const order: string[] = [];
    system.spawn(node(order, 'root', [['child', ['grandchild']]]));
    await system.idle();
    await system.shutdown();
    assert.deepEqual(order, ['grandchild', 'child', 'root']);
  });

  it('runs terminate hooks with reason shutdown and every process exits with it', async () => {
    const { system, exits } = setup();
    const reasons: ExitReason[] = [];
    const withTerminate = defineActor<string>({
      handle() {},
      terminate(reason) {
        reasons.push(reason);
      },
    });
    const a = system.spawn(withTerminate);
    const b = system.spawn(defineActor<string>({ handle() {} }));
    await system.shutdown();
    assert.deepEqual(reasons, [exitReason.shutdown()]);
    assert.deepEqual(exits.get(a.pid), exitReason.shutdown());
    assert.deepEqual(exits.get(b.pid), exitReason.shutdown());
    assert.equal(system.status(a), 'stopped');
    assert.equal(system.status(b), 'stopped');
  });

  it('waits for async terminate hooks', async () => {
    const { system } = setup();
    const done = deferred();
    let finished = false;
    system.spawn(
      defineActor<string>({
        handle() {},
        async terminate() {
          await done.promise;
          finished = true;
        },
      }),
    );
    const shutdown = track(system.shutdown());
    await turn();
    assert.equal(shutdown.settled(), false);
    done.resolve();
    await shutdown.promise;
    assert.equal(finished, true);
  });

  it('cancels every timer and resolves when all is quiet', async () => {
    const { clock, system, letters } = setup();
    let ticks = 0;
    const ticker = system.spawn(
      defineActor<'tick'>({
        init(ctx) {
          ctx.sendInterval(10, 'tick');
        },
        handle() {
          ticks++;
        },
      }),
    );
    system.sendAfter(1_000, ticker, 'tick');
    await system.idle();
    await clock.advanceAndSettle(25, system);
    assert.equal(ticks, 2);
    await system.shutdown();
    assert.equal(system.stats().timers, 0);
    assert.equal(clock.pending, 0, 'no host timer is left armed');
    assert.equal(system.stats().processes, 0);
    assert.deepEqual(system.processes(), []);
    assert.equal(system.stats().scheduler.inFlight, 0);
    assert.equal(system.stats().scheduler.runnable, 0);
    clock.advance(10_000);
    await turn();
    assert.equal(ticks, 2);
    assert.deepEqual(letters, []);
  });

  it('later spawns throw SystemShutdownError', async () => {
    const { system } = setup();
    assert.equal(system.isShutDown, false);
    await system.shutdown();
    assert.equal(system.isShutDown, true);
    assert.throws(
      () => system.spawn(defineActor<string>({ handle() {} })),
      (e: unknown) => e instanceof SystemShutdownError && e.code === 'ERR_SYSTEM_SHUTDOWN',
    );
  });

  it('calling shutdown again returns the same promise', async () => {
    const { system } = setup();
    const first = system.shutdown();
    assert.equal(system.shutdown(), first);
    await first;
  });

  it('calling shutdown again from an exited listener while the first shutdown stops the processes returns the same promise, and the shutdown runs once', async () => {
    const { system } = setup();
    const ref = system.spawn(defineActor<unknown>({ handle() {} }));
    const again: Promise<void>[] = [];
    let exitedEvents = 0;
    system.events.subscribe(
      (e) => {
        if (e.type !== 'exited' || e.pid !== ref.pid) return;
        exitedEvents++;
        again.push(system.shutdown());
      },
      ['exited'],
    );
    const first = system.shutdown();
    await first;
    assert.equal(again.length, 1);
    assert.equal(again[0], first);
    assert.equal(exitedEvents, 1);
  });

  it('without drain, queued messages become dead letters with reason stopped', async () => {
    const { system, letters } = setup();
    const handled: number[] = [];
    const ref = system.spawn(
      defineActor<number>({
        handle(n) {
          handled.push(n);
        },
      }),
    );
    for (let i = 0; i < 5; i++) ref.tell(i);
    await system.shutdown();
    assert.deepEqual(handled, []);
    assert.deepEqual(
      letters.map((d) => [d.message, d.reason]),
      [0, 1, 2, 3, 4].map((n) => [n, 'stopped']),
    );
  });

  it('with drain, mailboxes empty (and async handlers settle) before anything stops', async () => {
    const { system, letters } = setup();
    const handled: number[] = [];
    const order: string[] = [];
    const ref = system.spawn(
      defineActor<number>({
        async handle(n, ctx) {
          await turn();
          handled.push(n);
          if (n < 3) ctx.self.tell(n + 10);
        },
        terminate() {
          order.push('terminate');
        },
      }),
    );
    for (let i = 0; i < 5; i++) ref.tell(i);
    await system.shutdown({ drain: true });
    assert.deepEqual(handled, [0, 1, 2, 3, 4, 10, 11, 12]);
    assert.deepEqual(order, ['terminate']);
    assert.deepEqual(letters, []);
  });

  it('kills a process whose terminate never resolves after shutdownTimeout', async () => {
    const { clock, system, exits } = setup({ shutdownTimeout: 1_000 });
    const entered = deferred();
    const stuck = system.spawn(
      defineActor<string>({
        handle() {},
        terminate() {
          entered.resolve();
          return new Promise<void>(() => {});
        },
      }),
    );
    const fine = system.spawn(node([], 'fine'));
    const shutdown = track(system.shutdown());
    await entered.promise;
    clock.advance(999);
    await turn();
    assert.equal(shutdown.settled(), false);
    clock.advance(1);
    await shutdown.promise;
    assert.deepEqual(exits.get(stuck.pid), exitReason.killed);
    assert.equal(system.status(stuck), 'failed');
    assert.deepEqual(exits.get(fine.pid), exitReason.shutdown());
    assert.deepEqual(system.processes(), []);
  });

  it('a shutdown timeout option overrides the system default', async () => {
    const { clock, system, exits } = setup({ shutdownTimeout: 60_000 });
    const stuck = system.spawn(
      defineActor<string>({
        handle() {
          return new Promise<void>(() => {});
        },
      }),
    );
    stuck.tell('hang');
    await turn();
    const shutdown = system.shutdown({ timeout: 10 });
    await turn();
    clock.advance(10);
    await shutdown;
    assert.deepEqual(exits.get(stuck.pid), exitReason.killed);
  });

  it('a pending ask is rejected with ProcessExitedError when the system shuts down', async () => {
    const { system } = setup();
    const ref = system.spawn(
      defineActor<{ reply: Reply<number> }>({
        handle() {
          // never answers
        },
      }),
    );
    const asked = ref.ask({}, { timeout: 60_000 });
    await system.idle();
    await system.shutdown();
    await assert.rejects(asked, (e: unknown) => {
      assert.ok(e instanceof ProcessExitedError);
      assert.deepEqual(e.reason, exitReason.shutdown());
      return true;
    });
  });

  it('a terminate hook cannot spawn once shutdown has begun: SystemShutdownError', async () => {
    const { system } = setup();
    let spawnError: unknown;
    system.spawn(
      defineActor<string>({
        handle() {},
        terminate(_reason, ctx) {
          try {
            ctx.spawn(defineActor<string>({ handle() {} }));
          } catch (e) {
            spawnError = e;
          }
        },
      }),
    );
    await system.shutdown();
    assert.ok(spawnError instanceof SystemShutdownError);
    assert.deepEqual(system.processes(), []);
  });
});
