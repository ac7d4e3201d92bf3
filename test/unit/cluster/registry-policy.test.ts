import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CHUNK_SIZE,
  decodeChunk,
  encodeChunks,
  groupKey,
  membershipDelta,
  parseGroupKey,
} from '../../../src/cluster/groups-entries.js';
import { reconcileVerdict, sameBytes, supersedes } from '../../../src/cluster/registry-mirror.js';
import { isClusterPid } from '../../../src/cluster/registry-port.js';
import {
  decodeOwner,
  encodeOwner,
  keyName,
  nameKey,
} from '../../../src/cluster/registry-record.js';

/** The pure decisions of the cluster registry and groups (docs/semantics.md §25). */

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('registry mirror: which watch event wins', () => {
  it('only a newer revision replaces a key, so a late or repeated event never undoes a write or delete', () => {
    assert.equal(supersedes(undefined, { revision: 1, value: bytes('a') }), true);
    assert.equal(
      supersedes({ revision: 5, value: undefined }, { revision: 5, value: bytes('a') }),
      false,
    );
    assert.equal(
      supersedes({ revision: 5, value: bytes('a') }, { revision: 4, value: undefined }),
      false,
    );
    assert.equal(
      supersedes({ revision: 5, value: bytes('a') }, { revision: 6, value: undefined }),
      true,
    );
  });

  it("this node's delete, noted at the revision it deleted, replaces that revision's value (read your writes on unregister)", () => {
    assert.equal(
      supersedes({ revision: 5, value: bytes('a') }, { revision: 5, value: undefined }),
      true,
    );
    // A repeated delivery of the deleted put never brings the name back.
    assert.equal(
      supersedes({ revision: 5, value: undefined }, { revision: 5, value: bytes('a') }),
      false,
    );
    assert.equal(
      supersedes({ revision: 5, value: undefined }, { revision: 5, value: undefined }),
      false,
    );
  });

  it('compares values by bytes', () => {
    assert.equal(sameBytes(bytes('ab'), bytes('ab')), true);
    assert.equal(sameBytes(bytes('ab'), bytes('ac')), false);
    assert.equal(sameBytes(undefined, bytes('')), false);
    assert.equal(sameBytes(undefined, undefined), true);
  });
});

describe('registry mirror: reconcile', () => {
  const stream = (lastSeq: number, subjects?: number) => ({ lastSeq, subjects });

  it('in step with the stream is ok', () => {
    assert.deepEqual(reconcileVerdict(10, 4, stream(10, 4), undefined), { action: 'ok' });
    assert.deepEqual(reconcileVerdict(10, 4, stream(10), undefined), { action: 'ok' });
  });

  it('behind once is events in flight; behind twice without progress is a stalled watch', () => {
    const first = reconcileVerdict(7, 4, stream(10, 4), undefined);
    assert.deepEqual(first, { action: 'ok', behindAt: 7 });
    assert.equal(reconcileVerdict(7, 4, stream(11, 4), first.behindAt).action, 'rebuild');
    // Progress since the last check: still in flight.
    assert.deepEqual(reconcileVerdict(9, 4, stream(11, 4), first.behindAt), {
      action: 'ok',
      behindAt: 9,
    });
  });

  it('a stream behind the mirror (recreated, lost data) or a different key count rebuilds', () => {
    assert.equal(reconcileVerdict(10, 4, stream(3, 2), undefined).action, 'rebuild');
    assert.equal(reconcileVerdict(10, 4, stream(10, 5), undefined).action, 'rebuild');
  });
});

describe('registry: keys and values', () => {
  it('any name maps to a valid key and back', () => {
    for (const name of ['db', 'a.b c', 'ünï/cødé*>', 'x'.repeat(300)]) {
      const key = nameKey(name);
      assert.match(key, /^n\.[-_A-Za-z0-9]+$/);
      assert.equal(keyName(key), name);
    }
    assert.equal(keyName('g.abc'), undefined);
    assert.equal(keyName('n.a+b'), undefined);
  });

  it('an owner survives the store; bytes that are not an owner decode to none', () => {
    const pid = { node: 'a_1x', id: 7 };
    assert.deepEqual(decodeOwner(encodeOwner(pid, 1)), pid);
    for (const bad of [
      '{',
      '[]',
      '{"node":"a b","id":1}',
      '{"node":"a","id":-1}',
      '{"node":"a","id":1.5}',
    ]) {
      assert.equal(decodeOwner(bytes(bad)), undefined, bad);
    }
    assert.equal(decodeOwner(undefined), undefined);
    assert.equal(isClusterPid({ node: 'n_1', id: 3 }), true);
    assert.equal(isClusterPid({ node: 'n.1', id: 3 }), false);
  });
});

describe('groups: entries', () => {
  it('keys round-trip and foreign keys are refused', () => {
    const key = groupKey('work ers', 'b_9', 2);
    assert.deepEqual(parseGroupKey(key), { group: 'work ers', node: 'b_9', chunk: 2 });
    assert.equal(parseGroupKey('n.abc'), undefined);
    assert.equal(parseGroupKey('g.d29yaw.b_9'), undefined);
    assert.equal(parseGroupKey('g.d29yaw.b_9.-1'), undefined);
  });

  it('members are chunked by id with their join counts, and decode back', () => {
    const members = new Map<number, number>();
    for (let id = CHUNK_SIZE + 5; id >= 1; id--) members.set(id, id === 3 ? 2 : 1);
    members.set(99_999, 0);
    const chunks = encodeChunks(members);
    assert.equal(chunks.length, 2);
    const pairs = chunks.flatMap((c) => decodeChunk(c));
    assert.equal(pairs.length, CHUNK_SIZE + 5);
    assert.deepEqual(pairs[0], [1, 1]);
    assert.deepEqual(pairs[2], [3, 2]);
    assert.deepEqual(encodeChunks(new Map()), []);
  });

  it('a chunk a peer wrote keeps only well-formed pairs', () => {
    assert.deepEqual(decodeChunk(bytes('[[1,1],["x",2],[-3,1],[4,0],[5,2,1],[6,2]]')), [
      [1, 1],
      [6, 2],
    ]);
    assert.deepEqual(decodeChunk(bytes('{"a":1}')), []);
    assert.deepEqual(decodeChunk(bytes('[[1,')), []);
  });

  it('the delta between two member lists repeats a pid once per join or leave', () => {
    const { joined, left } = membershipDelta(
      'n_1',
      [
        [1, 2],
        [2, 1],
      ],
      [
        [1, 1],
        [3, 2],
      ],
    );
    assert.deepEqual(joined, [
      { node: 'n_1', id: 3 },
      { node: 'n_1', id: 3 },
    ]);
    assert.deepEqual(left.map((p) => p.id).sort(), [1, 2]);
  });
});
