/**
 * §21/§23: the bwrap sandbox of a port holds against its program. A `sh`
 * in it has no capabilities (none effective, permitted, inheritable,
 * ambient or in its bounding set), so even under a root runtime it cannot
 * remount `/` read-write and write to the host; and the host's Unix
 * sockets (under /tmp, /run and elsewhere) are out of its reach, except
 * those under a path the policy made writable.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createSystem, exitReason } from '../../src/index.js';
import { bwrapUnusable, owned } from '../os/port-helpers.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import { answers, marker, SH, shellSystem, skipped } from './port-fixture.js';

/** A Unix socket server at `path` (its directory made first); resolves once it listens. */
async function listen(path: string): Promise<Server> {
  mkdirSync(join(path, '..'), { recursive: true });
  const server = createServer((socket) => {
    socket.on('error', () => {}); // the probe hangs up at once
    socket.end('host secret\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  return server;
}

/** A node one-liner that tries each socket path given as an argument and prints `path reached|<error code>`. */
const PROBE = [
  "const net = require('node:net');",
  'for (const p of process.argv.slice(1)) {',
  "  const s = net.connect(p, () => { console.log(p + ' reached'); s.destroy(); });",
  "  s.on('error', (e) => console.log(p + ' ' + e.code));",
  '}',
].join(' ');

describe('the bwrap sandbox of a port', () => {
  failOnUnhandledRejections();

  it('drops every capability: a sh in it cannot remount / read-write or write to the host', {
    timeout: LIMITS.test,
  }, async (t) => {
    if (skipped(t, 'the capability test', bwrapUnusable())) return;
    const system = shellSystem({ sandbox: {} });
    const probe = `/usr/${marker()}`;
    const script = `grep ^Cap /proc/self/status; mount -o remount,rw / && echo remounted; touch ${probe} && echo wrote; echo done`;
    const p = await owned(system, { argv: ['/bin/sh', '-c', script] });
    assert.deepEqual(await p.exited(), exitReason.normal);
    const caps = p.data().filter((l) => l.startsWith('Cap'));
    assert.deepEqual(
      caps.map((l) => l.split(/\s+/)[0]),
      ['CapInh:', 'CapPrm:', 'CapEff:', 'CapBnd:', 'CapAmb:'],
    );
    for (const line of caps) assert.match(line, /:\s+0+$/, `a capability is left: ${line}`);
    assert.ok(!p.data().includes('remounted'), 'the sandbox remounted / read-write');
    assert.ok(!p.data().includes('wrote'), 'the sandbox wrote to the host');
    assert.ok(p.data().includes('done'));
    assert.equal(existsSync(probe), false);
    await answers(system);
    await system.shutdown();
  });

  it('masks host Unix sockets under /tmp, /run and elsewhere; one under a writable path stays reachable', {
    timeout: LIMITS.test,
  }, async (t) => {
    if (skipped(t, 'the socket test', bwrapUnusable())) return;
    const mark = marker();
    const dirs = [join(tmpdir(), mark), join('/run', mark), join('/var/tmp', mark)];
    const writable = join('/var/tmp', `${mark}-granted`);
    const paths = [...dirs, writable].map((d) => join(d, 's'));
    const servers: Server[] = [];
    try {
      for (const path of paths) {
        try {
          servers.push(await listen(path));
        } catch (error) {
          // Only /run may be out of the test's reach (not root): the others are required.
          if (!path.startsWith('/run/')) throw error;
          console.log(`no host socket under /run for this test: ${(error as Error).message}`);
        }
      }
      const listening = paths.filter((p) => existsSync(p));
      const exec = { allow: [SH, { path: process.execPath, args: ['.*'], maxArgs: 8 }] };
      // Control: outside a sandbox the probe reaches every socket.
      const open = createSystem({ askTimeout: LIMITS.wait, security: { exec } });
      const control = await owned(open, { argv: [process.execPath, '-e', PROBE, ...listening] });
      assert.deepEqual(await control.exited(), exitReason.normal);
      assert.deepEqual(control.data().sort(), listening.map((p) => `${p} reached`).sort());
      await open.shutdown();

      const system = createSystem({
        askTimeout: LIMITS.wait,
        security: { exec: { ...exec, sandbox: { writable: [writable] } } },
      });
      const p = await owned(system, { argv: [process.execPath, '-e', PROBE, ...listening] });
      assert.deepEqual(await p.exited(), exitReason.normal);
      const seen = new Map(p.data().map((l) => [l.split(' ')[0], l.split(' ')[1]]));
      for (const path of listening) {
        if (path.startsWith(writable)) assert.equal(seen.get(path), 'reached', path);
        else
          assert.notEqual(seen.get(path), 'reached', `the sandbox reached the host socket ${path}`);
      }
      assert.equal(seen.size, listening.length, p.data().join('\n'));
      await answers(system);
      await system.shutdown();
    } finally {
      for (const server of servers) server.close();
      for (const dir of [...dirs, writable]) rmSync(dir, { recursive: true, force: true });
    }
  });
});
