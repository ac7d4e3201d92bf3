import { createHash, createHmac, randomUUID } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  linkSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { AuditError } from '../errors.js';

/**
 * What an audit log file needs besides its lines: the chain's hash (keyed
 * or not), the key, the writer's lock, the checkpoint, and reading the
 * last line of an existing log (a torn one included).
 *
 * @module
 */

/** The `prev` of a chain's first line. */
export const GENESIS = '0'.repeat(64);
/** The value of `mac` on a keyed line. */
export const MAC = 'hmac-sha256';
/** Bytes of key material at least. */
const MIN_KEY = 16;
/** Bytes of a checkpoint file: one JSON object padded with spaces, then a newline. */
const CHECKPOINT_BYTES = 128;

/**
 * The hash of a line: HMAC-SHA-256 of `prev`, a newline and the line's body
 * under `key`, or plain SHA-256 of the same without a key.
 *
 * @example
 * ```ts
 * const hash = chainHash(key, GENESIS, '{"seq":1,...}');
 * ```
 */
export function chainHash(key: Uint8Array | undefined, prev: string, body: string): string {
  const h = key === undefined ? createHash('sha256') : createHmac('sha256', key);
  return h.update(prev).update('\n').update(body).digest('hex');
}

/**
 * Reads an audit key file: its bytes, less one trailing newline (so the
 * output of `openssl rand -hex 32 > key` works as it is), at least 16.
 * Throws `AuditError` (`ERR_AUDIT`) when it cannot be read or is too short.
 *
 * @example
 * ```ts
 * const key = readAuditKey('/etc/airssys/audit.key');
 * ```
 */
export function readAuditKey(file: string): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new AuditError('ERR_AUDIT', `cannot read the audit key file ${file} (${code})`, {
      cause: error,
    });
  }
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 10) end--;
  if (end > 0 && bytes[end - 1] === 13) end--;
  const key = bytes.subarray(0, end);
  if (key.length < MIN_KEY) {
    throw new AuditError(
      'ERR_AUDIT',
      `the audit key in ${file} is ${key.length} bytes; at least ${MIN_KEY} are needed`,
    );
  }
  return key;
}

/**
 * The writer's lock on a log: `FILE.lock`, created exclusively, holding
 * the writer's pid and a token. A lock whose process is gone (a crash) is
 * taken over; a live one — another process, or another `AuditLog` in this
 * one — is an `AuditError` with code `ERR_AUDIT_LOCKED`.
 *
 * @example
 * ```ts
 * const lock = lockLog('/var/log/audit.jsonl');
 * try { append(); } finally { lock.release(); }
 * ```
 */
