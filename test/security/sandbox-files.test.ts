/**
 * Semantics §23: what a sandboxed body can do to the machine's files by
 * itself, past the runtime's policy checks and past Node's permission
 * model (a shell it starts with `allowChildProcess` answers to the OS
 * sandbox alone). It writes nowhere but `allowFsWrite`: what else it sees
 * (its `allowFsRead`, the system's programs, its code) is mounted
 * read-only, and so is its otherwise empty root. Of what it sees it reads
 * what its uid can: under a root runtime it is `nobody`, so a file only
 * root may read stays closed even inside `allowFsRead`. (What it cannot
 * see at all: `sandbox-reads.test.ts`.)
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type ActorRef, createSystem } from '../../src/index.js';
import { within } from '../isolation/helpers.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import { type AttackMsg, attacker } from './attacker.js';
import { assertRuntimeAnswers, skipWithoutSandbox } from './host-helpers.js';

// Not under /tmp: a sandbox has a fresh /tmp, and these paths must be the machine's own.
const base = mkdtempSync(join(process.cwd(), 'build', 'sandbox-files-'));
chmodSync(base, 0o777);
after(() => rmSync(base, { recursive: true, force: true }));

describe('security: a sandboxed body writes only where it may, as the OS sees it (semantics §23)', () => {
  failOnUnhandledRejections();

  it('a shell the body starts cannot write outside allowFsWrite, even to a world-writable directory', {
    timeout: LIMITS.test,
  }, async (t) => {
    if (skipWithoutSandbox(t)) return;
    const inside = mkdtempSync(join(base, 'in-'));
    const outside = mkdtempSync(join(base, 'out-'));
    chmodSync(inside, 0o777);
    chmodSync(outside, 0o777);
    const system = createSystem({ askTimeout: LIMITS.wait });
    try {
      const ref = system.spawn(attacker, {
        placement: 'process',
        // `outside` is visible (readable), so the OS's refusal to write it is what is tried.
        sandbox: { allowChildProcess: true, allowFsRead: [outside], allowFsWrite: [inside] },
      }) as ActorRef<AttackMsg>;
      const ok = await ref.ask({ type: 'sh', script: `echo x > ${inside}/a && echo done` });
      assert.equal(
        ok.stdout.trim(),
        'done',
        'the write under allowFsWrite works: the test can tell',
      );
      assert.equal(existsSync(join(inside, 'a')), true);
      const refused = await ref.ask({ type: 'sh', script: `echo x > ${outside}/b` });
      assert.notEqual(refused.status, 0);
      assert.match(refused.stderr, /Read-only file system/);
      assert.equal(existsSync(join(outside, 'b')), false, 'nothing was written outside');
      const root = await ref.ask({ type: 'sh', script: 'echo x > /planted' });
      assert.notEqual(root.status, 0);
      assert.match(root.stderr, /Read-only file system/, 'nor into its own empty root');
      await assertRuntimeAnswers(system);
    } finally {
      await within(system.shutdown({ timeout: 1_000 }), 60_000, 'shutdown');
    }
  });

  it('under a root runtime the body is nobody: a file only root may read stays closed to it, even in allowFsRead', {
    timeout: LIMITS.test,
  }, async (t) => {
    if (skipWithoutSandbox(t)) return;
    if (process.getuid?.() !== 0) {
      const why =
        'the runtime is not root: the body runs as the runtime’s own user and can read its files (§23)';
      console.log(`skipped: ${why}`);
      t.skip(why);
      return;
    }
    const secret = join(base, 'key');
    writeFileSync(secret, 'the audit key', { mode: 0o600 });
    const system = createSystem({ askTimeout: LIMITS.wait });
    try {
      const ref = system.spawn(attacker, {
        placement: 'process',
        sandbox: { allowChildProcess: true, allowFsRead: [base] },
      }) as ActorRef<AttackMsg>;
      const read = await ref.ask({ type: 'sh', script: `cat ${secret}` });
      assert.notEqual(read.status, 0);
      assert.match(read.stderr, /Permission denied/);
      assert.doesNotMatch(read.stdout, /audit key/);
      await assertRuntimeAnswers(system);
    } finally {
      await within(system.shutdown({ timeout: 1_000 }), 60_000, 'shutdown');
    }
  });
});
