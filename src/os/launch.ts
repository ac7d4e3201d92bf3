import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { ExecPlan } from '../security/index.js';
import { type CgroupBase, findCgroupBase, TreeCgroup } from './cgroup.js';
import {
  chooseTree,
  type TreeMode,
  type TreeRequest,
  unshareArgs,
  unshareUnusable,
} from './process-tree.js';
import { bwrapArgs, hostSockets } from './sandbox.js';

/**
 * Building the command line a port runs: the program, wrapped (outermost
 * first) in `/bin/sh` moving it into its cgroup, `unshare` (a pid
 * namespace, when there is no cgroup), `bwrap` (a namespace sandbox),
 * `prlimit` (resource limits) and `setpriv` (a drop of privileges and, in
 * a root sandbox, of every capability), as the security plan says. The
 * wrappers are found in fixed system directories, never on the program's
 * `PATH`, and each of them `exec`s the next, so the process the port
 * started stays the leader of the program's process group. A plan that
 * needs a piece the machine lacks is refused rather than run weaker.
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
  /** For a pid namespace without a sandbox (absent: none). */
  readonly unshare?: string | undefined;
  /** For moving a tree into its cgroup (absent: no cgroup). */
  readonly sh?: string | undefined;
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
 * Finds `bwrap`, `prlimit`, `setpriv`, `unshare` and `sh`.
 *
 * @example
 * ```ts
 * const { prlimit } = findTools();
 * ```
 */
export function findTools(): LaunchTools {
  return {
    bwrap: findTool('bwrap'),
    prlimit: findTool('prlimit'),
    setpriv: findTool('setpriv'),
    unshare: findTool('unshare'),
    sh: findTool('sh'),
  };
}

/** The limits that can apply to a whole tree (through its cgroup) rather than to each process. */
export type TreeLimit = 'cpuSeconds' | 'memoryBytes' | 'processes';

/**
 * How a launched program is contained, as inspection and the audit log
 * show it: `tree` says what ends all of its processes (see `TreeMode`);
 * `limits` says, for each tree limit the plan sets, whether it bounds the
 * whole tree (`tree`, through its cgroup) or each process (`process`,
 * through `prlimit`); `sandbox` and `capabilities` say whether it runs in
 * `bwrap` and whether it keeps the runtime's capabilities.
 *
 * @example
 * ```ts
 * const c: Containment = { tree: 'cgroup', limits: { cpuSeconds: 'tree' }, sandbox: 'none', capabilities: 'kept' };
 * ```
 */
export interface Containment {
  readonly tree: TreeMode;
  readonly limits: Readonly<Partial<Record<TreeLimit, 'tree' | 'process'>>>;
  readonly sandbox: 'bwrap' | 'none';
  readonly capabilities: 'none' | 'kept';
}

/**
 * One line for the audit log and error messages.
 *
 * @example
 * ```ts
 * describeContainment(launch.containment); // 'tree: cgroup; limits: cpuSeconds per tree; sandbox: bwrap, no capabilities'
 * ```
 */
export function describeContainment(c: Containment): string {
  const limits = Object.entries(c.limits).map(([k, v]) => `${k} per ${v}`);
  const capabilities = c.capabilities === 'none' ? 'no' : "the runtime's";
  return `tree: ${c.tree}; limits: ${limits.length === 0 ? 'none' : limits.join(', ')}; sandbox: ${c.sandbox}, ${capabilities} capabilities`;
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
  /** How the program's tree is contained. */
  readonly containment: Containment;
  /** The tree's cgroup (mode `cgroup`): remove it once the tree is gone, or if the launch is not used. */
  readonly cgroup: TreeCgroup | undefined;
}

/**
 * Why a plan cannot be launched on this machine.
 *
 * @example
 * ```ts
 * const launch = buildLaunch(plan, argv, findTools());
 * if ('refused' in launch) throw new ContainmentUnavailableError(launch.refused);
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

/**
 * How `buildLaunch` contains the program, beyond what the plan says.
 *
 * @example
 * ```ts
 * const options: LaunchOptions = { containment: 'tree', label: 'sort' };
 * ```
 */
export interface LaunchOptions {
  /** The runtime's uid (default `process.getuid()`). */
  readonly uid?: number | undefined;
  /** How the tree must be contained (default `tree`: a cgroup, else a pid namespace, else refused). */
  readonly containment?: TreeRequest;
  /** A name for the tree's cgroup (letters, digits, `-`, `_`; others become `_`). */
  readonly label?: string;
  /** Where cgroups are made, or why they cannot be (default: found from /proc/self). */
  readonly cgroupBase?: CgroupBase | string;
  /** Host sockets to mask in a sandbox (default: `hostSockets()`). */
  readonly sockets?: readonly string[];
}

/** The limits a tree's cgroup bounds, and how each of the plan's tree limits applies. */
function limitScopes(
  limits: ExecPlan['limits'],
  mode: TreeMode,
  cgroup: TreeCgroup | undefined,
): Containment['limits'] {
  const scopes: Partial<Record<TreeLimit, 'tree' | 'process'>> = {};
  if (limits.cpuSeconds !== undefined) scopes.cpuSeconds = mode === 'cgroup' ? 'tree' : 'process';
  if (limits.memoryBytes !== undefined) {
    scopes.memoryBytes = cgroup?.limited.has('memory') === true ? 'tree' : 'process';
  }
  if (limits.processes !== undefined) {
    scopes.processes = cgroup?.limited.has('pids') === true ? 'tree' : 'process';
  }
  return scopes;
}

