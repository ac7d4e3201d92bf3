/**
 * Semantics §23: the audit trail of placed processes is evidence. A record
 * a host sends is rebuilt in main from checked fields — `actor` and `pid`
 * are the stand-in's, `op` and `decision` from fixed sets, `seq`, `time`
 * and `prev` main's own — so a body can neither forge another actor's
 * line, nor renumber the chain, nor crash main with a BigInt. And an
 * attempt fails closed: a placed write waits for main to say its record is
 * written, and is denied when it could not be (a full disk).
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  type ActorRef,
  AuditLog,
  type AuditRecord,
  createSystem,
  fileActor,
  verifyAuditText,
} from '../../src/index.js';
import { AuditRelay } from '../../src/isolation/audit-relay.js';
import type { AuditSink } from '../../src/security/index.js';
import { within } from '../isolation/helpers.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import { type AttackMsg, attacker } from './attacker.js';
import { assertRuntimeAnswers, exitCode, NO_SANDBOX } from './host-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'airssys-host-audit-'));
// The sandboxed host writes as an unprivileged uid.
chmodSync(dir, 0o777);
after(() => rmSync(dir, { recursive: true, force: true }));

/** An audit log whose disk can be made full: every write then fails with ENOSPC. */
class FullDisk implements AuditSink {
  readonly log = new AuditLog();
  full = false;
  record(record: AuditRecord): number {
    if (this.full) {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }
    return this.log.record(record);
  }
}

function verified(log: AuditLog): void {
  const text = `${log
    .recent()
    .map((l) => JSON.stringify(l))
    .join('\n')}\n`;
  assert.deepEqual(verifyAuditText(text), { ok: true, lines: log.recent().length });
}

const placed = NO_SANDBOX === undefined ? ('sandboxed process' as const) : ('process' as const);
if (NO_SANDBOX !== undefined) {
  console.log(
    `no sandbox on this machine (${NO_SANDBOX}): the audit attacks run in a plain process`,
  );
}

function spawnAttacker(
  system: ReturnType<typeof createSystem>,
  where: 'sandboxed process' | 'process' | 'worker',
  security?: object,
): ActorRef<AttackMsg> {
  const placement = where === 'worker' ? 'worker' : 'process';
  const sandbox = where === 'sandboxed process' ? { allowFsWrite: [dir] } : undefined;
  return system.spawn(attacker, {
    placement,
    ...(sandbox === undefined ? {} : { sandbox }),
    ...(security === undefined ? {} : { security }),
  }) as ActorRef<AttackMsg>;
}

describe('security: records from a host are rebuilt in main (semantics §23)', () => {
  failOnUnhandledRejections();

  it(`${placed}: a forged record is attributed to the body’s stand-in and numbered by main`, {
    timeout: LIMITS.test,
  }, async () => {
    const log = new AuditLog();
    const system = createSystem({ askTimeout: LIMITS.wait, audit: log });
    try {
      log.record({
        actor: 'main',
        pid: 1,
        op: 'read',
        args: ['/srv/a'],
        decision: 'allow',
        reason: 'ok',
      });
      const ref = spawnAttacker(system, placed);
      const forged = {
        actor: 'files-main',
        pid: 1,
        op: 'write',
        args: ['/etc/shadow'],
        decision: 'allow',
        reason: 'forged',
        seq: 999,
        time: '1970-01-01T00:00:00.000Z',
        prev: '0'.repeat(64),
        hash: 'f'.repeat(64),
        of: 1,
      };
      const odd = { ...forged, op: 'chmod', seq: 1 };
      await ref.ask({
        type: 'frames',
        batches: [
          [
            { op: 'audit', seq: 1, pid: 1, record: forged },
            { op: 'audit', seq: 2, pid: ref.pid, record: odd },
          ],
        ],
      });
      assert.equal(await ref.ask({ type: 'ping' }), 'pong');
      const lines = log.recent();
      assert.equal(lines.length, 3);
      const [, first, second] = lines;
      assert.equal(
        first?.actor,
        'attacker',
        'the actor is the stand-in’s, not the one the host named',
      );
      assert.equal(first?.pid, ref.pid, 'so is the pid');
      assert.equal(first?.seq, 2, 'seq is main’s');
      assert.notEqual(first?.time, forged.time, 'time is main’s');
      assert.equal(first?.prev, lines[0]?.hash, 'prev is main’s chain');
      assert.equal(first?.of, undefined, 'an of that names no attempt of this host is dropped');
      assert.equal(first?.op, 'write');
      assert.equal(second?.op, 'invalid', 'an op outside the fixed set is recorded as invalid');
      assert.match(second?.reason ?? '', /"chmod"/);
      verified(log);
      await system.stop(ref);
      await assertRuntimeAnswers(system);
    } finally {
      await within(system.shutdown({ timeout: 1_000 }), 60_000, 'shutdown');
    }
  });

  it(`${placed}: a record with a BigInt or an object where a string belongs ends the host, not main`, {
    timeout: LIMITS.test,
  }, async () => {
    const log = new AuditLog();
    const system = createSystem({ askTimeout: LIMITS.wait, audit: log });
    try {
      for (const bad of [{ args: [1n] }, { reason: { toString: 'x' } }, { decision: 'permit' }]) {
        const ref = spawnAttacker(system, placed);
        const ended = exitCode(system, ref as ActorRef<never>);
        const record = {
          actor: 'x',
          pid: 1,
          op: 'read',
          args: ['/a'],
          decision: 'allow',
          reason: 'r',
          ...bad,
        };
        await ref
          .ask({ type: 'frames', batches: [[{ op: 'audit', seq: 1, pid: ref.pid, record }]] })
          .catch(() => undefined);
        assert.equal(await ended, 'ERR_HOST_PROTOCOL');
        const last = log.recent().at(-1);
        assert.equal(last?.decision, 'deny', 'the malformed record is itself recorded');
        assert.equal(last?.op, 'invalid');
        assert.equal(last?.pid, ref.pid);
        assert.match(last?.reason ?? '', /malformed audit record/);
      }
      verified(log);
      await assertRuntimeAnswers(system);
    } finally {
      await within(system.shutdown({ timeout: 1_000 }), 60_000, 'shutdown');
    }
  });
});

