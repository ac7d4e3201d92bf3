/**
 * docs/semantics.md §16: `system.health()` and the memory estimate of
 * `system.info()`, through the public API on a manual clock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ActorRef,
  createSystem,
  defineActor,
  type HealthReport,
  InvalidArgumentError,
  supervisor,
  whichChildren,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { type Deferred, deferred, failOnUnhandledRejections, turn } from '../support/guard.js';

function setup() {
  const clock = new ManualClock();
  const system = createSystem({ clock });
  return { clock, system };
}

/** An actor whose handler awaits the gate: once it has a message, the rest queue up. */
function blocked(system: ReturnType<typeof createSystem>, gate: Deferred<void>): ActorRef<number> {
  const ref = system.spawn(
    defineActor<number>({
      async handle() {
        await gate.promise;
      },
    }),
  );
  ref.tell(0);
  return ref;
}

const sink = defineActor<number>({ handle() {} });

const crasher = defineActor<'crash'>({
  handle() {
    throw new Error('boom');
  },
});

describe('system.health()', () => {
  failOnUnhandledRejections();

  it('counts live processes', async () => {
    const { system } = setup();
    assert.equal(system.health().processes, 0);
    const refs = [system.spawn(sink), system.spawn(sink), system.spawn(sink)];
    assert.equal(system.health().processes, 3);
    await system.stop(refs[0] as ActorRef<number>);
    assert.equal(system.health().processes, 2);
    await system.shutdown();
  });

  it('reports queued messages in total and the largest mailbox', async () => {
    const { system } = setup();
    const gate = deferred();
    const a = blocked(system, gate);
    const b = blocked(system, gate);
    await turn();
    assert.deepEqual(system.health().mailboxes, {
      totalQueued: 0,
      largest: undefined,
      overflowDrops: 0,
    });
    for (let i = 1; i <= 5; i++) a.tell(i);
    b.tell(1);
    b.tell(2);
    const { mailboxes } = system.health();
    assert.equal(mailboxes.totalQueued, 7);
    assert.deepEqual(mailboxes.largest, { pid: a.pid, size: 5 });
    gate.resolve();
    await system.idle();
    assert.equal(system.health().mailboxes.totalQueued, 0);
    await system.shutdown();
  });

  it('counts messages an overflow policy dropped', async () => {
    const { system } = setup();
    const gate = deferred();
    const ref = system.spawn(
      defineActor<number>({
        async handle() {
          await gate.promise;
        },
      }),
      { mailbox: { capacity: 2, overflow: 'drop-newest' } },
    );
    ref.tell(0);
    await turn();
    for (let i = 1; i <= 5; i++) ref.tell(i);
    assert.equal(system.health().mailboxes.overflowDrops, 3);
    gate.resolve();
    await system.shutdown();
  });

  it('computes messages per second over the clock interval since the previous call', async () => {
    const { clock, system } = setup();
    const ref = system.spawn(sink);
    for (let i = 0; i < 10; i++) ref.tell(i);
    await system.idle();
    clock.advance(1_000);
    // The first report covers the time since the system was created.
    let h = system.health();
    assert.equal(h.handledTotal, 10);
    assert.equal(h.messagesPerSecond, 10);
    assert.equal(h.uptimeMs, 1_000);
    for (let i = 0; i < 100; i++) ref.tell(i);
    await system.idle();
    clock.advance(2_000);
    h = system.health();
    assert.equal(h.handledTotal, 110);
    assert.equal(h.messagesPerSecond, 50);
    assert.equal(h.uptimeMs, 3_000);
    assert.equal(h.at, 3_000);
    // No time passed: no rate.
    assert.equal(system.health().messagesPerSecond, 0);
    await system.shutdown();
  });

  it('counts restarts and dead letters', async () => {
    const { system } = setup();
    const ref = system.spawn(sink);
    await system.stop(ref);
    ref.tell(1);
    ref.tell(2);
    const sup = await system.start(
      supervisor({ children: [{ id: 'w', actor: crasher, restart: 'permanent' }] }),
    );
    const [row] = await whichChildren(sup);
    assert.ok(row?.ref !== undefined);
    (row.ref as ActorRef<'crash'>).tell('crash');
    await system.idle();
    const h = system.health();
    assert.equal(h.deadLetters, 2);
    assert.equal(h.restarts, 1);
    await system.shutdown();
  });

  it('reports supervisors, their children and the ones restarting', async () => {
    const { clock, system } = setup();
    const top = await system.start(
      supervisor({
        children: [
          { id: 'a', actor: sink },
          { id: 'b', actor: crasher, backoff: { minMs: 100, maxMs: 100, jitter: 0 } },
        ],
      }),
    );
    const sup = await system.start(supervisor({ children: [{ id: 'c', actor: sink }] }));
    system.spawn(sink);
    assert.deepEqual(system.health().supervisors, {
      count: 2,
      children: 3,
      activeChildren: 3,
      restarting: 0,
    });
    const b = (await whichChildren(top)).find((r) => r.id === 'b');
    assert.ok(b?.ref !== undefined);
    (b.ref as ActorRef<'crash'>).tell('crash');
    await system.idle();
    assert.deepEqual(system.health().supervisors, {
      count: 2,
      children: 3,
      activeChildren: 2,
      restarting: 1,
    });
    await clock.advanceAndSettle(100, system);
    assert.equal(system.health().supervisors.restarting, 0);
    await system.stop(sup);
    assert.equal(system.health().supervisors.count, 1);
    await system.shutdown();
  });

  it('is degraded when a mailbox holds more than mailboxWarn messages', async () => {
    const { system } = setup();
    const gate = deferred();
    const ref = blocked(system, gate);
    await turn();
    for (let i = 1; i <= 5; i++) ref.tell(i);
    const ok = system.health({ mailboxWarn: 5 });
    assert.equal(ok.status, 'ok');
    assert.deepEqual(ok.warnings, []);
    const degraded = system.health({ mailboxWarn: 4 });
    assert.equal(degraded.status, 'degraded');
    assert.deepEqual(degraded.warnings, ['mailbox']);
    assert.equal(system.health().status, 'ok', 'the default threshold is 10 000');
    gate.resolve();
    await system.shutdown();
  });

  it('rejects a bad threshold', async () => {
    const { system } = setup();
    assert.throws(() => system.health({ mailboxWarn: -1 }), InvalidArgumentError);
    assert.throws(() => system.health({ loopDelayWarnMs: Number.NaN }), InvalidArgumentError);
    await system.shutdown();
  });

  it('reports event-loop delay once a sample exists', async () => {
    const { system } = setup();
    assert.equal(system.health().eventLoopDelayMs, undefined, 'sampling starts on first use');
    let h: HealthReport | undefined;
    for (let i = 0; i < 200 && h?.eventLoopDelayMs === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 15));
      h = system.health();
    }
    const delay = h?.eventLoopDelayMs;
    assert.ok(delay !== undefined, 'the histogram took a sample');
    for (const v of [delay.p50, delay.p99, delay.max]) {
      assert.ok(Number.isFinite(v) && v >= 0, `${v} is a finite delay`);
    }
    await system.shutdown();
  });

  it('says shut-down after shutdown, and stops sampling the event loop', async () => {
    const { system } = setup();
    system.spawn(sink);
    system.health();
    await new Promise((resolve) => setTimeout(resolve, 15));
    await system.shutdown();
    const h = system.health();
    assert.equal(h.status, 'shut-down');
    assert.equal(h.processes, 0);
    assert.equal(h.eventLoopDelayMs, undefined);
    await new Promise((resolve) => setTimeout(resolve, 15));
    assert.equal(system.health().eventLoopDelayMs, undefined, 'sampling never restarts');
  });

  it('says shut-down when health was never asked before shutdown', async () => {
    const { system } = setup();
    await system.shutdown();
    const h = system.health();
    assert.equal(h.status, 'shut-down');
    assert.equal(h.eventLoopDelayMs, undefined);
  });
});

