import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { CgroupBase, TreeCgroup } from './cgroup.js';

/**
 * What holds a launched program's whole process tree, so that stopping it,
 * its timeout and its limits reach every descendant — a `setsid` daemon
 * that left the program's process group included:
 *
 * - `cgroup`: a cgroup v2 of its own; `cgroup.kill` ends the tree at once,
 *   `cpu.stat` counts its CPU time, `memory.max`/`pids.max` bound it where
 *   those controllers are enabled. A program can leave it only by writing
 *   to the cgroup file system (root without a sandbox).
 * - `pid-namespace`: a pid namespace of its own (`bwrap`'s, or `unshare
 *   --pid --fork --kill-child`); when its first process dies the kernel
 *   kills every other one in it, and no process can leave it.
 * - `process-group`: only the process group (a `setsid` escapes it); used
 *   only when asked for by name.
 *
 * @module
 */

/**
 * How a launched tree is contained.
 *
 * @example
 * ```ts
 * const mode: TreeMode = 'cgroup';
 * ```
 */
export type TreeMode = 'cgroup' | 'pid-namespace' | 'process-group';

/**
 * What a launch asks for: `tree` (the default) takes the best the machine
 * has (a cgroup, else a pid namespace) and is refused when it has neither;
 * a named mode is used as asked or refused.
 *
 * @example
 * ```ts
 * const request: TreeRequest = 'tree';
 * ```
 */
export type TreeRequest = 'tree' | TreeMode;

/**
 * `unshare` arguments for a pid namespace: root makes one directly; any
 * other user inside a user namespace that maps it to itself (so the
 * program keeps its uid and has no capabilities).
 *
 * @example
 * ```ts
 * unshareArgs(0); // ['--pid', '--fork', '--kill-child']
 * ```
 */
export function unshareArgs(uid: number | undefined): string[] {
  const pid = ['--pid', '--fork', '--kill-child'];
  return uid === 0 ? pid : ['--user', '--map-current-user', ...pid];
}

/**
 * Why `unshare` cannot make a pid namespace here, or undefined when it can
 * (tried with `/bin/true`: no privilege, no user namespaces, or a seccomp
 * filter all show up only when it runs).
 *
 * @example
 * ```ts
 * const why = unshareUnusable('/usr/bin/unshare', process.getuid?.());
 * ```
 */
export function unshareUnusable(
  unshare: string | undefined,
  uid: number | undefined = process.getuid?.(),
): string | undefined {
  if (unshare === undefined) return 'unshare (util-linux) is not installed';
  const probe = spawnSync(unshare, [...unshareArgs(uid), '--', '/bin/true'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 10_000,
  });
  if (probe.status === 0) return undefined;
  const said = probe.stderr?.toString().trim();
  return `unshare --pid does not work here${said ? ` (${said})` : ''}`;
}

/**
 * The machine's containment pieces, as a launch sees them.
 *
 * @example
 * ```ts
 * const pieces: TreePieces = { cgroup: findCgroupBase(), sandboxed: false, unshare: () => unshareUnusable(tools.unshare) };
 * ```
 */
export interface TreePieces {
  /** Where cgroups can be made, or why not. */
  readonly cgroup: CgroupBase | string;
  /** Whether the program runs in `bwrap` (which gives it a pid namespace). */
  readonly sandboxed: boolean;
  /** Why `unshare --pid` cannot be used, or undefined (asked only when needed). */
  readonly unshare: () => string | undefined;
}

/**
 * How a tree will be contained: the mode, and for a pid namespace whether
 * `unshare` must make it; or why the request cannot be met.
 *
 * @example
 * ```ts
 * const choice = chooseTree('tree', pieces);
 * if ('refused' in choice) throw new ContainmentUnavailableError(choice.refused);
 * ```
 */
export function chooseTree(
  request: TreeRequest,
  pieces: TreePieces,
): { readonly mode: TreeMode; readonly unshare: boolean } | { readonly refused: string } {
  const cgroupOk = typeof pieces.cgroup !== 'string';
  if (request === 'process-group') return { mode: 'process-group', unshare: false };
  if (cgroupOk && request !== 'pid-namespace') return { mode: 'cgroup', unshare: false };
  if (request === 'cgroup')
    return { refused: `no cgroup v2 for the process tree: ${pieces.cgroup}` };
  if (pieces.sandboxed) return { mode: 'pid-namespace', unshare: false };
  const why = pieces.unshare();
  if (why === undefined) return { mode: 'pid-namespace', unshare: true };
  const cgroupWhy = cgroupOk ? '' : `no cgroup v2 (${pieces.cgroup}) and `;
  return {
    refused:
      `the process tree cannot be contained: ${cgroupWhy}no pid namespace (${why}); ` +
      "ask for containment: 'process-group' to run it in a process group only (a setsid escapes it)",
  };
}

/**
 * The direct children of `pid` (from /proc; empty when it has none or is gone).
 *
 * @example
 * ```ts
 * const [nsInit] = childrenOf(bwrapPid);
 * ```
 */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter((s) => s.length > 0)
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * Every descendant of `pid`, parents before children (a process forking
 * meanwhile may be missed: use it for polite signals, not for kills).
 *
 * @example
 * ```ts
 * for (const pid of descendantsOf(child.pid)) process.kill(pid, 'SIGTERM');
 * ```
 */
