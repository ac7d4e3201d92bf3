import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ActorRef,
  createSystem,
  defineActor,
  InvalidArgumentError,
  type SpawnOptions,
  type SystemOptions,
} from '../../../src/index.js';
import { ManualClock } from '../../../src/testing/index.js';
import { failOnUnhandledRejections } from '../../support/guard.js';

/** Asserts that `error` is an InvalidArgumentError with code ERR_INVALID_ARG naming `option`. */
function isInvalid(option: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(
      error instanceof InvalidArgumentError,
      `expected InvalidArgumentError, got ${String(error)}`,
    );
    assert.equal(error.code, 'ERR_INVALID_ARG');
    assert.equal(error.option, option);
    assert.match(error.message, new RegExp(`^invalid ${option.replace('.', '\\.')}: `));
    return true;
  };
}

const sink = defineActor<{ n: number }>({ handle() {} });

describe('system options', () => {
  const bad: [string, unknown][] = [
    ['options', 42],
    ['options', null],
    ['options', 'fast'],
    ['name', ''],
    ['name', 7],
    ['clock', {}],
    ['clock', { now: () => 0, setTimer: () => 0 }],
    ['clock', 'manual'],
    ['scheduler', 3],
    ['askTimeout', -1],
    ['askTimeout', Number.NaN],
    ['askTimeout', '100'],
    ['shutdownTimeout', -5],
    ['shutdownTimeout', Number.NaN],
    ['deadLetterBuffer', -1],
    ['deadLetterBuffer', 1.5],
    ['deadLetterBuffer', Number.POSITIVE_INFINITY],
    ['scheduler.budget', 0],
    ['scheduler.budget', 2.5],
    ['scheduler.batch', 0],
    ['scheduler.batch', '64'],
    ['scheduler.sliceMs', -1],
    ['scheduler.sliceMs', Number.POSITIVE_INFINITY],
    ['scheduler.longHandlerMs', -1],
    ['scheduler.longHandlerMs', Number.NaN],
  ];
  for (const [option, value] of bad) {
    it(`createSystem rejects ${option} = ${String(value)} naming '${option}'`, () => {
      const [head, tail] = option.split('.');
      const options =
        option === 'options'
          ? value
          : tail === undefined
            ? { [option]: value }
            : { [head as string]: { [tail]: value } };
      assert.throws(() => createSystem(options as SystemOptions), isInvalid(option));
    });
  }

  it('accepts the documented extremes: Infinity timeouts, a zero dead-letter buffer, every scheduler knob', async () => {
    const system = createSystem({
      name: 'edge',
      clock: new ManualClock(),
      askTimeout: Number.POSITIVE_INFINITY,
      shutdownTimeout: Number.POSITIVE_INFINITY,
      deadLetterBuffer: 0,
      scheduler: { budget: 1, batch: 1, sliceMs: 0, longHandlerMs: Number.POSITIVE_INFINITY },
    });
    assert.equal(system.name, 'edge');
    await system.shutdown();
  });
});

describe('spawn options', () => {
  failOnUnhandledRejections();

  const bad: [string, unknown][] = [
    ['options', 42],
    ['options', null],
    ['name', ''],
    ['name', 5],
    ['mailbox', 10],
    ['mailbox', null],
    ['mailbox', { capacity: 0 }],
    ['mailbox', { capacity: -3 }],
    ['mailbox', { capacity: 2.5 }],
    ['mailbox', { overflow: 'drop-everything' }],
    ['priorityLanes', 'yes'],
    ['copyOnSend', 1],
    ['envelopes', 'true'],
  ];
  for (const [option, value] of bad) {
    it(`spawn rejects ${option} = ${JSON.stringify(value)} naming '${option}'`, async () => {
      const system = createSystem({ clock: new ManualClock() });
      const options = option === 'options' ? value : { [option]: value };
      assert.throws(() => system.spawn(sink, options as SpawnOptions), isInvalid(option));
      assert.deepEqual(system.processes(), [], 'nothing was spawned');
      await system.shutdown();
    });
  }

  for (const [what, def] of [
    ['null', null],
    ['an object without handle', { init: () => 0 }],
    ['a handle that is not a function', { handle: 'nope' }],
  ] as const) {
    it(`spawn rejects a definition that is ${what} naming 'definition'`, async () => {
      const system = createSystem({ clock: new ManualClock() });
      assert.throws(() => system.spawn(def as never), isInvalid('definition'));
      await system.shutdown();
    });
  }

  it('a rejected spawn does not use up a pid', async () => {
    const system = createSystem({ clock: new ManualClock() });
    assert.throws(() => system.spawn(sink, { name: '' }));
    const ref = system.spawn(sink);
    assert.equal(ref.pid, 1);
    await system.shutdown();
  });
});

