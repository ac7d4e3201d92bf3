import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ActorRef,
  CallTimeoutError,
  type CircuitBreaker,
  CircuitOpenError,
  createSystem,
  defineActor,
  InvalidArgumentError,
  type Reply,
  type SystemEvent,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { deferred, failOnUnhandledRejections, track, turn } from '../support/guard.js';

function systemWithClock() {
  const clock = new ManualClock();
  return { clock, system: createSystem({ clock }) };
}

const boom = (): Promise<never> => Promise.reject(new Error('dependency down'));

async function failTimes(breaker: CircuitBreaker, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await assert.rejects(breaker.call(boom), /dependency down/);
}

/** Breaker `db` (one failure opens it, 100 ms reset, 2 half-open trials), failed once and 100 ms on: half-open. */
async function halfOpenWithTwoTrials() {
  const { clock, system } = systemWithClock();
  const breaker = system.circuitBreaker('db', {
    failureThreshold: 1,
    resetTimeout: 100,
    halfOpenTrials: 2,
  });
  await failTimes(breaker, 1);
  clock.advance(100);
  return { system, breaker };
}

function circuitOpen(breaker: string, retryAfterMs?: number) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof CircuitOpenError, `expected CircuitOpenError, got ${String(e)}`);
    assert.equal(e.code, 'ERR_CIRCUIT_OPEN');
    assert.equal(e.breaker, breaker);
    if (retryAfterMs !== undefined) assert.equal(e.retryAfterMs, retryAfterMs);
    return true;
  };
}

type DbMsg =
  | { type: 'query'; reply: Reply<string> }
  | { type: 'set-down'; down: boolean }
  | { type: 'count'; reply: Reply<number> };

/** A database stand-in whose queries fail while it is down; counts the queries it sees. */
const database = defineActor<DbMsg, { down: boolean; queries: number }>({
  init: () => ({ down: true, queries: 0 }),
  handle(msg, ctx) {
    switch (msg.type) {
      case 'set-down':
        ctx.state.down = msg.down;
        return;
      case 'count':
        msg.reply.send(ctx.state.queries);
        return;
      case 'query':
        ctx.state.queries++;
        if (ctx.state.down) msg.reply.fail(new Error('dependency down'));
        else msg.reply.send('rows');
        return;
    }
  },
});

