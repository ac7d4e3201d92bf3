import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { KvMirror } from '../../../src/cluster/kv-mirror.js';
import { NameWrites, type UnknownOwnerRelease } from '../../../src/cluster/registry-writes.js';

/**
 * docs/semantics.md §25.R, "Release": a name whose owner nobody knows is
 * reported to `onUnknownOwner` on the node whose delete won — only once its
 * delete is done. A store that does not answer leaves the release pending
 * (nothing deleted, nothing reported); the retry that deletes it reports it,
 * with the reason and value of the pass that decided it. A fake store.
 */

/** A bucket whose deletes fail while `down` (a store out of reach), then succeed. */
class FlakyKv {
  down = true;
  readonly deleted: [string, number][] = [];
  async delete(key: string, options: { previousSeq: number }): Promise<void> {
    if (this.down) throw new Error('no responders');
    this.deleted.push([key, options.previousSeq]);
  }
}

function writesOn(kv: FlakyKv): NameWrites {
  const mirror = { noteWrite: () => undefined } as unknown as KvMirror;
  return new NameWrites({
    kv: kv as unknown as KV,
    jsm: {} as JetStreamManager,
    bucket: 'names',
    mirror,
    timeoutMs: 1_000,
    isClosed: () => false,
  });
}

describe('cluster registry: the report of a name released for its unknown owner', () => {
  it('is not made while the release is pending, and is made by the retry that deletes it', async () => {
    const kv = new FlakyKv();
    const writes = writesOn(kv);
    const reports: UnknownOwnerRelease[] = [];
    writes.onUnknownOwner((report) => reports.push(report));
    await writes.releaseUnknown('junk', 7, 'malformed', new TextEncoder().encode('not json {'));
    assert.equal(writes.pending('junk'), 7, 'pending: the store did not answer');
    assert.equal(reports.length, 0, 'nothing deleted, nothing reported');
    await writes.retryPending();
    assert.equal(reports.length, 0, 'still out of reach: still not reported');
    kv.down = false;
    await writes.retryPending();
    assert.equal(kv.deleted.length, 1);
    assert.equal(writes.pending('junk'), undefined);
    assert.deepEqual(
      reports.map((r) => [r.name, r.revision, r.reason, r.value]),
      [['junk', 7, 'malformed', 'not json {']],
    );
    await writes.retryPending();
    assert.equal(reports.length, 1, 'reported once');
  });

  it('is made at once when the store answers the first delete; a plain release reports nothing', async () => {
    const kv = new FlakyKv();
    kv.down = false;
    const writes = writesOn(kv);
    const reports: UnknownOwnerRelease[] = [];
    writes.onUnknownOwner((report) => reports.push(report));
    await writes.releaseUnknown('ghostly', 3, 'no-record', new TextEncoder().encode('{}'));
    assert.equal(await writes.release('gone', 4), 'deleted');
    assert.deepEqual(
      reports.map((r) => [r.name, r.reason]),
      [['ghostly', 'no-record']],
    );
  });
});
