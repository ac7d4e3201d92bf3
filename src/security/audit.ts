import { createHash } from 'node:crypto';
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { AuditError } from '../errors.js';
import {
  chainHash,
  GENESIS,
  lockLog,
  MAC,
  readAuditCheckpoint,
  readAuditKey,
  readLogEnd,
  readTail,
  writeAuditCheckpoint,
} from './audit-file.js';

/**
 * The activity (audit) log: one JSON line per operation attempted —
 * allowed or denied — and per outcome, each line carrying the hash of the
 * one before, so a line removed, inserted or edited breaks the chain at
 * that line (`verifyAuditLog`). Given a key, the chain is HMAC-SHA-256
 * under it: without the key no one can rewrite the log and re-chain it.
 *
 * @module
 */

/**
 * What one line records.
 *
 * @example
 * ```ts
 * audit.record({ actor: 'port', pid: 7, op: 'exec', args: ['/usr/bin/cat'], decision: 'allow', reason: 'allowed' });
 * ```
 */
export interface AuditRecord {
  readonly actor: string;
  readonly pid: number;
  readonly op: string;
  /** Arguments, already redacted by the caller's context. */
  readonly args: readonly string[];
  readonly decision: 'allow' | 'deny' | 'outcome';
  readonly reason: string;
  /** For outcome lines: what happened (exit code, bytes, error code). */
  readonly outcome?: string;
  /** For outcome lines: the `seq` of the attempt they close. */
  readonly of?: number;
}

/**
 * Where audit records go: an `AuditLog`, or (inside a host) a forwarder to
 * the main system's log. Returns the record's `seq`; throws when the
 * record cannot be written (the operation is then denied).
 *
 * @example
 * ```ts
 * const sink: AuditSink = new AuditLog({ file: 'audit.jsonl' });
 * ```
 */
export interface AuditSink {
  record(record: AuditRecord): number;
  /**
   * Resolves once record `seq` is written where it is kept, rejects when it
   * could not be. A sink that writes in `record` itself (and throws there
   * when it cannot) need not have it; a host's sink, which forwards records
   * to the main system's log, does, and an attempt waits on it before it acts.
   */
  written?(seq: number): Promise<void>;
}

/** A line as written: the record plus its place in the chain (`mac` on a keyed line). */
export interface AuditLine extends AuditRecord {
  readonly seq: number;
  readonly time: string;
  readonly mac?: typeof MAC;
  readonly prev: string;
  readonly hash: string;
}

/**
 * Options of `AuditLog`. The key is `key`, else the contents of `keyFile`,
 * else of the file named by `AIRSSYS_AUDIT_KEY_FILE` in `env` (default
 * `process.env`; pass `{}` to ignore the environment); without one the
 * chain is plain SHA-256. `checkpoint` names a file that keeps the last
 * line's `seq` and `hash`, so lines cut off the end show.
 *
 * @example
 * ```ts
 * const options: AuditLogOptions = { file: 'audit.jsonl', keyFile: '/etc/airssys/audit.key' };
 * ```
 */