describe('a circuit breaker opening and recovering on the manual clock', () => {
  failOnUnhandledRejections();

  it('opens after failureThreshold consecutive failures', async () => {
    const { clock, system } = systemWithClock();
    const breaker = system.circuitBreaker('db', { failureThreshold: 3 });
    await failTimes(breaker, 2);
    assert.equal(breaker.state, 'closed');
    clock.advance(5);
    await failTimes(breaker, 1);
    assert.equal(breaker.state, 'open');
    assert.deepEqual(breaker.stats(), {
      state: 'open',
      failures: 3,
      successes: 0,
      rejections: 0,
      openedAt: 5,
    });
    await system.shutdown();
  });

  it('rejects fast with ERR_CIRCUIT_OPEN while open, without calling the function', async () => {
    const { clock, system } = systemWithClock();
    const breaker = system.circuitBreaker('db', { failureThreshold: 1, resetTimeout: 1_000 });
    await failTimes(breaker, 1);
    clock.advance(400);
    let called = 0;
    await assert.rejects(
      breaker.call(() => {
        called++;
        return 1;
      }),
      circuitOpen('db', 600),
    );
    assert.equal(called, 0);
    assert.equal(breaker.stats().rejections, 1);
    await system.shutdown();
  });

  it('is half-open once resetTimeout has elapsed on the manual clock, and not before', async () => {
    const { clock, system } = systemWithClock();
    const breaker = system.circuitBreaker('db', { failureThreshold: 1, resetTimeout: 1_000 });
    await failTimes(breaker, 1);
    clock.advance(999);
    assert.equal(breaker.state, 'open');
    clock.advance(1);
    assert.equal(breaker.state, 'half-open');
    assert.equal(clock.pending, 0, 'no timer is needed for the transition');
    await system.shutdown();
  });

  it('closes after halfOpenTrials successful trials', async () => {
    const { system, breaker } = await halfOpenWithTwoTrials();
    assert.equal(await breaker.call(() => 'first'), 'first');
    assert.equal(breaker.state, 'half-open');
    assert.equal(await breaker.call(async () => 'second'), 'second');
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.stats().openedAt, undefined);
    await system.shutdown();
  });

  it('reopens on a failed trial, restarting the reset timeout', async () => {
    const { clock, system } = systemWithClock();
    const breaker = system.circuitBreaker('db', { failureThreshold: 2, resetTimeout: 100 });
    await failTimes(breaker, 2);
    clock.advance(150);
    await failTimes(breaker, 1);
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.stats().openedAt, 150);
    await assert.rejects(
      breaker.call(() => 1),
      circuitOpen('db', 100),
    );
    clock.advance(100);
    assert.equal(breaker.state, 'half-open');
    await system.shutdown();
  });

  it('rejects calls beyond halfOpenTrials while the trials are in flight', async () => {
    const { system, breaker } = await halfOpenWithTwoTrials();
    const first = deferred<number>();
    const second = deferred<number>();
    const t1 = breaker.call(() => first.promise);
    const t2 = breaker.call(() => second.promise);
    let called = false;
    await assert.rejects(
      breaker.call(() => {
        called = true;
        return 3;
      }),
      circuitOpen('db', 0),
    );
    assert.equal(called, false);
    first.resolve(1);
    second.resolve(2);
    assert.deepEqual(await Promise.all([t1, t2]), [1, 2]);
    assert.equal(breaker.state, 'closed');
    await system.shutdown();
  });

  it('counts a call that exceeds callTimeout as a failure and aborts its signal', async () => {
    const { clock, system } = systemWithClock();
    const breaker = system.circuitBreaker('slow', { failureThreshold: 1, callTimeout: 50 });
    let signal: AbortSignal | undefined;
    const never = track(
      breaker.call((s) => {
        signal = s;
        return new Promise<number>(() => {});
      }),
    );
    clock.advance(49);
    await turn();
    assert.equal(never.settled(), false);
    clock.advance(1);
    await assert.rejects(never.promise, CallTimeoutError);
    assert.equal(signal?.aborted, true);
    assert.equal(breaker.state, 'open');
    assert.equal(clock.pending, 0);
    await system.shutdown();
  });

  it('an error isFailure rejects counts as a success, and still reaches the caller', async () => {
    const { system } = systemWithClock();
    const breaker = system.circuitBreaker('db', {
      failureThreshold: 1,
      isFailure: (e) => !(e instanceof RangeError),
    });
    await assert.rejects(
      breaker.call(() => {
        throw new RangeError('bad request');
      }),
      RangeError,
    );
    assert.equal(breaker.state, 'closed');
    assert.equal(breaker.stats().successes, 1);
    await system.shutdown();
  });

  it('reset() closes the breaker and clears its counters', async () => {
    const { system } = systemWithClock();
    const breaker = system.circuitBreaker('db', { failureThreshold: 1 });
    await failTimes(breaker, 1);
    breaker.reset();
    assert.deepEqual(breaker.stats(), {
      state: 'closed',
      failures: 0,
      successes: 0,
      rejections: 0,
      openedAt: undefined,
    });
    assert.equal(await breaker.call(() => 'ok'), 'ok');
    await system.shutdown();
  });

  it('wraps an ask to an actor whose dependency fails: rejected fast, the actor never sees it', async () => {
    const { clock, system } = systemWithClock();
    const db = system.spawn(database);
    const breaker = system.circuitBreaker('db', { failureThreshold: 2, resetTimeout: 1_000 });
    const guarded = breaker.wrap(db);
    for (let i = 0; i < 2; i++) await assert.rejects(guarded.ask({ type: 'query' }), /down/);
    await assert.rejects(guarded.ask({ type: 'query' }), circuitOpen('db', 1_000));
    assert.equal(await db.ask({ type: 'count' }), 2);
    guarded.tell({ type: 'set-down', down: false }); // tell passes straight through
    await clock.advanceAndSettle(1_000, system);
    assert.equal(await guarded.ask({ type: 'query' }), 'rows');
    assert.equal(breaker.state, 'closed');
    await system.shutdown();
  });

  it('is usable from inside an actor: an async handler calls through a breaker it got in its args', async () => {
    type GatewayMsg = { type: 'fetch'; reply: Reply<string> };
    interface GatewayArgs {
      readonly breaker: CircuitBreaker;
      readonly db: ActorRef<DbMsg>;
    }
    const gateway = defineActor<GatewayMsg, GatewayArgs, GatewayArgs>({
      init: (_ctx, args) => args,
      async handle(msg, ctx) {
        const { breaker, db } = ctx.state;
        try {
          msg.reply.send(await breaker.call(() => db.ask({ type: 'query' })));
        } catch (error) {
          msg.reply.fail(error);
        }
      },
    });
    const { clock, system } = systemWithClock();
    const db = system.spawn(database);
    const breaker = system.circuitBreaker('db', { failureThreshold: 1, resetTimeout: 100 });
    const ref = system.spawn(gateway, { args: { breaker, db } });
    await assert.rejects(ref.ask({ type: 'fetch' }), /down/);
    await assert.rejects(ref.ask({ type: 'fetch' }), circuitOpen('db'));
    db.tell({ type: 'set-down', down: false });
    await clock.advanceAndSettle(100, system);
    assert.equal(await ref.ask({ type: 'fetch' }), 'rows');
    assert.equal(system.isAlive(ref), true);
    await system.shutdown();
  });

  it('reports every state change as a circuit-state event on system.events', async () => {
    const { clock, system } = systemWithClock();
    const seen: SystemEvent[] = [];
    const own: string[] = [];
    system.events.subscribe((e) => seen.push(e), ['circuit-state']);
    const breaker = system.circuitBreaker('db', {
      failureThreshold: 1,
      resetTimeout: 100,
      onStateChange: (c) => own.push(`${c.from}->${c.to}`),
    });
    await failTimes(breaker, 1);
    clock.advance(100);
    await breaker.call(() => 'ok');
    assert.deepEqual(seen, [
      { type: 'circuit-state', name: 'db', from: 'closed', to: 'open', at: 0 },
      { type: 'circuit-state', name: 'db', from: 'open', to: 'half-open', at: 100 },
      { type: 'circuit-state', name: 'db', from: 'half-open', to: 'closed', at: 100 },
    ]);
    assert.deepEqual(own, ['closed->open', 'open->half-open', 'half-open->closed']);
    await system.shutdown();
  });

  it('invalid options throw InvalidArgumentError naming the option', async () => {
    const { system } = systemWithClock();
    const invalid = (option: string) => (e: unknown) =>
      e instanceof InvalidArgumentError && e.code === 'ERR_INVALID_ARG' && e.option === option;
    assert.throws(
      () => system.circuitBreaker('db', { failureThreshold: 0 }),
      invalid('failureThreshold'),
    );
    assert.throws(() => system.circuitBreaker('db', { resetTimeout: -5 }), invalid('resetTimeout'));
    assert.throws(
      () => system.circuitBreaker('db', { halfOpenTrials: 2.5 }),
      invalid('halfOpenTrials'),
    );
    assert.throws(() => system.circuitBreaker('db', { callTimeout: -1 }), invalid('callTimeout'));
    assert.throws(() => system.circuitBreaker(''), invalid('name'));
    assert.throws(() => system.circuitBreaker('db', 'fast' as never), invalid('options'));
    await system.shutdown();
  });
});
