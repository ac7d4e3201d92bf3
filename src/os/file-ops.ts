import { constants, existsSync } from 'node:fs';
import { type FileHandle, lstat, opendir, rmdir, unlink } from 'node:fs/promises';
import type { Attempt, Attempter } from './file-attempt.js';
import { ioError, kindOf, openedAt, readBounded } from './file-io.js';
import {
  callersError,
  openAt,
  PathChanged,
  type Reached,
  reach,
  removeCreated,
  type Target,
} from './file-walk.js';
import type { FileEncoding, FileStat } from './files.js';

/**
 * The file actor's operations (read, write and append, list, stat,
 * remove), each on a validated request: the path checked against the
 * policy, reached from its pinned root without following links, the I/O
 * bounded by the policy's sizes, and the outcome recorded on the attempt.
 *
 * @module
 */

const DIRECTORY = constants.O_DIRECTORY ?? 0;

/** The file operations a request may name. */
export const OPS = ['read', 'write', 'append', 'list', 'stat', 'remove'] as const;
export type Op = (typeof OPS)[number];

/** A request that passed validation. */
export interface Valid {
  readonly op: Op;
  readonly path: string;
  readonly encoding: FileEncoding;
  readonly data: string;
}

/** The path check: denied (recorded, thrown) or what to reach. */
function checked(attempt: Attempt, who: Attempter, access: 'read' | 'write', path: string): Target {
  const decision = who.security.checkPath(access, path);
  if (!decision.allowed) throw attempt.deny(decision.reason);
  attempt.pathReason = decision.reason;
  return { path, resolved: decision.resolved, roots: decision.roots };
}

/** Runs `body` with the target reached; a `PathChanged` becomes a recorded denial. */
async function reached<T>(
  attempt: Attempt,
  target: Target,
  body: (r: Reached) => Promise<T>,
): Promise<T> {
  let r: Reached | undefined;
  try {
    r = await reach(target);
    return await body(r);
  } catch (error) {
    if (error instanceof PathChanged) throw attempt.deny(error.message);
    throw error;
  } finally {
    await r?.close();
  }
}

/** Denies unless `fh` is still what the checked path names (device and inode). */
async function sameAsChecked(fh: FileHandle, target: Target): Promise<void> {
  if (!(await openedAt(fh, target.resolved))) {
    throw new PathChanged(`${target.path} changed while it was opened (a swap along the path?)`);
  }
}

async function read(req: Valid, attempt: Attempt, who: Attempter): Promise<string> {
  const target = checked(attempt, who, 'read', req.path);
  return reached(attempt, target, async (r) => {
    const fh = await openAt(r, target, constants.O_RDONLY);
    try {
      const stats = await fh.stat();
      if (stats.isDirectory()) {
        throw ioError('EISDIR', `illegal operation on a directory, read '${req.path}'`);
      }
      if (!stats.isFile()) throw attempt.deny(`${req.path} is not a regular file`);
      const limit = who.security.maxBytes('read');
      if (stats.size > limit) {
        throw attempt.deny(
          `${req.path} is ${stats.size} bytes, over the read limit of ${limit} bytes`,
        );
      }
      await sameAsChecked(fh, target);
      await attempt.allow(attempt.pathReason);
      const bytes = await readBounded(fh, limit, stats.size);
      if (bytes === undefined) {
        throw attempt.deny(
          `${req.path} grew past the read limit of ${limit} bytes while it was read`,
        );
      }
      attempt.ok(`${bytes.length} bytes`);
      return bytes.toString(req.encoding);
    } finally {
      await fh.close().catch(() => undefined);
    }
  });
}

/**
 * Opens for writing: created exclusively when the name is free (so this
 * call knows the file is its own), else the existing file, never through
 * a symbolic link.
 */
