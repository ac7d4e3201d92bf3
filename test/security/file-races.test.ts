/**
 * §22 "File operations without races", tried as an attacker would: a
 * directory under the write root swapped for a symbolic link in a tight
 * loop (by another process, truly concurrently) while the file actor
 * serves many writes and reads; a root replaced after the policy loaded;
 * a name ending in " (deleted)". No file may appear outside the roots, no
 * secret may be read, no error or audit line may name a path the caller
 * did not give, and the runtime answers an ask after every attack.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  type ActorRef,
  type ActorSystem,
  AuditLog,
  createSystem,
  DeniedError,
  defineActor,
  type FileRequest,
  fileActor,
  loadPolicy,
  PolicyError,
  type Reply,
  verifyAuditText,
} from '../../src/index.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';

/** Swaps `dir` for a symbolic link to `target` and back, as fast as it can, until killed. */
const SWAPPER = `
const fs = require('node:fs');
const [dir, target] = process.argv.slice(1);
const real = dir + '.real';
process.stdout.write('ready\\n');
for (;;) {
  try {
    fs.renameSync(dir, real);
    fs.symlinkSync(target, dir);
    fs.unlinkSync(dir);
    fs.renameSync(real, dir);
  } catch {}
}
`;

type Ping = { readonly type: 'ping'; readonly reply: Reply<'pong'> };
const echo = defineActor<Ping>({ label: 'echo', handle: (m) => m.reply.send('pong') });

let base: string;
let root: string;
let secret: string;
let auditFile: string;
let audit: AuditLog;
let system: ActorSystem;

/** The runtime still answers: an ask to a fresh actor. */
async function answers(): Promise<void> {
  const ref = system.spawn(echo);
  assert.equal(await ref.ask({ type: 'ping' }), 'pong');
}

function startSwapper(dir: string, target: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', SWAPPER, dir, target], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.once('data', () => resolve(child));
  });
}

async function stop(child: ChildProcess, dir: string): Promise<void> {
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
  // Leave the tree as it was: the directory back in place, no link.
  try {
    rmSync(dir, { force: true });
  } catch {
    // A directory is there: nothing to undo.
  }
  try {
    renameSync(`${dir}.real`, dir);
  } catch {
    // Already in place.
  }
}