export interface AuditLogOptions {
  readonly file?: string;
  readonly keep?: number;
  readonly key?: Uint8Array;
  readonly keyFile?: string;
  readonly checkpoint?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const DECISIONS = new Set(['allow', 'deny', 'outcome']);

/** Why `r` is not a record, or undefined (a host's record is untrusted data). */
function badField(r: AuditRecord): string | undefined {
  if (typeof r !== 'object' || r === null) return 'record';
  if (typeof r.actor !== 'string') return 'actor';
  if (!Number.isSafeInteger(r.pid)) return 'pid';
  if (typeof r.op !== 'string') return 'op';
  if (!Array.isArray(r.args) || !r.args.every((a) => typeof a === 'string')) return 'args';
  if (!DECISIONS.has(r.decision)) return 'decision';
  if (typeof r.reason !== 'string') return 'reason';
  if (r.outcome !== undefined && typeof r.outcome !== 'string') return 'outcome';
  if (r.of !== undefined && !Number.isSafeInteger(r.of)) return 'of';
  return undefined;
}

function keyOf(options: AuditLogOptions): Uint8Array | undefined {
  if (options.key !== undefined) {
    if (options.key.length < 16) {
      throw new AuditError('ERR_AUDIT', 'the audit key must be at least 16 bytes');
    }
    return options.key;
  }
  if (options.keyFile !== undefined) return readAuditKey(options.keyFile);
  const fromEnv = (options.env ?? process.env).AIRSSYS_AUDIT_KEY_FILE;
  return fromEnv === undefined || fromEnv === '' ? undefined : readAuditKey(fromEnv);
}

/** Longest torn fragment kept in a `recovered` line. */
const MAX_FRAGMENT = 1024;

/**
 * An append-only audit log, in memory and, when given a file, appended to
 * it as JSON lines (written at once, synchronously, so a crash loses nothing
 * that was recorded). One writer per file: the log holds `FILE.lock` until
 * `close()`. A torn last line (a crash or a full disk mid-write) is cut off
 * on open and kept, as evidence, in a `recovered` line. A record that
 * cannot be written throws `AuditError` and leaves the file and the chain
 * as they were.
 *
 * @example
 * ```ts
 * const audit = new AuditLog({ file: '/var/log/airssys-audit.jsonl', keyFile: '/etc/airssys/audit.key' });
 * const system = createSystem({ audit });
 * ```
 */
export class AuditLog implements AuditSink {
  readonly #file: string | undefined;
  readonly #fd: number | undefined;
  readonly #checkpointFd: number | undefined;
  readonly #lock: { release(): void } | undefined;
  readonly #key: Uint8Array | undefined;
  readonly #keep: number;
  readonly #recent: AuditLine[] = [];
  #prev = GENESIS;
  #seq = 0;
  /** Bytes of the file that belong to the chain: a failed write is cut back to this. */
  #size = 0;
  #closed = false;

