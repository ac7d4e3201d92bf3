/**
 * §21/§23: a port's program cannot outlive its stop, its timeout or its own
 * exit. The attacker double-forks a daemon into a new session (`setsid`),
 * which leaves the program's process group, and makes it ignore SIGTERM,
 * SIGHUP and SIGINT; in every containment mode, with and without a bwrap
 * sandbox, the daemon is dead once the port has exited, and the runtime
 * answers an ask afterwards.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exitReason, type PortState, port, type TreeRequest } from '../../src/index.js';
import { buildLaunch, findCgroupBase, findTools } from '../../src/os/index.js';
import { bwrapUnusable, errorOf, owned, waitFor } from '../os/port-helpers.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import {
  answers,
  cgroupUnusable,
  daemons,
  marker,
  pidNamespaceUnusable,
  running,
  shellSystem,
  skipped,
} from './port-fixture.js';

/** A daemon in a new session, its parent gone, deaf to the polite signals; its command line holds `mark`. */
function daemon(mark: string, keepStdout: boolean): string {
  const io = keepStdout ? '</dev/null' : '</dev/null >/dev/null 2>&1';
  return `(setsid /bin/sh -c 'trap "" TERM HUP INT; while :; do sleep 1; done' ${mark} ${io} &); echo started`;
}

interface Mode {
  readonly name: string;
  readonly containment: TreeRequest;
  readonly sandbox: boolean;
  readonly unusable: () => string | undefined;
}

const MODES: readonly Mode[] = [
  { name: 'a cgroup', containment: 'cgroup', sandbox: false, unusable: cgroupUnusable },
  {
    name: 'a pid namespace (unshare)',
    containment: 'pid-namespace',
    sandbox: false,
    unusable: pidNamespaceUnusable,
  },
  {
    name: 'a cgroup, in a bwrap sandbox',
    containment: 'cgroup',
    sandbox: true,
    unusable: () => cgroupUnusable() ?? bwrapUnusable(),
  },
  {
    name: "bwrap's pid namespace",
    containment: 'pid-namespace',
    sandbox: true,
    unusable: bwrapUnusable,
  },
];

/** Why a runtime cannot be run as nobody here (not root, no setpriv), or undefined when it can. */
function nobodyUnusable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the test needs root to run a runtime as nobody';
  return findTools().setpriv === undefined ? 'setpriv (util-linux) is not installed' : undefined;
}

