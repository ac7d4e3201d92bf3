import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

/**
 * The activity (audit) log: one JSON line per operation attempted —
 * allowed or denied — and per outcome, each line carrying the hash of the
 * one before, so a line removed, inserted or edited breaks the chain at
 * that line (`verifyAuditLog`).
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
 * the main system's log. Returns the record's `seq`.
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

/** A line as written: the record plus its place in the chain. */
export interface AuditLine extends AuditRecord {
  readonly seq: number;
  readonly time: string;
  readonly prev: string;
  readonly hash: string;
}

const GENESIS = '0'.repeat(64);

function hashOf(prev: string, body: string): string {
  return createHash('sha256').update(prev).update('\n').update(body).digest('hex');
}

/**
 * An append-only audit log, in memory and, when given a file, appended to
 * it as JSON lines (written at once, synchronously, so a crash loses nothing
 * that was recorded).
 *
 * @example
 * ```ts
 * const audit = new AuditLog({ file: '/var/log/airssys-audit.jsonl' });
 * const system = createSystem({ audit });
 * ```
 */
export class AuditLog implements AuditSink {
  readonly #fd: number | undefined;
  readonly #keep: number;
  readonly #recent: AuditLine[] = [];
  #prev = GENESIS;
  #seq = 0;

  constructor(options: { readonly file?: string; readonly keep?: number } = {}) {
    this.#fd = options.file === undefined ? undefined : openSync(options.file, 'a');
    this.#keep = options.keep ?? 1_000;
    if (options.file !== undefined) {
      // Continue an existing chain rather than start a second one in the same file.
      const last = readFileSync(options.file, 'utf8').trimEnd().split('\n').pop();
      if (last !== undefined && last.length > 0) {
        const line = JSON.parse(last) as AuditLine;
        this.#prev = line.hash;
        this.#seq = line.seq;
      }
    }
  }

  /** Appends one line; returns its `seq`. */
  record(record: AuditRecord): number {
    const seq = this.#seq + 1;
    const body = JSON.stringify({
      seq,
      time: new Date().toISOString(),
      ...record,
      prev: this.#prev,
    });
    const hash = hashOf(this.#prev, body);
    const line = `${body.slice(0, -1)},"hash":"${hash}"}`;
    // The chain moves on only once the line is written: a failed write does not break it.
    if (this.#fd !== undefined) writeSync(this.#fd, `${line}\n`);
    this.#seq = seq;
    this.#prev = hash;
    this.#recent.push(JSON.parse(line) as AuditLine);
    if (this.#recent.length > this.#keep) this.#recent.shift();
    return seq;
  }

  /** The most recent lines (see `keep`), oldest first. */
  recent(): readonly AuditLine[] {
    return [...this.#recent];
  }

  /** Closes the file, if any. */
  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
  }
}

/**
 * The result of verifying a log: intact, or the first line that breaks the
 * chain and why.
 *
 * @example
 * ```ts
 * const r = verifyAuditText(text);
 * if (!r.ok) console.error(`line ${r.line}: ${r.reason}`);
 * ```
 */
export type AuditVerification =
  | { readonly ok: true; readonly lines: number }
  | { readonly ok: false; readonly line: number; readonly reason: string };

/** Verifies the hash chain of a log's text (1-based line numbers). */
export function verifyAuditText(text: string): AuditVerification {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let prev = GENESIS;
  let seq: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    const n = i + 1;
    const cut = raw.lastIndexOf(',"hash":"');
    if (cut < 0 || !raw.endsWith('"}')) return { ok: false, line: n, reason: 'not an audit line' };
    const body = `${raw.slice(0, cut)}}`;
    const hash = raw.slice(cut + 9, -2);
    let parsed: Partial<AuditLine>;
    try {
      parsed = JSON.parse(body) as Partial<AuditLine>;
    } catch {
      return { ok: false, line: n, reason: 'not valid JSON' };
    }
    if (i === 0 && parsed.prev !== GENESIS && typeof parsed.seq === 'number' && parsed.seq > 1) {
      return { ok: false, line: n, reason: 'the log does not start at the beginning of its chain' };
    }
    if (parsed.prev !== prev)
      return {
        ok: false,
        line: n,
        reason: 'its prev is not the hash of the line before (a line was removed or inserted)',
      };
    if (hashOf(prev, body) !== hash)
      return {
        ok: false,
        line: n,
        reason: 'its hash does not match its content (the line was edited)',
      };
    if (seq !== undefined && parsed.seq !== seq + 1)
      return { ok: false, line: n, reason: 'its seq does not follow the line before' };
    seq = parsed.seq;
    prev = hash;
  }
  return { ok: true, lines: lines.length };
}

/** Verifies an audit log file. */
export function verifyAuditLog(file: string): AuditVerification {
  return verifyAuditText(readFileSync(file, 'utf8'));
}
