/**
 * The pool router (src/routing/router.ts) over fake worker slots: each
 * strategy, the skipping of slots whose worker is not running, and the
 * round-robin fairness property.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidArgumentError } from '../../../src/errors.js';
import type { SendOptions } from '../../../src/mailbox/index.js';
import {
  HashRing,
  ROUTING_STRATEGIES,
  Router,
  type RoutingStrategy,
  type Slot,
} from '../../../src/routing/index.js';

/** A fake worker: a name and a mailbox length. */
interface Worker {
  readonly name: string;
  load: number;
  /** Died, but its slot still holds it (its supervisor has not handled the exit yet). */
  dead?: boolean;
}

type FakeSlot = Slot<Worker> & { process: Worker | null };

/** Slots `w0`…`w(n-1)`, each with a worker unless `down` lists it. */
function slots(n: number, down: readonly number[] = []): FakeSlot[] {
  return Array.from({ length: n }, (_, i) => ({
    spec: { id: `w${i}` },
    process: down.includes(i) ? null : { name: `w${i}`, load: 0 },
  }));
}

function router(
  strategy: RoutingStrategy,
  options: {
    random?: () => number;
    keyOf?: (message: unknown) => string | undefined;
  } = {},
): Router<Worker> {
  return new Router<Worker>(
    strategy,
    (w) => w.dead !== true,
    (w) => w.load,
    options.random ?? Math.random,
    options.keyOf,
  );
}

/** The names of the workers picked for `count` sends. */
function picks(
  r: Router<Worker>,
  s: readonly FakeSlot[],
  count: number,
  options?: SendOptions,
  version = 0,
): (string | undefined)[] {
  return Array.from({ length: count }, (_, i) => r.pick(s, version, { i }, options)?.name);
}

const invalidArg = (option: string) => (e: unknown) =>
  e instanceof InvalidArgumentError && e.option === option;

describe('Router', () => {
  it('accepts exactly the five strategies', () => {
    assert.deepEqual(
      [...ROUTING_STRATEGIES].sort(),
      ['broadcast', 'consistent-hash', 'least-loaded', 'random', 'round-robin'].sort(),
    );
    for (const s of ROUTING_STRATEGIES) assert.equal(router(s).strategy, s);
    assert.throws(() => router('fastest' as RoutingStrategy), invalidArg('strategy'));
  });

  it('every strategy picks nothing from no slots or from slots with no running worker', () => {
    for (const s of ROUTING_STRATEGIES) {
      const r = router(s, { keyOf: () => 'k' });
      assert.equal(r.pick([], 0, { m: 1 }, undefined), undefined, s);
      assert.equal(r.pick(slots(3, [0, 1, 2]), 1, { m: 1 }, undefined), undefined, s);
      assert.deepEqual(r.all(slots(3, [0, 1, 2])), [], s);
    }
  });
});

describe('round-robin', () => {
  it('takes each worker in turn', () => {
    assert.deepEqual(picks(router('round-robin'), slots(3), 7), [
      'w0',
      'w1',
      'w2',
      'w0',
      'w1',
      'w2',
      'w0',
    ]);
  });

  it('skips slots without a process and keeps the turn when they come back', () => {
    const r = router('round-robin');
    const s = slots(4, [1, 2]);
    assert.deepEqual(picks(r, s, 4), ['w0', 'w3', 'w0', 'w3']);
    (s[1] as FakeSlot).process = { name: 'w1*', load: 0 };
    assert.deepEqual(picks(r, s, 4), ['w0', 'w1*', 'w3', 'w0']);
  });

  it('property: over k·n sends each of the n available workers gets exactly k', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 20 }),
        fc.nat(50),
        (up, k, warmup) => {
          fc.pre(up.some((u) => u));
          const down = up.flatMap((u, i) => (u ? [] : [i]));
          const s = slots(up.length, down);
          const r = router('round-robin');
          // Wherever the turn stands, a full round is fair.
          picks(r, s, warmup);
          const n = up.length - down.length;
          const counts = new Map<string | undefined, number>();
          for (const name of picks(r, s, k * n)) counts.set(name, (counts.get(name) ?? 0) + 1);
          assert.equal(counts.has(undefined), false);
          for (let i = 0; i < up.length; i++) {
            assert.equal(counts.get(`w${i}`) ?? 0, up[i] ? k : 0, `w${i}`);
          }
        },
      ),
    );
  });
});