async function openForWrite(
  r: Reached,
  target: Target,
  append: boolean,
): Promise<{ fh: FileHandle; created: boolean }> {
  const flags = constants.O_WRONLY | (append ? constants.O_APPEND : 0);
  if (r.canCreate) {
    try {
      return {
        fh: await openAt(r, target, flags | constants.O_CREAT | constants.O_EXCL),
        created: true,
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  try {
    return { fh: await openAt(r, target, flags), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !r.canCreate) {
      throw new PathChanged(
        `${target.path} does not exist, and files are created only where /proc/self/fd lets the walk be checked`,
      );
    }
    throw error;
  }
}

async function write(req: Valid, attempt: Attempt, who: Attempter): Promise<{ bytes: number }> {
  const target = checked(attempt, who, 'write', req.path);
  const bytes = Buffer.byteLength(req.data, req.encoding);
  const limit = who.security.maxBytes('write');
  if (bytes > limit) throw attempt.deny(`${bytes} bytes exceed the write limit of ${limit} bytes`);
  // Recorded before anything is touched: a record that cannot be written stops the write here.
  await attempt.allow(attempt.pathReason);
  await reached(attempt, target, async (r) => {
    const { fh, created } = await openForWrite(r, target, req.op === 'append');
    try {
      try {
        if (!(await fh.stat()).isFile()) throw new PathChanged(`${req.path} is not a regular file`);
        await sameAsChecked(fh, target);
      } catch (error) {
        if (created) await removeCreated(r, fh);
        throw error;
      }
      if (req.op === 'write') await fh.truncate(0);
      await fh.writeFile(Buffer.from(req.data, req.encoding));
    } catch (error) {
      throw callersError(error, req.op, req.path);
    } finally {
      await fh.close().catch(() => undefined);
    }
  });
  attempt.ok(`${bytes} bytes`);
  return { bytes };
}

async function list(req: Valid, attempt: Attempt, who: Attempter): Promise<string[]> {
  const target = checked(attempt, who, 'read', req.path);
  return reached(attempt, target, async (r) => {
    const fh = await openAt(r, target, constants.O_RDONLY | DIRECTORY);
    const names: string[] = [];
    try {
      await sameAsChecked(fh, target);
      await attempt.allow(attempt.pathReason);
      const limit = who.security.maxBytes('read');
      let bytes = 0;
      // The listing reads the opened directory itself, not whatever the path names by now.
      const where = existsSync('/proc/self/fd') ? `/proc/self/fd/${fh.fd}` : target.resolved;
      const dir = await opendir(where).catch((error: unknown) => {
        throw callersError(error, 'opendir', req.path);
      });
      try {
        for (let entry = await dir.read(); entry !== null; entry = await dir.read()) {
          bytes += Buffer.byteLength(entry.name) + 1;
          if (bytes > limit) {
            throw attempt.deny(
              `the listing of ${req.path} exceeds the read limit of ${limit} bytes`,
            );
          }
          names.push(entry.name);
        }
      } finally {
        await dir.close().catch(() => undefined);
      }
    } finally {
      await fh.close().catch(() => undefined);
    }
    names.sort();
    attempt.ok(`${names.length} entries`);
    return names;
  });
}

async function stat(req: Valid, attempt: Attempt, who: Attempter): Promise<FileStat> {
  const target = checked(attempt, who, 'read', req.path);
  return reached(attempt, target, async (r) => {
    const stats = await lstat(r.at, { bigint: true }).catch((error: unknown) => {
      throw callersError(error, 'lstat', req.path);
    });
    if (r.root !== undefined && (stats.dev !== r.root.dev || stats.ino !== r.root.ino)) {
      throw new PathChanged(`the policy root ${req.path} was replaced after the policy loaded`);
    }
    await attempt.allow(attempt.pathReason);
    const answer: FileStat = {
      size: Number(stats.size),
      kind: kindOf(stats),
      mtimeMs: Number(stats.mtimeMs),
    };
    attempt.ok(`${answer.kind}, ${answer.size} bytes`);
    return answer;
  });
}

async function remove(req: Valid, attempt: Attempt, who: Attempter): Promise<undefined> {
  const target = checked(attempt, who, 'write', req.path);
  if (target.roots.some((root) => root.path === target.resolved)) {
    throw attempt.deny(`${req.path} is a policy root: roots are not removed`);
  }
  return reached(attempt, target, async (r) => {
    const stats = await lstat(r.at, { bigint: true }).catch((error: unknown) => {
      throw callersError(error, 'lstat', req.path);
    });
    const named = await lstat(target.resolved, { bigint: true }).catch(() => undefined);
    if (named === undefined || named.dev !== stats.dev || named.ino !== stats.ino) {
      throw new PathChanged(`${req.path} changed after the check (a swap along the path?)`);
    }
    await attempt.allow(attempt.pathReason);
    // unlink removes a symbolic link itself, never its target; rmdir only empty directories.
    try {
      if (stats.isDirectory()) await rmdir(r.at);
      else await unlink(r.at);
    } catch (error) {
      throw callersError(error, stats.isDirectory() ? 'rmdir' : 'unlink', req.path);
    }
    attempt.ok('removed');
    return undefined;
  });
}

/**
 * Each operation, run for a validated request under its attempt (checked,
 * reached without following links, bounded, recorded).
 *
 * @example
 * ```ts
 * reply.send(await OPERATIONS[req.op](req, attempt, who));
 * ```
 */
export const OPERATIONS = { read, write, append: write, list, stat, remove } as const;
