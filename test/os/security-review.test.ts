import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AuditLog,
  createSystem,
  DeniedError,
  loadPolicy,
  PolicyError,
  type SecurityPolicy,
} from '../../src/index.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import { errorOf, owned } from './port-helpers.js';

/** Runs a port under `security` and returns its exit error (if any), its stdout and the audit. */
async function run(security: SecurityPolicy, argv: string[]) {
  const audit = new AuditLog();
  const system = createSystem({ security, audit });
  try {
    const p = await owned(system, { argv });
    const reason = await p.exited();
    return {
      reason,
      error: reason.kind === 'error' ? errorOf(reason) : undefined,
      stdout: p.data(),
      audit: audit.recent(),
    };
  } finally {
    await system.shutdown();
  }
}

describe('security review', () => {
  failOnUnhandledRejections();

  it('an allow rule for a symlink (rbash) does not allow the program it points to under another name (bash)', {
    timeout: LIMITS.test,
  }, async () => {
    // rbash is bash started as "rbash": the restricted mode comes from argv[0].
    const security = { exec: { allow: [{ path: '/usr/bin/rbash', args: ['-c', '.*'] }] } };
    const r = await run(security, ['/usr/bin/bash', '-c', 'cd / && pwd']);
    assert.deepEqual(r.stdout, [], 'bash ran unrestricted under an rbash-only policy');
    assert.ok(r.error instanceof DeniedError, 'bash is not in the allow list');
  });

  it('under prlimit, an allowed rbash still runs restricted (argv[0] is kept)', {
    timeout: LIMITS.test,
  }, async () => {
    const security = {
      exec: { allow: [{ path: '/usr/bin/rbash', args: ['-c', '.*'] }], limits: { cpuSeconds: 5 } },
    };
    const r = await run(security, ['/usr/bin/rbash', '-c', 'cd / && pwd']);
    assert.deepEqual(r.stdout, [], 'rbash ran as plain bash under the prlimit wrapper');
  });

  it('an argument pattern that the checks could not compile is refused when the policy is loaded', {
    timeout: LIMITS.test,
  }, () => {
    // Valid without the u flag, invalid with it: the checks compile anchored and unicode.
    assert.throws(
      () => loadPolicy({ exec: { allow: [{ path: '/usr/bin/cat', args: ['\\-n'] }] } }),
      (e: unknown) => e instanceof PolicyError && e.field === 'exec.allow[0].args[0]',
    );
  });

  it('a denied argument is redacted and cut in the audit reason as it is in args', {
    timeout: LIMITS.test,
  }, async () => {
    const security = {
      exec: { allow: [{ path: '/usr/bin/cat', args: ['[\\w./]+'] }] },
      redact: ['^--token=.*$'],
    };
    const secret = `--token=${'s3cr3t'.repeat(1000)}`;
    const r = await run(security, ['/usr/bin/cat', secret]);
    assert.ok(r.error instanceof DeniedError);
    const line = r.audit.at(-1);
    assert.equal(line?.args[1], '[redacted]');
    assert.ok(!line?.reason.includes('s3cr3t'), 'the secret is in the audit reason');
    assert.ok((line?.reason.length ?? 0) <= 2048, `reason is ${line?.reason.length} chars`);
  });
});