describe('a setsid daemon cannot outlive its port', () => {
  failOnUnhandledRejections();

  for (const mode of MODES) {
    const exec = mode.sandbox ? { sandbox: {} } : {};

    it(`contained by ${mode.name}: stopping the port kills the daemon`, {
      timeout: LIMITS.test,
    }, async (t) => {
      if (skipped(t, `${mode.name} (stop)`, mode.unusable())) return;
      const system = shellSystem(exec);
      const mark = marker();
      // The program cleans up on SIGTERM: the graceful stop reaches it, not only its wrapper.
      const program = `trap 'echo got-term; exit 0' TERM; ${daemon(mark, false)}; while :; do sleep 0.1; done`;
      const p = await owned(system, {
        argv: ['/bin/sh', '-c', program],
        containment: mode.containment,
        grace: 30_000,
      });
      // 'started' follows the daemon's fork: a stop between the two would run the
      // trap before the echo, so the program must be seen past it, not only the daemon.
      await waitFor(
        () => daemons(mark).length > 0 && p.data().includes('started'),
        60_000,
        'the daemon to start and the program to say so',
      );
      const info = (await p.port.ask({ type: 'info' })) as PortState;
      assert.equal(info.containment.tree, mode.containment);
      assert.equal(info.containment.sandbox, mode.sandbox ? 'bwrap' : 'none');
      await system.stop(p.port);
      assert.deepEqual(await p.exited(), exitReason.normal);
      assert.deepEqual(p.data(), ['started', 'got-term']);
      assert.deepEqual(running(mark), [], 'the daemon outlived the stopped port');
      await answers(system);
      await system.shutdown();
    });

    it(`contained by ${mode.name}: the timeout kills the daemon`, {
      timeout: LIMITS.test,
    }, async (t) => {
      if (skipped(t, `${mode.name} (timeout)`, mode.unusable())) return;
      const system = shellSystem({ ...exec, limits: { timeoutMs: 1_000 } });
      const mark = marker();
      const p = await owned(system, {
        argv: ['/bin/sh', '-c', `${daemon(mark, false)}; exec sleep 3000`],
        containment: mode.containment,
      });
      await waitFor(() => daemons(mark).length > 0, 60_000, 'the daemon to start');
      assert.equal(errorOf(await p.exited()).code, 'ERR_PORT_TIMEOUT');
      assert.deepEqual(running(mark), [], 'the daemon outlived the timeout');
      await answers(system);
      await system.shutdown();
    });

    it(`contained by ${mode.name}: a program that exits takes its daemon with it, and the port ends only then`, {
      timeout: LIMITS.test,
    }, async (t) => {
      if (skipped(t, `${mode.name} (exit)`, mode.unusable())) return;
      // The daemon holds the port's stdout open: before, the port lived as long as it did.
      const system = shellSystem({ ...exec, limits: { timeoutMs: 60_000 } });
      const mark = marker();
      const p = await owned(system, {
        argv: ['/bin/sh', '-c', `${daemon(mark, true)}; sleep 0.5`],
        containment: mode.containment,
      });
      assert.deepEqual(await p.exited(), exitReason.normal);
      assert.deepEqual(p.data(), ['started']);
      assert.deepEqual(running(mark), [], 'the daemon outlived its program');
      await answers(system);
      await system.shutdown();
    });
  }

  for (const mode of MODES.filter((m) => m.containment === 'pid-namespace')) {
    it(`contained by ${mode.name}: killed within a millisecond of its start, nothing is left`, {
      timeout: LIMITS.test,
    }, async (t) => {
      if (skipped(t, `${mode.name} (early kill)`, mode.unusable())) return;
      // The kill lands while bwrap or unshare is still making the namespace.
      const system = shellSystem({
        ...(mode.sandbox ? { sandbox: {} } : {}),
        limits: { timeoutMs: 1 },
      });
      const marks: string[] = [];
      for (let i = 0; i < 20; i++) {
        const mark = marker();
        marks.push(mark);
        const p = await owned(system, {
          argv: ['/bin/sh', '-c', `${daemon(mark, false)}; exec sleep 3000`],
          containment: mode.containment,
        });
        assert.equal(errorOf(await p.exited()).code, 'ERR_PORT_TIMEOUT');
      }
      const left = marks.flatMap((m) => running(m));
      for (const pid of left) process.kill(pid, 'SIGKILL');
      assert.deepEqual(left, [], 'a namespace outlived its port');
      await answers(system);
      await system.shutdown();
    });
  }

  it("containment 'process-group' is the one mode a setsid escapes: it is never chosen unasked, and says so", {
    timeout: LIMITS.test,
  }, async (t) => {
    if (skipped(t, 'the default containment', cgroupUnusable() && pidNamespaceUnusable())) return;
    const system = shellSystem();
    const p = await owned(system, { argv: ['/bin/sh', '-c', 'exec sleep 3000'] });
    const info = (await p.port.ask({ type: 'info' })) as PortState;
    assert.notEqual(info.containment.tree, 'process-group');
    await system.stop(p.port);
    const weak = await owned(system, {
      argv: ['/bin/sh', '-c', 'exec sleep 3000'],
      containment: 'process-group',
    });
    const weakInfo = (await weak.port.ask({ type: 'info' })) as PortState;
    assert.equal(weakInfo.containment.tree, 'process-group');
    await system.stop(weak.port);
    await system.shutdown();
  });

  it('a containment the machine cannot give is refused with ERR_CONTAINMENT_UNAVAILABLE, never run weaker', {
    timeout: LIMITS.test,
  }, async (t) => {
    // The launcher on a machine without cgroup v2 and without unshare.
    const plan = {
      allowed: true,
      reason: 'test',
      executable: '/bin/true',
      cwd: '/',
      limits: {},
      runAs: undefined,
      sandbox: undefined,
    };
    const bare = { ...findTools(), unshare: undefined };
    const refused = (containment: TreeRequest) =>
      buildLaunch(plan, ['/bin/true'], bare, { containment, cgroupBase: 'no cgroup v2 (test)' });
    for (const containment of ['tree', 'cgroup', 'pid-namespace'] as const) {
      const launch = refused(containment);
      assert.ok('refused' in launch, `${containment} was launched without its containment`);
    }
    const tree = refused('tree');
    assert.match(
      'refused' in tree ? tree.refused : '',
      /no cgroup v2 .*no pid namespace .*process-group/,
    );
    const weak = refused('process-group');
    assert.ok(!('refused' in weak) && weak.containment.tree === 'process-group');
    // Through a port: a runtime running as nobody cannot make cgroups in root's cgroup.
    const setpriv = findTools().setpriv;
    const why = nobodyUnusable();
    if (skipped(t, 'the refusal through a port', why)) return;
    const nobody = ['--reuid=65534', '--regid=65534', '--clear-groups', '--'];
    const child = fileURLToPath(new URL('./port-unprivileged-child.js', import.meta.url));
    const run = spawnSync(
      setpriv as string,
      [...nobody, process.execPath, child, marker(), 'plain', 'cgroup'],
      { cwd: '/', encoding: 'utf8', timeout: 60_000 },
    );
    const report = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as { error?: string };
    assert.match(report.error ?? '', /port exited: ERR_CONTAINMENT_UNAVAILABLE/, run.stderr);
  });

  it("an 'info' told without a reply is a dead letter: the port and the runtime go on", {
    timeout: LIMITS.test,
  }, async () => {
    const system = shellSystem();
    const p = await owned(system, { argv: ['/bin/sh', '-c', 'exec sleep 3000'] });
    p.port.tell({ type: 'info' } as never);
    await waitFor(() => system.recentDeadLetters().length > 0, 60_000, 'the dead letter');
    assert.equal(system.recentDeadLetters().at(-1)?.reason, 'unexpected');
    const info = (await p.port.ask({ type: 'info' })) as PortState;
    assert.ok(info.osPid > 1);
    await answers(system);
    await system.shutdown();
  });

  it('an unknown containment mode is an InvalidArgumentError at definition', {
    timeout: LIMITS.test,
  }, () => {
    assert.throws(
      () => port({ argv: ['/bin/true'], containment: 'none' as TreeRequest }),
      (e: unknown) => (e as { code?: string }).code === 'ERR_INVALID_ARG',
    );
  });
});

