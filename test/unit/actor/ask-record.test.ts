/**
 * docs/semantics.md §5: an ask's bookkeeping record is pooled and reused,
 * its reply port is not. A port kept after its ask ended answers
 * `late-reply` with its own ask's correlation id, and can never settle the
 * ask its old record serves next.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ASK_POOL_LIMIT, type AskRecord, AskRecordPool } from '../../../src/actor/ask-record.js';
import type { AskTarget, Runtime } from '../../../src/actor/runtime.js';
import { exitReason, RuntimeError } from '../../../src/index.js';
import { TimerQueue } from '../../../src/scheduler/index.js';
import { ManualClock } from '../../../src/testing/index.js';

interface Letter {
  readonly message: unknown;
  readonly reason: string;
  readonly correlationId: number | undefined;
}

/** The parts of a runtime an ask record uses, with its dead letters kept in `letters`. */
function fakeRuntime() {
  const clock = new ManualClock();
  const timers = new TimerQueue(clock, (error) => {
    throw error;
  });
  const letters: Letter[] = [];
  let id = 0;
  const runtime = {
    clock,
    timers,
    current: null,
    nextMessageId: () => ++id,
    deadLetter(
      message: unknown,
      _to: unknown,
      _from: unknown,
      reason: string,
      _address: unknown,
      correlationId?: number,
    ) {
      letters.push({ message, reason, correlationId });
    },
  } as unknown as Runtime;
  return { runtime, clock, timers, letters, pool: new AskRecordPool(runtime) };
}

/** A target that keeps the records it was told to forget. */
function fakeTarget(): AskTarget & { forgotten: AskRecord[] } {
  const forgotten: AskRecord[] = [];
  return { pid: 7 as never, forgotten, forgetAsk: (ask) => void forgotten.push(ask) };
}

/** Whether `promise` has settled, after the microtasks queued so far ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('ask records: pooled, their reply ports not', () => {
  it('a late answer through a port whose record now serves another ask is a late-reply dead letter and leaves that ask pending', async () => {
    const { pool, letters } = fakeRuntime();
    const target = fakeTarget();
    const first = pool.acquire(target, 10);
    const oldPort = first.port;
    assert.ok(oldPort !== null);
    const firstPromise = first.promise();
    oldPort.send(1);
    assert.equal(await firstPromise, 1);
    assert.equal(oldPort.pending, false);
    assert.equal(pool.size, 1, 'the ended record went back to the pool');

    const second = pool.acquire(target, 10);
    assert.equal(second, first, 'the next ask reuses the record');
    const newPort = second.port;
    assert.ok(newPort !== null && newPort !== oldPort, 'with a reply port of its own');
    assert.notEqual(newPort.correlationId, oldPort.correlationId);
    const secondPromise = second.promise();

    oldPort.send(99);
    oldPort.fail(new Error('late failure'));
    oldPort.abandon(exitReason.killed);
    assert.equal(await settled(secondPromise), false, 'the old port settled nothing');
    assert.equal(newPort.pending, true);
    assert.deepEqual(
      letters.map((l) => [
        l.message instanceof Error ? 'error' : l.message,
        l.reason,
        l.correlationId,
      ]),
      [
        [99, 'late-reply', oldPort.correlationId],
        ['error', 'late-reply', oldPort.correlationId],
      ],
    );

    newPort.send(2);
    assert.equal(await secondPromise, 2);
  });

  it('a timed-out ask leaves the timer queue and its target before its record is reused', async () => {
    const { pool, clock, timers, letters } = fakeRuntime();
    const target = fakeTarget();
    const record = pool.acquire(target, 10);
    const port = record.port;
    assert.ok(port !== null);
    const promise = record.promise();
    timers.scheduleFifo(record, 10);
    clock.advance(10);
    await assert.rejects(
      promise,
      (e: unknown) => e instanceof RuntimeError && e.code === 'ERR_CALL_TIMEOUT',
    );
    assert.equal(record.active, false, 'no longer queued');
    assert.deepEqual(target.forgotten, [record], 'its target forgot it');
    assert.equal(record.port, null);
    assert.equal(timers.size, 0);
    assert.equal(port.pending, false);
    assert.equal(port.expiresAt, 10, 'the ended port still says when its ask expired');
    port.send('too late');
    assert.deepEqual(
      letters.map((l) => [l.message, l.reason]),
      [['too late', 'late-reply']],
    );
    assert.equal(pool.acquire(target, 5), record, 'reused only now');
  });

  it('an ended record is released once, however many ways its ask is ended again', async () => {
    const { pool } = fakeRuntime();
    const target = fakeTarget();
    const record = pool.acquire(target, 10);
    const port = record.port;
    assert.ok(port !== null);
    const promise = record.promise();
    record.abandon(exitReason.killed);
    record.abandon(exitReason.killed);
    record.fire();
    port.send(1);
    await assert.rejects(
      promise,
      (e: unknown) => e instanceof RuntimeError && e.code === 'ERR_PROCESS_EXITED',
    );
    assert.equal(pool.size, 1);
    const a = pool.acquire(target, 10);
    const b = pool.acquire(target, 10);
    assert.notEqual(a, b, 'two asks never share a record');
  });

  it('keeps at most ASK_POOL_LIMIT ended records', async () => {
    const { pool } = fakeRuntime();
    const target = fakeTarget();
    const records = Array.from({ length: ASK_POOL_LIMIT + 10 }, () => pool.acquire(target, 10));
    const promises = records.map((r) => r.promise());
    for (const r of records) r.port?.send(0);
    await Promise.all(promises);
    assert.equal(pool.size, ASK_POOL_LIMIT);
  });
});
