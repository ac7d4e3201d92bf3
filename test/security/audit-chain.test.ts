/**
 * §22 "The audit log is evidence", tried as an attacker would: a keyed
 * log rewritten (deny → allow) and re-chained with SHA-256; a keyed log
 * downgraded to an unkeyed one; lines cut off its end against a
 * checkpoint; two writers on one file (in one process and in two); a torn
 * last line; a record that tries to set its own `seq`; a full disk under a
 * file write (fail closed: the write is denied, the runtime answers).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  AuditError,
  type AuditLine,
  AuditLog,
  type AuditRecord,
  readAuditCheckpoint,
  verifyAuditLog,
  verifyAuditText,
} from '../../src/index.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const INDEX = new URL('../../src/index.js', import.meta.url).href;

let dir: string;
let file: string;
let keyFile: string;
let key: Buffer;

const RECORD: AuditRecord = {
  actor: 'files',
  pid: 3,
  op: 'write',
  args: ['/srv/out/a.txt'],
  decision: 'deny',
  reason: 'outside the roots',
};

function writeLog(options: { key?: Uint8Array; checkpoint?: string }, n: number): void {
  const audit = new AuditLog({ file, env: {}, ...options });
  for (let i = 0; i < n; i++) audit.record(RECORD);
  audit.close();
}

function rows(): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
}

/** What an attacker with write access and no key does: edit, then recompute every SHA-256 link. */
function rechain(lines: readonly string[], edit: (body: string) => string): string {
  let prev = '0'.repeat(64);
  const out: string[] = [];
  for (const raw of lines) {
    const cut = raw.lastIndexOf(',"hash":"');
    const fields = JSON.parse(`${raw.slice(0, cut)}}`) as Record<string, unknown>;
    fields.prev = prev;
    const body = edit(JSON.stringify(fields));
    const hash = createHash('sha256').update(prev).update('\n').update(body).digest('hex');
    out.push(`${body.slice(0, -1)},"hash":"${hash}"}`);
    prev = hash;
  }
  return `${out.join('\n')}\n`;
}

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '' },
  });
}

