/**
 * Exit reasons as data (docs/semantics.md §1, OTP R1.1, R1.2): the
 * constructors, how a caller's reason is read (`toExitReason`), which reasons
 * are clean, and how each is described.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../../src/errors.js';
import {
  type ExitReason,
  exitReason,
  formatExitReason,
  isCleanExit,
  toExitReason,
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

describe('a node declared down ends its processes with noconnection (exitReason.noconnection(node), §25)', () => {
  it('the reason names the lost node, is frozen and is abnormal', () => {
    const lost = exitReason.noconnection('b@host');
    assert.deepEqual(lost, { kind: 'noconnection', node: 'b@host' });
    assert.ok(Object.isFrozen(lost));
    assert.equal(isCleanExit(lost), false);
  });

  it('formatExitReason says noconnection and which node', () => {
    assert.equal(formatExitReason(exitReason.noconnection('b@host')), 'noconnection: b@host');
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

/** Asserts that `value` is read as an abnormal `error` reason carrying exactly `value`. */
function assertAbnormalCarrying(value: unknown): void {
  const read = toExitReason(value);
  assert.equal(read.kind, 'error', `${show(value)} is an error reason`);
  assert.ok(read.kind === 'error' && Object.is(read.error, value), `it carries ${show(value)}`);
  assert.deepEqual(Object.keys(read).sort(), ['error', 'kind']);
  assert.ok(Object.isFrozen(read), 'like every constructed reason, it is frozen');
  assert.equal(isCleanExit(read), false, `${show(value)} is never read as clean`);
}

function show(value: unknown): string {
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

describe('toExitReason: a reason given by a caller (§1)', () => {
  it("the strings 'normal', 'shutdown' and 'kill' mean those reasons", () => {
    assert.equal(toExitReason('normal'), exitReason.normal);
    assert.equal(toExitReason('shutdown'), exitReason.shutdown());
    assert.equal(toExitReason('kill'), exitReason.kill);
    assert.equal(isCleanExit(toExitReason('normal')), true);
    assert.equal(isCleanExit(toExitReason('shutdown')), true);
    assert.equal(isCleanExit(toExitReason('kill')), false);
  });

  it("any other string — other kinds' names, case or space variants, empty — is an abnormal reason carrying it", () => {
    for (const text of [
      'killed',
      'noproc',
      'error',
      'oops',
      '',
      'Normal',
      'SHUTDOWN',
      ' normal',
      'normal ',
      'kill\n',
    ]) {
      assertAbnormalCarrying(text);
    }
  });

  it('numbers, booleans and BigInts are abnormal reasons carrying them (OTP allows any term)', () => {
    for (const value of [42, 0, -0, Number.NaN, Number.POSITIVE_INFINITY, true, false, 0n, 10n]) {
      assertAbnormalCarrying(value);
    }
  });

  it('symbols and functions are abnormal reasons carrying them', () => {
    assertAbnormalCarrying(Symbol('normal'));
    assertAbnormalCarrying(Symbol.for('shutdown'));
    assertAbnormalCarrying(() => 'normal');
    const shapedFunction = Object.assign(() => undefined, { kind: 'normal' });
    assertAbnormalCarrying(shapedFunction);
  });

  it('null and undefined are no reason: InvalidArgumentError (ERR_INVALID_ARG, option reason)', () => {
    for (const value of [null, undefined]) {
      assert.throws(
        () => toExitReason(value),
        (error: unknown) =>
          error instanceof InvalidArgumentError &&
          error.code === 'ERR_INVALID_ARG' &&
          error.option === 'reason' &&
          error.message.includes('an exit reason is required') &&
          error.message.includes(String(value)),
      );
    }
  });

  it('every reason made by exitReason is itself (the same object)', () => {
    const boom = new Error('boom');
    for (const reason of [
      exitReason.normal,
      exitReason.shutdown(),
      exitReason.shutdown('upgrade'),
      exitReason.killed,
      exitReason.kill,
      exitReason.noproc,
      exitReason.error(boom),
      exitReason.error(undefined),
    ]) {
      assert.equal(toExitReason(reason), reason);
    }
  });

  it('a plain object of a valid kind with its required fields is itself', () => {
    const reasons: object[] = [
      { kind: 'normal' },
      { kind: 'shutdown' },
      { kind: 'shutdown', detail: { why: 'maintenance' } },
      { kind: 'killed' },
      { kind: 'kill' },
      { kind: 'noproc' },
      { kind: 'error', error: new Error('boom') },
      { kind: 'error', error: 'oops' },
      { kind: 'error', error: undefined },
    ];
    for (const reason of reasons) {
      assert.equal(toExitReason(reason), reason, `${JSON.stringify(reason)} is itself`);
    }
    assert.equal(isCleanExit(toExitReason({ kind: 'normal' })), true);
    assert.equal(isCleanExit(toExitReason({ kind: 'shutdown', detail: 1 })), true);
  });

  it('an error-kind object without its error field is an abnormal reason carrying that object', () => {
    assertAbnormalCarrying({ kind: 'error' });
    assertAbnormalCarrying({ kind: 'error', message: 'boom' });
  });

  it('an object with an unknown, missing or non-string kind is an abnormal reason carrying it', () => {
    for (const value of [
      { kind: 'bogus' },
      { kind: 'Normal' },
      { kind: '' },
      { kind: 'exit' },
      {},
      { kind: undefined },
      { kind: null },
      { kind: 1 },
      { kind: ['normal'] },
      { kind: { toString: () => 'normal' } },
      { reason: 'normal' },
      [],
      ['normal'],
      new Map([['kind', 'normal']]),
    ]) {
      assertAbnormalCarrying(value);
    }
  });

  it('an Error instance is an abnormal reason carrying that Error', () => {
    const boom = new Error('boom');
    assertAbnormalCarrying(boom);
    assertAbnormalCarrying(new TypeError('bad'));
    assert.equal(formatExitReason(toExitReason(boom)), 'error: Error: boom');
  });
});
