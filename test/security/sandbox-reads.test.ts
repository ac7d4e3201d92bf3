/**
 * Semantics §20, §23: what a sandboxed body can read of the machine's
 * files, tried as an attacker would — with `fs`, with `cat`, and with a
 * `node` it starts without Node's permission flags, so the OS sandbox alone
 * answers. Its root is empty but for the system's programs and libraries,
 * the runtime's code, its own module, and what its `allowFsRead` and
 * `allowFsWrite` name: a secret elsewhere — even one every uid may read —
 * and the runtime's working directory are absent, under a root runtime and
 * under one that is not root (whose body runs as the runtime's own user).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ActorRef, createSystem } from '../../src/index.js';
import { sandboxCommand } from '../../src/isolation/sandbox.js';
import { findTools } from '../../src/os/index.js';
import { within } from '../isolation/helpers.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import { type AttackMsg, attacker } from './attacker.js';
import { assertRuntimeAnswers, skipWithoutSandbox } from './host-helpers.js';
import { attemptReads, type ReadReport } from './sandbox-reads-attack.js';

// Not under /tmp: a sandbox has a fresh /tmp, and these paths must be the machine's own.
const base = mkdtempSync(join(process.cwd(), 'build', 'sandbox-reads-'));
chmodSync(base, 0o755);
const outside = join(base, 'outside');
const allowed = join(base, 'allowed');
const runtimeCwd = join(base, 'runtime-cwd');
for (const dir of [outside, allowed, runtimeCwd]) mkdirSync(dir, { mode: 0o755 });
// 0644: every uid may read these, so only the sandbox's mounts can keep them out.
const secret = join(outside, 'audit.key');
writeFileSync(secret, 'SECRET-OUTSIDE', { mode: 0o644 });
const given = join(allowed, 'given.txt');
writeFileSync(given, 'GIVEN-CONTENT', { mode: 0o644 });
const nobodyCwdFile = join(runtimeCwd, 'cwd-secret.txt');
writeFileSync(nobodyCwdFile, 'SECRET-CWD', { mode: 0o644 });
const cwdFile = join(process.cwd(), `.sandbox-reads-${process.pid}.secret`);
writeFileSync(cwdFile, 'SECRET-CWD', { mode: 0o644 });
after(() => {
  rmSync(base, { recursive: true, force: true });
  rmSync(cwdFile, { force: true });
});

/** The top-level entries a sandboxed body may see: the system's, its own, and its binds' first components. */
const SYSTEM = [
  'usr',
  'bin',
  'sbin',
  'lib',
  'lib32',
  'lib64',
  'libx32',
  'dev',
  'proc',
  'tmp',
  'run',
];

/** Asserts the two secrets are absent three ways, the given file is read, and the root is bare. */
function assertContained(report: ReadReport, cwd: string): void {
  const [outsideSecret, cwdSecret] = [0, 1];
  for (const i of [outsideSecret, cwdSecret]) {
    assert.ok(
      ['ERR_ACCESS_DENIED', 'ENOENT'].includes(report.fs[i] as string),
      `fs read is refused: ${report.fs[i]}`,
    );
    const cat = report.cat[i];
    assert.notEqual(cat?.status, 0);
    assert.match(cat?.stderr ?? '', /No such file or directory/, 'cat finds no such file');
    assert.doesNotMatch(cat?.stdout ?? '', /SECRET/);
    assert.equal(report.node[i], 'ENOENT', 'a node without permission flags finds no such file');
  }
  // The test can tell: the file it was given reads, by the same three routes.
  assert.equal(report.fs[2], 'GIVEN-CONTENT');
  assert.equal(report.cat[2]?.stdout, 'GIVEN-CONTENT');
  assert.equal(report.node[2], 'GIVEN-CONTENT');
  const top = new Set([...SYSTEM, cwd.split('/')[1], base.split('/')[1]]);
  for (const name of ['root', 'home', 'etc', 'var']) {
    assert.ok(!report.root.includes(name), `/${name} is absent (saw ${report.root.join(' ')})`);
  }
  for (const name of report.root) assert.ok(top.has(name), `/${name} is not the body's to see`);
  // The runtime's working directory holds at most the runtime's code and its package.json.
  if (report.cwd !== 'ENOENT') {
    for (const name of report.cwd) {
      assert.ok(['build', 'dist', 'package.json'].includes(name), `${cwd}/${name} is visible`);
    }
  }
}

