import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  type ActorSystem,
  AuditLog,
  createSystem,
  DeniedError,
  defineActor,
  exitReason,
  PolicyError,
  PortExitError,
  port,
  type Reply,
  type SecurityPolicy,
} from '../../src/index.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import {
  bwrapUnusable,
  errorOf,
  groupMembers,
  owned,
  processesOf,
  tempDir,
  waitFor,
} from './port-helpers.js';

const CAT = { path: '/usr/bin/cat', args: ['[\\w./-]+'], maxArgs: 4 };
const SH = { path: '/bin/sh', args: ['-c', '.*'], maxArgs: 2 };

/** The runtime still works: a fresh actor answers an ask. */
/**
 * A uid for a fork bomb of this test process only (root runs it as that
 * uid so RLIMIT_NPROC applies): the limit counts every process of a uid
 * machine-wide, and the shared `nobody` is used by other runs at once.
 */
function bomberUid(): number {
  return 200_000 + (process.pid % 100_000);
}

async function alive(system: ActorSystem): Promise<void> {
  const echo = system.spawn(
    defineActor<{ n: number; reply: Reply<number> }>({ handle: (m) => m.reply.send(m.n + 1) }),
  );
  assert.equal(await echo.ask({ n: 41 }), 42);
  await system.stop(echo);
}

/** Starts a port with `options` under `security` and returns its DeniedError and the audit lines. */
async function denied(
  security: SecurityPolicy,
  options: Parameters<typeof port>[0],
): Promise<{ error: Error; audit: AuditLog }> {
  const audit = new AuditLog();
  const system = createSystem({ security, audit });
  const p = await owned(system, options);
  const reason = await p.exited();
  const error = errorOf(reason);
  assert.ok(error instanceof DeniedError, `expected a denial, got ${error.message}`);
  assert.equal(error.code, 'ERR_DENIED');
  const line = audit.recent().at(-1);
  assert.equal(line?.decision, 'deny');
  assert.equal(line?.reason, error.message.replace(/^exec denied: /, ''));
  await alive(system);
  await system.shutdown();
  return { error, audit };
}

