import type { ActorContext, ActorDefinition, ActorProcess, Reply } from '../actor/index.js';
import { defineActor } from '../actor/index.js';
import { AuditError, InvalidArgumentError } from '../errors.js';
import { Attempt, type Attempter } from './file-attempt.js';
import type { FileKind } from './file-io.js';
import { OPERATIONS, OPS, type Op, type Valid } from './file-ops.js';
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

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

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
    reply.send(await OPERATIONS[req.op](req, attempt, who));
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