describe('security: a sandboxed body sees only its own files (semantics §20, §23)', () => {
  failOnUnhandledRejections();

  it('the command mounts an empty root and only what is named; the sandbox’s own /proc and /tmp go over any bind', {
    timeout: LIMITS.test,
  }, () => {
    const tools = { bwrap: '/usr/bin/bwrap', prlimit: undefined, setpriv: '/usr/bin/setpriv' };
    const host = {
      node: '/usr/bin/node',
      nodeArgs: [],
      entry: '/app/dist/hosting/process-entry.js',
      reads: ['/app/dist/'],
      root: { dirs: ['/usr'], links: [['/bin', 'usr/bin']] as const, files: ['/app/package.json'] },
    };
    const sandbox = { allowFsRead: ['/', '/proc', '/tmp/in'], allowFsWrite: ['/data'] };
    const command = sandboxCommand(sandbox, host, tools, 1000, {});
    assert.equal(typeof command, 'object');
    const args = (command as { args: readonly string[] }).args;
    const at = (...seq: string[]): number =>
      args.findIndex((_, i) => seq.every((s, j) => args[i + j] === s));
    assert.ok(at('--tmpfs', '/') >= 0 && at('--tmpfs', '/') < at('--ro-bind', '/usr', '/usr'));
    assert.ok(at('--symlink', 'usr/bin', '/bin') > 0);
    for (const path of ['/app/package.json', '/app/dist/', '/']) {
      assert.ok(at('--ro-bind-try', path, path) > 0, `${path} is bound read-only`);
    }
    assert.ok(
      at('--bind-try', '/data', '/data') > at('--ro-bind-try', '/', '/'),
      'writes after reads',
    );
    assert.ok(
      at('--proc', '/proc') > at('--ro-bind-try', '/proc', '/proc'),
      'its own /proc on top',
    );
    assert.ok(at('--proc', '/proc') > at('--ro-bind-try', '/', '/'), 'over a bind of /');
    assert.ok(at('--ro-bind-try', '/tmp/in', '/tmp/in') > at('--tmpfs', '/tmp'), 'bound back in');
    assert.equal(at('--ro-bind', '/', '/'), -1, 'the machine’s root is not mounted by default');
    assert.ok(at('--remount-ro', '/') > at('--bind-try', '/data', '/data'));
  });

  it('a secret outside allowFsRead and a file in the runtime’s cwd are absent to fs, cat and an unflagged node', {
    timeout: LIMITS.test,
  }, async (t) => {
    if (skipWithoutSandbox(t)) return;
    const system = createSystem({ askTimeout: LIMITS.wait });
    try {
      const ref = system.spawn(attacker, {
        placement: 'process',
        sandbox: { allowChildProcess: true, allowFsRead: [allowed] },
      }) as ActorRef<AttackMsg>;
      assert.equal(await ref.ask({ type: 'ping' }), 'pong', 'the body starts and answers');
      const report = await attemptReads(
        ref,
        [secret, cwdFile, given],
        process.cwd(),
        process.execPath,
      );
      assertContained(report, process.cwd());
      assert.equal(await ref.ask({ type: 'ping' }), 'pong', 'and still answers');
      await assertRuntimeAnswers(system);
    } finally {
      await within(system.shutdown({ timeout: 1_000 }), 60_000, 'shutdown');
    }
  });

  it('under a runtime that is not root (the body runs as its user) the same files stay absent', {
    timeout: LIMITS.test,
  }, (t) => {
    if (skipWithoutSandbox(t)) return;
    const setpriv = findTools().setpriv;
    const why =
      process.getuid?.() !== 0
        ? 'the runtime is already not root: the test above is this case'
        : setpriv === undefined
          ? 'setpriv (util-linux) is not installed to run a runtime as nobody'
          : undefined;
    if (why !== undefined) {
      console.log(`skipped: ${why}`);
      t.skip(why);
      return;
    }
    const child = fileURLToPath(new URL('./sandbox-reads-child.js', import.meta.url));
    const run = spawnSync(
      setpriv as string,
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        '--',
        process.execPath,
        child,
        allowed,
        secret,
        nobodyCwdFile,
        given,
      ],
      { cwd: runtimeCwd, encoding: 'utf8', timeout: 60_000, env: { PATH: '/usr/bin:/bin' } },
    );
    const line = run.stdout.trim().split('\n').at(-1) ?? '{}';
    const result = JSON.parse(line) as { unavailable?: string; uid?: number; report?: ReadReport };
    if (result.unavailable !== undefined) {
      const reason = `a runtime run as nobody gets no sandbox here (${result.unavailable})`;
      console.log(`skipped: ${reason}`);
      t.skip(reason);
      return;
    }
    assert.equal(result.uid, 65534, `the runtime ran as nobody: ${run.stderr}`);
    assertContained(result.report as ReadReport, runtimeCwd);
  });
});
