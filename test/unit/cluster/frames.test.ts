import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  CODEC_JSON,
  decodeBatch,
  encodeBatch,
  OP,
  tellFrame,
  unencodable,
  WIRE_VERSION,
} from '../../../src/cluster/frames.js';
import {
  BATCH_BYTES,
  NodeTransport,
  type TransportEvents,
} from '../../../src/cluster/transport.js';
import { WireError } from '../../../src/cluster/wire-value.js';

/** The batch wire format and the outbox (docs/semantics.md §25, wire format and remote tell). */

interface Published {
  readonly subject: string;
  readonly data: Uint8Array;
}

/** A transport over a connection that only records publishes; flushed by hand. */
function recordingTransport(maxPayload: number): { t: NodeTransport; out: Published[] } {
  const out: Published[] = [];
  const nc = {
    info: { max_payload: maxPayload },
    publish(subject: string, data: Uint8Array) {
      out.push({ subject, data });
    },
  } as unknown as NatsConnection;
  const events: TransportEvents = {
    batch() {},
    noResponders() {},
    heartbeat() {},
    system() {},
    lost() {},
  };
  return { t: new NodeTransport(nc, 'airssys.c', 'a_1x', events), out };
}

describe('cluster batches', () => {
  it('a batch carries the codec and version bytes, then its frames in order', () => {
    const frames = [tellFrame(7, 0, false, { type: 'm', s: 'é€😀' }), '[11,3]'];
    const data = encodeBatch('a_1x', frames);
    assert.equal(data[0], CODEC_JSON);
    assert.equal(data[1], WIRE_VERSION);
    const batch = decodeBatch(data);
    assert.equal(batch.from, 'a_1x');
    assert.deepEqual(batch.frames, [
      [OP.tell, 7, 0, 0, { type: 'm', s: 'é€😀' }],
      [OP.kill, 3],
    ]);
  });

  it('a tell frame is the JSON of its array, marked or not', () => {
    const body = { type: 'm', n: [1, 2.5, null], nested: { ok: true } };
    assert.equal(tellFrame(9, 4, true, body), JSON.stringify([OP.tell, 9, 4, 1, body]));
    assert.equal(tellFrame(9, 0, false, 'text'), JSON.stringify([OP.tell, 9, 0, 0, 'text']));
  });

  it('a tell frame of a cyclic body throws at send, as JSON.stringify does', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => tellFrame(1, 0, false, cyclic), TypeError);
  });

  it('a message whose JSON is nothing (toJSON returns undefined) throws at send instead of breaking its batch', () => {
    class Opaque {
      toJSON(): undefined {
        return undefined;
      }
    }
    assert.throws(() => tellFrame(1, 0, false, new Opaque()), TypeError);
    assert.equal(unencodable(new TypeError('x')).code, 'ERR_INVALID_ARG');
  });

  it('another version, codec or malformed UTF-8 is refused with WireError', () => {
    const good = encodeBatch('a_1x', ['[11,3]']);
    const version = Uint8Array.from(good);
    version[1] = WIRE_VERSION + 1;
    assert.throws(() => decodeBatch(version), WireError);
    const codec = Uint8Array.from(good);
    codec[0] = 9;
    assert.throws(() => decodeBatch(codec), WireError);
    const broken = Uint8Array.from([...good.subarray(0, 10), 0xff, ...good.subarray(10)]);
    assert.throws(() => decodeBatch(broken), /not JSON/);
  });
});

describe('the outbox of one peer', () => {
  it('publishes a turn of frames in batches of about BATCH_BYTES, in order, none lost', () => {
    const { t, out } = recordingTransport(1024 * 1024);
    const frames: string[] = [];
    for (let i = 0; i < 2_000; i++) frames.push(tellFrame(1, 0, false, { i, pad: 'x'.repeat(40) }));
    for (const f of frames) t.send('b_2y', f);
    t.flush();
    assert.ok(out.length > 1, 'more than one publish');
    const seen: unknown[] = [];
    for (const p of out) {
      assert.equal(p.subject, 'airssys.c.n.b_2y.m');
      assert.ok(p.data.length <= BATCH_BYTES + 200, `a batch of ${p.data.length} bytes`);
      seen.push(...decodeBatch(p.data).frames);
    }
    assert.deepEqual(
      seen,
      frames.map((f) => JSON.parse(f)),
    );
  });

  it('a frame larger than a batch still goes alone; one over max_payload is refused', () => {
    const { t, out } = recordingTransport(4 * BATCH_BYTES);
    const big = tellFrame(1, 0, false, 'y'.repeat(2 * BATCH_BYTES));
    t.send('b_2y', '[11,1]');
    t.send('b_2y', big);
    t.flush();
    assert.deepEqual(
      out.map((p) => decodeBatch(p.data).frames.length),
      [1, 1],
    );
    const huge = tellFrame(1, 0, false, 'z'.repeat(4 * BATCH_BYTES));
    assert.throws(
      () => t.send('b_2y', huge),
      (e: unknown) => (e as { code?: string }).code === 'ERR_PAYLOAD_TOO_LARGE',
    );
  });

  it('under a small max_payload, a batch of multi-byte text never exceeds it (sizes are counted in bytes)', () => {
    const maxPayload = 20_000;
    const { t, out } = recordingTransport(maxPayload);
    const frames: string[] = [];
    for (let i = 0; i < 300; i++) frames.push(tellFrame(1, 0, false, '€'.repeat(100)));
    for (const f of frames) t.send('b_2y', f);
    t.flush();
    let n = 0;
    for (const p of out) {
      assert.ok(p.data.length <= maxPayload, `a batch of ${p.data.length} bytes`);
      n += decodeBatch(p.data).frames.length;
    }
    assert.equal(n, frames.length);
  });
});
