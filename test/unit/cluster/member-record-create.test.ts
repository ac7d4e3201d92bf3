import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KV } from '@nats-io/kv';
import { createMemberRecord, type RetryClock } from '../../../src/cluster/membership-table.js';

/**
 * docs/semantics.md §25 (Joining): a node's first record is written with compare-and-set. A
 * stream that does not answer yet (no responders, reported by the client as
 * `JetStreamNotEnabled`: a bucket just made on a busy server, JetStream still starting) is
 * written to again until the join's deadline; any other error fails the join at once. The
 * waits run on a manual clock.
 */

/** An error as the NATS client makes it for a publish nobody answers. */
function noResponders(): Error {
  const error = new Error('jetstream is not enabled');
  error.name = 'JetStreamNotEnabled';
  return error;
}

/** A KV whose `create` throws each of `failures` in turn, then answers revision 7. */
function table(failures: Error[]) {
  const calls: string[] = [];
  const kv = {
    create: async (key: string) => {
      calls.push(key);
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      return 7;
    },
  } as unknown as KV;
  return { kv, calls };
}

/** A manual clock: each sleep moves it on by its length, and is recorded. */
function manualClock(): RetryClock & { waits: number[] } {
  let now = 0;
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
    },
  };
}

const RECORD = new Uint8Array([123, 125]);

describe('writing a node’s first member record (createMemberRecord)', () => {
  it('a stream that does not answer yet is written to again, waits doubling, until it answers', async () => {
    const { kv, calls } = table([noResponders(), noResponders(), noResponders()]);
    const clock = manualClock();
    assert.equal(await createMemberRecord(kv, 'a_1', RECORD, 10_000, clock), 7);
    assert.deepEqual(calls, ['a_1', 'a_1', 'a_1', 'a_1']);
    assert.deepEqual(clock.waits, [50, 100, 200]);
  });

  it('waits are capped at 1 s', async () => {
    const { kv } = table(Array.from({ length: 8 }, noResponders));
    const clock = manualClock();
    await createMemberRecord(kv, 'a_1', RECORD, 60_000, clock);
    assert.deepEqual(clock.waits, [50, 100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it('past the deadline the last error is thrown', async () => {
    const { kv, calls } = table(Array.from({ length: 100 }, noResponders));
    const clock = manualClock();
    await assert.rejects(createMemberRecord(kv, 'a_1', RECORD, 1_000, clock), {
      name: 'JetStreamNotEnabled',
    });
    // 50 + 100 + 200 + 400 = 750 ms waited; the next wait (800) would pass the deadline.
    assert.deepEqual(clock.waits, [50, 100, 200, 400]);
    assert.equal(calls.length, 5);
  });

  it('any other error fails at once, with no retry', async () => {
    const { kv, calls } = table([new Error('wrong last sequence: 3')]);
    const clock = manualClock();
    await assert.rejects(createMemberRecord(kv, 'a_1', RECORD, 10_000, clock), /wrong last/);
    assert.equal(calls.length, 1);
    assert.deepEqual(clock.waits, []);
  });
});
