/**
 * Exit reasons as data (docs/semantics.md §1, OTP R1.1, R1.2): the
 * constructors, which reasons are clean, and how each is described.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ExitReason,
  exitReason,
  formatExitReason,
  isCleanExit,
} from '../../../src/process/index.js';

describe('exitReason constructors', () => {
  it('the reasons without data are shared frozen objects of their kind', () => {
    for (const [reason, kind] of [
      [exitReason.normal, 'normal'],
      [exitReason.killed, 'killed'],
      [exitReason.kill, 'kill'],
      [exitReason.noproc, 'noproc'],
      [exitReason.shutdown(), 'shutdown'],
    ] as const) {
      assert.deepEqual(reason, { kind });
      assert.ok(Object.isFrozen(reason));
    }
    assert.equal(exitReason.shutdown(), exitReason.shutdown(), 'one shared plain shutdown');
  });

  it('shutdown with a detail carries it; error carries the thrown value; both are frozen', () => {
    const withDetail = exitReason.shutdown({ why: 'maintenance' });
    assert.deepEqual(withDetail, { kind: 'shutdown', detail: { why: 'maintenance' } });
    assert.ok(Object.isFrozen(withDetail));
    const boom = new Error('boom');
    const crash = exitReason.error(boom);
    assert.equal(crash.kind, 'error');
    assert.equal(crash.error, boom);
    assert.ok(Object.isFrozen(crash));
    assert.deepEqual(
      exitReason.shutdown(0),
      { kind: 'shutdown', detail: 0 },
      'a falsy detail is kept',
    );
  });
});

describe('isCleanExit (R1.2)', () => {
  it('normal, shutdown and shutdown with a detail are clean; everything else is not', () => {
    const clean: ExitReason[] = [
      exitReason.normal,
      exitReason.shutdown(),
      exitReason.shutdown('x'),
    ];
    const abnormal: ExitReason[] = [
      exitReason.killed,
      exitReason.kill,
      exitReason.noproc,
      exitReason.error(new Error('e')),
      exitReason.error(undefined),
    ];
    assert.deepEqual(clean.map(isCleanExit), [true, true, true]);
    assert.deepEqual(abnormal.map(isCleanExit), [false, false, false, false, false]);
  });
});

describe('formatExitReason', () => {
  it('names each kind without data by its kind', () => {
    assert.equal(formatExitReason(exitReason.normal), 'normal');
    assert.equal(formatExitReason(exitReason.killed), 'killed');
    assert.equal(formatExitReason(exitReason.kill), 'kill');
    assert.equal(formatExitReason(exitReason.noproc), 'noproc');
    assert.equal(formatExitReason(exitReason.shutdown()), 'shutdown');
  });

  it("keeps a shutdown's detail", () => {
    assert.equal(formatExitReason(exitReason.shutdown('maintenance')), 'shutdown: maintenance');
    assert.equal(formatExitReason(exitReason.shutdown(0)), 'shutdown: 0');
  });

  it('describes an Error by its name and message', () => {
    assert.equal(formatExitReason(exitReason.error(new Error('boom'))), 'error: Error: boom');
    assert.equal(
      formatExitReason(exitReason.error(new TypeError('bad type'))),
      'error: TypeError: bad type',
    );
  });

  it('describes a thrown non-Error readably: a string as is, data as JSON, the rest as text', () => {
    assert.equal(formatExitReason(exitReason.error('plain text')), 'error: plain text');
    assert.equal(formatExitReason(exitReason.error({ code: 42 })), 'error: {"code":42}');
    assert.equal(formatExitReason(exitReason.error(7)), 'error: 7');
    assert.equal(formatExitReason(exitReason.error(null)), 'error: null');
    assert.equal(formatExitReason(exitReason.error(undefined)), 'error: undefined');
    assert.equal(formatExitReason(exitReason.error(Symbol.for('s'))), 'error: Symbol(s)');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal(formatExitReason(exitReason.error(cyclic)), 'error: [object Object]');
    assert.equal(formatExitReason(exitReason.error(10n)), 'error: 10');
  });
});
