import { lstatSync, readFileSync, realpathSync } from 'node:fs';
import { sep } from 'node:path';
import type { ExecPlan } from '../security/index.js';

/**
 * The namespace sandbox a port's program runs in (`bwrap`): what of the
 * host it sees read-only, what it may write, and which of the host's Unix
 * sockets are masked so the sandbox cannot talk its way out.
 *
 * @module
 */

function under(path: string, root: string): boolean {
  return path === root || path.startsWith(root + sep);
}

/** Where host Unix sockets are masked wholesale by a fresh tmpfs in the sandbox. */
const MASKED_DIRS: readonly string[] = ['/tmp', '/run', '/var/run'];

/** Most host sockets masked one by one (the rest of a huge list is left to the directory masks). */
const MAX_SOCKETS = 512;

/**
 * The host's Unix sockets with a path, as this network namespace lists
 * them (`/proc/net/unix`), resolved and still present as sockets.
 *
 * @example
 * ```ts
 * hostSockets(); // ['/run/postgresql/.s.PGSQL.5432', '/var/lib/app/ctl.sock']
 * ```
 */
export function hostSockets(): string[] {
  let table: string;
  try {
    table = readFileSync('/proc/net/unix', 'utf8');
  } catch {
    return [];
  }
  const found = new Set<string>();
  for (const line of table.split('\n').slice(1)) {
    const path = line.trim().split(/\s+/).slice(7).join(' ');
    if (!path.startsWith('/')) continue; // unnamed, or abstract (@…: reachable only with the network)
    try {
      const real = realpathSync(path);
      if (lstatSync(real).isSocket()) found.add(real);
    } catch {
      // gone, or not visible from here
    }
    if (found.size >= MAX_SOCKETS) break;
  }
  return [...found];
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * How `bwrapArgs` builds a sandbox beyond the policy's `sandbox` section.
 *
 * @example
 * ```ts
 * const options: SandboxOptions = { root: true, runAs: false, sockets: hostSockets() };
 * ```
 */
export interface SandboxOptions {
  /**
   * The runtime is root: every capability is dropped but those the inner
   * `setpriv` needs to drop the bounding set (and to change user, with
   * `runAs`); `setpriv` then drops the rest before the program runs.
   */
  readonly root?: boolean;
  /** The program runs as another user (`runAs`). */
  readonly runAs?: boolean;
  /** Host Unix sockets to mask (bound over with `/dev/null`) unless under a writable path. */
  readonly sockets?: readonly string[];
}

/**
 * `bwrap` arguments for a sandbox: a read-only view of the whole file
 * system, fresh `/dev`, `/proc`, `/tmp` and `/run` (so the host's Unix
 * sockets there are out of reach, and others are masked one by one), no
 * network unless allowed, its own pid, IPC, UTS and cgroup namespaces
 * (everything in it dies with its first process), a new session, no
 * capabilities, the writable paths bound read-write, and the working
 * directory and the program visible even when they live under `/tmp`.
 *
 * @example
 * ```ts
 * bwrapArgs(plan.sandbox, plan.cwd, plan.executable); // ['--unshare-net', '--unshare-pid', ...]
 * ```
 */
export function bwrapArgs(
  sandbox: NonNullable<ExecPlan['sandbox']>,
  cwd: string,
  executable: string,
  options: SandboxOptions = {},
): string[] {
  const args: string[] = [];
  if (!sandbox.network) args.push('--unshare-net');
  args.push('--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try');
  args.push('--new-session', '--die-with-parent', '--cap-drop', 'ALL');
  if (options.root === true) {
    args.push('--cap-add', 'CAP_SETPCAP');
    if (options.runAs === true) args.push('--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID');
  }
  args.push('--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc');
  const masked = MASKED_DIRS.filter(isDirectory);
  for (const dir of masked) args.push('--tmpfs', dir);
  const writable = (path: string): boolean => sandbox.writable.some((w) => under(path, w));
  // Under the fresh /tmp and /run, what the program needs from the real ones is bound back.
  const rebound: string[] = [];
  for (const path of [cwd, executable]) {
    if (masked.some((d) => under(path, d)) && !writable(path)) {
      args.push('--ro-bind', path, path);
      rebound.push(path);
    }
  }
  for (const path of sandbox.writable) args.push('--bind', path, path);
  for (const socket of options.sockets ?? []) {
    const visible = !masked.some((d) => under(socket, d)) || rebound.some((r) => under(socket, r));
    if (visible && !writable(socket)) args.push('--ro-bind', '/dev/null', socket);
  }
  args.push('--chdir', cwd);
  return args;
}