describe('§22 file operations without races (attacks)', () => {
  failOnUnhandledRejections();
  beforeEach(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), 'airssys-races-')));
    root = join(base, 'root');
    secret = join(base, 'secret');
    mkdirSync(join(root, 'd'), { recursive: true });
    mkdirSync(secret);
    writeFileSync(join(secret, 'key.txt (deleted)'), 'top secret');
    writeFileSync(join(root, 'd', 'key.txt (deleted)'), 'harmless');
    auditFile = join(base, 'audit.jsonl');
    audit = new AuditLog({ file: auditFile, env: {} });
    system = createSystem({ audit });
  });
  afterEach(async () => {
    await system.shutdown();
    audit.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('a directory swapped for a link in a tight loop during many writes and reads: nothing is created or read outside the root, no resolved path leaks', {
    timeout: LIMITS.test,
  }, async () => {
    const files: ActorRef<FileRequest> = system.spawn(fileActor(), {
      security: { fs: { read: [root], write: [root] } },
    });
    const d = join(root, 'd');
    const swapper = await startSwapper(d, secret);
    const outcomes = { written: 0, denied: 0, io: 0, read: 0 };
    const messages: string[] = [];
    try {
      for (let i = 0; i < 300; i++) {
        const path = join(d, i % 2 === 0 ? `f${i}.txt` : 'key.txt (deleted)');
        const request =
          i % 3 === 0
            ? files.ask({ type: 'read', path })
            : files.ask({ type: i % 3 === 1 ? 'write' : 'append', path, data: 'planted' });
        try {
          const answer = await request;
          if (typeof answer === 'string') {
            assert.notEqual(answer, 'top secret', 'a read never returns the secret');
            outcomes.read++;
          } else outcomes.written++;
        } catch (error) {
          messages.push((error as Error).message);
          if (error instanceof DeniedError) outcomes.denied++;
          else {
            assert.ok(typeof (error as { code?: unknown }).code === 'string', String(error));
            outcomes.io++;
          }
        }
      }
    } finally {
      await stop(swapper, d);
    }
    console.log(`swap loop: ${JSON.stringify(outcomes)}`);
    assert.deepEqual(
      readdirSync(secret),
      ['key.txt (deleted)'],
      'no file appeared outside the root',
    );
    assert.equal(readFileSync(join(secret, 'key.txt (deleted)'), 'utf8'), 'top secret');
    const log = readFileSync(auditFile, 'utf8');
    for (const text of [...messages, log]) {
      assert.doesNotMatch(text, /\/proc\/self\/fd/, 'no descriptor path leaks');
      assert.ok(
        !text.includes(secret),
        `no resolved path outside the root leaks: ${text.slice(0, 200)}`,
      );
    }
    assert.equal(verifyAuditText(log).ok, true);
    assert.ok(outcomes.written + outcomes.read + outcomes.denied + outcomes.io === 300);
    await answers();
  });

  it('a root replaced by a link after the policy loaded does not re-point the policy', {
    timeout: LIMITS.test,
  }, async () => {
    const policy = loadPolicy({ fs: { read: [root], write: [root] } });
    const files: ActorRef<FileRequest> = system.spawn(fileActor(), { security: policy });
    assert.deepEqual(await files.ask({ type: 'write', path: join(root, 'a.txt'), data: 'a' }), {
      bytes: 1,
    });
    renameSync(root, `${root}.moved`);
    symlinkSync(secret, root);
    for (const request of [
      { type: 'write', path: join(root, 'planted.txt'), data: 'x' },
      { type: 'read', path: join(root, 'key.txt (deleted)') },
      { type: 'list', path: root },
      { type: 'stat', path: join(root, 'key.txt (deleted)') },
      { type: 'remove', path: join(root, 'key.txt (deleted)') },
    ] as const) {
      await assert.rejects(files.ask(request as never), (e: unknown) => {
        assert.ok(e instanceof DeniedError, String(e));
        assert.ok(!e.message.includes(secret), e.message);
        return true;
      });
    }
    assert.deepEqual(readdirSync(secret), ['key.txt (deleted)']);
    await answers();
  });

  it("a path through /proc/self/fd is denied naming only the caller's path, never where the descriptor points", {
    timeout: LIMITS.test,
  }, async (t) => {
    if (!existsSync('/proc/self/fd')) return t.skip('needs /proc/self/fd');
    const fd = readdirSync('/proc/self/fd').find((n) => {
      try {
        return readlinkSync(`/proc/self/fd/${n}`) === auditFile;
      } catch {
        return false;
      }
    });
    assert.ok(fd !== undefined, 'the audit log is open in this process');
    const files: ActorRef<FileRequest> = system.spawn(fileActor(), {
      security: { fs: { read: [root], write: [root] } },
    });
    for (const type of ['read', 'stat', 'write'] as const) {
      const path = `/proc/self/fd/${fd}`;
      await assert.rejects(files.ask({ type, path, data: 'x' } as never), (e: unknown) => {
        assert.ok(e instanceof DeniedError, String(e));
        assert.ok(e.message.includes(path), e.message);
        assert.ok(!e.message.includes(auditFile), `the log's path leaks: ${e.message}`);
        return true;
      });
    }
    const log = readFileSync(auditFile, 'utf8');
    assert.ok(!log.includes(auditFile), "the audit log's own path is not in it");
    await answers();
  });

  it('a policy is pinned once, when it loads: loading it again returns it as it is', {
    timeout: LIMITS.test,
  }, () => {
    const policy = loadPolicy({ fs: { read: [root] } });
    assert.equal(loadPolicy(policy), policy);
    assert.deepEqual(Object.keys(policy), ['fs'], 'the pins are not part of the data');
    assert.deepEqual(structuredClone(policy), { fs: { read: [root] } });
  });

  it('a missing root is a PolicyError unless the policy asks to create it', {
    timeout: LIMITS.test,
  }, async () => {
    const missing = join(base, 'not-yet');
    assert.throws(
      () => loadPolicy({ fs: { write: [missing] } }),
      (e: unknown) => e instanceof PolicyError && e.field === 'fs.write[0]',
    );
    assert.throws(() => system.spawn(fileActor(), { security: { fs: { read: [missing] } } }), {
      code: 'ERR_POLICY',
    });
    const policy = loadPolicy({ fs: { write: [missing], create: true } });
    const files: ActorRef<FileRequest> = system.spawn(fileActor(), { security: policy });
    assert.deepEqual(await files.ask({ type: 'write', path: join(missing, 'a'), data: 'ok' }), {
      bytes: 2,
    });
    await answers();
  });

  it("a denied write through a link swapped in at the last name leaves no file behind and names only the caller's path", {
    timeout: LIMITS.test,
  }, async () => {
    const files: ActorRef<FileRequest> = system.spawn(fileActor(), {
      security: { fs: { read: [root], write: [root] } },
    });
    const link = join(root, 'd', 'out.txt');
    symlinkSync(join(secret, 'created-by-attack.txt'), link);
    await assert.rejects(files.ask({ type: 'write', path: link, data: 'x' }), (e: unknown) => {
      assert.ok(e instanceof DeniedError, String(e));
      assert.ok(!e.message.includes(secret), e.message);
      return true;
    });
    assert.deepEqual(readdirSync(secret), ['key.txt (deleted)']);
    await answers();
  });
});
