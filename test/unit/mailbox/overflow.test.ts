import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BOUNDS } from '../../../src/limits/index.js';
import {
  checkMailboxOptions,
  decideOverflow,
  type MailboxOptions,
  type OverflowDecision,
  type OverflowPolicy,
} from '../../../src/mailbox/index.js';

const POLICIES: readonly OverflowPolicy[] = [
  'drop-newest',
  'drop-oldest',
  'reject',
  'backpressure',
];

describe('decideOverflow', () => {
  const table: [OverflowPolicy, number, number, boolean, OverflowDecision][] = [
    ['drop-newest', 0, 1, false, 'accept'],
    ['drop-newest', 1, 1, false, 'drop-newest'],
    ['drop-newest', 5, 1, true, 'drop-newest'],
    ['drop-oldest', 2, 3, false, 'accept'],
    ['drop-oldest', 3, 3, false, 'drop-oldest'],
    ['drop-oldest', 0, 0, false, 'drop-newest'],
    ['reject', 3, 3, false, 'reject'],
    ['reject', 3, 3, true, 'reject'],
    ['backpressure', 3, 3, true, 'wait'],
    ['backpressure', 3, 3, false, 'reject'],
    ['backpressure', 2, 3, true, 'accept'],
    ['reject', 1e9, Number.POSITIVE_INFINITY, false, 'accept'],
  ];
  for (const [policy, size, capacity, waiting, expected] of table) {
    it(`${policy} with size ${size}/${capacity}${waiting ? ' (sender can wait)' : ''} decides ${expected}`, () => {
      assert.equal(decideOverflow(policy, size, capacity, waiting), expected);
    });
  }

  it('accepts exactly when there is room, and only backpressure with a waiting sender waits', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...POLICIES),
        fc.nat({ max: 1000 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.boolean(),
        (policy, size, capacity, waiting) => {
          const decision = decideOverflow(policy, size, capacity, waiting);
          assert.equal(decision === 'accept', size < capacity);
          if (decision === 'wait') assert.ok(policy === 'backpressure' && waiting);
          if (size >= capacity) {
            const expected: Record<OverflowPolicy, OverflowDecision> = {
              'drop-newest': 'drop-newest',
              'drop-oldest': 'drop-oldest',
              reject: 'reject',
              backpressure: waiting ? 'wait' : 'reject',
            };
            assert.equal(decision, expected[policy]);
          }
          // Pure: same inputs, same answer.
          assert.equal(decideOverflow(policy, size, capacity, waiting), decision);
        },
      ),
    );
  });
});

describe('checkMailboxOptions', () => {
  const valid: MailboxOptions[] = [
    {},
    { capacity: 1 },
    { capacity: 10_000 },
    { capacity: Number.POSITIVE_INFINITY },
    ...POLICIES.map((overflow) => ({ capacity: 4, overflow })),
  ];
  for (const options of valid) {
    it(`accepts ${JSON.stringify(options)}`, () => {
      assert.equal(checkMailboxOptions(options), undefined);
    });
  }

  const invalid: [string, MailboxOptions, RegExp][] = [
    ['capacity 0', { capacity: 0 }, /capacity/],
    ['a negative capacity', { capacity: -1 }, /capacity/],
    ['a fractional capacity', { capacity: 1.5 }, /capacity/],
    ['a NaN capacity', { capacity: Number.NaN }, /capacity/],
    ['a string capacity', { capacity: '4' as unknown as number }, /capacity/],
    ['an unknown policy', { overflow: 'drop-all' as OverflowPolicy }, /overflow/],
  ];
  for (const [what, options, pattern] of invalid) {
    it(`names the problem with ${what}`, () => {
      const problem = checkMailboxOptions(options);
      assert.equal(typeof problem, 'string');
      assert.match(problem as string, pattern);
    });
  }
});

describe('Upper bounds: mailbox capacities at most 2^30', () => {
  it('a capacity of exactly BOUNDS.count is accepted', () => {
    assert.equal(checkMailboxOptions({ capacity: BOUNDS.count }), undefined);
  });

  it('a capacity one past BOUNDS.count is refused, naming capacity', () => {
    assert.match(checkMailboxOptions({ capacity: BOUNDS.count + 1 }) ?? '', /capacity/);
  });
});