/**
 * The command line for an allowed plan: `[sh → cgroup] [unshare …] [bwrap
 * …] [prlimit … --] [setpriv … --] program args`, and how it is contained.
 * Refused when the plan needs a piece the machine lacks (a tool, a drop of
 * privileges only root can make, a contained process tree); a `cgroup`
 * made for the launch is removed again when the launch is refused.
 *
 * @example
 * ```ts
 * const launch = buildLaunch(plan, ['/usr/bin/sort', '-u'], findTools(), { label: 'sort' });
 * if ('refused' in launch) throw new ContainmentUnavailableError(launch.refused);
 * ```
 */
export function buildLaunch(
  plan: ExecPlan,
  argv: readonly string[],
  tools: LaunchTools,
  options: LaunchOptions = {},
): Launch | LaunchRefusal {
  const uid = 'uid' in options ? options.uid : process.getuid?.();
  const root = uid === 0;
  const [argv0 = plan.executable, ...rest] = argv;
  let command: string[] = [plan.executable, ...rest];
  const wrappers: string[] = [];
  const privileges: string[] = [];
  if (plan.runAs !== undefined) {
    if (uid !== 0 && uid !== plan.runAs.uid) {
      return {
        refused: `the policy runs the program as uid ${plan.runAs.uid}, which needs root (the runtime runs as uid ${uid})`,
      };
    }
    privileges.push(`--reuid=${plan.runAs.uid}`, `--regid=${plan.runAs.gid}`, '--clear-groups');
  }
  if (plan.sandbox !== undefined && root) {
    privileges.push('--bounding-set=-all', '--inh-caps=-all', '--ambient-caps=-all');
  }
  if (privileges.length > 0) privileges.push('--no-new-privs');
  // The program dies with the runtime (its parent; bwrap does this for a sandbox itself).
  const orphanKill = tools.setpriv !== undefined && plan.sandbox === undefined;
  if (orphanKill) privileges.push('--pdeathsig', 'KILL');
  if (privileges.length > 0) {
    if (tools.setpriv === undefined) {
      return {
        refused:
          plan.runAs === undefined
            ? 'a sandbox under a root runtime drops every capability with setpriv, which is not installed'
            : 'the policy drops privileges (runAs) but setpriv is not installed',
      };
    }
    command = [tools.setpriv, ...privileges, '--', ...command];
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
    const sandbox = bwrapArgs(plan.sandbox, plan.cwd, plan.executable, {
      root,
      runAs: plan.runAs !== undefined,
      sockets: options.sockets ?? hostSockets(),
    });
    command = [tools.bwrap, ...sandbox, '--', ...command];
    wrappers.unshift('bwrap');
  }
  const request = options.containment ?? 'tree';
  let base =
    options.cgroupBase ??
    (request === 'tree' || request === 'cgroup' ? findCgroupBase() : 'not asked for');
  if (typeof base !== 'string' && tools.sh === undefined) base = '/bin/sh is not installed';
  let cgroup: TreeCgroup | undefined;
  if (typeof base !== 'string' && request !== 'pid-namespace' && request !== 'process-group') {
    const label = (options.label ?? 'port').replace(/[^\w-]/g, '_').slice(0, 40);
    const made = TreeCgroup.create(base, plan.limits, label);
    if (typeof made === 'string') base = made;
    else cgroup = made;
  }
  const choice = chooseTree(request, {
    cgroup: cgroup === undefined ? (typeof base === 'string' ? base : 'not used') : base,
    sandboxed: plan.sandbox !== undefined,
    unshare: () => unshareUnusable(tools.unshare, uid),
  });
  if ('refused' in choice) return { refused: choice.refused };
  if (choice.unshare) {
    // A shell is the namespace's first process and waits for the program, so
    // the program is not pid 1 (which takes only the signals it handles).
    if (tools.sh !== undefined) command = [tools.sh, '-c', '"$@"; exit $?', 'init', ...command];
    command = [tools.unshare as string, ...unshareArgs(uid), '--', ...command];
    wrappers.unshift('unshare');
    if (orphanKill) {
      // unshare, too, dies with the runtime, and its namespace with it.
      command = [tools.setpriv as string, '--pdeathsig', 'KILL', '--', ...command];
      wrappers.unshift('setpriv');
    }
  }
  if (choice.mode === 'cgroup' && cgroup !== undefined) {
    command = [tools.sh as string, ...cgroup.enterArgs(), ...command];
    wrappers.unshift('sh');
  }
  const containment: Containment = {
    tree: choice.mode,
    limits: limitScopes(plan.limits, choice.mode, cgroup),
    sandbox: plan.sandbox === undefined ? 'none' : 'bwrap',
    capabilities: root && plan.sandbox === undefined && plan.runAs === undefined ? 'kept' : 'none',
  };
  const [file, ...args] = command as [string, ...string[]];
  return { file, args, argv0: wrappers.length === 0 ? argv0 : file, wrappers, containment, cgroup };
}
