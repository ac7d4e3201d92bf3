/**
 * The supervisor's pure policy (src/supervisor/policy.ts) and the validation
 * of flags and child specs (src/supervisor/spec.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidArgumentError, InvalidChildSpecError } from '../../../src/errors.js';
import { defineActor, type ExitReason, exitReason } from '../../../src/index.js';
import {
  backoffDelay,
  planRestart,
  RestartWindow,
  resolveChildSpec,
  resolveChildSpecs,
  resolveFlags,
  restartDecision,
  shouldAutoShutdown,
  supervisor,
} from '../../../src/supervisor/index.js';

const actor = defineActor<string>({ handle() {} });

function invalidArg(option: string) {
  return (e: unknown): boolean => e instanceof InvalidArgumentError && e.option === option;
}

function invalidSpec(field: string) {
  return (e: unknown): boolean => e instanceof InvalidChildSpecError && e.field === field;
}

describe('restartDecision (OTP do_restart/3, R10.5)', () => {
  const reasons: [string, ExitReason][] = [
    ['normal', exitReason.normal],
    ['shutdown', exitReason.shutdown()],
    ['{shutdown, T}', exitReason.shutdown({ t: 1 })],
    ['killed', exitReason.killed],
    ['kill', exitReason.kill],
    ['noproc', exitReason.noproc],
    ['error', exitReason.error(new Error('x'))],
  ];
  const expected = {
    permanent: ['restart', 'restart', 'restart', 'restart', 'restart', 'restart', 'restart'],
    transient: ['keep', 'keep', 'keep', 'restart', 'restart', 'restart', 'restart'],
    temporary: ['delete', 'delete', 'delete', 'delete', 'delete', 'delete', 'delete'],
  } as const;

  for (const restart of ['permanent', 'transient', 'temporary'] as const) {
    it(`${restart}: ${expected[restart].join(', ')} for ${reasons.map(([n]) => n).join(', ')}`, () => {
      assert.deepEqual(
        reasons.map(([, r]) => restartDecision(restart, r)),
        expected[restart],
      );
    });
  }
});

describe('planRestart (R10.7)', () => {
  it('one-for-one stops nothing and starts only the child', () => {
    assert.deepEqual(planRestart('one-for-one', 2, 5), { stop: [], start: [2] });
    assert.deepEqual(planRestart('one-for-one', 0, 1), { stop: [], start: [0] });
  });

  it('one-for-all stops every other child in reverse start order and starts all in start order', () => {
    assert.deepEqual(planRestart('one-for-all', 1, 4), { stop: [3, 2, 0], start: [0, 1, 2, 3] });
    assert.deepEqual(planRestart('one-for-all', 0, 1), { stop: [], start: [0] });
  });

  it('rest-for-one stops the later children in reverse start order and starts the child and the later ones', () => {
    assert.deepEqual(planRestart('rest-for-one', 1, 4), { stop: [3, 2], start: [1, 2, 3] });
    assert.deepEqual(planRestart('rest-for-one', 3, 4), { stop: [], start: [3] });
    assert.deepEqual(planRestart('rest-for-one', 0, 3), { stop: [2, 1], start: [0, 1, 2] });
  });

  it('for any strategy, index and size: stop is descending and excludes the child; start is ascending and includes it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('one-for-one', 'one-for-all', 'rest-for-one' as const),
        fc
          .integer({ min: 1, max: 50 })
          .chain((count) => fc.tuple(fc.constant(count), fc.integer({ min: 0, max: count - 1 }))),
        (strategy, [count, index]) => {
          const { stop, start } = planRestart(strategy, index, count);
          assert.ok(!stop.includes(index));
          assert.ok(start.includes(index));
          for (let i = 1; i < stop.length; i++)
            assert.ok((stop[i - 1] as number) > (stop[i] as number));
          for (let i = 1; i < start.length; i++)
            assert.ok((start[i - 1] as number) < (start[i] as number));
          // Everything stopped is started again.
          assert.deepEqual(
            [...stop, index].sort((a, b) => a - b),
            start,
          );
        },
      ),
    );
  });
});

describe('RestartWindow (R10.8)', () => {
  it('allows `intensity` restarts within the period and refuses the next', () => {
    const w = new RestartWindow(3, 5_000);
    assert.deepEqual(
      [w.record(0), w.record(1), w.record(2), w.record(3)],
      [true, true, true, false],
    );
  });

  it('with intensity 0 the first restart is refused', () => {
    assert.equal(new RestartWindow(0, 1_000).record(0), false);
  });

  it('times older than the period leave the window; a time exactly one period old stays (inclusive)', () => {
    const w = new RestartWindow(1, 5_000);
    assert.equal(w.record(0), true);
    assert.equal(w.record(5_001), true, '0 < 5001 - 5000: gone');
    assert.equal(w.count, 1);
    const v = new RestartWindow(1, 5_000);
    assert.equal(v.record(0), true);
    assert.equal(v.record(5_000), false, '0 >= 5000 - 5000: still inside');
  });

  it('stays small however many restarts it records', () => {
    const w = new RestartWindow(2, 10);
    for (let t = 0; t < 100_000; t += 6) w.record(t);
    assert.ok(w.count <= 3);
  });

  it('agrees with a reference model on random non-decreasing restart times', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 1, max: 10_000 }),
        // Gaps between restarts: often 0 (same ms), often short, sometimes long.
        fc.array(
          fc.oneof(
            fc.constant(0),
            fc.integer({ min: 0, max: 500 }),
            fc.integer({ min: 0, max: 20_000 }),
          ),
          { maxLength: 300, size: 'large' },
        ),
        (intensity, period, gaps) => {
          const window = new RestartWindow(intensity, period);
          const recorded: number[] = [];
          let now = 0;
          for (const gap of gaps) {
            now += gap;
            recorded.push(now);
            const inWindow = recorded.filter((t) => t >= now - period).length;
            const allowed = window.record(now);
            assert.equal(allowed, inWindow <= intensity, `at ${now}`);
            assert.equal(window.count, inWindow);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('backoffDelay', () => {
  const b = { minMs: 100, maxMs: 1_000, factor: 2, jitter: 0 };

  it('grows by factor per attempt from minMs, capped at maxMs', () => {
    const delays = [1, 2, 3, 4, 5, 6, 50].map((n) => backoffDelay(b, n, () => 0.5));
    assert.deepEqual(delays, [100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it('jitter spreads the delay by at most ±jitter, and never beyond [0, maxMs]', () => {
    const j = { ...b, jitter: 0.5 };
    assert.equal(
      backoffDelay(j, 1, () => 0),
      50,
    );
    assert.equal(
      backoffDelay(j, 1, () => 0.5),
      100,
    );
    assert.equal(
      backoffDelay(j, 1, () => 1),
      150,
    );
    assert.equal(
      backoffDelay(j, 10, () => 1),
      1_000,
      'capped at maxMs',
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (minMs, extra, factor, jitter, attempt, r) => {
          const opts = { minMs, maxMs: minMs + extra, factor, jitter };
          const base = Math.min(opts.maxMs, minMs * factor ** (attempt - 1));
          const d = backoffDelay(opts, attempt, () => r);
          assert.ok(d >= 0 && d <= opts.maxMs);
          assert.ok(d >= base * (1 - jitter) - 1e-6 && d <= base * (1 + jitter) + 1e-6);
        },
      ),
    );
  });

  it('attempt 0 or below is treated as the first attempt', () => {
    assert.equal(
      backoffDelay(b, 0, () => 0.5),
      100,
    );
  });
});

describe('shouldAutoShutdown (R10.16)', () => {
  it('never: never', () => {
    assert.equal(shouldAutoShutdown('never', 0), false);
  });
  it('any-significant: always', () => {
    assert.deepEqual(
      [shouldAutoShutdown('any-significant', 0), shouldAutoShutdown('any-significant', 3)],
      [true, true],
    );
  });
  it('all-significant: only when no other significant child is active', () => {
    assert.deepEqual(
      [shouldAutoShutdown('all-significant', 0), shouldAutoShutdown('all-significant', 1)],
      [true, false],
    );
  });
});

describe('resolveFlags (R10.1)', () => {
  it('fills in the defaults: one-for-one, intensity 3, period 5000 ms, never', () => {
    assert.deepEqual(resolveFlags(undefined), {
      strategy: 'one-for-one',
      intensity: 3,
      period: 5_000,
      autoShutdown: 'never',
    });
    assert.deepEqual(resolveFlags({}), resolveFlags(undefined));
  });

  it('keeps valid values', () => {
    assert.deepEqual(
      resolveFlags({
        strategy: 'rest-for-one',
        intensity: 0,
        period: 0.5,
        autoShutdown: 'all-significant',
      }),
      { strategy: 'rest-for-one', intensity: 0, period: 0.5, autoShutdown: 'all-significant' },
    );
  });

  it('each invalid flag throws InvalidArgumentError naming it', () => {
    const cases: [unknown, string][] = [
      [42, 'flags'],
      ['x', 'flags'],
      [{ strategy: 'simple-one-for-one' }, 'strategy'],
      [{ strategy: 7 }, 'strategy'],
      [{ intensity: -1 }, 'intensity'],
      [{ intensity: 2.5 }, 'intensity'],
      [{ intensity: Number.POSITIVE_INFINITY }, 'intensity'],
      [{ intensity: Number.NaN }, 'intensity'],
      [{ period: 0 }, 'period'],
      [{ period: -1 }, 'period'],
      [{ period: Number.POSITIVE_INFINITY }, 'period'],
      [{ period: '5000' }, 'period'],
      [{ autoShutdown: 'always' }, 'autoShutdown'],
    ];
    for (const [flags, option] of cases) {
      assert.throws(() => resolveFlags(flags as never), invalidArg(option), JSON.stringify(flags));
    }
  });

  it('ignores unknown keys', () => {
    assert.deepEqual(resolveFlags({ bogus: 1 } as never), resolveFlags(undefined));
  });
});

describe('resolveChildSpec (R10.2)', () => {
  it('fills in the defaults', () => {
    const s = resolveChildSpec({ id: 'a', actor }, 'never');
    assert.deepEqual(
      { ...s, actor: undefined },
      {
        id: 'a',
        actor: undefined,
        options: undefined,
        restart: 'permanent',
        shutdown: 5_000,
        type: 'worker',
        significant: false,
        backoff: undefined,
      },
    );
    assert.equal(s.actor, actor);
  });

  it('a supervisor child defaults to type supervisor with shutdown infinity', () => {
    const s = resolveChildSpec({ id: 's', actor: supervisor({ children: [] }) }, 'never');
    assert.deepEqual([s.type, s.shutdown], ['supervisor', 'infinity']);
    const w = resolveChildSpec({ id: 'w', actor, type: 'supervisor' }, 'never');
    assert.deepEqual([w.type, w.shutdown], ['supervisor', 'infinity']);
  });

  it('fills in backoff defaults: factor 2, jitter 0.2, resetAfterMs = maxMs, maxRestarts Infinity', () => {
    const s = resolveChildSpec({ id: 'a', actor, backoff: { minMs: 10, maxMs: 500 } }, 'never');
    assert.deepEqual(s.backoff, {
      minMs: 10,
      maxMs: 500,
      factor: 2,
      jitter: 0.2,
      resetAfterMs: 500,
      maxRestarts: Number.POSITIVE_INFINITY,
    });
  });

  it('each invalid field throws InvalidChildSpecError naming it (and the child when known)', () => {
    const cases: [unknown, string, string | undefined][] = [
      [null, 'spec', undefined],
      ['a', 'spec', undefined],
      [{ actor }, 'id', undefined],
      [{ id: '', actor }, 'id', undefined],
      [{ id: 1, actor }, 'id', undefined],
      [{ id: 'a' }, 'actor', 'a'],
      [{ id: 'a', actor: {} }, 'actor', 'a'],
      [{ id: 'a', actor, options: 'x' }, 'options', 'a'],
      [{ id: 'a', actor, options: { name: '' } }, 'options', 'a'],
      [{ id: 'a', actor, restart: 'always' }, 'restart', 'a'],
      [{ id: 'a', actor, type: 'boss' }, 'type', 'a'],
      [{ id: 'a', actor, shutdown: -10 }, 'shutdown', 'a'],
      [{ id: 'a', actor, shutdown: Number.NaN }, 'shutdown', 'a'],
      [{ id: 'a', actor, shutdown: 'kill' }, 'shutdown', 'a'],
      [{ id: 'a', actor, restart: 'transient', significant: 1 }, 'significant', 'a'],
      [{ id: 'a', actor, significant: true }, 'significant', 'a'],
      [{ id: 'a', actor, backoff: 5 }, 'backoff', 'a'],
      [{ id: 'a', actor, backoff: { maxMs: 5 } }, 'backoff.minMs', 'a'],
      [{ id: 'a', actor, backoff: { minMs: 10, maxMs: 5 } }, 'backoff.maxMs', 'a'],
      [{ id: 'a', actor, backoff: { minMs: 1, maxMs: 5, factor: 0.5 } }, 'backoff.factor', 'a'],
      [{ id: 'a', actor, backoff: { minMs: 1, maxMs: 5, jitter: 2 } }, 'backoff.jitter', 'a'],
      [
        { id: 'a', actor, backoff: { minMs: 1, maxMs: 5, resetAfterMs: -1 } },
        'backoff.resetAfterMs',
        'a',
      ],
      [
        { id: 'a', actor, backoff: { minMs: 1, maxMs: 5, maxRestarts: 0 } },
        'backoff.maxRestarts',
        'a',
      ],
    ];
    for (const [spec, field, childId] of cases) {
      assert.throws(
        () => resolveChildSpec(spec, 'any-significant'),
        (e: unknown) => invalidSpec(field)(e) && (e as InvalidChildSpecError).childId === childId,
        JSON.stringify(spec),
      );
    }
  });

  it('a significant child needs an autoShutdown other than never', () => {
    const spec = { id: 'a', actor, restart: 'transient', significant: true };
    assert.throws(() => resolveChildSpec(spec, 'never'), invalidSpec('significant'));
    assert.equal(resolveChildSpec(spec, 'all-significant').significant, true);
  });

  it('without ids (dynamic children) the id is not required', () => {
    assert.equal(resolveChildSpec({ actor }, 'never', false).id, '');
  });

  it('resolveChildSpecs rejects duplicate ids, naming the child', () => {
    assert.throws(
      () =>
        resolveChildSpecs(
          [
            { id: 'a', actor },
            { id: 'b', actor },
            { id: 'a', actor },
          ],
          'never',
        ),
      (e: unknown) => invalidSpec('id')(e) && (e as InvalidChildSpecError).childId === 'a',
    );
    assert.throws(() => resolveChildSpecs('x' as never, 'never'), invalidSpec('children'));
    assert.equal(
      resolveChildSpecs(
        [
          { id: 'a', actor },
          { id: 'b', actor },
        ],
        'never',
      ).length,
      2,
    );
  });
});