describe('system.info().memoryBytes', () => {
  failOnUnhandledRejections();

  it('is the bare record for an actor that never got a message', async () => {
    const { system } = setup();
    const ref = system.spawn(sink);
    assert.equal(system.info(ref)?.memoryBytes, 176);
    await system.shutdown();
  });

  it('grows when the mailbox grows, and shrinks back to one segment when it empties', async () => {
    const { system } = setup();
    const gate = deferred();
    const ref = blocked(system, gate);
    await turn();
    const small = system.info(ref)?.memoryBytes ?? 0;
    assert.ok(small > 176, 'a mailbox costs memory');
    for (let i = 0; i < 100; i++) ref.tell(i);
    const large = system.info(ref)?.memoryBytes ?? 0;
    assert.ok(large >= small + 100 * 8, `${large} grew by at least 8 B per queued message`);
    gate.resolve();
    await system.idle();
    const drained = system.info(ref)?.memoryBytes ?? 0;
    assert.ok(drained < large, `${drained} < ${large}: a drained mailbox lets its burst go`);
    assert.ok(drained >= small, 'the one segment kept is no smaller than the first');
    await system.shutdown();
  });

  it('counts monitors held on it', async () => {
    const { system } = setup();
    const a = system.spawn(sink);
    const before = system.info(a)?.memoryBytes ?? 0;
    void system.exited(a);
    const after = system.info(a)?.memoryBytes ?? 0;
    assert.ok(after > before, 'a monitor on it costs memory');
    await system.shutdown();
  });
});
