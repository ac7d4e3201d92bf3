import { lstatSync, realpathSync } from 'node:fs';
import { sep } from 'node:path';

/**
 * Policy roots pinned when a context is built: each root's real path (no
 * symbolic link left in it) and the device and inode it named then. A
 * check compares paths against the pinned real paths, never re-resolving a
 * root, so a root swapped later for a symbolic link does not re-point the
 * policy; a file operation compares what it opens with the pinned device
 * and inode (see `src/os/file-io.ts`).
 *
 * @module
 */

/**
 * A root as pinned: its real path and identity.
 *
 * @example
 * ```ts
 * const root = pinRoot('/srv/data'); // { path: '/srv/data', dev: 2049n, ino: 131074n }
 * ```
 */
export interface PinnedRoot {
  readonly path: string;
  readonly dev: bigint;
  readonly ino: bigint;
}

/**
 * Pins `root`: its real path, device and inode; undefined when it does not
 * exist (a root missing when pinned covers nothing).
 *
 * @example
 * ```ts
 * const pinned = pinRoot('/srv/data');
 * ```
 */
export function pinRoot(root: string): PinnedRoot | undefined {
  try {
    const path = realpathSync.native(root);
    const stats = lstatSync(path, { bigint: true });
    return { path, dev: stats.dev, ino: stats.ino };
  } catch {
    return undefined;
  }
}

/**
 * Pins every root that exists.
 *
 * @example
 * ```ts
 * const roots = pinRoots(['/srv/data', '/srv/out']);
 * ```
 */
export function pinRoots(roots: readonly string[]): PinnedRoot[] {
  return roots.flatMap((r) => pinRoot(r) ?? []);
}

/**
 * Whether the resolved `path` is `root` or under it (`/srv/data` does not
 * cover `/srv/database`).
 *
 * @example
 * ```ts
 * covers({ path: '/srv/data', dev: 1n, ino: 2n }, '/srv/data/a.txt'); // true
 * ```
 */
export function covers(root: PinnedRoot, path: string): boolean {
  const r = root.path;
  return path === r || path.startsWith(r.endsWith(sep) ? r : r + sep);
}
