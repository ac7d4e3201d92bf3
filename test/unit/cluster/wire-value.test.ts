import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  fromWire,
  toWire,
  WIRE_MARK,
  type WireMarks,
  type WireRefs,
} from '../../../src/cluster/wire-value.js';

/** Values on the cluster wire (docs/semantics.md §25, wire format). */

/** Refs that know no pids, reply ports or addresses: plain data only. */
const NO_REFS: WireRefs = {
  pidOf: () => undefined,
  refOf: () => undefined,
  replyOf: () => undefined,
  portOf: () => undefined,
  addressOf: () => undefined,
  addressRef: () => undefined,
};

function roundTrip(value: unknown): { wire: unknown; marks: WireMarks; back: unknown } {
  const marks: WireMarks = { found: false };
  const wire = toWire(value, NO_REFS, marks);
  return { wire, marks, back: fromWire(JSON.parse(JSON.stringify(wire)), NO_REFS) };
}

describe('values on the cluster wire', () => {
  it('a message of plain fields crosses as itself, unmarked, without a copy', () => {
    const message = { type: 'm', data: 'x'.repeat(128), n: 3.5, ok: false, none: null };
    const { wire, marks, back } = roundTrip(message);
    assert.equal(wire, message);
    assert.equal(marks.found, false);
    assert.deepEqual(back, message);
  });

  it('plain items around a marked one keep their places in a copy; the original is untouched', () => {
    const list = ['a', 1, Number.NaN, true, null, 'z'];
    const { wire, marks, back } = roundTrip(list);
    assert.notEqual(wire, list);
    assert.equal(marks.found, true);
    assert.deepEqual((wire as unknown[])[2], { [WIRE_MARK]: 'n', v: 'NaN' });
    assert.deepEqual(back, list);
    assert.ok(Number.isNaN(list[2]));
    const record = { a: 'x', big: 10n, b: 2, when: new Date(5) };
    const crossed = roundTrip(record);
    assert.deepEqual(crossed.back, record);
    assert.equal(typeof record.big, 'bigint');
  });

  it('what cannot cross is refused with the path of the field, however deep', () => {
    const fn = () => 1;
    assert.throws(
      () => toWire({ a: 'x', b: { c: [1, 'y', { d: fn }] } }, NO_REFS, { found: false }),
      /a function at b\.c\[2\]\.d/,
    );
    assert.throws(() => toWire({ s: Symbol('s') }, NO_REFS, { found: false }), /a symbol at s/);
    assert.throws(() => toWire(fn, NO_REFS, { found: false }), /the top level/);
  });

  it('an error from a peer cannot shadow what errors inherit: String(error) still works', () => {
    const wire = {
      [WIRE_MARK]: 'e',
      name: 'Error',
      message: 'boom',
      stack: null,
      props: { code: 'E_X', toString: 1, valueOf: 2, constructor: 3, message: 4 },
    };
    const error = fromWire(JSON.parse(JSON.stringify(wire)), NO_REFS) as Error & { code?: string };
    assert.equal(error.code, 'E_X');
    assert.equal(error.message, 'boom');
    assert.equal(String(error), 'Error: boom');
    assert.equal(Object.hasOwn(error, 'toString'), false);
  });
});