describe('a port program does not outlive a killed runtime', () => {
  const child = fileURLToPath(new URL('./port-runtime-child.js', import.meta.url));

  /** Starts a runtime process running the daemon attack, waits for `ready`, SIGKILLs it; its pid. */
  async function killRuntimeDuring(
    mark: string,
    containment: TreeRequest,
    sandbox: boolean,
  ): Promise<number> {
    const args = [child, mark, containment, sandbox ? 'sandbox' : 'plain'];
    const runtime = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    runtime.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const running = () => out.includes('ready') && daemons(mark).length >= 2;
    await waitFor(running, 60_000, 'the attack to run');
    const exited = new Promise((resolve) => runtime.once('exit', resolve));
    runtime.kill('SIGKILL');
    await exited;
    return runtime.pid as number;
  }

  /** Kills what the test left behind (by its marker) and removes the dead runtime's cgroups. */
  async function cleanUp(mark: string, runtimePid: number | undefined): Promise<void> {
    for (const pid of daemons(mark)) process.kill(pid, 'SIGKILL');
    await waitFor(() => daemons(mark).length === 0, 60_000, 'the leftovers to die');
    const base = findCgroupBase();
    if (runtimePid === undefined || typeof base === 'string') return;
    for (const name of readdirSync(base.path)) {
      if (!name.startsWith(`airssys-port-${runtimePid}-`)) continue;
      const dir = join(base.path, name);
      await waitFor(
        () => readFileSync(join(dir, 'cgroup.procs'), 'utf8') === '',
        60_000,
        'an empty cgroup',
      );
      rmdirSync(dir);
    }
  }

  for (const mode of MODES.filter((m) => m.containment === 'pid-namespace')) {
    it(`contained by ${mode.name}: the whole tree dies with the runtime`, {
      timeout: LIMITS.test,
    }, async (t) => {
      if (skipped(t, `${mode.name} (runtime killed)`, mode.unusable())) return;
      const mark = marker();
      let pid: number | undefined;
      try {
        pid = await killRuntimeDuring(mark, mode.containment, mode.sandbox);
        const dead = () => daemons(mark).length === 0;
        await waitFor(dead, 60_000, 'the program and its daemon to die');
      } finally {
        await cleanUp(mark, pid);
      }
    });
  }

  it('contained by a cgroup without a sandbox: the first process dies with the runtime (parent-death signal)', {
    timeout: LIMITS.test,
  }, async (t) => {
    if (skipped(t, 'a cgroup (runtime killed)', cgroupUnusable())) return;
    const mark = marker();
    let pid: number | undefined;
    try {
      pid = await killRuntimeDuring(mark, 'cgroup', false);
      // The program's own loop is the one whose parent was the runtime; the daemon's parent was init.
      await waitFor(() => daemons(mark).length <= 1, 60_000, 'the program to die');
    } finally {
      // Documented: what left the program's session keeps running in its cgroup.
      await cleanUp(mark, pid);
    }
  });
});

