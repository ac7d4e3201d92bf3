import { accessSync, constants } from 'node:fs';
import { join, sep } from 'node:path';
import type { ExecPlan } from '../security/index.js';

/**
 * Building the command line a port runs: the program, wrapped (outermost
 * first) in `bwrap` (a namespace sandbox), `prlimit` (resource limits) and
 * `setpriv` (a drop of privileges), as the security plan says. The wrappers
 * are found in fixed system directories, never on the program's `PATH`, and
 * each of them `exec`s the next, so the process the port started stays the
 * leader of the program's process group. A plan that needs a wrapper the
 * machine lacks is refused rather than run unwrapped.
 *
 * @module
 */

/** Where the wrappers are looked for (the program's own `PATH` is not trusted). */
const SYSTEM_DIRS: readonly string[] = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'];

/**
 * The system tools a launch can use, by absolute path, or undefined when
 * the machine does not have them.
 *
 * @example
 * ```ts
 * const tools = findTools();
 * if (tools.bwrap === undefined) console.log('no sandbox on this machine');
 * ```
 */
export interface LaunchTools {
  readonly bwrap: string | undefined;
  readonly prlimit: string | undefined;
  readonly setpriv: string | undefined;
}

/**
 * Finds an executable named `name` in the system directories.
 *
 * @example
 * ```ts
 * findTool('prlimit'); // '/usr/bin/prlimit' on Debian
 * ```
 */
export function findTool(name: string): string | undefined {
  for (const dir of SYSTEM_DIRS) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Finds `bwrap`, `prlimit` and `setpriv`.
 *
 * @example
 * ```ts
 * const { prlimit } = findTools();
 * ```
 */
export function findTools(): LaunchTools {
  return { bwrap: findTool('bwrap'), prlimit: findTool('prlimit'), setpriv: findTool('setpriv') };
}

/**
 * What to hand to `child_process.spawn`: the file, its arguments, and the
 * `argv[0]` the program should see when it is started directly.
 *
 * @example
 * ```ts
 * const launch = buildLaunch(plan, ['/bin/cat', '-n'], findTools());
 * if ('file' in launch) spawn(launch.file, launch.args, { argv0: launch.argv0 });
 * ```
 */
export interface Launch {
  readonly file: string;
  readonly args: readonly string[];
  readonly argv0: string;
  /** The wrappers used, outermost first (for the audit log). */
  readonly wrappers: readonly string[];
}

/**
 * Why a plan cannot be launched on this machine.
 *
 * @example
 * ```ts
 * const launch = buildLaunch(plan, argv, findTools());
 * if ('refused' in launch) throw new DeniedError('exec', launch.refused);
 * ```
 */
export interface LaunchRefusal {
  readonly refused: string;
}

/**
 * `prlimit` flags for the plan's limits (each sets both the soft and the
 * hard limit, so the program cannot raise it again); empty when none is set.
 *
 * @example
 * ```ts
 * prlimitFlags({ cpuSeconds: 2, processes: 16 }); // ['--cpu=2', '--nproc=16']
 * ```
 */
export function prlimitFlags(limits: ExecPlan['limits']): string[] {
  const flags: string[] = [];
  const add = (flag: string, value: number | undefined): void => {
    if (value !== undefined) flags.push(`--${flag}=${value}`);
  };
  add('cpu', limits.cpuSeconds);
  add('as', limits.memoryBytes);
  add('fsize', limits.fileSizeBytes);
  add('nofile', limits.openFiles);
  add('nproc', limits.processes);
  return flags;
}

function under(path: string, root: string): boolean {
  return path === root || path.startsWith(root + sep);
}

/**
 * `bwrap` arguments for a sandbox: a read-only view of the whole file
 * system, fresh `/dev`, `/proc` and `/tmp`, no network unless allowed, its
 * own pid and IPC namespaces (everything in it dies with its first process),
 * the writable paths bound read-write, and the working directory and the
 * program visible even when they live under `/tmp`.
 *
 * @example
 * ```ts
 * bwrapArgs(plan.sandbox, plan.cwd, plan.executable); // ['--unshare-net', '--ro-bind', '/', '/', ...]
 * ```
 */
export function bwrapArgs(
  sandbox: NonNullable<ExecPlan['sandbox']>,
  cwd: string,
  executable: string,
): string[] {
  const args: string[] = [];
  if (!sandbox.network) args.push('--unshare-net');
  args.push('--unshare-pid', '--unshare-ipc', '--die-with-parent');
  args.push('--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp');
  // Under the fresh /tmp, what the program needs from the real one is bound back.
  for (const path of [cwd, executable]) {
    if (under(path, '/tmp') && !sandbox.writable.some((w) => under(path, w))) {
      args.push('--ro-bind', path, path);
    }
  }
  for (const path of sandbox.writable) args.push('--bind', path, path);
  args.push('--chdir', cwd);
  return args;
}

/**
 * The command line for an allowed plan: `[bwrap …] [prlimit … --]
 * [setpriv … --] program args`. Refused when the plan needs a tool the
 * machine lacks, or a drop of privileges the runtime cannot make (only root
 * can run a program as another user).
 *
 * @example
 * ```ts
 * const launch = buildLaunch(plan, ['/usr/bin/sort', '-u'], findTools());
 * ```
 */
export function buildLaunch(
  plan: ExecPlan,
  argv: readonly string[],
  tools: LaunchTools,
  uid: number | undefined = process.getuid?.(),
): Launch | LaunchRefusal {
  const [argv0 = plan.executable, ...rest] = argv;
  let command: string[] = [plan.executable, ...rest];
  const wrappers: string[] = [];
  if (plan.runAs !== undefined) {
    if (tools.setpriv === undefined) {
      return { refused: 'the policy drops privileges (runAs) but setpriv is not installed' };
    }
    if (uid !== 0 && uid !== plan.runAs.uid) {
      return {
        refused: `the policy runs the program as uid ${plan.runAs.uid}, which needs root (the runtime runs as uid ${uid})`,
      };
    }
    command = [
      tools.setpriv,
      `--reuid=${plan.runAs.uid}`,
      `--regid=${plan.runAs.gid}`,
      '--clear-groups',
      '--no-new-privs',
      '--',
      ...command,
    ];
    wrappers.unshift('setpriv');
  }
  const flags = prlimitFlags(plan.limits);
  if (flags.length > 0) {
    if (tools.prlimit === undefined) {
      return { refused: 'the policy sets resource limits but prlimit is not installed' };
    }
    command = [tools.prlimit, ...flags, '--', ...command];
    wrappers.unshift('prlimit');
  }
  if (plan.sandbox !== undefined) {
    if (tools.bwrap === undefined) {
      return { refused: 'the policy requires a bwrap sandbox but bwrap is not installed' };
    }
    command = [
      tools.bwrap,
      ...bwrapArgs(plan.sandbox, plan.cwd, plan.executable),
      '--',
      ...command,
    ];
    wrappers.unshift('bwrap');
  }
  const [file, ...args] = command as [string, ...string[]];
  return { file, args, argv0: wrappers.length === 0 ? argv0 : file, wrappers };
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
