import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { KvMirror } from '../../../src/cluster/kv-mirror.js';
import { FakeWatch } from '../../support/fake-watch.js';

/**
 * docs/semantics.md §25, watch hygiene: a snapshot that makes no progress for `snapshotStallMs`
 * once its watch is made is started again; the requests before it (status, the watch's
 * consumer) have their own timeout, and their error is what `open` rejects with. Scaled: a
 * guard of 50 ms stands for 5 s, a status of 80 ms for a loaded server's 8 s.
 */

function quietConnection(closed = new Promise<void>(() => undefined)): NatsConnection {
  const silent = {
    [Symbol.asyncIterator]: () => ({ next: () => new Promise<never>(() => undefined) }),
    stop: () => undefined,
  };
  return {
    status: () => silent,
    closed: () => closed,
    isDraining: () => false,
    isClosed: () => false,
  } as unknown as NatsConnection;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function outcomeOf(kv: KV): Promise<string> {
  // The fakes hold no handle open: this keeps the process alive while open runs.
  const alive = setInterval(() => undefined, 1_000);
  try {
    return await Promise.race([
      KvMirror.open(quietConnection(), kv, { reconcileIntervalMs: 0, snapshotStallMs: 50 }).then(
        async (mirror) => {
          await mirror.close();
          return 'opened';
        },
        (error: unknown) => `rejected: ${String(error)}`,
      ),
      sleep(10_000).then(() => 'still opening'),
    ]);
  } finally {
    clearInterval(alive);
  }
}

describe('the kv mirror stall guard', () => {
  it('a healthy but slow store (status slower than the guard) still opens, asked once', async () => {
    let statuses = 0;
    const kv = {
      status: async () => {
        statuses++;
        await sleep(80);
        return { streamInfo: { state: { last_seq: 0, messages: 0 } } };
      },
      watch: async () => new FakeWatch(),
    } as unknown as KV;
    assert.equal(await outcomeOf(kv), 'opened');
    assert.equal(statuses, 1, 'not restarted by the guard');
  });

  it('a store that fails slower than the guard makes open reject with its own error after 6 attempts', async () => {
    let statuses = 0;
    const kv = {
      status: async () => {
        statuses++;
        await sleep(80);
        throw new Error('stream not found');
      },
      watch: async () => new FakeWatch(),
    } as unknown as KV;
    assert.equal(await outcomeOf(kv), 'rejected: Error: stream not found');
    assert.equal(statuses, 6);
  });

  it('a watch made but silent (a purge raced the status) is still started again', async () => {
    let watches = 0;
    const kv = {
      status: async () => ({ streamInfo: { state: { last_seq: 3, messages: 3 } } }),
      watch: async () => {
        watches++;
        return new FakeWatch();
      },
    } as unknown as KV;
    let close = (): void => undefined;
    const closed = new Promise<void>((resolve) => (close = resolve));
    const alive = setInterval(() => undefined, 1_000);
    try {
      const opening = KvMirror.open(quietConnection(closed), kv, {
        reconcileIntervalMs: 0,
        snapshotStallMs: 50,
      });
      const until = Date.now() + 10_000;
      while (watches < 3 && Date.now() < until) await sleep(20);
      assert.ok(watches >= 3, `made ${watches} times`);
      close(); // the connection closing closes the mirror, which fails the open
      await assert.rejects(opening, /mirror closed/);
    } finally {
      close();
      clearInterval(alive);
    }
  });
});
