/**
 * The audit log's hash chain on real files: an intact log verifies, and an
 * edited, removed, inserted or moved line is reported at its line number —
 * by `verifyAuditText` and by `airssys-rt audit verify FILE`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AuditLog, verifyAuditLog, verifyAuditText } from '../../src/index.js';
import { LIMITS } from '../support/guard.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

let dir: string;
let file: string;

/** A log of `n` lines in `file`; returns its lines. */
function writeLog(n: number): string[] {
  const audit = new AuditLog({ file });
  for (let i = 1; i <= n; i++) {
    const seq = audit.record({
      actor: 'files',
      pid: 3,
      op: 'read',
      args: [`/srv/data/${i}.txt`],
      decision: 'allow',
      reason: 'read allowed under the fs.read roots',
    });
    assert.equal(seq, i);
  }
  audit.close();
  return lines();
}

function lines(): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
}

function save(rows: readonly string[]): string {
  const text = `${rows.join('\n')}\n`;
  writeFileSync(file, text);
  return text;
}

function broken(text: string): { line: number; reason: string } {
  const result = verifyAuditText(text);
  assert.equal(result.ok, false, 'the tampering must be detected');
  if (result.ok) throw new Error('unreachable');
  return { line: result.line, reason: result.reason };
}

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: LIMITS.wait });
}

describe('audit log: the hash chain', () => {
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'airssys-audit-')));
    file = join(dir, 'audit.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('an intact log verifies, line by line chained to the one before', () => {
    const rows = writeLog(5);
    assert.deepEqual(verifyAuditLog(file), { ok: true, lines: 5 });
    const parsed = rows.map((r) => JSON.parse(r) as { seq: number; prev: string; hash: string });
    assert.equal(parsed[0]?.prev, '0'.repeat(64));
    for (let i = 1; i < parsed.length; i++) assert.equal(parsed[i]?.prev, parsed[i - 1]?.hash);
    assert.deepEqual(verifyAuditText(''), { ok: true, lines: 0 });
  });

  it('an edited line is detected at that line', () => {
    const rows = writeLog(5);
    rows[2] = (rows[2] as string).replace('3.txt', '4.txt');
    assert.deepEqual(broken(save(rows)), {
      line: 3,
      reason: 'its hash does not match its content (the line was edited)',
    });
  });

  it('an edit that recomputes its own hash is detected at the next line', () => {
    const rows = writeLog(5);
    const row = rows[2] as string;
    const cut = row.lastIndexOf(',"hash":"');
    const body = `${row.slice(0, cut)}}`.replace('"allow"', '"deny"');
    const prev = (JSON.parse(body) as { prev: string }).prev;
    const hash = createHash('sha256').update(prev).update('\n').update(body).digest('hex');
    rows[2] = `${body.slice(0, -1)},"hash":"${hash}"}`;
    const { line, reason } = broken(save(rows));
    assert.equal(line, 4);
    assert.match(reason, /prev is not the hash of the line before/);
  });

  it('a removed line is detected where the gap is', () => {
    const rows = writeLog(5);
    rows.splice(2, 1);
    const { line, reason } = broken(save(rows));
    assert.equal(line, 3);
    assert.match(reason, /removed or inserted/);
    assert.equal(
      broken(save(writeLogAgain(5).slice(1))).reason,
      'the log does not start at the beginning of its chain',
    );
  });

  it('an inserted line is detected at the insertion', () => {
    const rows = writeLog(5);
    rows.splice(3, 0, rows[1] as string);
    assert.equal(broken(save(rows)).line, 4);
    const garbage = writeLogAgain(3);
    garbage.splice(1, 0, '{"hello":"world"}');
    assert.deepEqual(broken(save(garbage)), { line: 2, reason: 'not an audit line' });
  });

  it('reordered lines are detected at the first one out of place', () => {
    const rows = writeLog(5);
    [rows[1], rows[2]] = [rows[2] as string, rows[1] as string];
    assert.equal(broken(save(rows)).line, 2);
  });

  it('a log continued in an existing file keeps one chain', () => {
    writeLog(3);
    const audit = new AuditLog({ file });
    const seq = audit.record({
      actor: 'files',
      pid: 4,
      op: 'write',
      args: ['/srv/out/x'],
      decision: 'deny',
      reason: 'outside',
    });
    audit.close();
    assert.equal(seq, 4);
    assert.deepEqual(verifyAuditLog(file), { ok: true, lines: 4 });
  });
});

/** Starts `file` over with a fresh log of `n` lines. */
function writeLogAgain(n: number): string[] {
  rmSync(file, { force: true });
  return writeLog(n);
}

describe('airssys-rt audit verify FILE', () => {
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'airssys-audit-cli-')));
    file = join(dir, 'audit.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints "ok: N lines" and exits 0 for an intact log, saying that an unkeyed chain proves little', () => {
    writeLog(4);
    const run = cli('audit', 'verify', file);
    assert.equal(run.status, 0, run.stderr);
    assert.match(
      run.stdout,
      /^ok: 4 lines, UNKEYED: a plain SHA-256 chain shows accidental damage only/,
    );
  });

  it('prints "line N: reason" for the first broken line and exits 1', () => {
    const rows = writeLog(4);
    rows[1] = (rows[1] as string).replace('"allow"', '"deny"');
    save(rows);
    const run = cli('audit', 'verify', file);
    assert.equal(run.status, 1);
    assert.equal(run.stdout, 'line 2: its hash does not match its content (the line was edited)\n');
  });

  it('exits 2 with a clear message for a missing file or a bad command line', () => {
    const missing = cli('audit', 'verify', join(dir, 'nope.jsonl'));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read the audit log .*nope\.jsonl: no such file/);
    const noFile = cli('audit', 'verify');
    assert.equal(noFile.status, 2);
    assert.match(noFile.stderr, /audit verify needs a FILE/);
    const unknown = cli('audit', 'check', file);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown audit command 'check'/);
    const extra = cli('audit', 'verify', file, 'more');
    assert.equal(extra.status, 2);
    assert.match(extra.stderr, /unexpected argument 'more'/);
  });

  it('is described by --help', () => {
    const help = cli('--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /audit verify FILE/);
  });
});
