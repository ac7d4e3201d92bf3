import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PairRing } from '../../../src/mailbox/index.js';

type Op =
  | { readonly op: 'push'; readonly message: number; readonly sender: number }
  | { readonly op: 'shift' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('push' as const),
      message: fc.integer(),
      sender: fc.integer(),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ op: 'shift' as const }) },
);

function drainAll(ring: PairRing): [unknown, unknown][] {
  const out: [unknown, unknown][] = [];
  ring.drain((message, sender) => out.push([message, sender]));
  return out;
}

describe('PairRing', () => {
  it('behaves as a FIFO array of (message, sender) pairs under any sequence of pushes and shifts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(opArb, { maxLength: 300 }),
        (capacity, ops) => {
          const ring = new PairRing(capacity);
          const model: [number, number][] = [];
          for (const step of ops) {
            if (step.op === 'push') {
              ring.push(step.message, step.sender);
              model.push([step.message, step.sender]);
            } else if (model.length > 0) {
              const [message, sender] = model.shift() as [number, number];
              assert.equal(ring.peekMessage(), message);
              assert.equal(ring.peekSender(), sender);
              ring.drop();
            }
            assert.equal(ring.size, model.length);
          }
          assert.deepEqual(drainAll(ring), model);
          assert.equal(ring.size, 0);
        },
      ),
    );
  });

  it('grows past its initial capacity while the head has wrapped, keeping order', () => {
    const ring = new PairRing(4);
    // Move the head to the middle of the buffer, so growth must unwrap it.
    for (let i = 0; i < 3; i++) ring.push(`pre${i}`, i);
    for (let i = 0; i < 3; i++) ring.drop();
    const expected: [unknown, unknown][] = [];
    for (let i = 0; i < 100; i++) {
      ring.push(`m${i}`, i);
      expected.push([`m${i}`, i]);
    }
    assert.equal(ring.size, 100);
    assert.deepEqual(drainAll(ring), expected);
  });

  it('drain visits entries oldest first and leaves the ring empty and reusable', () => {
    const ring = new PairRing();
    ring.push('a', 1);
    ring.push('b', undefined);
    assert.deepEqual(drainAll(ring), [
      ['a', 1],
      ['b', undefined],
    ]);
    assert.equal(ring.size, 0);
    ring.push('c', 3);
    assert.equal(ring.peekMessage(), 'c');
    assert.equal(ring.peekSender(), 3);
  });
});
