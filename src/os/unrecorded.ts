import { DeniedError } from '../errors.js';

/**
 * Fail closed (semantics §22): an operation — a file operation or a port's
 * program start — whose audit record cannot be written is not done and is
 * denied with a `DeniedError` (`ERR_DENIED`). The reason keeps only the
 * system error's code (`ENOSPC`, `EFBIG`), never the log's path or message:
 * the denial may go to untrusted code (a sandboxed body).
 *
 * @module
 */

/**
 * The code that says why a record could not be written: its cause's system
 * code (an `AuditError` wraps the write's error), else its own code, else
 * `ERR_AUDIT`. What main tells a host when its record was not written.
 *
 * @example
 * ```ts
 * unrecordedCode(new AuditError('cannot write the audit log /var/log/a (ENOSPC)', { cause })); // 'ENOSPC'
 * ```
 */
export function unrecordedCode(error: unknown): string {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.cause?.code ?? e?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? code : 'ERR_AUDIT';
}

/**
 * The denial of `op` whose record could not be written because of `error`.
 *
 * @example
 * ```ts
 * try { audit.record(record); } catch (error) { throw unrecorded('exec', error); }
 * // DeniedError: exec denied: its audit record cannot be written (ENOSPC)
 * ```
 */
export function unrecorded(op: string, error: unknown): DeniedError {
  // No `cause`: the log's error names its path, and the denial may cross to a host.
  return new DeniedError(op, `its audit record cannot be written (${unrecordedCode(error)})`);
}
