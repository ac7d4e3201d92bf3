/**
 * §21/§23: a port's limits hold for its whole process tree where a cgroup
 * v2 counts it. The attacker splits the work over children, each under the
 * per-process limit: four CPU burners under `cpuSeconds: 1` (per process
 * they could use 4 s together) are killed by the tree's limit; where the
 * cgroup has the pids controller, a root program's fork loop (which
 * RLIMIT_NPROC does not stop for root) is bounded by the tree's
 * `processes`. Where a limit can only be per process, the port says so.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { AuditLog, createSystem, type PortState } from '../../src/index.js';
import { findCgroupBase } from '../../src/os/index.js';
import { errorOf, owned, waitFor } from '../os/port-helpers.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import {
  answers,
  cgroupUnusable,
  marker,
  pidNamespaceUnusable,
  running,
  SH,
  skipped,
} from './port-fixture.js';

/** Host pids of the attack's CPU burners (`/bin/sh -c 'while …'` with `mark`). */
function burners(mark: string): number[] {
  return running(mark).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('/bin/sh\0-c\0while ');
    } catch {
      return false;
    }
  });
}

function burn(mark: string, n: number): string {
  return `for i in $(seq ${n}); do /bin/sh -c 'while :; do :; done' ${mark} & done; wait`;
}

describe('port limits bound the whole tree', () => {
  failOnUnhandledRejections();

  it('four CPU burners under cpuSeconds: 1 are killed by the tree limit: ERR_PORT_CPU_LIMIT', {
    timeout: LIMITS.test,
  }, async (t) => {
    if (skipped(t, 'the tree CPU limit', cgroupUnusable())) return;
    const audit = new AuditLog();
    const system = createSystem({
      audit,
      security: { exec: { allow: [SH], limits: { cpuSeconds: 1, timeoutMs: 120_000 } } },
    });
    const mark = marker();
    const p = await owned(system, { argv: ['/bin/sh', '-c', burn(mark, 4)] });
    const error = errorOf(await p.exited());
    // Per process, each burner could run 1 s of CPU: the tree's limit ends all four first.
    assert.equal(error.code, 'ERR_PORT_CPU_LIMIT', error.message);
    const used = Number(/used ([\d.]+) s of CPU/.exec(error.message)?.[1]);
    assert.ok(used >= 1, `the tree was killed after ${used} s of CPU, under its limit`);
    assert.deepEqual(burners(mark), [], 'a burner outlived the port');
    const allow = audit.recent().find((l) => l.decision === 'allow');
    assert.match(allow?.reason ?? '', /tree: cgroup; limits: cpuSeconds per tree/);
    await answers(system);
    await system.shutdown();
  });

  it('in a pid namespace without a cgroup, cpuSeconds bounds each process, and the port says so', {
    timeout: LIMITS.test,
  }, async (t) => {
    if (skipped(t, 'the per-process CPU limit', pidNamespaceUnusable())) return;
    const system = createSystem({
      security: { exec: { allow: [SH], limits: { cpuSeconds: 1, timeoutMs: 120_000 } } },
    });
    const mark = marker();
    const p = await owned(system, {
      argv: ['/bin/sh', '-c', `${burn(mark, 2)}; exit 7`],
      containment: 'pid-namespace',
    });
    const info = (await p.port.ask({ type: 'info' })) as PortState;
    assert.equal(info.containment.tree, 'pid-namespace');
    assert.equal(info.containment.limits.cpuSeconds, 'process');
    // Each burner dies at its own second of CPU (SIGXCPU/SIGKILL); then the shell exits 7.
    const error = errorOf(await p.exited());
    assert.equal(error.code, 'ERR_PORT_EXIT');
    assert.equal(error.exitCode, 7);
    assert.deepEqual(burners(mark), []);
    await answers(system);
    await system.shutdown();
  });

  it("a root program's fork loop is bounded by the tree's processes limit (pids controller)", {
    timeout: LIMITS.test,
  }, async (t) => {
    const base = findCgroupBase();
    const why =
      typeof base === 'string'
        ? `no usable cgroup v2: ${base}`
        : base.controllers.has('pids')
          ? undefined
          : 'the pids controller cannot be enabled for child cgroups here (cgroup v1 holds it, or the runtime shares its cgroup)';
    if (skipped(t, 'the tree processes limit', why)) return;
    const system = createSystem({
      security: { exec: { allow: [SH], limits: { processes: 8, timeoutMs: 120_000 } } },
    });
    const mark = marker();
    const script = `n=0; while [ $n -lt 40 ]; do /bin/sh -c 'sleep 30' ${mark} & n=$((n+1)); done; echo forked; sleep 30`;
    const p = await owned(system, { argv: ['/bin/sh', '-c', script] });
    const info = (await p.port.ask({ type: 'info' })) as PortState;
    assert.equal(info.containment.limits.processes, 'tree');
    await waitFor(() => p.data().includes('forked'), 60_000, 'the fork loop to end');
    assert.ok(running(mark).length <= 8, `${running(mark).length} processes under a limit of 8`);
    assert.match(p.data('stderr').join('\n'), /fork|resource/i);
    await system.stop(p.port);
    assert.deepEqual(running(mark), []);
    await answers(system);
    await system.shutdown();
  });
});
