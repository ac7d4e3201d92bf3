import { type BigIntStats, constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, open, readlink } from 'node:fs/promises';

/**
 * The file actor's low-level I/O: opening a path without following a
 * symbolic link at its end, telling whether an open descriptor is what a
 * path names (device and inode), and reading no more than a limit. The
 * walk from a policy root is in `./file-walk.ts`.
 *
 * @module
 */

/** O_NOFOLLOW and O_NONBLOCK where the platform has them (not on Windows). */
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const NONBLOCK = constants.O_NONBLOCK ?? 0;

/** Bytes read per `read` call at most: a big file is read in slices. */
const SLICE = 1024 * 1024;

/**
 * What a path is, as `stat` reports it.
 *
 * @example
 * ```ts
 * const kind: FileKind = kindOf(await lstat('/tmp')); // 'directory'
 * ```
 */
export type FileKind = 'file' | 'directory' | 'symlink' | 'other';

/**
 * The kind of an `lstat` or `fstat` result.
 *
 * @example
 * ```ts
 * kindOf(await lstat('/etc/hostname')); // 'file'
 * ```
 */
export function kindOf(stats: Stats | BigIntStats): FileKind {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symlink';
  return 'other';
}

/**
 * An error like the ones Node's `fs` throws: `code` set, the code first in
 * the message.
 *
 * @example
 * ```ts
 * throw ioError('EISDIR', 'illegal operation on a directory, read /srv/data');
 * ```
 */
export function ioError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/**
 * Opens an already resolved path for reading, writing or appending, never
 * following a symbolic link in its last component (`O_NOFOLLOW`: a link
 * swapped in after the policy check fails with `ELOOP`) and never blocking
 * on a FIFO (`O_NONBLOCK`). A write does not truncate here: the caller
 * truncates once it has checked what it opened.
 *
 * @example
 * ```ts
 * const fh = await openNoFollow('/srv/data/a.txt', 'read');
 * try { console.log((await fh.stat()).size); } finally { await fh.close(); }
 * ```
 */
export function openNoFollow(path: string, mode: 'read' | 'write' | 'append'): Promise<FileHandle> {
  const flags =
    mode === 'read'
      ? constants.O_RDONLY | NOFOLLOW | NONBLOCK
      : constants.O_WRONLY |
        constants.O_CREAT |
        NOFOLLOW |
        NONBLOCK |
        (mode === 'append' ? constants.O_APPEND : 0);
  return open(path, flags, 0o666);
}

/**
 * Where an open descriptor really points, when the platform says
 * (`/proc/self/fd` on Linux); undefined elsewhere, and for a file deleted
 * since it was opened. Informational only: a name can end in " (deleted)"
 * on its own, so a check uses `openedAt` (device and inode), never this.
 *
 * @example
 * ```ts
 * const where = await openedPath(fh); // '/srv/data/a.txt'
 * ```
 */
export async function openedPath(fh: FileHandle): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined;
  try {
    const [target, stats] = await Promise.all([readlink(`/proc/self/fd/${fh.fd}`), fh.stat()]);
    return stats.nlink === 0 ? undefined : target;
  } catch {
    return undefined;
  }
}

/**
 * Whether `fh` is what `expected` names now: the same device and inode
 * (`lstat`, so a symbolic link at `expected` is a difference), and not
 * deleted. Anything that cannot be told — `expected` gone, a stat that
 * fails — is a difference too: deny when unsure.
 *
 * @example
 * ```ts
 * if (!(await openedAt(fh, resolved))) throw new DeniedError('read', 'the path changed');
 * ```
 */
export async function openedAt(fh: FileHandle, expected: string): Promise<boolean> {
  try {
    const [opened, named] = await Promise.all([
      fh.stat({ bigint: true }),
      lstat(expected, { bigint: true }),
    ]);
    return opened.dev === named.dev && opened.ino === named.ino && opened.nlink > 0n;
  } catch {
    return false;
  }
}

/**
 * Reads `fh` from its current position to its end, but never more than
 * `limit + 1` bytes into memory: resolves with the bytes, or undefined when
 * there are more than `limit` (a file that grew past the limit after it was
 * measured). `sizeHint` (the size `fstat` reported) sizes the first slice.
 *
 * @example
 * ```ts
 * const bytes = await readBounded(fh, 1024, (await fh.stat()).size);
 * if (bytes === undefined) throw new DeniedError('read', 'over the read limit');
 * ```
 */
export async function readBounded(
  fh: FileHandle,
  limit: number,
  sizeHint = 0,
): Promise<Buffer | undefined> {
  const cap = limit + 1;
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const want = Math.min(cap - total, Math.max(sizeHint - total + 1, 64 * 1024), SLICE);
    if (want <= 0) break;
    const buffer = Buffer.allocUnsafe(want);
    const { bytesRead } = await fh.read(buffer, 0, want, null);
    if (bytesRead === 0) break;
    chunks.push(bytesRead === want ? buffer : buffer.subarray(0, bytesRead));
    total += bytesRead;
  }
  return total > limit ? undefined : Buffer.concat(chunks, total);
}
