/**
 * §20: Node's permission model is a second layer inside a sandboxed host,
 * `--permission` from Node 22 and `--experimental-permission` on 20 (where
 * `--permission` is a bad option). The flags are chosen for the Node that
 * runs the host, and this Node accepts them and enforces them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { permissionFlags } from '../../src/isolation/transport.js';
import { LIMITS } from '../support/guard.js';

/** A program that reports whether it may read `/etc/passwd`. */
const PROBE =
  "try { require('node:fs').readFileSync('/etc/passwd'); console.log('read'); }" +
  ' catch (e) { console.log(e.code); }';

describe('isolation: the permission flags of a sandboxed host (semantics §20)', () => {
  it('`--experimental-permission` on Node 20, `--permission` from Node 22', {
    timeout: LIMITS.test,
  }, () => {
    assert.equal(permissionFlags({}, 20)[0], '--experimental-permission');
    assert.equal(permissionFlags({}, 22)[0], '--permission');
    assert.equal(permissionFlags({}, 24)[0], '--permission');
    assert.deepEqual(permissionFlags(undefined, 22), [], 'no sandbox, no permission model');
  });

  it('the Node running the runtime accepts its flags and refuses a read outside allowFsRead', {
    timeout: LIMITS.test,
  }, () => {
    const flags = permissionFlags({ allowFsRead: ['/nonexistent-airssys'] });
    const child = spawnSync(process.execPath, [...flags, '-e', PROBE], {
      encoding: 'utf8',
      timeout: LIMITS.wait,
    });
    assert.equal(child.stderr, '', `Node ${process.version} printed on stderr`);
    assert.equal(child.status, 0);
    assert.equal(child.stdout.trim(), 'ERR_ACCESS_DENIED');
  });
});
