import { constants, existsSync } from 'node:fs';
import { type FileHandle, lstat, open, unlink } from 'node:fs/promises';
import type { PinnedRoot } from '../security/index.js';

/**
 * Reaching a checked path without a race: from the policy root's directory
 * descriptor (checked against the device and inode pinned when the policy
 * loaded), one name at a time, never following a symbolic link. A
 * directory swapped for a link between the check and the use fails the
 * walk (`ELOOP`) instead of leading outside the root, and nothing is
 * created anywhere but in the directory the walk reached.
 *
 * On Linux a descriptor is used as a directory through `/proc/self/fd/N/`
 * (Node has no `openat`). Without `/proc`, paths are opened whole, checked
 * after the fact, and creating a file is refused (it could not be undone
 * safely).
 *
 * Errors never name the paths used here (`/proc/self/fd/N`, resolved paths
 * outside the caller's view): a refusal is a `PathChanged` (the caller
 * denies), an I/O error keeps its `code` and names the caller's own path.
 *
 * @module
 */

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const NONBLOCK = constants.O_NONBLOCK ?? 0;
const DIRECTORY = constants.O_DIRECTORY ?? 0;

/**
 * The path changed between the check and the use, or cannot be shown to
 * be the one checked: the operation is denied with this message.
 *
 * @example
 * ```ts
 * try { await reach(target); } catch (e) { if (e instanceof PathChanged) throw attempt.deny(e.message); }
 * ```
 */
export class PathChanged extends Error {}

/**
 * What to reach: the caller's path (the only one errors name), what it
 * resolved to when checked, and the pinned roots that cover it.
 *
 * @example
 * ```ts
 * const target: Target = { path: req.path, resolved: d.resolved, roots: d.roots };
 * ```
 */
export interface Target {
  readonly path: string;
  readonly resolved: string;
  readonly roots: readonly PinnedRoot[];
}

/**
 * A reached target: the descriptor of its directory (undefined when the
 * target is a root itself, or without `/proc`) and how to name the target
 * for the next call (`at`).
 *
 * @example
 * ```ts
 * const r = await reach(target);
 * try { const fh = await openAt(r, target, constants.O_RDONLY); } finally { await r.close(); }
 * ```
 */
export interface Reached {
  readonly dir: FileHandle | undefined;
  /** The name to use: `/proc/self/fd/N/name`, or a whole path. */
  readonly at: string;
  /** The pinned root the target is, if it is one. */
  readonly root: PinnedRoot | undefined;
  /** Whether files may be created here (false without `/proc`). */
  readonly canCreate: boolean;
  close(): Promise<void>;
}

/**
 * An I/O error like Node's — same `code` — naming only the caller's path.
 *
 * @example
 * ```ts
 * throw callersError(error, 'open', '/srv/data/a.txt');
 * ```
 */
export function callersError(error: unknown, syscall: string, path: string): Error {
  if (error instanceof PathChanged) return error;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string') return error instanceof Error ? error : new Error(String(error));
  const what = (error as Error).message.replace(/^[A-Z]+: /, '').split(',')[0];
  return Object.assign(new Error(`${code}: ${what}, ${syscall} '${path}'`), { code });
}

/** Whether `fh` is the pinned root (same device and inode). */
async function isPinned(fh: FileHandle, root: PinnedRoot): Promise<boolean> {
  const s = await fh.stat({ bigint: true });
  return s.dev === root.dev && s.ino === root.ino;
}

async function openDir(path: string, caller: string): Promise<FileHandle> {
  try {
    return await open(path, constants.O_RDONLY | DIRECTORY | NOFOLLOW | NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new PathChanged(
        `a directory along ${caller} was swapped for a symbolic link after the check`,
      );
    }
    throw callersError(error, 'open', caller);
  }
}

/**
 * Walks to the directory of `target` from the shallowest root covering it,
 * checking every pinned root it passes. Throws `PathChanged` or a
 * caller's I/O error.
 *
 * @example
 * ```ts
 * const reached = await reach({ path, resolved, roots });
 * ```
 */
export async function reach(target: Target): Promise<Reached> {
  const roots = [...target.roots].sort((a, b) => a.path.length - b.path.length);
  const base = roots[0];
  if (base === undefined) throw new PathChanged(`no policy root covers ${target.path}`);
  const exact = roots.find((r) => r.path === target.resolved);
  const proc = existsSync('/proc/self/fd');
  const whole = (): Reached => ({
    dir: undefined,
    at: target.resolved,
    root: exact,
    canCreate: false,
    close: async () => undefined,
  });
  if (target.resolved === base.path) return { ...whole(), canCreate: true };
  if (!proc) return whole();
  const names = target.resolved.slice(base.path === '/' ? 1 : base.path.length + 1).split('/');
  let dir = await openDir(base.path, target.path);
  try {
    if (!(await isPinned(dir, base))) {
      throw new PathChanged(
        `the policy root over ${target.path} was replaced after the policy loaded`,
      );
    }
    let sofar = base.path;
    for (const name of names.slice(0, -1)) {
      const next = await openDir(`/proc/self/fd/${dir.fd}/${name}`, target.path);
      await dir.close();
      dir = next;
      sofar = sofar === '/' ? `/${name}` : `${sofar}/${name}`;
      const pinned = roots.find((r) => r.path === sofar);
      if (pinned !== undefined && !(await isPinned(dir, pinned))) {
        throw new PathChanged(
          `a policy root along ${target.path} was replaced after the policy loaded`,
        );
      }
    }
  } catch (error) {
    await dir.close().catch(() => undefined);
    throw error;
  }
  const held = dir;
  return {
    dir: held,
    at: `/proc/self/fd/${held.fd}/${names.at(-1) as string}`,
    root: exact,
    canCreate: true,
    close: () => held.close().catch(() => undefined),
  };
}

/**
 * Opens the reached target with `flags` (plus `O_NOFOLLOW`, `O_NONBLOCK`):
 * a symbolic link there is a `PathChanged`; a target that is a root must
 * still be the pinned one.
 *
 * @example
 * ```ts
 * const fh = await openAt(reached, target, constants.O_RDONLY);
 * ```
 */
export async function openAt(reached: Reached, target: Target, flags: number): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(reached.at, flags | NOFOLLOW | NONBLOCK, 0o666);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new PathChanged(`${target.path} is a symbolic link now (swapped in after the check?)`);
    }
    throw callersError(error, 'open', target.path);
  }
  if (reached.root !== undefined && !(await isPinned(fh, reached.root))) {
    await fh.close().catch(() => undefined);
    throw new PathChanged(`the policy root ${target.path} was replaced after the policy loaded`);
  }
  return fh;
}

/**
 * Removes a file this operation created, if the name still holds it.
 *
 * @example
 * ```ts
 * if (created) await removeCreated(reached, fh);
 * ```
 */
export async function removeCreated(reached: Reached, fh: FileHandle): Promise<void> {
  try {
    const [mine, there] = await Promise.all([
      fh.stat({ bigint: true }),
      lstat(reached.at, { bigint: true }),
    ]);
    if (mine.dev === there.dev && mine.ino === there.ino) await unlink(reached.at);
  } catch {
    // Gone already, or replaced: nothing of ours to remove.
  }
}
