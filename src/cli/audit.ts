/**
 * `airssys-rt audit verify FILE [--key-file KEY] [--checkpoint CP]`:
 * checks the chain of an audit log and says where it breaks, and whether
 * the chain is keyed (HMAC-SHA-256: tampering shows) or plain SHA-256
 * (only accidental damage shows: anyone who can write the file can
 * rewrite it and its chain).
 *
 * Exit codes: 0 when the log is intact (`ok: N lines, ...`), 1 for the
 * first broken line (`line N: reason`), 2 when the log, key or checkpoint
 * cannot be read, or a keyed log is checked without its key.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import {
  type AuditCheckpoint,
  readAuditCheckpoint,
  readAuditKey,
  verifyAuditText,
} from '../security/index.js';

/**
 * Where the command writes: its report, and its complaints.
 *
 * @example
 * ```ts
 * const out: AuditOutput = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
 * ```
 */
export interface AuditOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/**
 * What to verify: the log, and optionally its key file and checkpoint.
 * Without `keyFile`, `AIRSSYS_AUDIT_KEY_FILE` in `env` names the key.
 *
 * @example
 * ```ts
 * const request: AuditVerifyRequest = { file: 'audit.jsonl', keyFile: 'audit.key' };
 * ```
 */
export interface AuditVerifyRequest {
  readonly file: string;
  readonly keyFile?: string;
  readonly checkpoint?: string;
}

function unreadable(what: string, file: string, error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const why =
    e.code === 'ENOENT'
      ? 'no such file'
      : e.code === 'EISDIR'
        ? 'is a directory'
        : `${e.code ?? 'error'}: ${e.message}`;
  return `airssys-rt: cannot read the ${what} ${file}: ${why}\n`;
}

/**
 * Verifies an audit log and returns the exit code (see the module).
 *
 * @example
 * ```ts
 * process.exitCode = verifyAuditCommand({ file: 'audit.jsonl', keyFile: 'audit.key' }, {
 *   out: (t) => process.stdout.write(t),
 *   err: (t) => process.stderr.write(t),
 * });
 * ```
 */
export function verifyAuditCommand(
  request: AuditVerifyRequest | string,
  output: AuditOutput,
  env: Readonly<Record<string, string | undefined>> = process.env,
): number {
  const {
    file,
    keyFile = env.AIRSSYS_AUDIT_KEY_FILE || undefined,
    checkpoint: cpFile,
  } = typeof request === 'string' ? { file: request } : request;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    output.err(unreadable('audit log', file, error));
    return 2;
  }
  let key: Uint8Array | undefined;
  let checkpoint: AuditCheckpoint | undefined;
  try {
    if (keyFile !== undefined) key = readAuditKey(keyFile);
    if (cpFile !== undefined) {
      checkpoint = readAuditCheckpoint(cpFile);
      if (checkpoint === undefined) throw new Error(`the checkpoint ${cpFile} does not exist`);
    }
  } catch (error) {
    output.err(`airssys-rt: ${(error as Error).message}\n`);
    return 2;
  }
  const result = verifyAuditText(text, { key, checkpoint });
  if (result.ok) {
    const chain =
      result.keyed === true
        ? 'HMAC-SHA-256 chain verified with the key'
        : 'UNKEYED: a plain SHA-256 chain shows accidental damage only; anyone who can write the file can rewrite it and its chain';
    const end =
      result.checkpoint === undefined
        ? 'no checkpoint checked (lines cut off the end would not show)'
        : `reaches its checkpoint (seq ${result.checkpoint})`;
    output.out(`ok: ${result.lines} lines, ${chain}; ${end}\n`);
    return 0;
  }
  if (result.needsKey === true) {
    output.err(`airssys-rt: ${file}: ${result.reason}\n`);
    return 2;
  }
  output.out(`line ${result.line}: ${result.reason}\n`);
  return 1;
}
