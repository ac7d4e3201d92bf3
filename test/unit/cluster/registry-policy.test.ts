import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CHUNK_SIZE,
  decodeChunk,
  encodeChunks,
  groupKey,
  indexChunk,
  membershipDelta,
  parseGroupKey,
} from '../../../src/cluster/groups-entries.js';
import {
  mirrorDiff,
  nextRetryMs,
  RETRY_FIRST_MS,
  RETRY_MAX_MS,
  reconcileVerdict,
  sameBytes,
  snapshotComplete,
  snapshotSeen,
  supersedes,
} from '../../../src/cluster/mirror-policy.js';
import { isPlacementPending } from '../../../src/cluster/registry-errors.js';
import {
  holderGone,
  type NameSighting,
  nameAction,
  stillHeld,
  UNKNOWN_OWNER_GRACE_MS,
  UnknownOwners,
} from '../../../src/cluster/registry-policy.js';
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

  it('the index of other nodes’ members keeps no group or node without members', () => {
    const index = new Map();
    const at = { group: 'w', node: 'b_1', chunk: 1 };
    assert.deepEqual(indexChunk(index, at, [[7, 2]]), []);
    assert.deepEqual(index.get('w')?.get('b_1')?.get(1), [[7, 2]]);
    assert.deepEqual(indexChunk(index, at, []), [[7, 2]]);
    assert.equal(index.size, 0);
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

describe('registry: what a node does with a name it sees', () => {
  const sighting: NameSighting = {
    revision: 5,
    local: true,
    standing: 'live',
    unknownForMs: 0,
    heldRevision: undefined,
    pendingRevision: undefined,
  };

  it('a live local holder’s name this node does not hold at that revision is held; a known-dead holder’s is released', () => {
    assert.equal(nameAction(sighting), 'hold');
    assert.equal(nameAction({ ...sighting, heldRevision: 4 }), 'hold');
    assert.equal(nameAction({ ...sighting, heldRevision: 5 }), 'none');
    assert.equal(nameAction({ ...sighting, standing: 'gone' }), 'release');
    assert.equal(nameAction({ ...sighting, local: false, standing: 'gone' }), 'release');
    assert.equal(nameAction({ ...sighting, local: false }), 'none');
  });

  it('a name whose release is pending at that revision is not held again (an unregister the store missed is retried, not lost)', () => {
    // unregister could not reach the store: the reconcile used to hold the name again (its
    // process lives), which dropped the pending release and left the name registered for good.
    assert.equal(nameAction({ ...sighting, pendingRevision: 5 }), 'none');
    assert.equal(nameAction({ ...sighting, standing: 'gone', pendingRevision: 5 }), 'none');
    // A release pending at an older revision does not stand for a newer registration.
    assert.equal(nameAction({ ...sighting, pendingRevision: 3 }), 'hold');
  });

  it('a name whose owner nobody knows (no member record, or no owner at all) is released once it stayed so for the grace', () => {
    const unknown = { ...sighting, local: false };
    for (const standing of ['no-record', 'malformed'] as const) {
      assert.equal(nameAction({ ...unknown, standing }), 'none', `${standing}: first sight`);
      const waited = { ...unknown, standing, unknownForMs: UNKNOWN_OWNER_GRACE_MS - 1 };
      assert.equal(nameAction(waited), 'none', `${standing}: within the grace`);
      const past = { ...unknown, standing, unknownForMs: UNKNOWN_OWNER_GRACE_MS };
      assert.equal(nameAction(past), 'release', `${standing}: past the grace`);
      assert.equal(nameAction({ ...past, pendingRevision: 5 }), 'none', 'its release is pending');
      assert.equal(nameAction({ ...unknown, standing }, 0), 'release', `${standing}: no grace`);
    }
    // The grace is the default's unless told: 10 s.
    assert.equal(UNKNOWN_OWNER_GRACE_MS, 10_000);
    assert.equal(
      nameAction({ ...unknown, standing: 'malformed', unknownForMs: 500 }, 500),
      'release',
    );
  });

  it("an unknown owner's time runs from the first pass that saw it at that revision, and starts again when a pass sees it otherwise", () => {
    const unknown = new UnknownOwners();
    unknown.beginPass();
    assert.equal(unknown.unknownFor('cart', 5, 1_000), 0, 'first seen');
    unknown.endPass();
    unknown.beginPass();
    assert.equal(unknown.unknownFor('cart', 5, 4_000), 3_000);
    unknown.endPass();
    unknown.beginPass();
    assert.equal(unknown.unknownFor('cart', 6, 5_000), 0, 'another revision starts again');
    unknown.endPass();
    unknown.beginPass(); // 'cart' seen live, or not at all
    unknown.endPass();
    assert.equal(unknown.size, 0, 'forgotten: what is timed stays bounded by the names seen');
    unknown.beginPass();
    assert.equal(unknown.unknownFor('cart', 6, 9_000), 0, 'starts again after a pass without it');
    assert.equal(unknown.unknownFor('cart', 6, 8_000), 0, 'a clock that went back counts no time');
  });

  it('a hold ends when the mirror shows the name deleted at the held revision or at another one', () => {
    assert.equal(stillHeld(5, { revision: 5, value: bytes('x') }), true);
    // This node's own delete is noted at the revision it deleted.
    assert.equal(stillHeld(5, { revision: 5, value: undefined }), false);
    assert.equal(stillHeld(5, { revision: 6, value: bytes('x') }), false);
    assert.equal(stillHeld(5, undefined), false);
  });

  it('a holder is known dead when it is a local process that exited or a process of a gone node', () => {
    const alive = (id: number): boolean => id !== 7;
    const gone = (node: string): boolean => node === 'b_2';
    assert.equal(holderGone({ node: 'a_1', id: 7 }, 'a_1', alive, gone), true);
    assert.equal(holderGone({ node: 'a_1', id: 8 }, 'a_1', alive, gone), false);
    assert.equal(holderGone({ node: 'b_2', id: 8 }, 'a_1', alive, gone), true);
    assert.equal(holderGone({ node: 'c_3', id: 7 }, 'a_1', alive, gone), false);
  });
});

describe('registry mirror: snapshots and retries', () => {
  it('a complete snapshot has seen at least the stream’s last revision, whose message may have been removed', () => {
    assert.equal(snapshotSeen(2, 3), 3, 'message 3 removed: not behind the stream');
    assert.equal(snapshotSeen(0, 3), 3, 'every message removed');
    assert.equal(snapshotSeen(5, 3), 5, 'a write after the status');
    // Seen below the stream's last revision reads as a stalled watch at the second reconcile.
    assert.equal(reconcileVerdict(2, 2, { lastSeq: 3, subjects: 2 }, 2).action, 'rebuild');
    assert.equal(
      reconcileVerdict(snapshotSeen(2, 3), 2, { lastSeq: 3, subjects: 2 }, 2).action,
      'ok',
    );
  });

  it('a snapshot is complete at the watch’s first update or at the stream’s last revision', () => {
    assert.equal(snapshotComplete({ isUpdate: false, revision: 11 }, 12), false);
    assert.equal(snapshotComplete({ isUpdate: false, revision: 12 }, 12), true);
    assert.equal(snapshotComplete({ isUpdate: true, revision: 3 }, 12), true);
  });

  it('a swapped-in snapshot reports each key whose live value differs, deletes included', () => {
    const before = new Map([
      ['a', { revision: 1, value: bytes('1') }],
      ['b', { revision: 2, value: bytes('2') }],
    ]);
    const after = new Map([
      ['a', { revision: 1, value: bytes('1') }],
      ['b', { revision: 3, value: undefined }],
      ['c', { revision: 4, value: bytes('4') }],
    ]);
    const changes = mirrorDiff(before, after);
    assert.deepEqual(
      changes.map((c) => [c.key, c.before !== undefined, c.after !== undefined]),
      [
        ['b', true, false],
        ['c', false, true],
      ],
    );
  });

  it('the wait before a failed watch is made again doubles up to 2 s', () => {
    assert.equal(nextRetryMs(RETRY_FIRST_MS), 100);
    assert.equal(nextRetryMs(1_500), RETRY_MAX_MS);
    assert.equal(nextRetryMs(RETRY_MAX_MS), RETRY_MAX_MS);
  });
});

describe('opening a bucket on a forming JetStream cluster', () => {
  it('"no suitable peers for placement" (10005) is transient, other refusals are not', () => {
    const noPeers = Object.assign(new Error('no suitable peers for placement'), { code: 10005 });
    assert.equal(isPlacementPending(noPeers), true);
    assert.equal(isPlacementPending(new Error('no suitable peers for placement')), true);
    const other = Object.assign(new Error('stream name already in use'), { code: 10058 });
    assert.equal(isPlacementPending(other), false);
    assert.equal(isPlacementPending(undefined), false);
  });
});
