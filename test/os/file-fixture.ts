/**
 * Real files in a temporary directory for the file actor's tests: a tree
 * to read from, a place to write to, an audit log beside them, and a
 * system whose processes log to it. Everything is removed after the test.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ActorRef,
  type ActorSystem,
  type AuditLine,
  AuditLog,
  createSystem,
  type FileRequest,
  fileActor,
  RuntimeError,
  type SecurityPolicy,
  verifyAuditText,
} from '../../src/index.js';

/** A fresh directory under the OS's temporary directory, resolved (no symbolic link in it). */
export function tempDir(prefix: string): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}

/**
 * The tree of one test:
 *
 *     base/
 *       data/            readable (policy fs.read)
 *         a.txt          "hello"
 *         sub/b.txt      "b"
 *         out/           writable (policy fs.write)
 *       secret/key.txt   outside every root
 *       audit.jsonl      the audit log
 */
export interface Fixture {
  readonly base: string;
  readonly data: string;
  readonly out: string;
  readonly secret: string;
  readonly auditFile: string;
  readonly audit: AuditLog;
  readonly system: ActorSystem;
  /** A file actor under `policy` (default: read `data`, write `out`). */
  files(policy?: SecurityPolicy, label?: string): ActorRef<FileRequest>;
  /** The audit log as written to its file, parsed. */
  lines(): AuditLine[];
  /** Verifies the log file's chain and fails the test if it is broken. */
  verify(): void;
  /** Shuts the system down and removes the tree. */
  close(): Promise<void>;
}

export function fixture(limits: { maxReadBytes?: number; maxWriteBytes?: number } = {}): Fixture {
  const base = tempDir('airssys-files-');
  const data = join(base, 'data');
  const out = join(data, 'out');
  const secret = join(base, 'secret');
  mkdirSync(join(data, 'sub'), { recursive: true });
  mkdirSync(out);
  mkdirSync(secret);
  writeFileSync(join(data, 'a.txt'), 'hello');
  writeFileSync(join(data, 'sub', 'b.txt'), 'b');
  writeFileSync(join(secret, 'key.txt'), 'top secret');
  const auditFile = join(base, 'audit.jsonl');
  const audit = new AuditLog({ file: auditFile });
  const system = createSystem({ audit });
  const policy: SecurityPolicy = { fs: { read: [data], write: [out], ...limits } };
  return {
    base,
    data,
    out,
    secret,
    auditFile,
    audit,
    system,
    files: (p = policy, label) =>
      system.spawn(fileActor(label === undefined ? {} : { label }), { security: p }),
    lines: () =>
      readFileSync(auditFile, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as AuditLine),
    verify() {
      assert.deepEqual(verifyAuditText(readFileSync(auditFile, 'utf8')).ok, true);
    },
    async close() {
      await system.shutdown();
      audit.close();
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** An assertion for `assert.rejects`: a runtime error with `code`, its message matching `text`. */
export function failsWith(code: string, text?: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof RuntimeError, `expected a RuntimeError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (text !== undefined) assert.match(e.message, text);
    return true;
  };
}

/** An assertion for `assert.rejects`: a Node I/O error with `code`. */
export function ioFails(code: string) {
  return (e: unknown): boolean => {
    assert.equal((e as { code?: unknown }).code, code, `expected ${code}, got ${String(e)}`);
    return true;
  };
}
