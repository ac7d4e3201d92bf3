import { readFileSync } from 'node:fs';
import { type AuditCheckpoint, chainHash, GENESIS, MAC, splitLine } from './audit-file.js';

/**
 * Verifying an audit log written by `AuditLog`: the chain of hashes (or
 * HMACs under the key) line by line, and the end against a checkpoint, so
 * an edited, removed, inserted or cut-off line is found and named.
 *
 * @module
 */

/**
 * The result of verifying a log: intact (`keyed` when its HMAC chain was
 * checked with the key, and the checkpoint's `seq` when one was checked), or the first line
 * that breaks it and why. `needsKey` marks a keyed log checked without its
 * key: it is neither intact nor broken as far as this check can tell.
 *
 * @example
 * ```ts
 * const r = verifyAuditText(text, { key });
 * if (!r.ok) console.error(`line ${r.line}: ${r.reason}`);
 * ```
 */
export type AuditVerification =
  | {
      readonly ok: true;
      readonly lines: number;
      /** Present when every line's HMAC was checked with the key; absent for an unkeyed chain. */
      readonly keyed?: true;
      readonly checkpoint?: number;
    }
  | {
      readonly ok: false;
      readonly line: number;
      readonly reason: string;
      readonly needsKey?: true;
    };

/**
 * What to verify a log with: its key (every line must then be keyed), and
 * a checkpoint its end must reach.
 *
 * @example
 * ```ts
 * const options: VerifyOptions = { key: readAuditKey('audit.key'), checkpoint: readAuditCheckpoint('audit.cp') };
 * ```
 */
export interface VerifyOptions {
  readonly key?: Uint8Array | undefined;
  readonly checkpoint?: AuditCheckpoint | undefined;
}

/**
 * Verifies the chain of a log's text (1-based line numbers).
 *
 * @example
 * ```ts
 * const r = verifyAuditText(readFileSync('audit.log', 'utf8'), { key: readAuditKey('audit.key') });
 * if (!r.ok) console.error(`line ${r.line}: ${r.reason}`);
 * ```
 */
export function verifyAuditText(text: string, options: VerifyOptions = {}): AuditVerification {
  const { key, checkpoint } = options;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let prev = GENESIS;
  let seq: number | undefined;
  let atCheckpoint: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const line = splitLine(lines[i] as string);
    if (line === undefined) return { ok: false, line: n, reason: 'not an audit line' };
    const parsed = line.fields;
    if (parsed.mac !== undefined && parsed.mac !== MAC) {
      return { ok: false, line: n, reason: `unknown mac ${JSON.stringify(parsed.mac)}` };
    }
    if (key === undefined && parsed.mac === MAC) {
      return {
        ok: false,
        line: n,
        reason: 'the log is keyed (HMAC-SHA-256): verify it with its key (--key-file)',
        needsKey: true,
      };
    }
    if (key !== undefined && parsed.mac !== MAC) {
      return {
        ok: false,
        line: n,
        reason:
          'the line is not keyed (plain SHA-256): anyone who can write the file could have written it',
      };
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
    if (chainHash(key, prev, line.body) !== line.hash)
      return {
        ok: false,
        line: n,
        reason:
          key === undefined
            ? 'its hash does not match its content (the line was edited)'
            : 'its HMAC does not match its content under the key (edited, or another key)',
      };
    if (!Number.isSafeInteger(parsed.seq) || (seq !== undefined && parsed.seq !== seq + 1))
      return { ok: false, line: n, reason: 'its seq does not follow the line before' };
    seq = parsed.seq as number;
    prev = line.hash;
    if (checkpoint !== undefined && seq === checkpoint.seq) atCheckpoint = line.hash;
  }
  if (checkpoint !== undefined) {
    if (atCheckpoint === undefined) {
      return {
        ok: false,
        line: lines.length + 1,
        reason: `the log ends at seq ${seq ?? 0} but its checkpoint records seq ${checkpoint.seq}: lines were cut off its end`,
      };
    }
    if (atCheckpoint !== checkpoint.hash) {
      return {
        ok: false,
        line: lines.findIndex((l) => l.startsWith(`{"seq":${checkpoint.seq},`)) + 1,
        reason: `the line with the checkpoint's seq ${checkpoint.seq} has another hash (the log was rewritten)`,
      };
    }
    return {
      ok: true,
      lines: lines.length,
      ...(key === undefined ? {} : { keyed: true as const }),
      checkpoint: checkpoint.seq,
    };
  }
  return { ok: true, lines: lines.length, ...(key === undefined ? {} : { keyed: true as const }) };
}

/**
 * Verifies an audit log file (see `verifyAuditText`).
 *
 * @example
 * ```ts
 * const r = verifyAuditLog('audit.log', { key: readAuditKey('audit.key') });
 * if (r.ok) console.log(`${r.lines} lines, chain intact`);
 * ```
 */
export function verifyAuditLog(file: string, options: VerifyOptions = {}): AuditVerification {
  return verifyAuditText(readFileSync(file, 'utf8'), options);
}
