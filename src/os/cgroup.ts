import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A cgroup v2 of its own for one launched process tree: the tree is placed
 * in it before the program runs, so everything the program starts (a
 * `setsid` daemon included) stays in it; `cgroup.kill` ends all of it at
 * once; `cpu.stat` counts the CPU time of the whole tree; and `memory.max`
 * and `pids.max` bound the tree where those controllers are enabled.
 *
 * @module
 */

/**
 * The cgroup v2 controllers a tree can be limited by.
 *
 * @example
 * ```ts
 * const wanted: TreeController[] = ['memory', 'pids'];
 * ```
 */
export type TreeController = 'memory' | 'pids';

/**
 * Where this process can create cgroups: the cgroup v2 directory it runs
 * in, and which controllers its children can use.
 *
 * @example
 * ```ts
 * const base = findCgroupBase();
 * if (typeof base === 'string') console.log(`no cgroup v2: ${base}`);
 * ```
 */
export interface CgroupBase {
  /** This process's own cgroup v2 directory (e.g. `/sys/fs/cgroup/user.slice/…`). */
  readonly path: string;
  /** Controllers enabled for its children (in `cgroup.subtree_control`). */
  readonly controllers: ReadonlySet<TreeController>;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The mount point of the cgroup v2 hierarchy, from `/proc/self/mountinfo`. */
function cgroup2Mount(mountinfo: string): string | undefined {
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (right?.split(' ')[0] === 'cgroup2') return left?.split(' ')[4];
  }
  return undefined;
}

/** Controllers a child cgroup of `dir` can use, enabling memory and pids when allowed. */
function childControllers(dir: string): Set<TreeController> {
  const wanted: TreeController[] = ['memory', 'pids'];
  const available = (read(join(dir, 'cgroup.controllers')) ?? '').split(/\s+/);
  const enabled = new Set((read(join(dir, 'cgroup.subtree_control')) ?? '').split(/\s+/));
  for (const c of wanted) {
    if (enabled.has(c) || !available.includes(c)) continue;
    try {
      // Refused (EBUSY) when `dir` holds processes and is not the root: then the tree limit is per process.
      writeFileSync(join(dir, 'cgroup.subtree_control'), `+${c}`);
      enabled.add(c);
    } catch {
      // not enabled
    }
  }
  return new Set(wanted.filter((c) => enabled.has(c)));
}

/**
 * Finds this process's cgroup v2 directory and checks that it can create
 * children there; a string says why it cannot (no cgroup v2 mounted, only
 * cgroup v1 for this process, no write access).
 *
 * @example
 * ```ts
 * const base = findCgroupBase();
 * const cgroup = typeof base === 'string' ? undefined : TreeCgroup.create(base);
 * ```
 */
export function findCgroupBase(): CgroupBase | string {
  const mount = cgroup2Mount(read('/proc/self/mountinfo') ?? '');
  if (mount === undefined) return 'no cgroup v2 hierarchy is mounted';
  const own = /^0::(\/.*)$/m.exec(read('/proc/self/cgroup') ?? '')?.[1];
  if (own === undefined) return 'this process is in no cgroup v2';
  const path = join(mount, own);
  try {
    accessSync(path, constants.W_OK);
  } catch {
    return `the runtime cannot create cgroups in ${path} (not writable)`;
  }
  return { path, controllers: childControllers(path) };
}

/**
 * One process tree's cgroup.
 *
 * @example
 * ```ts
 * const cgroup = TreeCgroup.create(base);
 * if (typeof cgroup !== 'string') spawn('/bin/sh', [...cgroup.enterArgs(), '/usr/bin/make']);
 * ```
 */
export class TreeCgroup {
  /** The cgroup's directory. */
  readonly path: string;
  /** The tree-wide limits that were set (`memory.max`, `pids.max`). */
  readonly limited: ReadonlySet<TreeController>;

  private constructor(path: string, limited: ReadonlySet<TreeController>) {
    this.path = path;
    this.limited = limited;
  }

  /**
   * Creates a fresh cgroup under `base` with the tree-wide limits its
   * controllers allow; a string says why it could not be made.
   */
  static create(
    base: CgroupBase,
    limits: {
      readonly memoryBytes?: number | undefined;
      readonly processes?: number | undefined;
    } = {},
    label = 'tree',
  ): TreeCgroup | string {
    const path = join(
      base.path,
      `airssys-${label}-${process.pid}-${randomBytes(6).toString('hex')}`,
    );
    try {
      mkdirSync(path);
    } catch (error) {
      return `cannot create a cgroup in ${base.path}: ${(error as Error).message}`;
    }
    const limited = new Set<TreeController>();
    try {
      accessSync(join(path, 'cgroup.kill'), constants.W_OK);
      const set = (controller: TreeController, file: string, value: number | undefined): void => {
        if (value === undefined || !base.controllers.has(controller)) return;
        writeFileSync(join(path, file), String(value));
        limited.add(controller);
      };
      set('memory', 'memory.max', limits.memoryBytes);
      // A tree at its memory limit is killed, not swapped.
      if (limited.has('memory')) {
        try {
          writeFileSync(join(path, 'memory.swap.max'), '0');
        } catch {
          // no swap accounting on this machine
        }
      }
      set('pids', 'pids.max', limits.processes);
    } catch (error) {
      TreeCgroup.#remove(path);
      const why =
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'no cgroup.kill (kernel < 5.14)'
          : (error as Error).message;
      return `cannot use a cgroup in ${base.path}: ${why}`;
    }
    return new TreeCgroup(path, limited);
  }

  static #remove(path: string): boolean {
    try {
      rmdirSync(path);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Arguments for `/bin/sh` that move the shell into this cgroup and then
   * `exec` the command that follows them, so the whole tree starts inside.
   */
  enterArgs(): string[] {
    return ['-c', 'echo $$ > "$0" && exec "$@"', join(this.path, 'cgroup.procs')];
  }

  /** CPU time used by the whole tree so far, in seconds (dead members included). */
  cpuSeconds(): number {
    const usec = /^usage_usec (\d+)$/m.exec(read(join(this.path, 'cpu.stat')) ?? '')?.[1];
    return usec === undefined ? 0 : Number(usec) / 1e6;
  }

  /** Whether any process is still in the tree. */
  populated(): boolean {
    const events = read(join(this.path, 'cgroup.events'));
    // Unreadable: the cgroup is gone, and so is everything that was in it.
    return events !== undefined && /^populated 1$/m.test(events);
  }

  /** The pids in the tree now. */
  pids(): number[] {
    return (read(join(this.path, 'cgroup.procs')) ?? '')
      .split('\n')
      .filter((l) => l.length > 0)
      .map(Number);
  }

  /** Sends `signal` to every process in the tree (a graceful stop's first step). */
  signal(signal: NodeJS.Signals): void {
    for (const pid of this.pids()) {
      try {
        process.kill(pid, signal);
      } catch {
        // exited meanwhile
      }
    }
  }

  /** SIGKILLs every process in the tree at once, forks in flight included. */
  kill(): void {
    try {
      writeFileSync(join(this.path, 'cgroup.kill'), '1');
    } catch {
      // already removed
    }
  }

  /** Removes the cgroup; false while a process is still in it. */
  remove(): boolean {
    return TreeCgroup.#remove(this.path);
  }
}