describe('a runtime that is not root contains its ports too', () => {
  const child = fileURLToPath(new URL('./port-unprivileged-child.js', import.meta.url));
  const nobody = 65534;

  for (const sandbox of [false, true]) {
    it(`${sandbox ? 'in a bwrap sandbox' : 'without a sandbox'}: a setsid daemon dies with the stopped port`, {
      timeout: LIMITS.test,
    }, async (t) => {
      const setpriv = findTools().setpriv;
      const why = nobodyUnusable() ?? (sandbox ? bwrapUnusable() : undefined);
      if (skipped(t, 'the unprivileged runtime', why)) return;
      const mark = marker();
      const args = [`--reuid=${nobody}`, `--regid=${nobody}`, '--clear-groups', '--'];
      const run = spawnSync(
        setpriv as string,
        [...args, process.execPath, child, mark, sandbox ? 'sandbox' : 'plain'],
        { cwd: '/', encoding: 'utf8', timeout: 60_000 },
      );
      const line = run.stdout.trim().split('\n').at(-1) ?? '';
      const report = JSON.parse(line.startsWith('{') ? line : '{}') as {
        uid?: number;
        error?: string;
        daemonsBefore?: number;
        daemonsAfter?: number;
        containment?: PortState['containment'];
      };
      if (report.error?.includes('ERR_CONTAINMENT_UNAVAILABLE')) {
        // No user namespaces for nobody here: refused, as documented, not run weaker.
        skipped(t, 'the unprivileged runtime', report.error);
        return;
      }
      assert.equal(report.uid, nobody, `${run.stdout}\n${run.stderr}`);
      assert.equal(report.error, undefined);
      // At least the daemon (a child it forks shows its command line until it execs).
      assert.ok((report.daemonsBefore ?? 0) >= 1, `${run.stdout}`);
      assert.notEqual(report.containment?.tree, 'process-group');
      assert.equal(report.containment?.capabilities, 'none');
      assert.equal(report.daemonsAfter, 0, 'the daemon outlived the stopped port');
    });
  }
});