describe('§22 the audit log is evidence (attacks)', () => {
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'airssys-audit-chain-')));
    file = join(dir, 'audit.jsonl');
    keyFile = join(dir, 'audit.key');
    writeFileSync(keyFile, 'a'.repeat(64), { mode: 0o600 });
    key = Buffer.from('a'.repeat(64));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a keyed log rewritten deny → allow and re-chained with SHA-256 fails verify with the key', () => {
    writeLog({ key }, 4);
    assert.deepEqual(verifyAuditLog(file, { key }), { ok: true, lines: 4, keyed: true });
    assert.match(cli('audit', 'verify', file, '--key-file', keyFile).stdout, /^ok: 4 lines, HMAC/);
    writeFileSync(
      file,
      rechain(rows(), (b) => b.replace('"deny"', '"allow"')),
    );
    const result = verifyAuditLog(file, { key });
    assert.equal(result.ok, false);
    const run = cli('audit', 'verify', file, '--key-file', keyFile);
    assert.equal(run.status, 1);
    assert.match(run.stdout, /^line 1: /);
    // Without the key the forger's chain cannot be checked, and verify says so rather than "ok".
    const noKey = cli('audit', 'verify', file);
    assert.notEqual(noKey.status, 0);
  });

  it('a keyed log downgraded to plain SHA-256 fails with the key; an unkeyed log says it is unkeyed', () => {
    writeLog({ key }, 3);
    writeFileSync(
      file,
      rechain(rows(), (b) => b.replace(',"mac":"hmac-sha256"', '')),
    );
    const result = verifyAuditLog(file, { key });
    assert.deepEqual(result.ok, false);
    assert.match(result.ok ? '' : result.reason, /not keyed/);
    const unkeyed = cli('audit', 'verify', file);
    assert.equal(unkeyed.status, 0);
    assert.match(unkeyed.stdout, /UNKEYED/);
  });

  it('a keyed log without its key exits 2 with a clear message; the wrong key is refused on open', () => {
    writeLog({ key }, 2);
    const run = cli('audit', 'verify', file);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /keyed .*--key-file/);
    const noKeyFile = cli('audit', 'verify', file, '--key-file', join(dir, 'nope.key'));
    assert.equal(noKeyFile.status, 2);
    assert.match(noKeyFile.stderr, /cannot read the audit key file .*nope\.key \(ENOENT\)/);
    const noCheckpoint = cli(
      'audit',
      'verify',
      file,
      '--key-file',
      keyFile,
      '--checkpoint',
      join(dir, 'nope.cp'),
    );
    assert.equal(noCheckpoint.status, 2);
    assert.match(noCheckpoint.stderr, /checkpoint .*nope\.cp does not exist/);
    assert.throws(
      () => new AuditLog({ file, env: {}, key: Buffer.from('b'.repeat(32)) }),
      (e: unknown) => e instanceof AuditError && /key does not match/.test(e.message),
    );
    assert.throws(() => new AuditLog({ file, env: {} }), /keyed log: open it with its key/);
    // The key may come from the environment, as a key file.
    const audit = new AuditLog({ file, env: { AIRSSYS_AUDIT_KEY_FILE: keyFile } });
    assert.equal(audit.keyed, true);
    audit.close();
  });

  it('lines cut off the end are found against the checkpoint', () => {
    const checkpoint = join(dir, 'audit.checkpoint');
    writeLog({ key, checkpoint }, 5);
    assert.deepEqual(readAuditCheckpoint(checkpoint)?.seq, 5);
    const ok = cli('audit', 'verify', file, '--key-file', keyFile, '--checkpoint', checkpoint);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /reaches its checkpoint \(seq 5\)/);
    writeFileSync(file, `${rows().slice(0, 3).join('\n')}\n`);
    const cut = cli('audit', 'verify', file, '--key-file', keyFile, '--checkpoint', checkpoint);
    assert.equal(cut.status, 1);
    assert.match(cut.stdout, /ends at seq 3 but its checkpoint records seq 5/);
    assert.throws(() => new AuditLog({ file, env: {}, key, checkpoint }), /cut off its end/);
  });

  it('two AuditLogs on one file: the second gets ERR_AUDIT_LOCKED; the chain stays one', () => {
    const first = new AuditLog({ file, env: {} });
    first.record(RECORD);
    assert.throws(
      () => new AuditLog({ file, env: {} }),
      (e: unknown) => e instanceof AuditError && e.code === 'ERR_AUDIT_LOCKED',
    );
    first.record(RECORD);
    first.close();
    const second = new AuditLog({ file, env: {} });
    assert.equal(second.record(RECORD), 3);
    second.close();
    assert.deepEqual(verifyAuditLog(file), { ok: true, lines: 3 });
  });

  it('a writer in another process holds the lock; once it is killed, its stale lock is taken over', async () => {
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { AuditLog } from ${JSON.stringify(INDEX)};
         const log = new AuditLog({ file: ${JSON.stringify(file)}, env: {} });
         log.record({ actor: 'other', pid: 1, op: 'read', args: [], decision: 'allow', reason: 'r' });
         process.stdout.write('ready\\n');
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise((resolve) => holder.stdout?.once('data', resolve));
    assert.throws(() => new AuditLog({ file, env: {} }), { code: 'ERR_AUDIT_LOCKED' });
    const gone = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await gone;
    const audit = new AuditLog({ file, env: {} });
    assert.equal(audit.record(RECORD), 2);
    audit.close();
    assert.deepEqual(verifyAuditLog(file), { ok: true, lines: 2 });
  });

  it('a torn last line is cut off on open and kept in a recorded "recovered" line; the chain verifies', () => {
    writeLog({ key }, 3);
    const torn = rows()[2]?.slice(0, 40) ?? '';
    appendFileSync(file, `{"seq":4,"time":"2026-12-06T00:00:00.000Z","actor":"files"`);
    const audit = new AuditLog({ file, env: {}, key });
    audit.record(RECORD);
    audit.close();
    const lines = rows().map((r) => JSON.parse(r) as AuditLine);
    assert.equal(lines.length, 5);
    const recovered = lines[3];
    assert.equal(recovered?.op, 'recovered');
    assert.equal(recovered?.outcome, 'recovered');
    assert.match(recovered?.args[0] ?? '', /^\{"seq":4,"time"/);
    assert.match(recovered?.reason ?? '', /torn last line \(\d+ bytes, sha256 [0-9a-f]{64}\)/);
    assert.deepEqual(verifyAuditLog(file, { key }), { ok: true, lines: 5, keyed: true });
    assert.ok(torn.length > 0);
  });

  it('a log longer than the tail read on open is continued from its last line, torn or not', () => {
    writeLog({ key }, 600);
    assert.ok(statSync(file).size > 128 * 1024);
    appendFileSync(file, '{"seq":601,"ti');
    const audit = new AuditLog({ file, env: {}, key });
    assert.equal(audit.record(RECORD), 602);
    audit.close();
    assert.deepEqual(verifyAuditLog(file, { key }), { ok: true, lines: 602, keyed: true });
  });

  it('a file that is not an audit log is refused with ERR_AUDIT, never a SyntaxError, and left as it was', () => {
    writeFileSync(file, 'root:x:0:0:root:/root:/bin/bash\nnot json');
    assert.throws(() => new AuditLog({ file, env: {} }), { code: 'ERR_AUDIT' });
    assert.equal(readFileSync(file, 'utf8'), 'root:x:0:0:root:/root:/bin/bash\nnot json');
  });

  it("seq, time and prev are the log's own; a malformed record (a BigInt pid) is refused, the log intact", () => {
    const audit = new AuditLog({ file, env: {} });
    audit.record(RECORD);
    const forged = { ...RECORD, seq: 99, prev: 'f'.repeat(64), time: 'then', hash: 'x' };
    assert.equal(audit.record(forged as AuditRecord), 2);
    assert.throws(() => audit.record({ ...RECORD, pid: 10n as unknown as number }), {
      code: 'ERR_AUDIT',
    });
    audit.close();
    const [, second] = rows().map((r) => JSON.parse(r) as AuditLine);
    assert.equal(second?.seq, 2);
    assert.notEqual(second?.time, 'then');
    assert.deepEqual(verifyAuditText(readFileSync(file, 'utf8')), { ok: true, lines: 2 });
  });

  it('a full disk under a file write: the write is denied, nothing is written, the log stays whole, the runtime answers', async (t) => {
    if (spawnSync('prlimit', ['--version']).status !== 0) {
      console.log('skipped: prlimit (util-linux) is not installed');
      return t.skip('prlimit not installed');
    }
    const out = join(dir, 'out');
    mkdirSync(out);
    // RLIMIT_FSIZE stands in for a full disk: writes past 4 KiB fail (EFBIG), a first one partly.
    const child = spawnSync(
      'prlimit',
      [
        '--fsize=4096',
        process.execPath,
        '--input-type=module',
        '-e',
        `import { statSync } from 'node:fs';
         import { AuditLog, createSystem, defineActor, fileActor } from ${JSON.stringify(INDEX)};
         const file = ${JSON.stringify(file)};
         const audit = new AuditLog({ file, env: {} });
         while (statSync(file).size < 3900) {
           audit.record({ actor: 'filler', pid: 1, op: 'read', args: [], decision: 'allow', reason: 'r' });
         }
         const system = createSystem({ audit });
         const files = system.spawn(fileActor(), { security: { fs: { write: [${JSON.stringify(out)}] } } });
         const echo = system.spawn(defineActor({ handle: (m) => m.reply.send('pong') }));
         let error;
         try { await files.ask({ type: 'write', path: ${JSON.stringify(join(out, 'x.txt'))}, data: 'x'.repeat(100) }); }
         catch (e) { error = { code: e.code, message: e.message }; }
         const pong = await echo.ask({ type: 'ping' });
         await system.shutdown();
         audit.close();
         console.log(JSON.stringify({ error, pong }));`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(child.status, 0, child.stderr);
    const result = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as {
      error?: { code: string; message: string };
      pong?: string;
    };
    assert.equal(result.error?.code, 'ERR_DENIED');
    assert.match(result.error?.message ?? '', /audit record cannot be written \(EFBIG\)/);
    assert.equal(result.pong, 'pong');
    assert.equal(existsSync(join(out, 'x.txt')), false, 'the write did not happen');
    assert.ok(statSync(file).size <= 4096);
    assert.deepEqual(verifyAuditLog(file).ok, true, 'no part of a line was left behind');
  });
});
