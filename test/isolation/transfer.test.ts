/**
 * Zero-copy sends (semantics §7, §20): buffers listed in `transfer` move to
 * a worker or pool thread and are copied to a child process; either way the
 * sender's buffers are detached and the body gets the bytes. A
 * `SharedArrayBuffer` is shared with a thread; bad transfer lists are
 * refused with `ERR_INVALID_ARG`.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type ActorSystem, createSystem, defineActor } from '../../src/index.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import { bytes } from './bytes-actor.js';
import { PLACEMENTS, TIMEOUT, WAIT, within } from './helpers.js';

let system: ActorSystem;

beforeEach(() => {
  // Hosts start in seconds on a busy machine, and an ask's timeout runs from the ask, so the
  // asks of these tests wait for the start: their timeout is a hang guard, not the default 5 s.
  system = createSystem({ poolThreads: 1, askTimeout: WAIT });
});

afterEach(async () => {
  await within(system.shutdown({ timeout: 1_000 }), WAIT, 'shutdown');
});

/** 64 KiB of bytes 0..255 repeating: sum 127.5 per byte. */
function payload(): Uint8Array<ArrayBuffer> {
  const data = new Uint8Array(64 * 1024);
  for (let i = 0; i < data.length; i++) data[i] = i & 255;
  return data;
}
const SUM = 64 * 1024 * 127.5;

/** Whether `buffer` was detached by a move. */
function detached(buffer: ArrayBuffer): boolean {
  try {
    new Uint8Array(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

describe('zero-copy sends: transfer and shared memory', () => {
  failOnUnhandledRejections();

  for (const placement of PLACEMENTS) {
    it(`a transferred buffer reaches the body and the sender loses access (${placement})`, {
      timeout: TIMEOUT,
    }, async () => {
      const ref = system.spawn(bytes, { placement });
      const data = payload();
      const answer = ref.ask({ type: 'sum', data }, { transfer: [data] });
      const told = payload();
      ref.tell({ type: 'take', data: told }, { transfer: [told.buffer] });
      const got = await within(answer, WAIT, 'sum');
      assert.deepEqual(got, { length: 64 * 1024, sum: SUM });
      assert.ok(detached(data.buffer), 'the asker no longer holds the bytes');
      assert.equal(data.length, 0, 'its view is empty');
      assert.ok(detached(told.buffer), 'a tell detaches the buffer too');
    });
  }

  it('in the same thread a transfer is checked but the message passes by reference', {
    timeout: LIMITS.test,
  }, async () => {
    const seen: Uint8Array[] = [];
    const ref = system.spawn(
      defineActor<Uint8Array>({
        handle(msg) {
          seen.push(msg);
        },
      }),
    );
    const data = payload();
    ref.tell(data, { transfer: [data] });
    await new Promise((r) => setImmediate(r));
    assert.equal(seen[0], data, 'the receiver holds the very same array');
    assert.equal(data.length, 64 * 1024, 'nothing was detached');
  });

  it('with copyOnSend a transferred buffer moves into the copy', {
    timeout: LIMITS.test,
  }, async () => {
    const seen: Uint8Array[] = [];
    const ref = system.spawn(
      defineActor<{ data: Uint8Array }>({
        handle(msg) {
          seen.push(msg.data);
        },
      }),
      { copyOnSend: true },
    );
    const data = payload();
    ref.tell({ data }, { transfer: [data] });
    assert.ok(detached(data.buffer), 'detached at send');
    await new Promise((r) => setImmediate(r));
    assert.equal(seen[0]?.length, 64 * 1024, 'the copy has the bytes');
    assert.equal(seen[0]?.[255], 255);
  });

  for (const placement of ['worker', 'pool'] as const) {
    it(`a SharedArrayBuffer is shared with a ${placement} body: each side sees the other's writes`, {
      timeout: TIMEOUT,
    }, async () => {
      const ref = system.spawn(bytes, { placement });
      const cells = new Int32Array(new SharedArrayBuffer(16));
      cells[1] = 41;
      const before = await within(
        ref.ask({ type: 'swap', cells, index: 1, value: 42 }),
        WAIT,
        'swap',
      );
      assert.equal(before, 41, "the body read the sender's write");
      assert.equal(Atomics.load(cells, 1), 42, "the sender sees the body's write");
    });
  }

  it('shared memory to a child process is refused at send with ERR_INVALID_ARG', {
    timeout: TIMEOUT,
  }, async () => {
    const ref = system.spawn(bytes, { placement: 'process' });
    const cells = new Int32Array(new SharedArrayBuffer(16));
    await assert.rejects(ref.ask({ type: 'swap', cells, index: 0, value: 1 }), {
      code: 'ERR_INVALID_ARG',
    });
    assert.throws(() => ref.tell({ type: 'take', data: new SharedArrayBuffer(8) as never }), {
      code: 'ERR_INVALID_ARG',
    });
    // The host is still there: an ordinary message gets through.
    const got = await within(ref.ask({ type: 'sum', data: payload() }), WAIT, 'sum');
    assert.equal(got.sum, SUM);
  });

  it('bad transfer lists are refused with ERR_INVALID_ARG', { timeout: TIMEOUT }, async () => {
    const ref = system.spawn(bytes, { placement: 'worker' });
    const msg = { type: 'take', data: new Uint8Array(1) } as const;
    const gone = new ArrayBuffer(4);
    structuredClone(null, { transfer: [gone] });
    const bad: unknown[] = ['not a list', [{}], [new SharedArrayBuffer(4)], [gone], [42]];
    for (const transfer of bad) {
      assert.throws(
        () => ref.tell(msg, { transfer } as never),
        { code: 'ERR_INVALID_ARG' },
        `tell refuses ${String(transfer)}`,
      );
      await assert.rejects(
        ref.ask({ type: 'sum', data: new Uint8Array(1) }, { transfer } as never),
        { code: 'ERR_INVALID_ARG' },
      );
    }
    // A typed array and its own buffer both listed: one buffer moves.
    const data = payload();
    const got = await within(
      ref.ask({ type: 'sum', data }, { transfer: [data, data.buffer] }),
      WAIT,
      'sum',
    );
    assert.equal(got.sum, SUM);
  });
});
