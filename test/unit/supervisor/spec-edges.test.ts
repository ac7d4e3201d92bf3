/**
 * The edges of supervisor flag and child-spec validation (docs/semantics.md
 * §13, OTP R10.1, R10.2): `null`, `Infinity`, negative and numeric-string
 * values are refused with an error naming the field, the documented limits
 * are inclusive, and the restart window stays exact as it compacts itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError, InvalidChildSpecError } from '../../../src/errors.js';
import { defineActor } from '../../../src/index.js';
import { BOUNDS } from '../../../src/limits/index.js';
import {
  childSpec,
  RestartWindow,
  resolveChildSpec,
  resolveChildSpecs,
  resolveFlags,
} from '../../../src/supervisor/index.js';

const actor = defineActor<string>({ handle() {} });

const refusesField = (field: string) => (e: unknown) =>
  e instanceof InvalidChildSpecError && e.field === field && e.childId === 'a';

function spec(extra: Record<string, unknown>) {
  return { id: 'a', actor, ...extra };
}

const backoff = (extra: Record<string, unknown>) =>
  spec({ backoff: { minMs: 10, maxMs: 100, ...extra } });

describe('child spec validation: values that are not what they seem', () => {
  const refused: [string, Record<string, unknown>, string][] = [
    ['null restart', spec({ restart: null }), 'restart'],
    ['null type', spec({ type: null }), 'type'],
    ['null shutdown', spec({ shutdown: null }), 'shutdown'],
    ['null significant', spec({ restart: 'transient', significant: null }), 'significant'],
    ['null options', spec({ options: null }), 'options'],
    ['null backoff', spec({ backoff: null }), 'backoff'],
    ['null backoff.minMs', backoff({ minMs: null }), 'backoff.minMs'],
    ['null backoff.maxMs', backoff({ maxMs: null }), 'backoff.maxMs'],
    ['null backoff.factor', backoff({ factor: null }), 'backoff.factor'],
    ['null backoff.jitter', backoff({ jitter: null }), 'backoff.jitter'],
    ['null backoff.resetAfterMs', backoff({ resetAfterMs: null }), 'backoff.resetAfterMs'],
    ['null backoff.maxRestarts', backoff({ maxRestarts: null }), 'backoff.maxRestarts'],
    ['Infinity shutdown (use infinity)', spec({ shutdown: Number.POSITIVE_INFINITY }), 'shutdown'],
    ['Infinity backoff.minMs', backoff({ minMs: Number.POSITIVE_INFINITY }), 'backoff.minMs'],
    ['Infinity backoff.maxMs', backoff({ maxMs: Number.POSITIVE_INFINITY }), 'backoff.maxMs'],
    ['Infinity backoff.factor', backoff({ factor: Number.POSITIVE_INFINITY }), 'backoff.factor'],
    ['Infinity backoff.jitter', backoff({ jitter: Number.POSITIVE_INFINITY }), 'backoff.jitter'],
    [
      'Infinity backoff.resetAfterMs',
      backoff({ resetAfterMs: Number.POSITIVE_INFINITY }),
      'backoff.resetAfterMs',
    ],
    ['negative backoff.jitter', backoff({ jitter: -0.1 }), 'backoff.jitter'],
    ['negative backoff.minMs', backoff({ minMs: -1 }), 'backoff.minMs'],
    ['NaN backoff.jitter', backoff({ jitter: Number.NaN }), 'backoff.jitter'],
    ['NaN backoff.factor', backoff({ factor: Number.NaN }), 'backoff.factor'],
    ['NaN backoff.maxRestarts', backoff({ maxRestarts: Number.NaN }), 'backoff.maxRestarts'],
    ['numeric-string shutdown', spec({ shutdown: '100' }), 'shutdown'],
    ['numeric-string backoff.minMs', backoff({ minMs: '10' }), 'backoff.minMs'],
    ['numeric-string backoff.maxMs', backoff({ maxMs: '100' }), 'backoff.maxMs'],
    ['numeric-string backoff.factor', backoff({ factor: '2' }), 'backoff.factor'],
    ['numeric-string backoff.jitter', backoff({ jitter: '0.5' }), 'backoff.jitter'],
    ['numeric-string backoff.resetAfterMs', backoff({ resetAfterMs: '5' }), 'backoff.resetAfterMs'],
    ['numeric-string backoff.maxRestarts', backoff({ maxRestarts: '3' }), 'backoff.maxRestarts'],
    ['just above jitter 1', backoff({ jitter: 1.0001 }), 'backoff.jitter'],
    ['just below factor 1', backoff({ factor: 0.999 }), 'backoff.factor'],
    ['just below maxRestarts 1', backoff({ maxRestarts: 0.5 }), 'backoff.maxRestarts'],
    ['maxMs just below minMs', backoff({ minMs: 10, maxMs: 9.99 }), 'backoff.maxMs'],
    ['a detached child', spec({ options: { detached: true } }), 'options'],
    ['a null actor', spec({ actor: null }), 'actor'],
    ['an actor without handle', spec({ actor: { handle: 1 } }), 'actor'],
  ];
  for (const [what, raw, field] of refused) {
    it(`${what} is refused with InvalidChildSpecError naming ${field}`, () => {
      assert.throws(() => resolveChildSpec(raw, 'any-significant'), refusesField(field));
    });
  }
});

describe('child spec validation: the documented limits are inclusive', () => {
  it('shutdown 0, jitter 0 and 1, factor 1, maxRestarts 1, minMs 0, maxMs = minMs and resetAfterMs 0 are accepted', () => {
    assert.equal(resolveChildSpec(spec({ shutdown: 0 }), 'never').shutdown, 0);
    const edges: Record<string, unknown>[] = [
      { jitter: 0 },
      { jitter: 1 },
      { factor: 1 },
      { maxRestarts: 1 },
      { minMs: 0 },
      { minMs: 100, maxMs: 100 },
      { resetAfterMs: 0 },
      { maxRestarts: Number.POSITIVE_INFINITY },
    ];
    for (const extra of edges) {
      const resolved = resolveChildSpec(backoff(extra), 'never').backoff;
      for (const [key, value] of Object.entries(extra)) {
        assert.equal(resolved?.[key as keyof typeof resolved], value, JSON.stringify(extra));
      }
    }
  });

  it('a detached option of false is allowed and kept', () => {
    assert.deepEqual(resolveChildSpec(spec({ options: { detached: false } }), 'never').options, {
      detached: false,
    });
  });
});

describe('supervisor flags: the limits', () => {
  const refusesFlag = (option: string) => (e: unknown) =>
    e instanceof InvalidArgumentError && e.option === option;

  it('null and numeric strings are refused; intensity 0 and a tiny period are accepted', () => {
    assert.throws(() => resolveFlags(null as never), refusesFlag('flags'));
    assert.throws(() => resolveFlags({ intensity: '3' } as never), refusesFlag('intensity'));
    assert.throws(() => resolveFlags({ intensity: null } as never), refusesFlag('intensity'));
    assert.throws(() => resolveFlags({ period: null } as never), refusesFlag('period'));
    assert.throws(() => resolveFlags({ strategy: null } as never), refusesFlag('strategy'));
    assert.throws(() => resolveFlags({ autoShutdown: null } as never), refusesFlag('autoShutdown'));
    assert.equal(resolveFlags({ intensity: 0 }).intensity, 0);
    assert.equal(resolveFlags({ period: Number.MIN_VALUE }).period, Number.MIN_VALUE);
  });

  it('Upper bounds: intensity at most BOUNDS.count and period at most BOUNDS.ms, both inclusive', () => {
    assert.equal(resolveFlags({ intensity: BOUNDS.count }).intensity, BOUNDS.count);
    assert.throws(() => resolveFlags({ intensity: BOUNDS.count + 1 }), refusesFlag('intensity'));
    assert.equal(resolveFlags({ period: BOUNDS.ms }).period, BOUNDS.ms);
    assert.throws(() => resolveFlags({ period: BOUNDS.ms + 1 }), refusesFlag('period'));
  });
});

describe('RestartWindow: exact while it compacts itself', () => {
  it('over thousands of restarts sliding through the window, count and decisions match a model at every step', () => {
    for (const [intensity, period, step] of [
      [3, 10, 1],
      [5, 100, 7],
      [0, 50, 3],
      [40, 1_000, 5],
    ] as const) {
      const w = new RestartWindow(intensity, period);
      const recorded: number[] = [];
      for (let now = 0; now < 1_500; now += step) {
        recorded.push(now);
        const inWindow = recorded.filter((t) => t >= now - period).length;
        assert.equal(w.record(now), inWindow <= intensity, `${intensity}/${period} at ${now}`);
        assert.equal(w.count, inWindow, `${intensity}/${period} count at ${now}`);
      }
    }
  });

  it('holds at most about twice its window plus a constant, however many restarts it records', () => {
    for (const [intensity, period, step] of [
      [3, 10, 1],
      [2, 10, 6],
      [40, 1_000, 5],
    ] as const) {
      const w = new RestartWindow(intensity, period);
      for (let now = 0; now < 20_000; now += step) {
        w.record(now);
        assert.ok(
          w.retained <= 2 * w.count + 34,
          `${intensity}/${period} at ${now}: ${w.retained} held for ${w.count} in the window`,
        );
      }
    }
  });

  it('a burst after a long quiet spell, and after many compactions, is judged on the burst alone', () => {
    const w = new RestartWindow(2, 100);
    for (let t = 0; t < 1_000; t += 1) w.record(t);
    const later = 10_000;
    assert.deepEqual(
      [w.record(later), w.record(later + 1), w.record(later + 2)],
      [true, true, false],
    );
    assert.equal(w.count, 3);
  });
});

describe('supervisor validation: each refusal says what is expected', () => {
  const message = (fn: () => unknown): string => {
    try {
      fn();
    } catch (error) {
      return (error as Error).message;
    }
    return 'accepted';
  };
  const b = (extra: Record<string, unknown>) => ({
    id: 'a',
    actor,
    backoff: { minMs: 1, maxMs: 2, ...extra },
  });

  it('child specs', () => {
    const cases: [unknown, string][] = [
      [null, 'spec: a child spec must be an object'],
      [{ actor }, 'id: missing: a non-empty string is required'],
      [
        { id: 'a' },
        'child "a": actor: missing: an actor definition with a handle function is required',
      ],
      [
        { id: 'a', actor, options: 'x' },
        'child "a": options: invalid options: spawn options must be an object',
      ],
      [
        { id: 'a', actor, options: { detached: true } },
        'child "a": options: a supervised child cannot be detached',
      ],
      [
        { id: 'a', actor, restart: 'x' },
        'child "a": restart: must be one of permanent, transient, temporary',
      ],
      [{ id: 'a', actor, type: 'x' }, `child "a": type: must be 'worker' or 'supervisor'`],
      [
        { id: 'a', actor, shutdown: -1 },
        `child "a": shutdown: must be ms >= 0, 'brutalKill' or 'infinity'`,
      ],
      [
        { id: 'a', actor, restart: 'transient', significant: 1 },
        'child "a": significant: must be a boolean',
      ],
      [
        { id: 'a', actor, significant: true },
        'child "a": significant: a permanent child cannot be significant (bad combination)',
      ],
      [{ id: 'a', actor, backoff: 1 }, 'child "a": backoff: must be an object'],
      [b({ minMs: -1 }), 'child "a": backoff.minMs: must be a number of ms >= 0'],
      [b({ maxMs: 0 }), 'child "a": backoff.maxMs: must be a number of ms >= minMs'],
      [b({ factor: 0 }), 'child "a": backoff.factor: must be a finite number >= 1'],
      [b({ jitter: 2 }), 'child "a": backoff.jitter: must be between 0 and 1'],
      [b({ resetAfterMs: -1 }), 'child "a": backoff.resetAfterMs: must be a number of ms >= 0'],
      [b({ maxRestarts: 0 }), 'child "a": backoff.maxRestarts: must be a number >= 1'],
    ];
    for (const [raw, expected] of cases) {
      assert.equal(
        message(() => resolveChildSpec(raw, 'any-significant')),
        expected,
      );
    }
    assert.equal(
      message(() =>
        resolveChildSpec({ id: 'a', actor, restart: 'transient', significant: true }, 'never'),
      ),
      `child "a": significant: a significant child needs autoShutdown other than 'never'`,
    );
    assert.equal(
      message(() => resolveChildSpecs('x' as never, 'never')),
      'children: must be an array',
    );
    assert.equal(
      message(() =>
        resolveChildSpecs(
          [
            { id: 'a', actor },
            { id: 'a', actor },
          ],
          'never',
        ),
      ),
      'child "a": id: duplicate child id',
    );
  });

  it('flags', () => {
    const cases: [unknown, string][] = [
      [5, 'invalid flags: supervisor flags must be an object'],
      [
        { strategy: 'x' },
        'invalid strategy: must be one of one-for-one, one-for-all, rest-for-one',
      ],
      [{ intensity: -1 }, 'invalid intensity: must be an integer from 0 to 1073741824'],
      [{ period: 0 }, 'invalid period: must be a number of ms > 0, at most 1099511627776'],
      [
        { autoShutdown: 'x' },
        'invalid autoShutdown: must be one of never, any-significant, all-significant',
      ],
    ];
    for (const [flags, expected] of cases) {
      assert.equal(
        message(() => resolveFlags(flags as never)),
        expected,
      );
    }
  });
});

describe('childSpec', () => {
  it('returns the spec it is given, unchanged (it only checks types)', () => {
    const spec = { id: 'c', actor, restart: 'transient' as const };
    assert.equal(childSpec(spec), spec);
    assert.deepEqual(childSpec(spec), { id: 'c', actor, restart: 'transient' });
  });
});
