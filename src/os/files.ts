import { constants, existsSync } from 'node:fs';
import { type FileHandle, lstat, opendir, rmdir, unlink } from 'node:fs/promises';
import type { ActorContext, ActorDefinition, ActorProcess, Reply } from '../actor/index.js';
import { defineActor } from '../actor/index.js';
import { AuditError, InvalidArgumentError } from '../errors.js';
import { Attempt, type Attempter } from './file-attempt.js';
import { type FileKind, ioError, kindOf, openedAt, readBounded } from './file-io.js';
import {
  callersError,
  openAt,
  PathChanged,
  type Reached,
  reach,
  removeCreated,
  type Target,
} from './file-walk.js';
import { unrecorded } from './unrecorded.js';

/**
 * File operations as messages: a file actor reads, writes, appends, lists,
 * stats and removes files for whoever asks it, under the security context
 * of its process (`ctx.security`). Every operation is checked against the
 * policy after its path is resolved (`..` and symbolic links), bounded in
 * size, and recorded in the system's audit log — attempt and outcome. A
 * refusal is a `DeniedError` (`ERR_DENIED`) saying why; an I/O error keeps
 * Node's `code` (`ENOENT`, `EISDIR`...). Bad requests fail the asker with
 * `InvalidArgumentError`; nothing a request carries stops the actor. An
 * operation whose audit record cannot be written is denied, not done.
 *
 * @module
 */

const DIRECTORY = constants.O_DIRECTORY ?? 0;

/**
 * How file contents travel in messages: text, or bytes as base64.
 *
 * @example
 * ```ts
 * await files.ask({ type: 'read', path: '/srv/data/logo.png', encoding: 'base64' });
 * ```
 */
export type FileEncoding = 'utf8' | 'base64';

/**
 * What `stat` answers. `kind` is that of the resolved path, so a symbolic
 * link reads as what it points to.
 *
 * @example
 * ```ts
 * const { size, kind } = await files.ask({ type: 'stat', path: '/srv/data/a.txt' });
 * ```
 */
export interface FileStat {
  readonly size: number;
  readonly kind: FileKind;
  readonly mtimeMs: number;
}

/**
 * The requests a file actor answers (all asks). `list` and `stat` are
 * reads; `write`, `append` and `remove` are writes. `remove` removes a file
 * or an empty directory.
 *
 * @example
 * ```ts
 * const files = system.spawn(fileActor(), { security: { fs: { read: ['/srv/data'] } } });
 * const text: string = await files.ask({ type: 'read', path: '/srv/data/a.txt' });
 * ```
 */
export type FileRequest =
  | {
      readonly type: 'read';
      readonly path: string;
      readonly encoding?: FileEncoding;
      readonly reply: Reply<string>;
    }
  | {
      readonly type: 'write' | 'append';
      readonly path: string;
      readonly data: string;
      readonly encoding?: FileEncoding;
      readonly reply: Reply<{ readonly bytes: number }>;
    }
  | { readonly type: 'list'; readonly path: string; readonly reply: Reply<string[]> }
  | { readonly type: 'stat'; readonly path: string; readonly reply: Reply<FileStat> }
  | { readonly type: 'remove'; readonly path: string; readonly reply: Reply<void> };

/**
 * Options of `fileActor`: `label` names it in the audit log and the
 * observer (default `files`).
 *
 * @example
 * ```ts
 * fileActor({ label: 'uploads' });
 * ```
 */
export interface FileActorOptions {
  readonly label?: string;
}

const OPS = ['read', 'write', 'append', 'list', 'stat', 'remove'] as const;
type Op = (typeof OPS)[number];
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/** A request that passed validation. */
interface Valid {
  readonly op: Op;
  readonly path: string;
  readonly encoding: FileEncoding;
  readonly data: string;
}

function replyOf(message: unknown): Reply<unknown> | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const reply = (message as { reply?: unknown }).reply as Partial<Reply<unknown>> | undefined;
  return typeof reply?.send === 'function' && typeof reply.fail === 'function'
    ? (reply as Reply<unknown>)
    : undefined;
}