describe('security: an attempt fails closed when its record cannot be written (semantics §23)', () => {
  failOnUnhandledRejections();

  for (const where of [placed, 'worker', 'main'] as const) {
    it(`${where}: a file write under a full disk is denied and does not happen`, {
      timeout: LIMITS.test,
    }, async () => {
      const disk = new FullDisk();
      const system = createSystem({ askTimeout: LIMITS.wait, audit: disk });
      const security = { fs: { write: [dir] } };
      const name = where.replace(' ', '-');
      try {
        const write = (file: string): Promise<unknown> => {
          if (where === 'main') {
            const files = system.spawn(fileActor(), { security });
            return files.ask({ type: 'write', path: join(dir, file), data: 'x' });
          }
          const ref = spawnAttacker(system, where, security);
          return ref.ask({ type: 'write', path: join(dir, file), data: 'x' });
        };
        // With room on the disk, the write happens: the test can tell the difference.
        assert.deepEqual(await write(`${name}-room.txt`), { bytes: 1 });
        assert.equal(existsSync(join(dir, `${name}-room.txt`)), true);
        disk.full = true;
        await assert.rejects(write(`${name}-full.txt`), (e: unknown) => {
          assert.equal((e as { code?: string }).code, 'ERR_DENIED');
          assert.match((e as Error).message, /audit record cannot be written \(ENOSPC\)/);
          return true;
        });
        assert.equal(existsSync(join(dir, `${name}-full.txt`)), false, 'nothing was written');
        disk.full = false;
        await assertRuntimeAnswers(system);
      } finally {
        await within(system.shutdown({ timeout: 1_000 }), 60_000, 'shutdown');
      }
    });
  }
});

/** A main log that fails every way a sink can: in `record`, or in `written` (thrown or rejected). */
class BrokenLog implements AuditSink {
  constructor(readonly how: 'record throws' | 'written throws' | 'written rejects') {}
  record(): number {
    if (this.how === 'record throws') throw new Error('EIO: the log is gone');
    return 1;
  }
  written(): Promise<void> {
    if (this.how === 'written throws') throw new Error('EIO: the log is gone');
    return Promise.reject(
      Object.assign(new Error('EIO: /var/log/secret/audit.jsonl'), { code: 'EIO' }),
    );
  }
}

describe('security: a main log that fails never throws in main (semantics §23)', () => {
  failOnUnhandledRejections();

  for (const how of ['record throws', 'written throws', 'written rejects'] as const) {
    it(`AuditRelay: a log whose ${how} answers a rejected write, never an exception`, {
      timeout: LIMITS.test,
    }, async () => {
      const relay = new AuditRelay(() => new BrokenLog(how));
      const record = { op: 'write', args: ['/a'], decision: 'allow', reason: 'r' };
      const { written, problem } = relay.write(1, record, { actor: 'body', pid: 12 });
      assert.equal(problem, undefined);
      await assert.rejects(written, /EIO/);
    });

    it(`${placed}: records a body writes itself while main's log ${how} are refused; host and runtime run on`, {
      timeout: LIMITS.test,
    }, async () => {
      const system = createSystem({ askTimeout: LIMITS.wait, audit: new BrokenLog(how) });
      try {
        const ref = spawnAttacker(system, placed);
        const record = { op: 'write', args: ['/a'], decision: 'allow', reason: 'r' };
        const frames = [1, 2, 3].map((seq) => ({ op: 'audit', seq, pid: ref.pid, record }));
        assert.equal(await ref.ask({ type: 'frames', batches: [frames] }), true);
        assert.equal(await ref.ask({ type: 'ping' }), 'pong', 'the host was not ended');
        // A body's own write is denied with the log's error code only, never the log's path.
        const writer = spawnAttacker(system, placed, { fs: { write: [dir] } });
        const file = join(dir, `broken-${how.replace(' ', '-')}.txt`);
        await assert.rejects(writer.ask({ type: 'write', path: file, data: 'x' }), (e: unknown) => {
          assert.equal((e as { code?: string }).code, 'ERR_DENIED');
          assert.match((e as Error).message, /audit record cannot be written \((EIO|ERR_AUDIT)\)/);
          assert.doesNotMatch((e as Error).message, /secret/);
          return true;
        });
        assert.equal(existsSync(file), false, 'nothing was written');
        await assertRuntimeAnswers(system);
      } finally {
        await within(system.shutdown({ timeout: 1_000 }), 60_000, 'shutdown');
      }
    });
  }
});