describe('send, ask and timer arguments', () => {
  failOnUnhandledRejections();

  async function withRef(
    body: (
      ref: ActorRef<{ n: number }>,
      system: ReturnType<typeof createSystem>,
    ) => void | Promise<void>,
  ): Promise<void> {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(sink);
    await body(ref, system);
    await system.shutdown();
  }

  it("tell rejects a negative or NaN ttl naming 'ttl'", () =>
    withRef((ref) => {
      assert.throws(() => ref.tell({ n: 1 }, { ttl: -1 }), isInvalid('ttl'));
      assert.throws(() => ref.tell({ n: 1 }, { ttl: Number.NaN }), isInvalid('ttl'));
    }));

  it("tell rejects an unknown priority naming 'priority'", () =>
    withRef((ref) => {
      assert.throws(
        () => ref.tell({ n: 1 }, { priority: 'urgent' as never }),
        isInvalid('priority'),
      );
    }));

  it("tell rejects send options that are not an object naming 'options'", () =>
    withRef((ref) => {
      assert.throws(() => ref.tell({ n: 1 }, null as never), isInvalid('options'));
    }));

  it("tell of undefined throws naming 'message'", () =>
    withRef((ref) => {
      assert.throws(() => ref.tell(undefined as never), isInvalid('message'));
    }));

  it('offer of undefined or with a bad ttl rejects naming the argument', () =>
    withRef(async (ref) => {
      await assert.rejects(ref.offer(undefined as never), isInvalid('message'));
      await assert.rejects(ref.offer({ n: 1 }, { ttl: -2 }), isInvalid('ttl'));
    }));

  it("ask rejects a negative, NaN, object or string timeout naming 'timeout', as system.stop does", () =>
    withRef(async (ref, system) => {
      const asker = ref as unknown as ActorRef<{
        reply: import('../../../src/index.js').Reply<number>;
      }>;
      for (const bad of [-1, Number.NaN, {}, '5'] as never[]) {
        await assert.rejects(asker.ask({}, { timeout: bad }), isInvalid('timeout'));
        await assert.rejects(system.stop(ref, { timeout: bad }), isInvalid('timeout'));
      }
      assert.equal(system.introspect().asks.total, 0, 'no refused ask is left pending');
      await assert.rejects(asker.ask({}, { priority: 'top' as never }), isInvalid('priority'));
    }));

  it('a null ask timeout is refused as system.stop refuses it, on every way in: a ref, from a handler, through a name, through a pool', async () => {
    const system = createSystem({ clock: new ManualClock() });
    type Ask = { reply: import('../../../src/index.js').Reply<number> };
    const answerer = defineActor<Ask>({ handle: (m) => m.reply.send(1) });
    const target = system.spawn(answerer, { name: 'answerer' });
    const pool = await system.startPool(answerer, { size: 2 });
    const bad = { timeout: null as never };
    const fromHandler: Promise<unknown>[] = [];
    const asker = system.spawn(
      defineActor<'go'>({
        handle() {
          fromHandler.push(target.ask({}, bad), system.named<Ask>('answerer').ask({}, bad));
        },
      }),
    );
    asker.tell('go');
    await system.idle();
    assert.equal(fromHandler.length, 2);
    const direct = [
      target.ask({}, bad),
      system.named<Ask>('answerer').ask({}, bad),
      pool.ask({}, bad),
    ];
    for (const asked of [...fromHandler, ...direct]) {
      await assert.rejects(asked, isInvalid('timeout'));
    }
    await assert.rejects(system.stop(target, bad), isInvalid('timeout'));
    assert.equal(
      await target.ask({}, { timeout: undefined as never }),
      1,
      'undefined: the default',
    );
    await system.shutdown();
  });

  it("ask rejects null or non-object options naming 'options', as tell and spawn do, on every way in", async () => {
    const system = createSystem({ clock: new ManualClock() });
    type Ask = { reply: import('../../../src/index.js').Reply<number> };
    const answerer = defineActor<Ask>({ handle: (m) => m.reply.send(1) });
    const target = system.spawn(answerer, { name: 'answerer' });
    const pool = await system.startPool(answerer, { size: 2 });
    for (const bad of [null, 5, 'fast'] as never[]) {
      await assert.rejects(target.ask({}, bad), isInvalid('options'));
      await assert.rejects(system.named<Ask>('answerer').ask({}, bad), isInvalid('options'));
      await assert.rejects(pool.ask({}, bad), isInvalid('options'));
    }
    assert.equal(system.introspect().asks.total, 0, 'no refused ask is left pending');
    assert.equal(await target.ask({}), 1, 'no options: the defaults');
    await system.shutdown();
  });

  it("system.sendAfter rejects a negative delay naming 'delayMs' and undefined naming 'message'", () =>
    withRef((ref, system) => {
      assert.throws(() => system.sendAfter(-1, ref, { n: 1 }), isInvalid('delayMs'));
      assert.throws(() => system.sendAfter(Number.NaN, ref, { n: 1 }), isInvalid('delayMs'));
      assert.throws(() => system.sendAfter(1, ref, undefined as never), isInvalid('message'));
      assert.equal(system.stats().timers, 0);
    }));

  it("system.sendInterval rejects a zero interval naming 'intervalMs'", () =>
    withRef((ref, system) => {
      assert.throws(() => system.sendInterval(0, ref, { n: 1 }), isInvalid('intervalMs'));
      assert.throws(() => system.sendInterval(-10, ref, { n: 1 }), isInvalid('intervalMs'));
    }));

  it('ctx timers reject a bad delay, interval or message naming it', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const results: boolean[] = [];
    const ref = system.spawn(
      defineActor<string>({
        handle(_msg, ctx) {
          results.push(
            isInvalid('delayMs')(catchError(() => ctx.sendAfter(-1, 'x'))),
            isInvalid('intervalMs')(catchError(() => ctx.sendInterval(0, 'x'))),
            isInvalid('message')(catchError(() => ctx.sendAfter(1, undefined as never))),
          );
        },
      }),
    );
    ref.tell('go');
    await system.idle();
    assert.deepEqual(results, [true, true, true]);
    assert.equal(system.isAlive(ref), true, 'a rejected timer does not fail the process');
    await system.shutdown();
  });

  it("a ref or pid from nowhere is rejected naming 'target' or 'ref'", () =>
    withRef((_ref, system) => {
      const other = createSystem({ clock: new ManualClock() });
      const foreign = other.spawn(sink);
      assert.throws(() => system.sendAfter(1, foreign, { n: 1 }), isInvalid('ref'));
      assert.throws(() => system.isAlive('1' as never), isInvalid('target'));
      assert.throws(() => system.register('x', 999 as never), isInvalid('target'));
      assert.throws(() => system.register('', 1 as never), isInvalid('name'));
    }));

  it("system.stop and shutdown reject a timeout that is not a number of ms >= 0 naming 'timeout'", async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(sink);
    await assert.rejects(system.stop(ref, { timeout: -1 }), isInvalid('timeout'));
    await assert.rejects(system.stop(ref, { timeout: 'soon' as never }), isInvalid('timeout'));
    assert.equal(system.isAlive(ref), true, 'an invalid stop does not stop the process');
    await assert.rejects(system.shutdown({ timeout: Number.NaN }), isInvalid('timeout'));
    assert.equal(system.isShutDown, false, 'an invalid shutdown does not begin');
    await system.shutdown();
    assert.equal(system.isAlive(ref), false);
  });

  it("system.stop, system.exited and system.shutdown reject null or non-object options naming 'options', as spawn, tell and ask do", async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(sink);
    for (const bad of [null, 5, 'now'] as never[]) {
      await assert.rejects(system.stop(ref, bad), isInvalid('options'));
      await assert.rejects(system.exited(ref, bad), isInvalid('options'));
      await assert.rejects(system.shutdown(bad), isInvalid('options'));
    }
    assert.equal(system.isAlive(ref), true, 'a refused stop does not stop the process');
    assert.deepEqual(system.introspect().stale.exitedWaiters, [], 'a refused wait is not kept');
    assert.equal(system.isShutDown, false, 'a refused shutdown does not begin');
    await system.shutdown({});
    assert.equal(system.isAlive(ref), false);
  });

  it("system.removeStale, system.inspect and system.health throw for null or non-object options naming 'options'", async () => {
    const system = createSystem({ clock: new ManualClock() });
    const seen: unknown[] = [];
    for (const bad of [null, 5, 'all'] as never[]) {
      assert.throws(() => system.removeStale(bad), isInvalid('options'));
      assert.throws(() => system.inspect((e) => seen.push(e), bad), isInvalid('options'));
      assert.throws(() => system.health(bad), isInvalid('options'));
    }
    system.spawn(sink);
    assert.deepEqual(seen, [], 'a refused inspect adds no inspector');
    assert.deepEqual(system.removeStale({}), { monitors: 0, links: 0, exitedWaiters: 0 });
    await system.shutdown();
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}
