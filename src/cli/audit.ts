/**
 * `airssys-rt audit verify FILE`: checks the hash chain of an audit log and
 * says where it breaks.
 *
 * Exit codes: 0 when the log is intact (`ok: N lines`), 1 for the first
 * broken line (`line N: reason`), 2 when the file cannot be read.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { verifyAuditText } from '../security/index.js';

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
 * Verifies the audit log `file` and returns the exit code, writing
 * `ok: N lines` (0), `line N: reason` for the first broken line (1), or why
 * the file could not be read (2).
 *
 * @example
 * ```ts
 * process.exitCode = verifyAuditCommand('audit.jsonl', {
 *   out: (t) => process.stdout.write(t),
 *   err: (t) => process.stderr.write(t),
 * });
 * ```
 */
export function verifyAuditCommand(file: string, output: AuditOutput): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT'
        ? 'no such file'
        : e.code === 'EISDIR'
          ? 'is a directory'
          : `${e.code ?? 'error'}: ${e.message}`;
    output.err(`airssys-rt: cannot read the audit log ${file}: ${why}\n`);
    return 2;
  }
  const result = verifyAuditText(text);
  if (result.ok) {
    output.out(`ok: ${result.lines} lines\n`);
    return 0;
  }
  output.out(`line ${result.line}: ${result.reason}\n`);
  return 1;
}