  constructor(options: AuditLogOptions = {}) {
    this.#keep = options.keep ?? 1_000;
    this.#key = keyOf(options);
    this.#file = options.file;
    if (options.file === undefined) return;
    this.#lock = lockLog(options.file);
    try {
      this.#fd = openSync(options.file, 'a', 0o600);
      const end = readLogEnd(readTail(options.file), options.file);
      this.#continue(end.last, options.file);
      this.#size = end.intact;
      if (options.checkpoint !== undefined) {
        this.#checkpointFd = this.#openCheckpoint(options.checkpoint, options.file);
      }
      if (end.torn !== undefined) {
        ftruncateSync(this.#fd, end.intact);
        this.#recordTorn(end.torn);
      }
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** Continues the chain of an existing last line, if its kind (keyed or not) and key match. */
  #continue(last: ReturnType<typeof readLogEnd>['last'], file: string): void {
    if (last === undefined) return;
    const keyed = last.fields.mac === MAC;
    if (keyed !== (this.#key !== undefined)) {
      throw new AuditError(
        'ERR_AUDIT',
        keyed
          ? `${file} is a keyed log: open it with its key`
          : `${file} is an unkeyed log: a keyed chain starts in a new file`,
      );
    }
    const prev = last.fields.prev;
    if (typeof prev !== 'string' || chainHash(this.#key, prev, last.body) !== last.hash) {
      throw new AuditError(
        'ERR_AUDIT',
        keyed
          ? `the key does not match the last line of ${file}`
          : `the last line of ${file} does not match its hash: verify the log and start a new one`,
      );
    }
    this.#prev = last.hash;
    this.#seq = Number(last.fields.seq);
  }

  /** Opens the checkpoint, refusing a log that ends before the checkpoint's line. */
  #openCheckpoint(path: string, file: string): number {
    const cp = readAuditCheckpoint(path);
    if (
      cp !== undefined &&
      (cp.seq > this.#seq || (cp.seq === this.#seq && cp.hash !== this.#prev))
    ) {
      throw new AuditError(
        'ERR_AUDIT',
        `${file} ends at seq ${this.#seq} but its checkpoint ${path} records seq ${cp.seq}: lines were cut off its end`,
      );
    }
    const fd = openSync(path, 'w', 0o600);
    writeAuditCheckpoint(fd, { seq: this.#seq, hash: this.#prev });
    return fd;
  }

  #recordTorn(torn: Buffer): void {
    const text = torn.toString('utf8');
    const fragment =
      text.length <= MAX_FRAGMENT ? text : `${text.slice(0, MAX_FRAGMENT)}… (${text.length} chars)`;
    const digest = createHash('sha256').update(torn).digest('hex');
    this.record({
      actor: 'audit',
      pid: 0,
      op: 'recovered',
      args: [fragment],
      decision: 'outcome',
      reason: `a torn last line (${torn.length} bytes, sha256 ${digest}) was cut off when the log was opened`,
      outcome: 'recovered',
    });
  }

  /** Whether the log is keyed (HMAC-SHA-256). */
  get keyed(): boolean {
    return this.#key !== undefined;
  }

  /**
   * Appends one line; returns its `seq`. `seq`, `time` and `prev` are the
   * log's own: keys of the same names in `record` are ignored. Throws
   * `AuditError` (`ERR_AUDIT`) for a malformed record, a closed log, or a
   * write that fails (the file is cut back, the chain does not move).
   */
  record(record: AuditRecord): number {
    const bad = badField(record);
    if (bad !== undefined) throw new AuditError('ERR_AUDIT', `not an audit record: bad ${bad}`);
    if (this.#closed) throw new AuditError('ERR_AUDIT', 'the audit log is closed');
    const seq = this.#seq + 1;
    // Built in the line's own key order, so a line from `recent()` stringifies to what was written.
    const head: { -readonly [K in keyof AuditLine]?: AuditLine[K] } = {
      seq,
      time: new Date().toISOString(),
      actor: record.actor,
      pid: record.pid,
      op: record.op,
      args: [...record.args],
      decision: record.decision,
      reason: record.reason,
    };
    if (record.outcome !== undefined) head.outcome = record.outcome;
    if (record.of !== undefined) head.of = record.of;
    if (this.#key !== undefined) head.mac = MAC;
    head.prev = this.#prev;
    const body = JSON.stringify(head);
    head.hash = chainHash(this.#key, this.#prev, body);
    const line = head as AuditLine;
    if (this.#fd !== undefined) this.#append(`${body.slice(0, -1)},"hash":"${line.hash}"}\n`);
    this.#seq = seq;
    this.#prev = line.hash;
    if (this.#checkpointFd !== undefined) this.#checkpoint();
    this.#recent.push(line);
    if (this.#recent.length > this.#keep) this.#recent.shift();
    return seq;
  }

  #append(text: string): void {
    const fd = this.#fd as number;
    const length = Buffer.byteLength(text);
    try {
      let written = writeSync(fd, text);
      if (written < length) {
        const bytes = Buffer.from(text);
        while (written < length) written += writeSync(fd, bytes, written);
      }
    } catch (error) {
      // A part of a line would break the chain for every line after it: cut it back.
      try {
        ftruncateSync(fd, this.#size);
      } catch {
        // The next write's failure will say so again; the chain state has not moved.
      }
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new AuditError('ERR_AUDIT', `cannot write the audit log ${this.#file} (${code})`, {
        cause: error,
      });
    }
    this.#size += length;
  }

  #checkpoint(): void {
    try {
      writeAuditCheckpoint(this.#checkpointFd as number, { seq: this.#seq, hash: this.#prev });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new AuditError('ERR_AUDIT', `cannot write the audit checkpoint (${code})`, {
        cause: error,
      });
    }
  }

  /** The most recent lines (see `keep`), oldest first. */
  recent(): readonly AuditLine[] {
    return [...this.#recent];
  }

  /** Closes the file and the checkpoint, if any, and releases the lock. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const fd of [this.#fd, this.#checkpointFd]) {
      if (fd === undefined) continue;
      try {
        closeSync(fd);
      } catch {
        // Already closed.
      }
    }
    this.#lock?.release();
  }
}