describe('random', () => {
  it('picks the slot the random number lands on', () => {
    let next = 0;
    const r = router('random', { random: () => next });
    const s = slots(4);
    for (const [value, expected] of [
      [0, 'w0'],
      [0.25, 'w1'],
      [0.6, 'w2'],
      [0.999_999, 'w3'],
    ] as const) {
      next = value;
      assert.equal(r.pick(s, 0, 'm', undefined)?.name, expected, String(value));
    }
  });

  it('moves on to the next running worker when it lands on an empty slot', () => {
    let next = 0;
    const r = router('random', { random: () => next });
    const s = slots(4, [1, 2]);
    next = 0.3; // slot 1: empty, so slot 3
    assert.equal(r.pick(s, 0, 'm', undefined)?.name, 'w3');
    next = 0.5; // slot 2: empty, so slot 3
    assert.equal(r.pick(s, 0, 'm', undefined)?.name, 'w3');
    const last = slots(3, [2]);
    next = 0.9; // slot 2: empty, wraps to slot 0
    assert.equal(r.pick(last, 0, 'm', undefined)?.name, 'w0');
  });

  it('property: always picks a running worker, whatever the random source says', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (up, value) => {
          fc.pre(up.some((u) => u));
          const s = slots(
            up.length,
            up.flatMap((u, i) => (u ? [] : [i])),
          );
          const picked = router('random', { random: () => value }).pick(s, 0, 'm', undefined);
          assert.ok(picked !== undefined);
          assert.ok(up[Number(picked.name.slice(1))]);
        },
      ),
    );
  });

  it('reaches every worker with a real random source', () => {
    const r = router('random');
    const seen = new Set(picks(r, slots(5), 500));
    assert.deepEqual([...seen].sort(), ['w0', 'w1', 'w2', 'w3', 'w4']);
  });
});

describe('least-loaded', () => {
  it('picks the worker with the shortest mailbox', () => {
    const s = slots(4);
    const loads = [5, 2, 7, 3];
    s.forEach((slot, i) => {
      (slot.process as Worker).load = loads[i] as number;
    });
    const r = router('least-loaded');
    assert.deepEqual(picks(r, s, 3), ['w1', 'w1', 'w1']);
    (s[3] as FakeSlot & { process: Worker }).process.load = 1;
    assert.equal(r.pick(s, 0, 'm', undefined)?.name, 'w3');
  });

  it('skips slots without a process, even an "empty" one', () => {
    const s = slots(3, [0]);
    (s[1] as FakeSlot & { process: Worker }).process.load = 4;
    (s[2] as FakeSlot & { process: Worker }).process.load = 9;
    assert.deepEqual(picks(router('least-loaded'), s, 3), ['w1', 'w1', 'w1']);
  });

  it('shares ties in turn instead of always taking the first', () => {
    const seen = new Set(picks(router('least-loaded'), slots(3), 6));
    assert.deepEqual([...seen].sort(), ['w0', 'w1', 'w2']);
  });

  it('property: the pick has the minimum load of the running workers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.nat(20), { nil: undefined }), { minLength: 1, maxLength: 10 }),
        fc.nat(20),
        (loads, turns) => {
          fc.pre(loads.some((l) => l !== undefined));
          const s: FakeSlot[] = loads.map((load, i) => ({
            spec: { id: `w${i}` },
            process: load === undefined ? null : { name: `w${i}`, load },
          }));
          const r = router('least-loaded');
          picks(r, s, turns);
          const min = Math.min(...loads.filter((l): l is number => l !== undefined));
          assert.equal(r.pick(s, 0, 'm', undefined)?.load, min);
        },
      ),
    );
  });
});

