/**
 * Bugs found by a chaos run against the public API (random crashes and
 * kills, fuzzed inputs), each a claim of docs/semantics.md: a killed
 * process's sends have no effect (§4, §9, §11); sizes, capacities,
 * timeouts and counts have upper bounds (§10); bad input is a coded error,
 * never a plain TypeError (§10); exit reasons given as strings or other
 * values mean what §1 says, never a clean exit by accident.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createSystem,
  type DeadLetter,
  defineActor,
  dynamicSupervisor,
  type ExitMessage,
  type ExitReason,
  exitReason,
  type Reply,
  type SupervisorRef,
  startChild,
  supervisor,
  terminateChild,
  whichChildren,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { deferred, failOnUnhandledRejections, turn } from '../support/guard.js';

const invalid = (option?: string) => (e: unknown) => {
  assert.equal((e as { code?: unknown }).code, 'ERR_INVALID_ARG', String(e));
  if (option !== undefined) assert.equal((e as { option?: unknown }).option, option);
  return true;
};

const sink = defineActor<unknown, unknown[]>({
  init: () => [],
  handle(msg, ctx) {
    ctx.state.push(msg);
  },
});

describe('chaos: a killed process sends nothing (§4, §9)', () => {
  failOnUnhandledRejections();

  it("a killed process's in-flight async handler sending through ctx.named has no effect: a sender-exited dead letter", async () => {
    const system = createSystem({ clock: new ManualClock() });
    const target = system.spawn(sink, { name: 'sink' });
    const letters: DeadLetter[] = [];
    system.deadLetters.subscribe((l) => letters.push(l));
    const gate = deferred();
    let asked: Promise<unknown> | undefined;
    const zombie = system.spawn(
      defineActor<'go'>({
        async handle(_msg, ctx) {
          const named = ctx.named<unknown>('sink');
          await gate.promise;
          named.tell('after the kill');
          asked = named.ask({ q: 1 } as never).catch((e: unknown) => e);
        },
      }),
    );
    zombie.tell('go');
    await turn();
    system.kill(zombie);
    gate.resolve();
    await turn();
    await system.idle();
    assert.deepEqual(system.info(target)?.mailbox.enqueued, 0, 'the sink received nothing');
    const exited = letters.filter((l) => l.reason === 'sender-exited');
    assert.deepEqual(
      exited.map((l) => [l.message, l.sender, l.address]),
      [
        ['after the kill', zombie.pid, 'name:sink'],
        [{ q: 1 }, zombie.pid, 'name:sink'],
      ],
    );
    const error = (await asked) as { code?: string };
    assert.equal(error.code, 'ERR_NOPROC', 'the zombie’s ask fails at once');
    await system.shutdown();
  });

  it('a process that was not killed still sends through ctx.named after an await', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const target = system.spawn(sink, { name: 'sink' });
    const sender = system.spawn(
      defineActor<'go'>({
        async handle(_msg, ctx) {
          await Promise.resolve();
          ctx.named<unknown>('sink').tell('hello');
        },
      }),
    );
    sender.tell('go');
    await system.idle();
    await turn();
    await system.idle();
    assert.equal(system.info(target)?.mailbox.enqueued, 1);
    await system.shutdown();
  });
});

describe('chaos: upper bounds on sizes, capacities, timeouts and counts (§10)', () => {
  failOnUnhandledRejections();
  const huge = 2 ** 53 + 2;
  const worker = defineActor<'x'>({ handle() {} });

  it('startPool refuses a size above the bound, and resize too, with ERR_INVALID_ARG', async () => {
    const system = createSystem({ clock: new ManualClock() });
    await assert.rejects(async () => system.startPool(worker, { size: huge }), invalid('size'));
    const pool = await system.startPool(worker, { size: 2 });
    await assert.rejects(pool.resize(huge), invalid('size'));
    await assert.rejects(pool.resize(Number.POSITIVE_INFINITY), invalid('size'));
    assert.equal(pool.size, 2, 'the pool is unchanged');
    await system.shutdown();
  });

  it('mailbox capacities, ask, stop and timer durations and system counts above their bounds are refused', async () => {
    assert.throws(() => createSystem({ poolThreads: 2 ** 40 }), invalid('poolThreads'));
    assert.throws(() => createSystem({ askTimeout: huge }), invalid('askTimeout'));
    assert.throws(() => createSystem({ scheduler: { budget: huge } }), invalid('scheduler.budget'));
    const system = createSystem({ clock: new ManualClock() });
    assert.throws(() => system.spawn(worker, { mailbox: { capacity: huge } }), invalid('mailbox'));
    const ref = system.spawn(
      defineActor<{ type: 'get'; reply: Reply<number> }>({ handle: (m) => m.reply.send(1) }),
    );
    await assert.rejects(ref.ask({ type: 'get' }, { timeout: huge }), invalid('timeout'));
    await assert.rejects(system.stop(ref, { timeout: huge }), invalid('timeout'));
    assert.throws(() => system.sendAfter(huge, ref as never, 'x' as never), invalid());
    // Infinity stays allowed where waiting for ever makes sense.
    assert.equal(await ref.ask({ type: 'get' }, { timeout: Number.POSITIVE_INFINITY }), 1);
    await system.shutdown();
  });
});

describe('chaos: supervisor and breaker limits (§10, §13, §15)', () => {
  failOnUnhandledRejections();
  const worker = defineActor<'x'>({ handle() {} });
  const bare = Object.create(null) as never;

  it('supervisor intensity, period and maxChildren above their bounds are ERR_INVALID_ARG', () => {
    assert.throws(() => supervisor({ intensity: 2 ** 53, children: [] }), invalid('intensity'));
    assert.throws(() => supervisor({ period: 2 ** 60, children: [] }), invalid('period'));
    assert.throws(() => dynamicSupervisor({ maxChildren: 2 ** 53 }), invalid('maxChildren'));
    assert.throws(() => supervisor({ period: bare, children: [] }), invalid('period'));
  });

  it('circuit breaker thresholds and timeouts above their bounds, or of the wrong type, are ERR_INVALID_ARG', () => {
    const system = createSystem({ clock: new ManualClock() });
    assert.throws(
      () => system.circuitBreaker('a', { failureThreshold: 2 ** 53 }),
      invalid('failureThreshold'),
    );
    assert.throws(
      () => system.circuitBreaker('b', { resetTimeout: bare }),
      invalid('resetTimeout'),
    );
    assert.throws(
      () => system.circuitBreaker('c', { callTimeout: 2 ** 60 }),
      invalid('callTimeout'),
    );
    assert.throws(
      () => system.circuitBreaker('d', { halfOpenTrials: bare }),
      invalid('halfOpenTrials'),
    );
  });

  it('a priority given as a null-prototype object is ERR_INVALID_ARG', () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(worker);
    assert.throws(() => ref.tell('x', { priority: bare }), invalid('priority'));
  });
});

describe('chaos: bad input is a coded error, never a plain TypeError (§10)', () => {
  failOnUnhandledRejections();
  const worker = defineActor<'x'>({ handle() {} });
  const bare = Object.create(null) as never;
  const symbol = Symbol('s') as never;

  it('system.exit(ref, null) and system.exit(ref, undefined) throw ERR_INVALID_ARG', () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(worker);
    assert.throws(() => system.exit(ref, null as never), invalid('reason'));
    assert.throws(() => system.exit(ref, undefined as never), invalid('reason'));
    assert.equal(system.isAlive(ref), true);
  });

  it('system.exited(null) and system.exited(undefined) throw ERR_INVALID_ARG naming the target, as a non-ref target does', () => {
    const system = createSystem({ clock: new ManualClock() });
    for (const bad of [null, undefined, 'x'] as never[]) {
      assert.throws(() => system.exited(bad), invalid('target'));
    }
  });

  it('sendInterval and sendAfter with a null-prototype object or a symbol as the interval throw ERR_INVALID_ARG', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const thrown: unknown[] = [];
    const ref = system.spawn(
      defineActor<'go'>({
        handle(_msg, ctx) {
          for (const bad of [bare, symbol]) {
            for (const start of [
              () => ctx.sendInterval(bad, 'go'),
              () => ctx.sendAfter(bad, 'go'),
            ]) {
              try {
                start();
                thrown.push('no error');
              } catch (error) {
                thrown.push(error);
              }
            }
          }
        },
      }),
    );
    ref.tell('go');
    await system.idle();
    assert.equal(thrown.length, 4);
    for (const e of thrown) invalid()(e);
    await system.shutdown();
  });

  it('a capacity or a stop timeout given as an object (plain or null-prototype) is ERR_INVALID_ARG', async () => {
    const system = createSystem({ clock: new ManualClock() });
    for (const bad of [{}, bare] as never[]) {
      assert.throws(() => system.spawn(worker, { mailbox: { capacity: bad } }), invalid('mailbox'));
      const ref = system.spawn(worker);
      await assert.rejects(system.stop(ref, { timeout: bad }), invalid('timeout'));
      assert.throws(() => createSystem({ shutdownTimeout: bad }), invalid('shutdownTimeout'));
    }
    await system.shutdown();
  });

  it('startChild(undefined, spec) and the other supervisor calls without a supervisor reject with ERR_INVALID_ARG', async () => {
    const spec = { id: 'w', actor: worker };
    await assert.rejects(startChild(undefined as unknown as SupervisorRef, spec), invalid('sup'));
    await assert.rejects(whichChildren(null as unknown as SupervisorRef), invalid('sup'));
  });

  it('terminateChild(sup, null) and terminateChild(sup, undefined) reject with ERR_INVALID_ARG naming the child, on either kind of supervisor', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const sup = await system.start(supervisor({ children: [{ id: 'w', actor: worker }] }));
    const dyn = await system.start(dynamicSupervisor());
    const kid = await startChild(dyn, { actor: worker });
    for (const target of [sup, dyn]) {
      for (const bad of [null, undefined, {}, Number.NaN, true] as never[]) {
        await assert.rejects(terminateChild(target, bad), invalid('child'));
      }
    }
    // A request sent around the API too: no pid (not a positive integer) passes for a child gone.
    for (const bad of [undefined, Number.NaN, 1.5, -1, 0]) {
      const raw = { type: 'sup:terminate-child', child: bad } as never;
      await assert.rejects(dyn.ask(raw), invalid('child'), `raw request with ${bad}`);
    }
    assert.equal((await whichChildren(sup))[0]?.status, 'running', 'no child was touched');
    assert.equal(system.isAlive(kid as never), true, 'no dynamic child was touched');
    await assert.rejects(terminateChild(undefined as never, null as never), invalid('sup'));
    await system.shutdown();
  });
});

describe('chaos: exit reasons given as strings or other values (§1, §4, §11)', () => {
  failOnUnhandledRejections();

  /** Spawns a process and returns its exit reason once `act` has run. */
  async function exitOf(act: (system: ReturnType<typeof createSystem>, ref: never) => void) {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(defineActor<'x'>({ handle() {} }));
    const exited = system.exited(ref);
    act(system, ref as never);
    await system.idle();
    const alive = system.isAlive(ref);
    await system.shutdown();
    return alive ? 'alive' : await exited;
  }

  it("the strings 'normal', 'shutdown' and 'kill' mean those reasons", async () => {
    assert.equal(
      await exitOf((s, r) => s.exit(r, 'normal' as never)),
      'alive',
      'normal from outside is ignored',
    );
    assert.deepEqual(await exitOf((s, r) => s.exit(r, 'shutdown' as never)), exitReason.shutdown());
    assert.deepEqual(await exitOf((s, r) => s.exit(r, 'kill' as never)), exitReason.killed);
    assert.deepEqual(
      await exitOf((s, r) => void s.stop(r, { reason: 'normal' as never })),
      exitReason.normal,
    );
  });

  it('any other value is an abnormal reason carrying that value, never misread as clean', async () => {
    for (const value of [42, { kind: 'bogus' }, 'killed', 'oops', false]) {
      const reason = (await exitOf((s, r) => s.exit(r, value as never))) as ExitReason;
      assert.deepEqual(reason, exitReason.error(value), `exit with ${JSON.stringify(value)}`);
      const stopped = (await exitOf(
        (s, r) => void s.stop(r, { reason: value as never }),
      )) as ExitReason;
      assert.deepEqual(stopped, exitReason.error(value), `stop with ${JSON.stringify(value)}`);
    }
  });

  it('a trapping process receives the reason as the runtime reads it', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const seen: ExitMessage[] = [];
    const trapper = system.spawn(
      defineActor<ExitMessage>({
        init: (ctx) => void ctx.trapExit(true),
        handle(msg) {
          seen.push(msg);
        },
      }),
    );
    await system.idle(); // init has run: it traps exits
    system.exit(trapper, 'normal' as never);
    system.exit(trapper, 7 as never);
    await system.idle();
    assert.deepEqual(
      seen.map((m) => m.reason),
      [exitReason.normal, exitReason.error(7)],
    );
    await system.shutdown();
  });

  it("a transient child that stops itself with the string 'normal' is not restarted", async () => {
    const system = createSystem({ clock: new ManualClock() });
    const child = defineActor<'quit'>({
      handle(_msg, ctx) {
        ctx.stop('normal' as never);
      },
    });
    const sup = await system.start(
      supervisor({ children: [{ id: 'c', actor: child, restart: 'transient' }] }),
    );
    const [row] = await whichChildren(sup);
    const ref = row?.ref as never as { tell(m: 'quit'): void; pid: number };
    const exited = system.exited(ref as never);
    ref.tell('quit');
    assert.deepEqual(await exited, exitReason.normal);
    await system.idle();
    const [after] = await whichChildren(sup);
    assert.equal(after?.ref, undefined, 'not restarted');
    await system.shutdown();
  });

  it("a transient child stopped with an abnormal value that is not an ExitReason ({ kind: 'bogus' }) is restarted, by itself or by system.stop", async () => {
    const system = createSystem({ clock: new ManualClock() });
    const bogus = { kind: 'bogus' };
    const child = defineActor<'quit'>({
      handle(_msg, ctx) {
        ctx.stop(bogus as never);
      },
    });
    const sup = await system.start(
      supervisor({ children: [{ id: 'c', actor: child, restart: 'transient' }] }),
    );
    const [row] = await whichChildren(sup);
    const first = row?.ref as never as { tell(m: 'quit'): void; pid: number };
    const firstExit = system.exited(first as never);
    first.tell('quit');
    assert.deepEqual(await firstExit, exitReason.error(bogus));
    await system.idle();
    const [after] = await whichChildren(sup);
    const second = after?.ref as never as { pid: number } | undefined;
    assert.notEqual(second, undefined, 'restarted after stopping itself');
    assert.notEqual(second?.pid, first.pid);
    const secondExit = system.exited(second as never);
    await system.stop(second as never, { reason: bogus as never });
    assert.deepEqual(await secondExit, exitReason.error(bogus));
    await system.idle();
    const [third] = await whichChildren(sup);
    assert.notEqual(third?.ref, undefined, 'restarted after system.stop');
    assert.notEqual(third?.ref?.pid, second?.pid);
    await system.shutdown();
  });
});
