import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { CHUNK_SIZE, groupKey } from '../../../src/cluster/groups-entries.js';
import { GroupsWriter } from '../../../src/cluster/groups-writer.js';
import { KvMirror } from '../../../src/cluster/kv-mirror.js';
import { Membership } from '../../../src/cluster/membership.js';
import { type MirrorSlot, OPEN_ATTEMPTS, supersedes } from '../../../src/cluster/mirror-policy.js';
import type { ResolvedClusterOptions } from '../../../src/cluster/options.js';
import { ClusterUnavailableError, withinDeadline } from '../../../src/cluster/registry-errors.js';
import type { NodeTransport } from '../../../src/cluster/transport.js';
import { FakeWatch } from '../../support/fake-watch.js';

/**
 * What the registry, groups and membership leave behind when the store
 * fails them (docs/semantics.md §25.R, §25.G): no half-written group entry
 * outlives its members, no mirror opened too late keeps watching, no node
 * that could not join keeps beating. Fakes stand for the store.
 */

/** A KV bucket in memory: revisions count up; a key listed in `failing` refuses its next put. */
class MemoryKv {
  readonly values = new Map<string, Uint8Array>();
  readonly failing = new Set<string>();
  revision = 0;

  async put(key: string, value: Uint8Array): Promise<number> {
    if (this.failing.delete(key)) throw new Error('no quorum');
    this.values.set(key, value);
    return ++this.revision;
  }

  async delete(key: string): Promise<void> {
    this.values.delete(key);
    this.revision++;
  }
}

/** The mirror as the writer uses it: this node's own writes, no watch. */
class NotedMirror {
  readonly slots = new Map<string, MirrorSlot>();
  get(key: string): Uint8Array | undefined {
    return this.slots.get(key)?.value;
  }
  slot(key: string): MirrorSlot | undefined {
    return this.slots.get(key);
  }
  noteWrite(key: string, revision: number, value: Uint8Array | undefined): void {
    const incoming = { revision, value };
    if (supersedes(this.slots.get(key), incoming)) this.slots.set(key, incoming);
  }
}

function writerOn(kv: MemoryKv, members: Map<number, number>): [GroupsWriter, NotedMirror] {
  const mirror = new NotedMirror();
  const writer = new GroupsWriter(kv as unknown as KV, 'a_1', () => members, {
    timeoutMs: 5_000,
    flushMs: 50,
  });
  writer.mirror = mirror as unknown as KvMirror;
  return [writer, mirror];
}

function ids(count: number): Map<number, number> {
  return new Map(Array.from({ length: count }, (_, i) => [i + 1, 1]));
}

describe('cluster groups: a write the store refused part-way', () => {
  it('chunks written before the failure are deleted when the members shrink (no member outlives its leave)', async () => {
    const kv = new MemoryKv();
    const members = ids(CHUNK_SIZE);
    const [writer, mirror] = writerOn(kv, members);
    writer.markDirty('w');
    await writer.flush();
    // Three chunks: the second is written, the third refused.
    for (const [id, joins] of ids(2 * CHUNK_SIZE + 1)) members.set(id, joins);
    kv.failing.add(groupKey('w', 'a_1', 2));
    writer.markDirty('w');
    await assert.rejects(writer.flush(), ClusterUnavailableError);
    assert.ok(kv.values.has(groupKey('w', 'a_1', 1)));
    // Back to ten members: one chunk. The second chunk used to stay, naming 4096 members gone.
    members.clear();
    for (const [id, joins] of ids(10)) members.set(id, joins);
    writer.markDirty('w');
    await writer.flush();
    writer.stop();
    assert.deepEqual([...kv.values.keys()], [groupKey('w', 'a_1', 0)]);
    assert.equal(mirror.get(groupKey('w', 'a_1', 1)), undefined);
  });

  it('a chunk this node deleted is gone from its mirror at once (read your writes on leave)', async () => {
    const kv = new MemoryKv();
    const members = ids(3);
    const [writer, mirror] = writerOn(kv, members);
    writer.markDirty('w');
    await writer.flush();
    assert.notEqual(mirror.get(groupKey('w', 'a_1', 0)), undefined);
    members.clear();
    writer.markDirty('w');
    await writer.flush();
    writer.stop();
    assert.equal(kv.values.size, 0);
    // The reconcile compares the mirror with this node's members: a stale chunk made it delete
    // the key again on every pass until the watch caught up.
    assert.equal(mirror.get(groupKey('w', 'a_1', 0)), undefined);
  });
});

describe('cluster store: an operation past its deadline', () => {
  it('what it still opens after the deadline is handed back to be closed, not left running', async () => {
    let open!: (value: { name: string }) => void;
    const opening = new Promise<{ name: string }>((resolve) => {
      open = resolve;
    });
    const discarded: { name: string }[] = [];
    const error = await withinDeadline('open a mirror', 1, opening, (late) =>
      discarded.push(late),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof ClusterUnavailableError);
    assert.equal(error.code, 'ERR_CLUSTER_UNAVAILABLE');
    open({ name: 'late mirror' });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(discarded, [{ name: 'late mirror' }]);
  });

  it('what settles in time is not discarded', async () => {
    let discarded = 0;
    const value = await withinDeadline('quick', 5_000, Promise.resolve(7), () => discarded++);
    await Promise.resolve();
    assert.equal(value, 7);
    assert.equal(discarded, 0);
  });
});