describe('consistent-hash', () => {
  it('needs a routing key: InvalidArgumentError naming routingKey', () => {
    const r = router('consistent-hash');
    assert.throws(() => r.pick(slots(3), 0, { m: 1 }, undefined), invalidArg('routingKey'));
    assert.throws(
      () => r.pick(slots(3), 0, { m: 1 }, { priority: 'high' }),
      invalidArg('routingKey'),
    );
    const none = router('consistent-hash', { keyOf: () => undefined });
    assert.throws(() => none.pick(slots(3), 0, { m: 1 }, undefined), invalidArg('routingKey'));
  });

  it('takes the key from the send options first, then from the pool routingKey function', () => {
    const ring = new HashRing(['w0', 'w1', 'w2', 'w3']);
    const r = router('consistent-hash', { keyOf: (m) => (m as { user: string }).user });
    const s = slots(4);
    for (let i = 0; i < 50; i++) {
      const user = `user-${i}`;
      assert.equal(r.pick(s, 0, { user }, undefined)?.name, ring.lookup(user));
      assert.equal(
        r.pick(s, 0, { user }, { routingKey: `other-${i}` })?.name,
        ring.lookup(`other-${i}`),
      );
    }
  });

  it('sends one key to one worker every time', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 8 }), (key, n) => {
        const r = router('consistent-hash');
        const s = slots(n);
        const first = r.pick(s, 0, 'm', { routingKey: key });
        for (let i = 0; i < 5; i++) assert.equal(r.pick(s, 0, 'm', { routingKey: key }), first);
      }),
    );
  });

  it("sends a key whose worker is down to the key's next owner, and back when it returns", () => {
    const s = slots(4);
    const ring = new HashRing(s.map((x) => x.spec.id));
    const r = router('consistent-hash');
    const keys = Array.from({ length: 400 }, (_, i) => `k${i}`);
    const victim = s[2] as FakeSlot;
    const worker = victim.process;
    victim.process = null; // restarting: same slots, same version
    for (const k of keys) {
      const [owner, next] = ring.walk(k);
      const expected = owner === 'w2' ? next : owner;
      assert.equal(r.pick(s, 0, 'm', { routingKey: k })?.name, expected, k);
    }
    victim.process = worker;
    for (const k of keys) assert.equal(r.pick(s, 0, 'm', { routingKey: k })?.name, ring.lookup(k));
  });

  it('rebuilds its ring when the slots change version: a new slot takes only its share', () => {
    const r = router('consistent-hash');
    const four = slots(4);
    const five = slots(5);
    const keys = Array.from({ length: 2_000 }, (_, i) => `key-${i}`);
    const before = keys.map((k) => r.pick(four, 1, 'm', { routingKey: k })?.name);
    const after = keys.map((k) => r.pick(five, 2, 'm', { routingKey: k })?.name);
    let moved = 0;
    for (let i = 0; i < keys.length; i++) {
      if (before[i] === after[i]) continue;
      moved++;
      assert.equal(after[i], 'w4');
    }
    assert.ok(moved > 2_000 / 10 && moved < 2_000 / 3, `moved ${moved} of 2000`);
  });
});

describe('broadcast', () => {
  it('lists every running worker, skipping empty slots', () => {
    const r = router('broadcast');
    assert.deepEqual(
      r.all(slots(5, [1, 3])).map((w) => w.name),
      ['w0', 'w2', 'w4'],
    );
  });

  it('picks in turn when one worker must be chosen', () => {
    assert.deepEqual(picks(router('broadcast'), slots(3, [1]), 4), ['w0', 'w2', 'w0', 'w2']);
  });
});

describe('availability', () => {
  for (const strategy of ['round-robin', 'random', 'least-loaded', 'consistent-hash'] as const) {
    it(`${strategy} never picks a worker that died before its slot was cleared`, () => {
      const all = slots(3);
      (all[1] as FakeSlot & { process: Worker }).process.dead = true;
      const r = router(strategy, { keyOf: (m) => String(m) });
      for (let i = 0; i < 60; i++) {
        const w = r.pick(all, 0, `k${i}`, undefined);
        assert.notEqual(w?.name, 'w1');
        assert.ok(w !== undefined);
      }
      assert.deepEqual(
        r.all(all).map((w) => w.name),
        ['w0', 'w2'],
      );
    });
  }
});
