/**
 * The consistent-hash ring (src/routing/hash-ring.ts): keys spread evenly
 * over the nodes, and adding or removing one node moves only that node's
 * share of the keys. Property tests over random node sets and key sets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HashRing, hashString } from '../../../src/routing/index.js';

/** How many keys each property spreads over the ring. */
const KEYS = 4_000;

/** `count` distinct keys derived from a random prefix. */
function keysFrom(prefix: string, count = KEYS): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}:${i}`);
}

/** Node ids: distinct non-empty strings. */
const nodeIds = (min: number, max: number) =>
  fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), {
    minLength: min,
    maxLength: max,
  });

/** How many of `keys` each node owns. */
function shares(ring: HashRing, keys: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>(ring.nodes.map((n) => [n, 0]));
  for (const k of keys) {
    const owner = ring.lookup(k);
    assert.ok(owner !== undefined);
    counts.set(owner, (counts.get(owner) ?? 0) + 1);
  }
  return counts;
}

describe('hashString', () => {
  it('is a stable unsigned 32-bit hash', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const h = hashString(s);
        assert.ok(Number.isInteger(h) && h >= 0 && h <= 0xffff_ffff, `hash ${h}`);
        assert.equal(hashString(s), h);
      }),
    );
  });

  it('spreads keys that differ in one character', () => {
    const hashes = new Set(keysFrom('user', 10_000).map(hashString));
    // Ten thousand near-identical keys: no collisions expected in 2^32.
    assert.ok(hashes.size >= 9_998, `${hashes.size} distinct hashes`);
  });
});

describe('HashRing', () => {
  it('an empty ring owns nothing and walks nowhere', () => {
    const ring = new HashRing([]);
    assert.equal(ring.lookup('k'), undefined);
    assert.deepEqual([...ring.walk('k')], []);
  });

  it('a ring of one node gives it every key', () => {
    const ring = new HashRing(['only']);
    for (const k of keysFrom('x', 100)) assert.equal(ring.lookup(k), 'only');
    assert.deepEqual([...ring.walk('x')], ['only']);
  });

  it('rejects a virtual node count that is not an integer >= 1', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => new HashRing(['a'], bad), RangeError, String(bad));
    }
    assert.equal(new HashRing(['a', 'b'], 1).nodes.length, 2);
  });

  it('copies its node list', () => {
    const nodes = ['a', 'b'];
    const ring = new HashRing(nodes);
    nodes.push('c');
    assert.deepEqual(ring.nodes, ['a', 'b']);
  });

  it('maps a key to the same node every time, and across equal rings', () => {
    fc.assert(
      fc.property(nodeIds(1, 8), fc.array(fc.string(), { maxLength: 50 }), (nodes, keys) => {
        const one = new HashRing(nodes);
        const two = new HashRing(nodes);
        for (const k of keys) {
          const owner = one.lookup(k);
          assert.ok(owner !== undefined && nodes.includes(owner));
          assert.equal(one.lookup(k), owner);
          assert.equal(two.lookup(k), owner);
        }
      }),
    );
  });

  it('property: keys spread over N nodes, each within ±50% of 1/N', () => {
    fc.assert(
      fc.property(nodeIds(2, 12), fc.string(), (nodes, prefix) => {
        const n = nodes.length;
        const counts = shares(new HashRing(nodes), keysFrom(prefix));
        for (const [node, c] of counts) {
          const ratio = (c / KEYS) * n;
          assert.ok(ratio > 0.5 && ratio < 1.5, `${JSON.stringify(node)} owns ${ratio}/N`);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('property: adding a node moves about 1/(N+1) of the keys, all to the new node', () => {
    fc.assert(
      fc.property(nodeIds(2, 11), fc.string(), (ids, prefix) => {
        const nodes = ids.slice(0, -1);
        const added = ids.at(-1) as string;
        const before = new HashRing(nodes);
        const after = new HashRing([...nodes, added]);
        let moved = 0;
        for (const k of keysFrom(prefix)) {
          const was = before.lookup(k);
          const now = after.lookup(k);
          if (was === now) continue;
          moved++;
          assert.equal(now, added, `key ${k} moved from ${was} to ${now}, not to the new node`);
        }
        const ratio = (moved / KEYS) * (nodes.length + 1);
        assert.ok(ratio > 0.5 && ratio < 1.6, `moved ${moved} of ${KEYS} (${ratio}/(N+1))`);
      }),
      { numRuns: 40 },
    );
  });

  it('property: removing a node moves only its keys, and spreads them over the others', () => {
    fc.assert(
      fc.property(nodeIds(3, 12), fc.nat(), fc.string(), (nodes, pick, prefix) => {
        const removed = nodes[pick % nodes.length] as string;
        const rest = nodes.filter((n) => n !== removed);
        const before = new HashRing(nodes);
        const after = new HashRing(rest);
        const receivers = new Set<string>();
        let orphaned = 0;
        for (const k of keysFrom(prefix)) {
          const was = before.lookup(k);
          const now = after.lookup(k) as string;
          if (was === removed) {
            orphaned++;
            receivers.add(now);
          } else {
            assert.equal(now, was, `key ${k} of a remaining node moved`);
          }
        }
        // Its keys do not all land on one neighbour: virtual nodes scatter them.
        if (orphaned >= 100) assert.ok(receivers.size >= Math.min(2, rest.length));
      }),
      { numRuns: 40 },
    );
  });

  it('property: walk yields every node exactly once, the owner first', () => {
    fc.assert(
      fc.property(nodeIds(1, 10), fc.string(), (nodes, key) => {
        const ring = new HashRing(nodes);
        const order = [...ring.walk(key)];
        assert.equal(order.length, nodes.length);
        assert.deepEqual([...order].sort(), [...nodes].sort());
        assert.equal(order[0], ring.lookup(key));
      }),
    );
  });

  it('property: the walk gives the owner a key falls back to when its owner is removed', () => {
    fc.assert(
      fc.property(nodeIds(2, 10), fc.string(), (nodes, key) => {
        const [owner, next] = new HashRing(nodes).walk(key);
        const without = new HashRing(nodes.filter((n) => n !== owner));
        assert.equal(without.lookup(key), next);
      }),
    );
  });
});
