import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkFrame, OP } from '../../../src/cluster/frames.js';
import { checkAddress, describeAddress } from '../../../src/cluster/wire-address.js';
import { WireError } from '../../../src/cluster/wire-value.js';

/** Addresses on the wire are untrusted input (docs/semantics.md §25, wire format; §25.A). */

describe('addresses on the cluster wire', () => {
  it('each kind of address decodes to a clean copy of itself', () => {
    const node = 'a_1x';
    const cases = [
      { k: 'n', node, name: 'db' },
      { k: 's', node, service: 'sessions', key: 'u1' },
      { k: 'p', node, id: 7 },
      { k: 'G', name: 'cart' },
      { k: 'g', group: 'workers' },
    ] as const;
    for (const address of cases) {
      const extra = { ...address, __proto__: { polluted: true }, more: 1 };
      const checked = checkAddress(JSON.parse(JSON.stringify(extra)));
      assert.deepEqual(checked, address);
    }
    assert.deepEqual(
      cases.map((a) => describeAddress(a)),
      ['name:db@a_1x', 'service:sessions/u1@a_1x', 'pool:7@a_1x', 'global:cart', 'group:workers'],
    );
  });

  it('a malformed address from a peer is a WireError, never a crash', () => {
    const bad: unknown[] = [
      null,
      'db',
      [],
      { k: 'x', name: 'db' },
      { k: 'n', node: 'a.b', name: 'db' },
      { k: 'n', node: 'a_1', name: '' },
      { k: 'n', node: 'a_1', name: 'x'.repeat(1025) },
      { k: 's', node: 'a_1', service: 's' },
      { k: 'p', node: 'a_1', id: 0 },
      { k: 'p', node: 'a_1', id: 1.5 },
      { k: 'G', name: 3 },
      { k: 'g' },
    ];
    for (const value of bad) assert.throws(() => checkAddress(value), WireError);
  });

  it('address, group, whereis and holder frames are checked for shape like every frame', () => {
    assert.deepEqual(checkFrame([OP.address, { k: 'G', name: 'x' }, 0, 0, 'm']), [
      OP.address,
      { k: 'G', name: 'x' },
      0,
      0,
      'm',
    ]);
    assert.deepEqual(checkFrame([OP.group, 'g', 3, 0, 'm']), [OP.group, 'g', 3, 0, 'm']);
    assert.throws(() => checkFrame([OP.group, 5, 0, 0, 'm']), WireError);
    assert.throws(() => checkFrame([OP.group, 'g', -1, 0, 'm']), WireError);
    assert.throws(() => checkFrame([OP.address, { k: 'G', name: 'x' }, 0, 0]), WireError);
    assert.deepEqual(checkFrame([OP.whereis, 4, 'db']), [OP.whereis, 4, 'db']);
    assert.deepEqual(checkFrame([OP.holder, 4, 0]), [OP.holder, 4, 0]);
    assert.throws(() => checkFrame([OP.whereis, 4, '']), WireError);
    assert.throws(() => checkFrame([OP.holder, 4, 'x']), WireError);
  });
});
