import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  type ActorRef,
  DeniedError,
  defineActor,
  type FileRequest,
  fileActor,
  loadPolicyFile,
  PolicyError,
  type Reply,
  type RequestOf,
  type SecurityPolicy,
} from '../../src/index.js';
import { openedAt, openNoFollow } from '../../src/os/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { type Fixture, failsWith, fixture } from './file-fixture.js';

/** Every denial must be in the log: counts DeniedErrors as they happen. */
function counting() {
  let denied = 0;
  return {
    denied: (text?: RegExp) => (e: unknown) => {
      assert.ok(e instanceof DeniedError, `expected DeniedError, got ${String(e)}`);
      if (text !== undefined) assert.match(e.message, text);
      denied++;
      return true;
    },
    get count() {
      return denied;
    },
  };
}

describe('file actor under attack', () => {
  failOnUnhandledRejections();
  let f: Fixture;
  let files: ActorRef<FileRequest>;
  beforeEach(() => {
    f = fixture();
    files = f.files();
  });
  afterEach(() => f.close());

  it("path traversal out of an allowed root is denied, naming the caller's path, never the resolved one", async () => {
    const seen = counting();
    for (const path of [
      `${f.data}/../../../../../../../../etc/passwd`,
      `${f.data}/sub/../../secret/key.txt`,
      `${f.out}/../../secret/key.txt`,
    ]) {
      await assert.rejects(files.ask({ type: 'read', path }), seen.denied(/outside policy 0/));
    }
    await assert.rejects(
      files.ask({ type: 'write', path: `${f.out}/../a.txt`, data: 'pwned' }),
      seen.denied(/write of .*\/out\/\.\.\/a\.txt is outside/),
    );
    assert.equal(readFileSync(join(f.data, 'a.txt'), 'utf8'), 'hello');
    const denials = f.lines().filter((l) => l.decision === 'deny');
    assert.equal(denials.length, seen.count);
    assert.match(denials[0]?.reason ?? '', /read of .*\/\.\.\/etc\/passwd is outside/);
    assert.ok(
      denials.every((d) => !d.reason.includes(f.secret)),
      'no resolved path leaks',
    );
    f.verify();
  });

  it('a symbolic link inside a root pointing outside is denied for read and write', async () => {
    const seen = counting();
    const key = join(f.secret, 'key.txt');
    symlinkSync(key, join(f.data, 'innocent.txt'));
    symlinkSync(key, join(f.out, 'innocent.txt'));
    symlinkSync(f.secret, join(f.out, 'dir'));
    const ask = (request: RequestOf<FileRequest>) =>
      assert.rejects(files.ask(request as never), seen.denied(/outside policy 0/));
    await ask({ type: 'read', path: join(f.data, 'innocent.txt') });
    await ask({ type: 'stat', path: join(f.data, 'innocent.txt') });
    await ask({ type: 'write', path: join(f.out, 'innocent.txt'), data: 'pwned' });
    await ask({ type: 'append', path: join(f.out, 'innocent.txt'), data: 'pwned' });
    await ask({ type: 'write', path: join(f.out, 'dir', 'planted.txt'), data: 'pwned' });
    await ask({ type: 'list', path: join(f.out, 'dir') });
    await ask({ type: 'remove', path: join(f.out, 'dir', 'key.txt') });
    assert.equal(readFileSync(key, 'utf8'), 'top secret');
    assert.equal(f.lines().filter((l) => l.decision === 'deny').length, seen.count);
    f.verify();
  });

  it('a symbolic link swapped in at the last component after the check is not followed (O_NOFOLLOW)', async () => {
    const key = join(f.secret, 'key.txt');
    const link = join(f.out, 'swapped');
    symlinkSync(key, link);
    // What the actor opens after its check: the resolved path, which an
    // attacker has just replaced by a link. The open fails with ELOOP.
    await assert.rejects(openNoFollow(link, 'read'), { code: 'ELOOP' });
    await assert.rejects(openNoFollow(link, 'write'), { code: 'ELOOP' });
    await assert.rejects(openNoFollow(link, 'append'), { code: 'ELOOP' });
    assert.equal(readFileSync(key, 'utf8'), 'top secret');
  });

  it('an opened file is checked by device and inode: a swapped or deleted file, or a name ending in " (deleted)", does not pass', async () => {
    const key = join(f.secret, 'key.txt');
    const path = join(f.out, 'x.txt');
    writeFileSync(path, 'x');
    const fh = await openNoFollow(path, 'read');
    try {
      assert.equal(await openedAt(fh, path), true);
      assert.equal(await openedAt(fh, key), false);
      // The name swapped for a link to the secret: what the path names is no longer what was opened.
      rmSync(path);
      symlinkSync(key, path);
      assert.equal(await openedAt(fh, path), false);
    } finally {
      await fh.close();
    }
    const deleted = join(f.out, 'y (deleted)');
    writeFileSync(deleted, 'y');
    const other = await openNoFollow(join(f.data, 'a.txt'), 'read');
    try {
      assert.equal(await openedAt(other, deleted), false, 'the " (deleted)" suffix is no way past');
    } finally {
      await other.close();
    }
  });

  it('NUL bytes, empty and enormous paths are denied or contained', async () => {
    const seen = counting();
    await assert.rejects(
      files.ask({ type: 'read', path: `${f.data}/a.txt\0/../../secret/key.txt` }),
      seen.denied(/NUL byte/),
    );
    await assert.rejects(
      files.ask({ type: 'write', path: `${f.out}/x\0y`, data: 'x' }),
      seen.denied(/NUL byte/),
    );
    await assert.rejects(files.ask({ type: 'read', path: '' }), seen.denied(/empty/));
    const huge = `${f.data}/${'a/'.repeat(300_000)}x`;
    await assert.rejects(
      files.ask({ type: 'read', path: huge }),
      seen.denied(/longer than 4096 characters/),
    );
    const last = f.lines().at(-1);
    assert.ok((last?.args[0]?.length ?? 0) < 2_000, 'a huge argument is cut in the log');
    assert.equal(readFileSync(f.auditFile, 'utf8').includes('\0'), false);
    assert.equal(f.lines().filter((l) => l.decision === 'deny').length, seen.count);
    f.verify();
    assert.equal(await files.ask({ type: 'read', path: join(f.data, 'a.txt') }), 'hello');
  });

  it('a FIFO or device inside a root is refused without blocking the actor', async (t) => {
    const fifo = join(f.data, 'pipe');
    if (spawnSync('mkfifo', [fifo]).status !== 0) return t.skip('no mkfifo');
    await assert.rejects(
      files.ask({ type: 'read', path: fifo }),
      failsWith('ERR_DENIED', /not a regular file/),
    );
    const devices = f.files({ fs: { read: ['/dev'] } });
    await assert.rejects(
      devices.ask({ type: 'read', path: '/dev/zero' }),
      failsWith('ERR_DENIED', /not a regular file/),
    );
    assert.equal(await files.ask({ type: 'read', path: join(f.data, 'a.txt') }), 'hello');
  });
});