/** Validates a request's fields, recording a malformed one as denied. */
function validate(message: Record<string, unknown>, attempt: Attempt): Valid {
  const { type, path, encoding = 'utf8', data } = message;
  if (!OPS.includes(type as Op)) {
    throw attempt.invalid('type', `unknown file operation (one of: ${OPS.join(', ')})`);
  }
  if (typeof path !== 'string') throw attempt.invalid('path', 'must be a string');
  if (encoding !== 'utf8' && encoding !== 'base64') {
    throw attempt.invalid('encoding', "must be 'utf8' or 'base64'");
  }
  if (type === 'write' || type === 'append') {
    if (typeof data !== 'string') throw attempt.invalid('data', 'must be a string');
    if (encoding === 'base64' && !BASE64.test(data)) {
      throw attempt.invalid('data', 'is not base64');
    }
  }
  return { op: type as Op, path, encoding, data: typeof data === 'string' ? data : '' };
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

const RUN = { read, write, append: write, list, stat, remove } as const;

/** Serves one message; never throws, so nothing a request carries stops the actor. */
async function serve(
  message: unknown,
  ctx: ActorContext<FileRequest>,
  actor: string,
): Promise<void> {
  const p = ctx as unknown as ActorProcess;
  const who: Attempter = { actor, pid: ctx.pid, security: ctx.security, audit: p.runtime.audit };
  const reply = replyOf(message);
  const fields =
    typeof message === 'object' && message !== null ? (message as Record<string, unknown>) : {};
  const op = typeof fields.type === 'string' ? fields.type : `(${typeof fields.type})`;
  let attempt: Attempt | undefined;
  try {
    const args: unknown[] = [fields.path];
    if (fields.encoding !== undefined) args.push(fields.encoding);
    if (typeof fields.data === 'string') args.push(`${fields.data.length} chars`);
    attempt = new Attempt(who, op, args);
    if (reply === undefined) {
      attempt.invalid('reply', 'file requests are asks: the message has no reply port');
      p.runtime.deadLetter(message, ctx.pid, ctx.sender, 'unexpected');
      return;
    }
    const req = validate(fields, attempt);
    reply.send(await RUN[req.op](req, attempt, who));
  } catch (error) {
    try {
      attempt?.failed(error);
    } catch {
      // The audit log itself failed: the asker still gets the first error.
    }
    reply?.fail(error instanceof AuditError ? unrecorded(op, error) : error);
  }
}

/**
 * A file actor: spawn it with a security policy (or under a system or
 * parent that has one) and ask it for file operations. Deny by default: a
 * process with no policy may touch nothing.
 *
 * Sizes are bounded by the policy: a `read` of a file larger than
 * `fs.maxReadBytes` (never more than the limit is read into memory), a
 * `list` whose names add up to more, and a `write` or `append` of more than
 * `fs.maxWriteBytes` are denied. Paths are resolved before they are
 * checked, then reached from the pinned root's directory descriptor one
 * name at a time without following links (`./file-walk.ts`), so neither
 * `..` nor a symbolic link — even a directory swapped for one after the
 * check — leads outside the policy's roots; a denial names only the
 * caller's path.
 *
 * @example
 * ```ts
 * const system = createSystem({ audit: new AuditLog({ file: 'audit.jsonl' }) });
 * const files = system.spawn(fileActor(), {
 *   security: { fs: { read: ['/srv/data'], write: ['/srv/data/out'], maxReadBytes: 2 ** 20 } },
 * });
 * await files.ask({ type: 'write', path: '/srv/data/out/a.txt', data: 'hello' }); // { bytes: 5 }
 * await files.ask({ type: 'read', path: '/srv/data/../../etc/passwd' }); // rejects, ERR_DENIED
 * ```
 */
export function fileActor(options: FileActorOptions = {}): ActorDefinition<FileRequest> {
  const label = options.label ?? 'files';
  if (typeof label !== 'string' || label.length === 0) {
    throw new InvalidArgumentError('label', 'must be a non-empty string');
  }
  return defineActor<FileRequest>({
    label,
    handle: (message, ctx) => serve(message, ctx, label),
  });
}