describe('cluster membership: a join that fails', () => {
  it('stops the heartbeats it started (a node that could not join beats no more)', async () => {
    // A manual clock for intervals: which were made, which cleared, and a tick that runs the rest.
    const made = new Map<object, () => void>();
    const realSet = globalThis.setInterval;
    const realClear = globalThis.clearInterval;
    globalThis.setInterval = ((run: () => void) => {
      const handle = { unref: () => handle };
      made.set(handle, run);
      return handle;
    }) as unknown as typeof setInterval;
    globalThis.clearInterval = ((handle: object) => {
      made.delete(handle);
    }) as unknown as typeof clearInterval;
    try {
      let beats = 0;
      const transport = {
        nc: { closed: () => new Promise<void>(() => undefined) },
        heartbeat: () => beats++,
      } as unknown as NodeTransport;
      const kv = {
        create: async () => 1,
        keys: async () => (async function* () {})(),
        update: async () => {
          throw new Error('no quorum');
        },
      } as unknown as KV;
      const options = {
        heartbeatInterval: 100,
        acceptablePause: 300,
        fenceAfter: 1_000,
        joinTimeout: 1_000,
      } as ResolvedClusterOptions;
      const membership = new Membership('a_1', 'a', kv, transport, options, {
        up: () => undefined,
        down: () => undefined,
        unreachable: () => undefined,
        reachable: () => undefined,
        fenced: () => undefined,
        connectionClosed: () => undefined,
      });
      await assert.rejects(membership.join(), /no quorum/);
      const after = beats;
      for (const run of made.values()) run();
      assert.equal(beats, after);
      assert.equal(made.size, 0);
    } finally {
      globalThis.setInterval = realSet;
      globalThis.clearInterval = realClear;
    }
  });
});

/** A connection that stays open and reports nothing. */
function quietConnection(): NatsConnection {
  const silent = {
    [Symbol.asyncIterator]: () => ({ next: () => new Promise<never>(() => undefined) }),
    stop: () => undefined,
  };
  return {
    status: () => silent,
    closed: () => new Promise<void>(() => undefined),
    isDraining: () => false,
    isClosed: () => false,
  } as unknown as NatsConnection;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('cluster registry mirror: close', () => {
  it('waits until every watch still being made is made and stopped, not only the latest', async () => {
    const made: ((watch: FakeWatch) => void)[] = [];
    const kv = {
      status: async () => ({ streamInfo: { state: { last_seq: 0, messages: 0 } } }),
      watch: () => new Promise<FakeWatch>((resolve) => made.push(resolve)),
    } as unknown as KV;
    const opening = KvMirror.open(quietConnection(), kv, { reconcileIntervalMs: 0 });
    while (made.length < 1) await turn();
    made[0]?.(new FakeWatch());
    const mirror = await opening;
    // Two rebuilds in a row (a reconnect, then a stall): two watches being made at once.
    mirror.rebuild('first');
    while (made.length < 2) await turn();
    mirror.rebuild('second');
    while (made.length < 3) await turn();
    let closed = false;
    const closing = mirror.close().then(() => {
      closed = true;
    });
    const latest = new FakeWatch();
    made[2]?.(latest);
    await turn();
    assert.equal(latest.stopped, true);
    // The superseded watch is still being made: the connection must not drain under it.
    assert.equal(closed, false);
    const superseded = new FakeWatch();
    made[1]?.(superseded);
    await closing;
    assert.equal(superseded.stopped, true);
  });
});

describe('cluster registry mirror: open', () => {
  it('tries the first snapshot again when the store fails it (a bucket just created on a JetStream cluster)', async () => {
    let failures = 2;
    const kv = {
      status: async () => {
        if (failures-- > 0) throw new Error('stream not found');
        return { streamInfo: { state: { last_seq: 0, messages: 0 } } };
      },
      watch: async () => new FakeWatch(),
    } as unknown as KV;
    // The mirror's retry timer is unref'd: this keeps the test's event loop alive meanwhile.
    const alive = setInterval(() => undefined, 1_000);
    try {
      // It used to reject at the first failure, failing the registry's open.
      const mirror = await KvMirror.open(quietConnection(), kv, { reconcileIntervalMs: 0 });
      assert.equal(failures, -1);
      await mirror.close();
    } finally {
      clearInterval(alive);
    }
  });

  it('a first snapshot that never ends (its messages purged before the watch started) is started again, so open resolves', async () => {
    let statuses = 0;
    const kv = {
      // The stream said 3 messages up to 9; by the time the first watch starts they were purged.
      status: async () => {
        statuses++;
        return statuses === 1
          ? { streamInfo: { state: { last_seq: 9, messages: 3 } } }
          : { streamInfo: { state: { last_seq: 9, messages: 0 } } };
      },
      watch: async () => new FakeWatch(),
    } as unknown as KV;
    const rebuilds: string[] = [];
    const alive = setInterval(() => undefined, 1_000);
    try {
      const mirror = await KvMirror.open(quietConnection(), kv, {
        reconcileIntervalMs: 0,
        snapshotStallMs: 50,
        onRebuild: (why) => rebuilds.push(why),
      });
      assert.equal(statuses, 2, 'the snapshot was made again');
      assert.deepEqual([...mirror.entries()], []);
      assert.deepEqual(rebuilds, [], "open's own attempts are not counted as rebuilds");
      await mirror.close();
    } finally {
      clearInterval(alive);
    }
  });

  it('rejects once the first snapshot failed OPEN_ATTEMPTS times', async () => {
    let calls = 0;
    const kv = {
      status: async () => {
        calls++;
        throw new Error('stream not found');
      },
    } as unknown as KV;
    const alive = setInterval(() => undefined, 1_000);
    try {
      await assert.rejects(
        KvMirror.open(quietConnection(), kv, { reconcileIntervalMs: 0 }),
        /stream not found/,
      );
      assert.equal(calls, OPEN_ATTEMPTS);
    } finally {
      clearInterval(alive);
    }
  });
});