export function descendantsOf(pid: number): number[] {
  const found: number[] = [];
  for (let queue = childrenOf(pid); queue.length > 0; ) {
    const next = queue.shift() as number;
    found.push(next);
    queue = queue.concat(childrenOf(next));
  }
  return found;
}

/**
 * Whether `pid` is gone (no such process, or a zombie).
 *
 * @example
 * ```ts
 * if (processGone(pid)) console.log('exited');
 * ```
 */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** How long `freeze` waits for a process to stop, in ms. */
const FREEZE_MS = 200;

/** The state letter of `pid` (`R`, `S`, `T`, `Z`, …), or undefined when it is gone. */
function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2);
  } catch {
    return undefined;
  }
}

/**
 * Stops `pid` (SIGSTOP) and waits, briefly, until it has stopped, so its
 * children can be listed with no fork racing the list (a `bwrap` or
 * `unshare` killed between making its namespace's first process and that
 * process arming its parent-death signal would otherwise leave it running).
 *
 * @example
 * ```ts
 * freeze(wrapperPid);
 * for (const init of childrenOf(wrapperPid)) process.kill(init, 'SIGKILL');
 * ```
 */
export function freeze(pid: number): void {
  try {
    process.kill(pid, 'SIGSTOP');
  } catch {
    return;
  }
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const until = performance.now() + FREEZE_MS;
  while (performance.now() < until) {
    const state = stateOf(pid);
    if (state === undefined || 'TtZX'.includes(state)) return;
    Atomics.wait(cell, 0, 0, 1);
  }
}

/**
 * Sends `signal` to every process in the process group `pgid`; false when
 * the group no longer exists.
 *
 * @example
 * ```ts
 * killGroup(child.pid, 'SIGTERM');
 * ```
 */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  // -1 would signal every process the runtime may signal, 0 its own group, 1 init's.
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * A launched tree, by the pid of the process that was spawned (the leader
 * of its process group) and its containment: signals it, kills all of it,
 * and tells when all of it is gone.
 *
 * @example
 * ```ts
 * const tree = new ProcessTree(child.pid, launch.containment.tree, launch.cgroup, launch.wrappers);
 * tree.kill(false);
 * if (tree.gone(true)) tree.dispose();
 * ```
 */
export class ProcessTree {
  readonly #pid: number;
  readonly #mode: TreeMode;
  readonly #cgroup: TreeCgroup | undefined;
  /** The spawned process is `bwrap` or `unshare`, which must outlive the program to hold its namespace. */
  readonly #wrapped: boolean;
  /** In a pid namespace: its first process (the spawned process's child), once known. */
  #nsInit: number | undefined;

  constructor(
    pid: number,
    mode: TreeMode,
    cgroup: TreeCgroup | undefined,
    wrappers: readonly string[] = [],
  ) {
    this.#pid = pid;
    this.#mode = mode;
    this.#cgroup = cgroup;
    this.#wrapped = wrappers.includes('bwrap') || wrappers.includes('unshare');
  }

  /**
   * A graceful signal (SIGTERM) to every process of the tree that can be
   * reached (a namespace's first process takes only signals it handles).
   */
  signal(signal: NodeJS.Signals): void {
    // The signal may end the spawned process before the namespace it made is
    // gone: remember the namespace's first process to wait for it.
    if (this.#mode === 'pid-namespace') this.#nsInit ??= childrenOf(this.#pid)[0];
    if (!this.#wrapped) {
      killGroup(this.#pid, signal);
      this.#cgroup?.signal(signal);
      return;
    }
    // Not the wrapper: its death would SIGKILL the namespace before the program could clean up.
    const inside = this.#cgroup?.pids() ?? descendantsOf(this.#pid);
    for (const pid of inside) {
      if (pid === this.#pid) continue;
      try {
        process.kill(pid, signal);
      } catch {
        // exited meanwhile
      }
    }
  }

  /**
   * SIGKILLs the whole tree. Once the spawned process has exited (and been
   * reaped, so its pid may be reused) only the cgroup and the group are hit.
   */
  kill(spawnedExited: boolean): void {
    this.#cgroup?.kill();
    if (!spawnedExited && this.#mode === 'pid-namespace') {
      // Killing the namespace's first process ends the namespace, whatever
      // the program did to its parent-death signal.
      freeze(this.#pid);
      for (const init of childrenOf(this.#pid)) {
        this.#nsInit ??= init;
        try {
          process.kill(init, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
    killGroup(this.#pid, 'SIGKILL');
    if (spawnedExited) return;
    try {
      process.kill(this.#pid, 'SIGKILL');
    } catch {
      // gone
    }
  }

  /** Whether every process of the tree is gone, given whether the spawned one has exited. */
  gone(spawnedExited: boolean): boolean {
    if (!spawnedExited) return false;
    if (this.#cgroup !== undefined) return !this.#cgroup.populated();
    return this.#nsInit === undefined || processGone(this.#nsInit);
  }

  /** CPU seconds used by the whole tree (cgroup mode), or undefined when not counted. */
  cpuSeconds(): number | undefined {
    return this.#cgroup?.cpuSeconds();
  }

  /** Removes the tree's cgroup (once it is empty); false while it is not. */
  dispose(): boolean {
    return this.#cgroup?.remove() ?? true;
  }
}