type ParentMsg = {
  type: 'spawn';
  policy: SecurityPolicy | undefined;
  reply: Reply<ActorRef<FileRequest>>;
};

/** A process that spawns file actors as its children, with their own policies. */
const parent = defineActor<ParentMsg>({
  handle(msg, ctx) {
    const options = msg.policy === undefined ? {} : { security: msg.policy };
    msg.reply.send(ctx.spawn(fileActor({ label: 'child' }), options));
  },
});

describe('security contexts down the process tree', () => {
  failOnUnhandledRejections();
  let f: Fixture;
  beforeEach(() => {
    f = fixture();
  });
  afterEach(() => f.close());

  function spawnParent(policy: SecurityPolicy) {
    return f.system.spawn(parent, { security: policy });
  }

  it('a child with a narrower policy is denied what its parent may do', async () => {
    const p = spawnParent({ fs: { read: [f.data], write: [f.out] } });
    const child = await p.ask({ type: 'spawn', policy: { fs: { read: [join(f.data, 'sub')] } } });
    assert.equal(await child.ask({ type: 'read', path: join(f.data, 'sub', 'b.txt') }), 'b');
    await assert.rejects(
      child.ask({ type: 'read', path: join(f.data, 'a.txt') }),
      failsWith('ERR_DENIED', /outside policy 1's fs\.read roots/),
    );
    await assert.rejects(
      child.ask({ type: 'write', path: join(f.out, 'x'), data: 'x' }),
      failsWith('ERR_DENIED', /outside policy 1's fs\.write roots/),
    );
    const sibling = await p.ask({ type: 'spawn', policy: undefined });
    assert.equal(await sibling.ask({ type: 'read', path: join(f.data, 'a.txt') }), 'hello');
  });

  it("a child's policy cannot widen its parent's", async () => {
    const p = spawnParent({ fs: { read: [f.data], maxReadBytes: 8 } });
    const wide: SecurityPolicy = {
      fs: { read: ['/', f.secret], write: ['/', f.data], maxReadBytes: 1_000_000 },
    };
    const child = await p.ask({ type: 'spawn', policy: wide });
    await assert.rejects(
      child.ask({ type: 'read', path: join(f.secret, 'key.txt') }),
      failsWith('ERR_DENIED', /outside policy 0's fs\.read roots/),
    );
    await assert.rejects(
      child.ask({ type: 'write', path: join(f.data, 'a.txt'), data: 'x' }),
      failsWith('ERR_DENIED', /outside policy 0's fs\.write roots/),
    );
    writeFileSync(join(f.data, 'nine'), '123456789');
    await assert.rejects(
      child.ask({ type: 'read', path: join(f.data, 'nine') }),
      failsWith('ERR_DENIED', /over the read limit of 8 bytes/),
    );
    f.verify();
  });

  it('a policy with a typo is refused at spawn with PolicyError, and the system lives on', async () => {
    assert.throws(
      () => f.system.spawn(fileActor(), { security: { fs: { wirte: ['/'] } } as never }),
      (e: unknown) => e instanceof PolicyError && e.field === 'fs.wirte',
    );
    assert.equal(await f.files().ask({ type: 'read', path: join(f.data, 'a.txt') }), 'hello');
  });

  it('a policy file with a typo is refused with PolicyError naming the field', () => {
    const file = join(f.base, 'policy.json');
    writeFileSync(file, JSON.stringify({ fs: { read: [f.data], maxReadBytse: 10 } }));
    assert.throws(
      () => loadPolicyFile(file),
      (e: unknown) =>
        e instanceof PolicyError &&
        e.code === 'ERR_POLICY' &&
        e.field === 'fs.maxReadBytse' &&
        /unknown key/.test(e.message) &&
        e.message.includes(file),
    );
    writeFileSync(file, '{\n  "fs": { "read": ["/srv"], }\n}\n');
    assert.throws(
      () => loadPolicyFile(file),
      (e: unknown) => e instanceof PolicyError && /not valid JSON.*line 2 column/s.test(e.message),
    );
    writeFileSync(file, JSON.stringify({ fs: { read: [f.data] } }));
    assert.deepEqual(loadPolicyFile(file), { fs: { read: [f.data] } });
  });
});