export function lockLog(file: string): { release(): void } {
  const path = `${file}.lock`;
  const token = `${process.pid} ${randomUUID()}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, token);
      } finally {
        closeSync(fd);
      }
      return {
        release: () => {
          try {
            if (readFileSync(path, 'utf8') === token) unlinkSync(path);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        const code = (error as NodeJS.ErrnoException).code ?? 'error';
        throw new AuditError('ERR_AUDIT', `cannot lock the audit log ${file} (${code})`, {
          cause: error,
        });
      }
    }
    takeOverStale(file, path);
  }
  throw new AuditError('ERR_AUDIT_LOCKED', `cannot take the lock ${path} of ${file}`);
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the lock at `path` if its process is gone; throws ERR_AUDIT_LOCKED if it lives. */
function takeOverStale(file: string, path: string): void {
  let holder: string;
  try {
    holder = readFileSync(path, 'utf8');
  } catch {
    return; // released meanwhile: try again
  }
  const pid = Number.parseInt(holder, 10);
  if (!Number.isSafeInteger(pid) || pid <= 0 || alive(pid)) {
    throw new AuditError(
      'ERR_AUDIT_LOCKED',
      `the audit log ${file} is being written by process ${Number.isSafeInteger(pid) ? pid : '?'} (lock ${path}): one chain has one writer`,
    );
  }
  // Moved aside atomically, then checked: if another process took it over first, put its lock back.
  const aside = `${path}.stale-${randomUUID()}`;
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  const moved = readFileSync(aside, 'utf8');
  if (moved !== holder) {
    try {
      linkSync(aside, path);
    } catch {
      // A third writer holds the lock now; the one moved aside was not ours to keep either.
    }
  }
  unlinkSync(aside);
}

/**
 * A checkpoint: the `seq` and `hash` of a log's last line, kept in a file
 * of its own (ideally where the log's writers cannot reach) so lines cut
 * off the end of the log show.
 *
 * @example
 * ```ts
 * const cp: AuditCheckpoint = readAuditCheckpoint('/var/lib/airssys/audit.checkpoint');
 * ```
 */
export interface AuditCheckpoint {
  readonly seq: number;
  readonly hash: string;
}

/**
 * Reads a checkpoint file; undefined when it does not exist. Throws
 * `AuditError` (`ERR_AUDIT`) when it is not a checkpoint.
 *
 * @example
 * ```ts
 * const cp = readAuditCheckpoint('audit.checkpoint');
 * ```
 */
export function readAuditCheckpoint(file: string): AuditCheckpoint | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new AuditError('ERR_AUDIT', `cannot read the audit checkpoint ${file} (${code})`);
  }
  try {
    const cp = JSON.parse(text) as Partial<AuditCheckpoint>;
    if (
      Number.isSafeInteger(cp.seq) &&
      typeof cp.hash === 'string' &&
      /^[0-9a-f]{64}$/.test(cp.hash)
    ) {
      return { seq: cp.seq as number, hash: cp.hash };
    }
  } catch {
    // Reported below.
  }
  throw new AuditError('ERR_AUDIT', `${file} is not an audit checkpoint`);
}

/**
 * Writes a checkpoint in place at offset 0 (one fixed-size write, so the
 * file is never half old, half new).
 *
 * @example
 * ```ts
 * writeAuditCheckpoint(fd, { seq: 12, hash });
 * ```
 */
export function writeAuditCheckpoint(fd: number, cp: AuditCheckpoint): void {
  const text = JSON.stringify({ seq: cp.seq, hash: cp.hash });
  writeSync(fd, `${text.padEnd(CHECKPOINT_BYTES - 1, ' ')}\n`, 0);
}

/**
 * A line split into its body (what the hash covers) and its hash, with the
 * body parsed; undefined when it is not an audit line.
 *
 * @example
 * ```ts
 * const line = splitLine(text.split('\n')[0]);
 * ```
 */
export function splitLine(
  raw: string,
): { body: string; hash: string; fields: Record<string, unknown> } | undefined {
  const cut = raw.lastIndexOf(',"hash":"');
  if (cut < 0 || !raw.endsWith('"}') || raw.length - cut !== 75) return undefined;
  const body = `${raw.slice(0, cut)}}`;
  try {
    const fields = JSON.parse(body) as unknown;
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return undefined;
    return { body, hash: raw.slice(cut + 9, -2), fields: fields as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

/**
 * The end of a file: enough of its last bytes to hold its last complete
 * line whole (two newlines, or the whole file), and where they start. A
 * long log is never read whole to be continued.
 *
 * @example
 * ```ts
 * const { bytes, offset } = readTail('/var/log/audit.jsonl');
 * ```
 */
export function readTail(file: string): { bytes: Buffer; offset: number } {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    for (let want = 64 * 1024; ; want *= 2) {
      const offset = Math.max(0, size - want);
      const bytes = Buffer.alloc(size - offset);
      let read = 0;
      while (read < bytes.length) {
        const n = readSync(fd, bytes, read, bytes.length - read, offset + read);
        if (n === 0) break;
        read += n;
      }
      const last = bytes.lastIndexOf(10);
      if (offset === 0 || (last > 0 && bytes.lastIndexOf(10, last - 1) >= 0)) {
        return { bytes: bytes.subarray(0, read), offset };
      }
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * What an existing log holds at its end (see `readTail`): the length of its
 * intact part, its last line (if any), and a torn last line (no newline: a
 * crash or a full disk) to cut off. Throws `AuditError` when the file does
 * not look like an audit log at all.
 *
 * @example
 * ```ts
 * const end = readLogEnd(readTail(file), file);
 * ```
 */
export function readLogEnd(
  tail: { readonly bytes: Buffer; readonly offset: number },
  file: string,
): { intact: number; last: ReturnType<typeof splitLine>; torn: Buffer | undefined } {
  const { bytes, offset } = tail;
  const lastNl = bytes.lastIndexOf(10);
  const end = lastNl + 1;
  const intact = offset + end;
  const torn = end < bytes.length ? bytes.subarray(end) : undefined;
  if (
    torn !== undefined &&
    !torn.toString('utf8', 0, 7).startsWith('{"seq":'.slice(0, torn.length))
  ) {
    throw new AuditError('ERR_AUDIT', `${file} does not end in an audit line: not an audit log?`);
  }
  if (intact === 0) return { intact, last: undefined, torn };
  const start = bytes.lastIndexOf(10, lastNl - 1) + 1;
  const last = splitLine(bytes.toString('utf8', start, lastNl));
  if (last === undefined) {
    throw new AuditError(
      'ERR_AUDIT',
      `the last line of ${file} is not an audit line: check it with 'airssys-rt audit verify' and start a new log`,
    );
  }
  return { intact, last, torn };
}
