/**
 * Semantics §20, §23: a body placed with `placement: 'process'` and a
 * `sandbox` is untrusted code in an OS-level sandbox. Each test is an
 * attack such a body makes; after each, the runtime still answers an ask.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type ActorRef,
  createSystem,
  SandboxUnavailableError,
  type SystemEvent,
} from '../../src/index.js';
import { Placements } from '../../src/isolation/index.js';
import { SandboxProbe, sandboxCommand } from '../../src/isolation/sandbox.js';
import { until, within } from '../isolation/helpers.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import { type AttackMsg, attacker } from './attacker.js';
import { assertRuntimeAnswers, skipWithoutSandbox } from './host-helpers.js';

const system = createSystem({ askTimeout: LIMITS.wait });
after(() => within(system.shutdown({ timeout: 1_000 }), 60_000, 'shutdown'));

function sandboxed(sandbox: Record<string, unknown> = {}): ActorRef<AttackMsg> {
  return system.spawn(attacker, {
    placement: 'process',
    sandbox: { allowFsRead: ['/proc'], ...sandbox },
  }) as ActorRef<AttackMsg>;
}

/** Processes of this machine whose command line is exactly `argv`. */
function processesRunning(argv: readonly string[]): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').slice(0, -1);
      if (cmdline.join('\0') === argv.join('\0')) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('security: a sandboxed process placement is an OS-level sandbox (semantics §23)', () => {
  failOnUnhandledRejections();

  it('the body runs in its own pid, network, IPC, UTS, cgroup and user namespaces and session, unprivileged, with no capabilities', {
    timeout: LIMITS.test,
  }, async (t) => {
    if (skipWithoutSandbox(t)) return;
    const ref = sandboxed();
    const me = await ref.ask({ type: 'whoami' });
    for (const ns of ['pid', 'net', 'ipc', 'uts', 'cgroup', 'user']) {
      assert.notEqual(
        me.namespaces[ns],
        readlinkSync(`/proc/self/ns/${ns}`),
        `its own ${ns} namespace`,
      );
    }
    assert.notEqual(me.uid, 0, 'not root');
    if (process.getuid?.() === 0) assert.equal(me.uid, 65534, 'a root runtime runs it as nobody');
    else assert.equal(me.uid, process.getuid?.());
    assert.equal(me.capEff, '0000000000000000', 'no effective capability');
    assert.equal(me.capBnd, '0000000000000000', 'an empty bounding set: none can be regained');
    // A session led by a process inside the sandbox (one led from outside reads as 0 here).
    assert.ok(me.sessionId > 0 && me.sessionId <= me.pid, `a session of its own (${me.sessionId})`);
    assert.ok(me.pid < 10, `a fresh pid namespace (its pid there is ${me.pid})`);
    await system.stop(ref);
    await assertRuntimeAnswers(system);
  });

  it('the body runs as the sandbox’s runAs, else as its policy’s exec.runAs', {
    timeout: LIMITS.test,
  }, async (t) => {
    if (skipWithoutSandbox(t)) return;
    if (process.getuid?.() !== 0) {
      console.log('skipped: only a root runtime can run a host as another uid');
      t.skip('the runtime is not root');
      return;
    }
    const own = sandboxed({ runAs: { uid: 4242, gid: 4243 } });
    const me = await own.ask({ type: 'whoami' });
    assert.deepEqual([me.uid, me.gid], [4242, 4243]);
    const byPolicy = system.spawn(attacker, {
      placement: 'process',
      sandbox: { allowFsRead: ['/proc'] },
      security: { exec: { allow: [], runAs: { uid: 4343, gid: 4344 } } },
    }) as ActorRef<AttackMsg>;
    const them = await byPolicy.ask({ type: 'whoami' });
    assert.deepEqual([them.uid, them.gid], [4343, 4344]);
    await system.stop(own);
    await system.stop(byPolicy);
    await assertRuntimeAnswers(system);
  });

  it('the body cannot signal the runtime nor reach its inspector or any loopback port', {
    timeout: LIMITS.test,
  }, async (t) => {
    if (skipWithoutSandbox(t)) return;
    let signalled = 0;
    const onSignal = (): void => {
      signalled++;
    };
    // Listening also keeps a SIGUSR1 that did arrive from opening this test's inspector.
    process.on('SIGUSR1', onSignal);
    const server: Server = createServer((socket) => socket.destroy());
    let connections = 0;
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const ref = sandboxed();
      const me = await ref.ask({ type: 'whoami' });
      const results = await ref.ask({
        type: 'signal',
        pids: [process.pid, process.ppid, me.ppid],
        signal: 'SIGUSR1',
      });
      assert.equal(results[0], 'ESRCH', 'the runtime’s pid does not exist in its pid namespace');
      assert.equal((await ref.ask({ type: 'connect', port: 9229 })) === 'connected', false);
      assert.notEqual(await ref.ask({ type: 'connect', port }), 'connected');
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(signalled, 0, 'no SIGUSR1 reached the runtime');
      assert.equal(connections, 0, 'no connection reached the runtime’s loopback server');
      await system.stop(ref);
      await assertRuntimeAnswers(system);
    } finally {
      process.off('SIGUSR1', onSignal);
      server.close();
    }
  });

  it('the body sees only the environment it was given, not the runtime’s secrets', {
    timeout: LIMITS.test,
  }, async (t) => {
    if (skipWithoutSandbox(t)) return;
    process.env.AIRSSYS_TEST_SECRET = 'hunter2';
    process.env.AIRSSYS_TEST_SHARED = 'shared';
    try {
      const ref = sandboxed({ env: { TZ: 'UTC' }, inheritEnv: ['AIRSSYS_TEST_SHARED'] });
      const env = await ref.ask({ type: 'env' });
      assert.equal(env.AIRSSYS_TEST_SECRET, undefined, 'the secret is not inherited');
      assert.equal(env.TZ, 'UTC');
      assert.equal(env.AIRSSYS_TEST_SHARED, 'shared');
      // bwrap sets PWD to the working directory it chose, `/`; nothing else is there.
      assert.deepEqual(Object.keys(env).sort(), ['AIRSSYS_TEST_SHARED', 'PWD', 'TZ']);
      assert.equal(env.PWD, '/');
      await system.stop(ref);
      await assertRuntimeAnswers(system);
    } finally {
      delete process.env.AIRSSYS_TEST_SECRET;
      delete process.env.AIRSSYS_TEST_SHARED;
    }
  });

  it('a daemon the body starts (setsid) does not outlive its stop', {
    timeout: LIMITS.test,
  }, async (t) => {
    if (skipWithoutSandbox(t)) return;
    const ref = sandboxed({ allowChildProcess: true });
    const tag = `3131.${process.pid}${Date.now() % 1000}`;
    assert.equal(await ref.ask({ type: 'daemon', tag }), true);
    await until(
      () => processesRunning(['/bin/sleep', tag]).length === 1,
      60_000,
      'the daemon runs',
    );
    await system.stop(ref);
    await until(
      () => processesRunning(['/bin/sleep', tag]).length === 0,
      60_000,
      'the daemon is gone',
    );
    await assertRuntimeAnswers(system);
  });

  it('a runtime killed outright takes its sandboxed hosts and their daemons with it', {
    timeout: LIMITS.test,
  }, async (t) => {
    if (skipWithoutSandbox(t)) return;
    const tag = `3132.${process.pid}${Date.now() % 1000}`;
    const program = fileURLToPath(new URL('./fixture-runtime.js', import.meta.url));
    const runtime = spawn(process.execPath, [program, tag], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await within(
        new Promise<void>((resolve, reject) => {
          runtime.stdout.on('data', (d: Buffer) => {
            if (String(d).includes('ready')) resolve();
          });
          runtime.on('exit', (code) => reject(new Error(`the runtime exited early (${code})`)));
        }),
        60_000,
        'the runtime placed its body',
      );
      assert.equal(processesRunning(['/bin/sleep', tag]).length, 1, 'the daemon runs');
      runtime.kill('SIGKILL');
      await until(
        () => processesRunning(['/bin/sleep', tag]).length === 0,
        60_000,
        'the daemon died with the runtime',
      );
    } finally {
      runtime.kill('SIGKILL');
    }
    await assertRuntimeAnswers(system);
  });

  it('its stdout and stderr are captured as bounded host-output events, not inherited', {
    timeout: LIMITS.test,
  }, async (t) => {
    if (skipWithoutSandbox(t)) return;
    const events: Extract<SystemEvent, { type: 'host-output' }>[] = [];
    const off = system.events.subscribe(
      (e) => {
        if (e.type === 'host-output') events.push(e);
      },
      ['host-output'],
    );
    try {
      const ref = sandboxed();
      await ref.ask({ type: 'print', text: 'x', bytes: 1024 * 1024 });
      await until(
        () => events.some((e) => e.stream === 'stderr' && e.text.includes('a line on stderr')),
        60_000,
        'stderr event',
      );
      await system.stop(ref);
      await until(() => events.some((e) => e.dropped > 0), 60_000, 'the drop is reported');
      const stdout = events.filter((e) => e.stream === 'stdout');
      assert.ok(stdout.length > 0 && stdout.every((e) => /^x*$/.test(e.text)));
      assert.ok(
        events.every((e) => e.text.length <= 4096),
        'at most 4 KiB per event',
      );
      const kept = stdout.reduce((n, e) => n + e.text.length, 0);
      // A drop was reported, so the budget was spent: exactly 256 KiB of stdout was forwarded.
      assert.equal(kept, 256 * 1024);
      assert.ok(events.every((e) => e.pids.length <= 1));
      assert.ok(
        stdout.some((e) => e.pids[0] === ref.pid),
        'the event names the placed process',
      );
      await assertRuntimeAnswers(system);
    } finally {
      off();
    }
  });
});

