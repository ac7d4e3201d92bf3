import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AuditLog, createSystem, verifyAuditText } from '../../src/index.js';
import { LIMITS } from '../support/guard.js';
import { WAIT } from './helpers.js';
import { reader } from './policy-actors.js';

const dir = mkdtempSync(join(tmpdir(), 'airssys-placed-policy-'));
writeFileSync(join(dir, 'allowed.txt'), 'hello');
after(() => rmSync(dir, { recursive: true, force: true }));

describe('a placed process runs under its stand-in’s security policy (semantics §20, §22)', () => {
  for (const placement of ['worker', 'pool'] as const) {
    it(`in a ${placement}, what the policy allows works, the rest is denied, and both reach the main audit log`, {
      timeout: LIMITS.test,
    }, async () => {
      const audit = new AuditLog();
      // Hosts start in seconds on a busy machine, and an ask's timeout runs from the ask, so the
      // asks of these tests wait for the start: their timeout is a hang guard, not the default 5 s.
      const system = createSystem({ audit, poolThreads: 1, askTimeout: WAIT });
      try {
        const ref = system.spawn(reader, { placement, security: { fs: { read: [dir] } } });
        assert.equal(await ref.ask({ type: 'read', path: join(dir, 'allowed.txt') }), 'hello');
        await assert.rejects(ref.ask({ type: 'read', path: '/etc/passwd' }), (e: unknown) => {
          assert.equal((e as { code?: string }).code, 'ERR_DENIED');
          return true;
        });
        const lines = audit.recent();
        assert.ok(
          lines.some((l) => l.decision === 'allow' && l.args.includes(join(dir, 'allowed.txt'))),
          'the allowed read is recorded in the main log',
        );
        assert.ok(
          lines.some((l) => l.decision === 'deny' && l.args.includes('/etc/passwd')),
          'the denied read is recorded in the main log',
        );
        const outcome = lines.find((l) => l.decision === 'outcome');
        assert.ok(outcome !== undefined, 'the outcome is recorded too');
        const attempt = lines.find((l) => l.seq === outcome.of);
        assert.equal(
          attempt?.decision,
          'allow',
          "an outcome's `of` names its attempt in the main log",
        );
        const text = lines.map((l) => JSON.stringify(l)).join('\n');
        assert.deepEqual(verifyAuditText(`${text}\n`), { ok: true, lines: lines.length });
      } finally {
        await system.shutdown();
      }
    });
  }

  it('without a policy a placed process is denied everything, as in the main thread', {
    timeout: LIMITS.test,
  }, async () => {
    // Hosts start in seconds on a busy machine, and an ask's timeout runs from the ask, so the
    // asks of these tests wait for the start: their timeout is a hang guard, not the default 5 s.
    const system = createSystem({ askTimeout: WAIT });
    try {
      const ref = system.spawn(reader, { placement: 'worker' });
      await assert.rejects(
        ref.ask({ type: 'read', path: join(dir, 'allowed.txt') }),
        (e: unknown) => {
          assert.equal((e as { code?: string }).code, 'ERR_DENIED');
          return true;
        },
      );
    } finally {
      await system.shutdown();
    }
  });
});