describe('port attacks', () => {
  failOnUnhandledRejections();

  it('deny by default: with no policy nothing runs', { timeout: LIMITS.test }, async () => {
    const { error } = await denied({}, { argv: ['/usr/bin/cat'] });
    assert.match(error.message, /no exec section|allows no execution/);
  });

  it('an executable not in the allow list is denied', { timeout: LIMITS.test }, async () => {
    const { error } = await denied(
      { exec: { allow: [CAT] } },
      { argv: ['/usr/bin/rm', '-rf', '/'] },
    );
    assert.match(error.message, /\/usr\/bin\/rm is not in policy 0's exec.allow/);
  });

  it('a relative path is denied, and path traversal resolves to what it really names', {
    timeout: LIMITS.test,
  }, async () => {
    const security = { exec: { allow: [CAT] } };
    assert.match(
      (await denied(security, { argv: ['./cat'] })).error.message,
      /not an absolute path/,
    );
    const { error } = await denied(security, { argv: ['/usr/bin/../bin/../../usr/bin/rm'] });
    assert.match(error.message, /\/usr\/bin\/rm is not in/);
  });

  it('symlink escape: a link named like an allowed program, found on PATH, is checked as its target', {
    timeout: LIMITS.test,
  }, async () => {
    const { dir, remove } = tempDir();
    mkdirSync(join(dir, 'bin'));
    symlinkSync('/usr/bin/rm', join(dir, 'bin', 'cat'));
    const { error } = await denied(
      { exec: { allow: [CAT], env: ['PATH'] } },
      { argv: ['cat', '/etc/hostname'], env: { PATH: join(dir, 'bin') } },
    );
    assert.match(error.message, /bin\/cat is not in/, 'the link itself is checked, not its target');
    remove();
  });

  it('argument injection: an argument matching none of the patterns is denied', {
    timeout: LIMITS.test,
  }, async () => {
    const security = { exec: { allow: [CAT] } };
    for (const arg of ['--output=/etc/passwd', ';rm -rf /', '$(reboot)', 'a\nb']) {
      const { error } = await denied(security, { argv: ['/usr/bin/cat', arg] });
      assert.match(error.message, /matches none of policy 0's patterns/);
    }
  });

  it('a shell string is denied unless every policy allows shell strings', {
    timeout: LIMITS.test,
  }, async () => {
    const { error } = await denied({ exec: { allow: [CAT, SH] } }, { command: 'cat /etc/passwd' });
    assert.match(error.message, /does not allow shell command strings/);
  });

  it('environment smuggling: LD_PRELOAD and NODE_OPTIONS are denied by name', {
    timeout: LIMITS.test,
  }, async () => {
    const security = {
      exec: { allow: [CAT, { path: process.execPath, args: ['.*'] }], env: ['LANG'] },
    };
    for (const [name, value] of [
      ['LD_PRELOAD', '/tmp/evil.so'],
      ['NODE_OPTIONS', '--require /tmp/evil.js'],
    ] as const) {
      const { error } = await denied(security, {
        argv: [process.execPath, '-v'],
        env: { [name]: value },
      });
      assert.match(error.message, new RegExp(`${name} is not in policy 0's exec.env`));
    }
  });

  it('a working directory outside the allowed ones is denied, also through .. and symlinks', {
    timeout: LIMITS.test,
  }, async () => {
    const { dir, remove } = tempDir();
    const work = join(dir, 'work');
    mkdirSync(work);
    symlinkSync('/etc', join(work, 'etc'));
    const security = { exec: { allow: [CAT], cwd: [work] } };
    for (const cwd of ['/etc', join(work, '..'), join(work, 'etc')]) {
      const { error } = await denied(security, { argv: ['/usr/bin/cat'], cwd });
      assert.match(error.message, /working directory .* is not allowed/);
    }
    remove();
  });

  it('a policy file with a typo is refused when loaded, naming the field', {
    timeout: LIMITS.test,
  }, () => {
    const system = createSystem();
    assert.throws(
      () =>
        system.spawn(port({ argv: ['/usr/bin/cat'] }), {
          security: { exec: { allow: [CAT], limts: {} } } as never,
        }),
      (e: unknown) => e instanceof PolicyError && e.field === 'exec.limts',
    );
    assert.throws(
      () => createSystem({ security: { exec: { alow: [] } } as never }),
      (e: unknown) => e instanceof PolicyError && /exec\.alow/.test(e.message),
    );
  });

  it('children inherit the policy and narrow it, never widen it', {
    timeout: LIMITS.test,
  }, async () => {
    const parent: SecurityPolicy = { exec: { allow: [CAT, { path: '/bin/echo', args: ['.*'] }] } };
    const audit = new AuditLog();
    const system = createSystem({ security: parent, audit });
    // A port started under a narrower policy is denied what its parent may do.
    const narrowed = await owned(
      system,
      { argv: ['/bin/echo', 'hi'] },
      { security: { exec: { allow: [CAT] } } },
    );
    assert.match(errorOf(await narrowed.exited()).message, /\/bin\/echo.* policy 1's exec.allow/);
    // A port whose own policy lists rm is still denied it: the parent's policy does not.
    const widened = await owned(
      system,
      { argv: ['/usr/bin/rm', '-h'] },
      { security: { exec: { allow: [CAT, { path: '/usr/bin/rm', args: ['.*'] }] } } },
    );
    assert.match(errorOf(await widened.exited()).message, /rm is not in policy 0's exec.allow/);
    // The owner's narrowing is inherited by the port it spawns.
    const inherited = await owned(system, { argv: ['/bin/echo', 'hi'] }, undefined, {
      security: { exec: { allow: [CAT] } },
    });
    assert.equal(errorOf(await inherited.exited()).code, 'ERR_DENIED');
    // The parent itself may still run echo.
    const direct = await owned(system, { argv: ['/bin/echo', 'hi'] });
    assert.deepEqual(await direct.exited(), exitReason.normal);
    assert.deepEqual(
      audit
        .recent()
        .filter((l) => l.decision !== 'outcome')
        .map((l) => l.decision),
      ['deny', 'deny', 'deny', 'allow'],
    );
    await system.shutdown();
  });

  it("a child policy cannot switch the user its parent's policy runs programs as (back to root, say)", {
    timeout: LIMITS.test,
  }, async () => {
    const system = createSystem({
      security: { exec: { allow: [CAT], runAs: { uid: 65534, gid: 65534 } } },
    });
    const p = await owned(
      system,
      { argv: ['/usr/bin/cat', '/etc/hostname'] },
      { security: { exec: { allow: [CAT], runAs: { uid: 0, gid: 0 } } } },
    );
    assert.match(errorOf(await p.exited()).message, /exec.runAs 0:0 differs/);
    await system.shutdown();
  });

  it('gigabytes on stdout stop at maxOutputBytes: ERR_PORT_OUTPUT_LIMIT', {
    timeout: LIMITS.test,
  }, async () => {
    const max = 1 << 20;
    const system = createSystem({
      security: {
        exec: {
          allow: [{ path: '/usr/bin/head', args: ['-c', '2G', '/dev/zero'] }, SH],
          shell: true,
          limits: { maxOutputBytes: max },
        },
      },
    });
    const chunks = await owned(system, {
      argv: ['/usr/bin/head', '-c', '2G', '/dev/zero'],
      mode: 'chunks',
    });
    const error = errorOf(await chunks.exited());
    assert.ok(error instanceof PortExitError);
    assert.equal(error.code, 'ERR_PORT_OUTPUT_LIMIT');
    assert.equal(chunks.data().join('').length, max);
    // Lines mode: `yes` writes short lines forever.
    const lines = await owned(system, { command: 'exec yes' });
    assert.equal(errorOf(await lines.exited()).code, 'ERR_PORT_OUTPUT_LIMIT');
    assert.equal(lines.data().length, max / 2);
    await alive(system);
    await system.shutdown();
  });

  it('a fork bomb under a processes limit is contained: the port ends, its group is gone, the runtime lives', {
    timeout: LIMITS.test,
  }, async () => {
    const root = process.getuid?.() === 0;
    // RLIMIT_NPROC counts every process of a uid machine-wide: a uid of this
    // test run's own, not the shared `nobody`, so concurrent runs elsewhere on
    // the machine neither use up its limit nor show in its counts.
    const nobody = bomberUid();
    const limit = 16;
    const system = createSystem({
      security: {
        exec: {
          allow: [SH],
          shell: true,
          limits: { processes: limit, timeoutMs: 1_500 },
          // Root ignores RLIMIT_NPROC: drop to an unprivileged user, whose limit the kernel enforces.
          ...(root ? { runAs: { uid: nobody, gid: nobody } } : {}),
        },
      },
    });
    const bomb = await owned(system, { command: 'echo $$; b() { b | b & }; b; exec sleep 100' });
    await waitFor(() => bomb.out.length >= 1, LIMITS.wait, 'the leader pid');
    const pgid = Number(bomb.data()[0]);
    let peak = 0;
    const sample = setInterval(() => {
      if (root) peak = Math.max(peak, processesOf(nobody));
    }, 20);
    const reason = await bomb.exited();
    clearInterval(sample);
    assert.equal(reason.kind, 'error'); // the timeout, or the shell dying of the bomb
    assert.ok(!system.isAlive(bomb.port));
    if (root) assert.ok(peak <= limit + 1, `${peak} processes ran as ${nobody} (limit ${limit})`);
    // The limit bit: forks were refused.
    assert.match(bomb.data('stderr').join('\n'), /fork/i);
    await waitFor(() => groupMembers(pgid).length === 0, LIMITS.wait, 'the bomb group to be gone');
    await alive(system);
    await system.shutdown();
  });

  it('in a bwrap sandbox a fork bomb is contained by its pid namespace too', {
    timeout: LIMITS.test,
  }, async (t) => {
    const bomber = bomberUid();
    const why = bwrapUnusable();
    if (why !== undefined) {
      console.log(`skipping the bwrap fork bomb test: ${why}`);
      t.skip(why);
      return;
    }
    const system = createSystem({
      security: {
        exec: {
          allow: [SH],
          shell: true,
          sandbox: {},
          limits: { processes: 16, timeoutMs: 1_000 },
          ...(process.getuid?.() === 0 ? { runAs: { uid: bomber, gid: bomber } } : {}),
        },
      },
    });
    const bomb = await owned(system, { command: 'b() { b | b & }; b; exec sleep 100' });
    assert.equal((await bomb.exited()).kind, 'error');
    if (process.getuid?.() === 0) {
      await waitFor(
        () => processesOf(bomber) === 0,
        LIMITS.wait,
        `no process left running as ${bomber}`,
      );
    }
    await alive(system);
    await system.shutdown();
  });
});