describe('security: a sandbox the machine cannot give is refused, never weakened (semantics §23)', () => {
  const tools = { bwrap: undefined, prlimit: undefined, setpriv: '/usr/bin/setpriv' };
  const host = {
    node: process.execPath,
    nodeArgs: [],
    entry: '/x.js',
    reads: [],
    root: { dirs: [], links: [], files: [] },
  };

  it('without bwrap there is no sandbox command, and the probe says why', {
    timeout: LIMITS.test,
  }, () => {
    assert.match(String(sandboxCommand({}, host, tools, 0)), /bwrap/);
    assert.match(String(new SandboxProbe(tools).problem()), /bwrap/);
  });

  it('a bwrap that cannot make the namespaces is found out by the probe', {
    timeout: LIMITS.test,
  }, () => {
    const broken = new SandboxProbe({
      bwrap: '/bin/false',
      prlimit: undefined,
      setpriv: undefined,
    });
    assert.match(String(broken.problem()), /cannot make the sandbox|setpriv/);
  });

  it('a root runtime without setpriv, or another uid asked of a non-root runtime, is refused', {
    timeout: LIMITS.test,
  }, () => {
    const noSetpriv = { bwrap: '/usr/bin/bwrap', prlimit: undefined, setpriv: undefined };
    assert.match(String(sandboxCommand({}, host, noSetpriv, 0)), /setpriv/);
    const full = { bwrap: '/usr/bin/bwrap', prlimit: undefined, setpriv: '/usr/bin/setpriv' };
    assert.match(
      String(sandboxCommand({ runAs: { uid: 1234, gid: 1234 } }, host, full, 1000)),
      /root/,
    );
  });

  it('a sandboxed spawn on such a machine throws SandboxUnavailableError (ERR_SANDBOX_UNAVAILABLE) and starts nothing', {
    timeout: LIMITS.test,
  }, () => {
    let started = 0;
    const main = {
      lookup: () => undefined,
      current: null,
      audit: undefined,
      events: { observed: false, emit: () => started++ },
      clock: { now: () => 0 },
      deadLetter: () => {},
    } as unknown as ConstructorParameters<typeof Placements>[0];
    const placements = new Placements(main, 1, new SandboxProbe(tools));
    const module = { url: import.meta.url, exportName: 'attacker' };
    assert.throws(
      () => placements.link({ placement: 'process', sandbox: {} }, module),
      (e: unknown) => {
        assert.ok(e instanceof SandboxUnavailableError);
        assert.equal(e.code, 'ERR_SANDBOX_UNAVAILABLE');
        assert.match(e.message, /bwrap/);
        return true;
      },
    );
    assert.equal(started, 0);
    placements.close();
  });

  it('a bad sandbox option is an InvalidArgumentError naming it', { timeout: LIMITS.test }, () => {
    const local = createSystem({ askTimeout: LIMITS.wait });
    try {
      assert.throws(
        () => local.spawn(attacker, { placement: 'process', sandbox: { env: { 'A B': 'x' } } }),
        (e: unknown) => (e as { code?: string }).code === 'ERR_INVALID_ARG',
      );
    } finally {
      void local.shutdown();
    }
  });
});
