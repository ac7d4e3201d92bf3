import { readFileSync } from 'node:fs';
import { PolicyError } from '../errors.js';
import type { SecurityPolicy } from './policy.js';
import { loadPolicy } from './policy-load.js';

/**
 * Policies kept in JSON files: read, parsed and validated in one step, so
 * a file that is missing, is not JSON or has a typo is refused with a
 * `PolicyError` that says where, never loaded halfway.
 *
 * @module
 */

/** Line and column (1-based) of a character offset in `text`. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** Whether `prefix` could still begin valid JSON (it parses, or it only ends too soon). */
function viable(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return true;
  } catch (error) {
    const message = (error as Error).message;
    if (/Unexpected end of JSON input|Unterminated string/.test(message)) return true;
    const at = /at position (\d+)/.exec(message);
    return at !== null && Number(at[1]) >= prefix.length;
  }
}

/**
 * The offset of a JSON syntax error: from the message when it gives one,
 * else the end of the longest prefix that could still be valid JSON (V8
 * leaves the position out of some messages).
 */
function errorOffset(text: string, message: string): number {
  const at = /at position (\d+)/.exec(message);
  if (at !== null) return Number(at[1]);
  let good = 0;
  let bad = text.length;
  while (bad - good > 1) {
    const mid = (good + bad) >>> 1;
    if (viable(text.slice(0, mid))) good = mid;
    else bad = mid;
  }
  return good;
}

/** A JSON syntax error, said with the line and column where it is. */
function syntaxMessage(text: string, error: Error): string {
  if (/\(line \d+/.test(error.message)) return error.message;
  const { line, column } = lineAndColumn(text, errorOffset(text, error.message));
  return `${error.message} (line ${line} column ${column})`;
}

/**
 * Reads a JSON policy file and validates it (see `loadPolicy`). Throws
 * `PolicyError` (`ERR_POLICY`): with field `''` when the file cannot be
 * read (the system error is the `cause`) or is not valid JSON (the message
 * gives the line and column), and naming the field otherwise, so a typo
 * such as `"raed"` is reported as `fs.raed: unknown key`.
 *
 * @example
 * ```ts
 * const policy = loadPolicyFile('/etc/airssys/policy.json');
 * const system = createSystem({ security: policy });
 * ```
 */
export function loadPolicyFile(path: string): SecurityPolicy {
  if (typeof path !== 'string' || path.length === 0) {
    throw new PolicyError('', 'the policy file path must be a non-empty string');
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const failure = new PolicyError('', `cannot read the policy file ${path} (${code})`);
    throw Object.assign(failure, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new PolicyError('', `${path} is not valid JSON: ${syntaxMessage(text, error as Error)}`);
  }
  try {
    return loadPolicy(parsed);
  } catch (error) {
    if (error instanceof PolicyError) {
      const prefix = error.field === '' ? 'policy ' : `policy ${error.field}: `;
      throw new PolicyError(error.field, `${error.message.slice(prefix.length)} (in ${path})`);
    }
    throw error;
  }
}
