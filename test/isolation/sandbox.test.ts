/**
 * Sandboxed child processes (Node's permission model): a body reads and
 * writes only what its sandbox allows, plus the runtime's code and its own
 * module's directory, and starts no process unless allowed. On Node 20 the
 * host runs under `--experimental-permission`; a refused call throws an
 * error with code `ERR_ACCESS_DENIED`, `permission` (`FileSystemRead`,
 * `FileSystemWrite`, `ChildProcess`) and `resource`, and that error crosses
 * back to the asker with its properties.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ActorRef, createSystem } from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { type EchoMsg, echo } from './actors.js';
import { rec, TIMEOUT, WAIT, within } from './helpers.js';

const allowed = mkdtempSync(join(tmpdir(), 'airssys-allowed-'));
const forbidden = mkdtempSync(join(tmpdir(), 'airssys-forbidden-'));
writeFileSync(join(allowed, 'in.txt'), 'inside');
writeFileSync(join(forbidden, 'out.txt'), 'outside!');
// The sandboxed host runs as an unprivileged uid (nobody, under a root runtime): the
// directory it may use must be open to it, as any directory shared with another user.
chmodSync(allowed, 0o777);

// Hosts start in seconds on a busy machine, and an ask's timeout runs from the ask, so the
// asks of these tests wait for the start: their timeout is a hang guard, not the default 5 s.
const system = createSystem({ askTimeout: WAIT });

after(async () => {
  await within(system.shutdown({ timeout: 1_000 }), WAIT, 'shutdown');
  rmSync(allowed, { recursive: true, force: true });
  rmSync(forbidden, { recursive: true, force: true });
});

const denied = (permission: string, resource?: string) => (e: unknown) => {
  const error = rec(e);
  assert.ok(e instanceof Error, 'an Error');
  assert.equal(error.code, 'ERR_ACCESS_DENIED');
  assert.equal(error.permission, permission);
  if (resource !== undefined) assert.equal(error.resource, resource);
  return true;
};

describe('isolation: sandboxed child processes', () => {
  failOnUnhandledRejections();

  it('a body reads and writes only what its sandbox allows, and starts no process', {
    timeout: TIMEOUT,
  }, async () => {
    const ref = system.spawn(echo, {
      placement: 'process',
      sandbox: { allowFsRead: [allowed], allowFsWrite: [allowed] },
    }) as ActorRef<EchoMsg>;
    assert.equal(await ref.ask({ type: 'read', path: join(allowed, 'in.txt') }), 6);
    const outside = join(forbidden, 'out.txt');
    await assert.rejects(
      ref.ask({ type: 'read', path: outside }),
      denied('FileSystemRead', outside),
    );
    // Its own module's directory is readable: the host had to import it.
    const own = fileURLToPath(new URL('./actors.js', import.meta.url));
    assert.ok((await ref.ask({ type: 'read', path: own })) > 0);
    assert.equal(await ref.ask({ type: 'write', path: join(allowed, 'w.txt') }), true);
    await assert.rejects(
      ref.ask({ type: 'write', path: join(forbidden, 'w.txt') }),
      denied('FileSystemWrite'),
    );
    await assert.rejects(ref.ask({ type: 'exec' }), denied('ChildProcess'));
    // A refused call is an ordinary error: the body lives on.
    assert.equal(system.isAlive(ref), true);
  });

  it('allowChildProcess lets it start processes; without a sandbox nothing is refused', {
    timeout: TIMEOUT,
  }, async () => {
    const exec = system.spawn(echo, {
      placement: 'process',
      sandbox: { allowChildProcess: true },
    }) as ActorRef<EchoMsg>;
    assert.equal(await exec.ask({ type: 'exec' }), true);
    const free = system.spawn(echo, { placement: 'process' }) as ActorRef<EchoMsg>;
    assert.equal(await free.ask({ type: 'read', path: join(forbidden, 'out.txt') }), 8);
  });
});
