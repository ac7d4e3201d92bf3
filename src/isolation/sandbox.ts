import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, sep } from 'node:path';
import type { Sandbox } from '../actor/index.js';
import { InvalidArgumentError } from '../errors.js';
import { findTools, type LaunchTools } from '../os/index.js';

/**
 * The command line of a sandboxed child process host (semantics §20, §23),
 * built from the same system tools as a sandboxed port (`findTools`):
 *
 *     [setpriv --reuid U --regid G --clear-groups --no-new-privs
 *              --inh-caps=-all --bounding-set=-all --]   (only when the runtime is root)
 *     bwrap --unshare-user --unshare-pid --unshare-net --unshare-ipc
 *           --unshare-uts --unshare-cgroup --new-session --die-with-parent
 *           --cap-drop ALL --tmpfs / --ro-bind /usr /usr [/bin, /lib... as on
 *           the machine] --dev /dev --proc /proc --tmpfs /tmp --tmpfs /run
 *           [code, allowFsRead read-only; allowFsWrite read-write]
 *           --remount-ro / --chdir / -- node [flags] entry
 *
 * The root is empty: only the system's programs and libraries (`/usr` and
 * the top-level `/bin`, `/sbin`, `/lib*` links or directories), the Node
 * binary, the runtime's code, the body's module directory, the
 * `package.json` beside each, and the sandbox's own paths are mounted.
 * The runtime's working directory, `/etc`, `/home`, `/root`, `/var` and
 * every other path are absent (semantics §23).
 *
 * A root runtime first becomes the unprivileged uid (`setpriv`), so the
 * user namespace `bwrap` then makes maps nothing but that uid: no
 * capability in it counts outside. A runtime that is not root makes the
 * user namespace directly. Either way the sandbox either is complete or is
 * refused with `SandboxUnavailableError` — there is no weaker fallback.
 *
 * @module
 */

/**
 * `nobody`: the uid and gid a root runtime's sandboxed hosts run as unless told otherwise.
 *
 * @example
 * ```ts
 * sandboxCommand({ runAs: NOBODY }, host, findTools(), 0);
 * ```
 */
export const NOBODY = Object.freeze({ uid: 65534, gid: 65534 });

/**
 * What the launch needs besides the sandbox.
 *
 * @example
 * ```ts
 * const host: SandboxedNode = { node: process.execPath, nodeArgs: [], entry: '/app/host.js', reads: [] };
 * ```
 */
export interface SandboxedNode {
  /** The Node binary and its flags (permission model, heap limit). */
  readonly node: string;
  readonly nodeArgs: readonly string[];
  /** The host's entry script. */
  readonly entry: string;
  /** Directories the host must read (its code, the actor's module): bound in read-only. */
  readonly reads: readonly string[];
  /** The machine's root as the sandbox shows it: see `rootLayout`. */
  readonly root: RootLayout;
}

/**
 * What of the machine's root a sandboxed host sees besides its own paths:
 * the system directories bound read-only, the top-level links kept as
 * links (`/bin -> usr/bin` on merged-/usr systems), and single files bound
 * read-only (the Node binary when it lives outside them, `package.json`
 * files so Node knows a module's type).
 *
 * @example
 * ```ts
 * const root: RootLayout = { dirs: ['/usr'], links: [['/bin', 'usr/bin']], files: [] };
 * ```
 */
export interface RootLayout {
  readonly dirs: readonly string[];
  readonly links: readonly (readonly [path: string, target: string])[];
  readonly files: readonly string[];
}

/** Paths the sandbox makes fresh: a path asked for under them is bound back in. */
const FRESH = ['/tmp', '/run'];
/** The sandbox's own: a path asked for under them is served by them, never the machine's. */
const OWN = ['/dev', '/proc'];

/** The top-level system paths a program and its shared libraries live under. */
const SYSTEM_PATHS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/**
 * This machine's `RootLayout` for a host run by `node` whose code is in
 * `codeDirs`: reads the file system once (which system paths exist, and
 * which are links), so `sandboxCommand` stays a pure function of it.
 *
 * @example
 * ```ts
 * const root = rootLayout(process.execPath, ['/app/dist/']);
 * // { dirs: ['/usr'], links: [['/bin', 'usr/bin'], ...], files: ['/app/package.json'] }
 * ```
 */
export function rootLayout(node: string, codeDirs: readonly string[]): RootLayout {
  const dirs: string[] = [];
  const links: (readonly [string, string])[] = [];
  for (const path of SYSTEM_PATHS) {
    const stat = lstatSync(path, { throwIfNoEntry: false });
    if (stat?.isSymbolicLink()) links.push([path, readlinkSync(path)]);
    else if (stat?.isDirectory()) dirs.push(path);
  }
  const files: string[] = [];
  const binary = realpathSync(node);
  if (!dirs.some((d) => under(binary, d))) files.push(binary);
  for (const dir of codeDirs) {
    const manifest = nearestPackageJson(dir);
    if (manifest !== undefined && !files.includes(manifest)) files.push(manifest);
  }
  return { dirs, links, files };
}

/** The `package.json` Node consults for a module in `dir` (its type), if any. */
function nearestPackageJson(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    const candidate = join(d, 'package.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(d) === d) return undefined;
  }
}

/**
 * The file, arguments and environment to spawn.
 *
 * @example
 * ```ts
 * const { file, args, env } = command as SandboxCommand;
 * spawn(file, args, { env });
 * ```
 */
export interface SandboxCommand {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly runAs: { readonly uid: number; readonly gid: number };
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks a `sandbox` spawn option's fields; throws `InvalidArgumentError`
 * naming the first bad one.
 *
 * @example
 * ```ts
 * checkSandbox({ allowFsRead: ['relative'] }); // throws: sandbox.allowFsRead must be absolute paths
 * ```
 */
export function checkSandbox(sandbox: unknown): asserts sandbox is Sandbox {
  if (typeof sandbox !== 'object' || sandbox === null || Array.isArray(sandbox)) {
    throw new InvalidArgumentError('sandbox', 'must be an object');
  }
  const s = sandbox as Record<string, unknown>;
  for (const key of ['allowFsRead', 'allowFsWrite'] as const) {
    const paths = s[key];
    if (paths === undefined) continue;
    if (
      !Array.isArray(paths) ||
      !paths.every((p) => typeof p === 'string' && isAbsolute(p) && !p.includes('\0'))
    ) {
      throw new InvalidArgumentError(`sandbox.${key}`, 'must be a list of absolute paths');
    }
  }
  for (const key of ['allowChildProcess', 'allowWorker'] as const) {
    if (s[key] !== undefined && typeof s[key] !== 'boolean') {
      throw new InvalidArgumentError(`sandbox.${key}`, 'must be a boolean');
    }
  }
  if (s.runAs !== undefined) {
    const r = s.runAs as Record<string, unknown> | null;
    const id = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
    if (typeof r !== 'object' || r === null || !id(r.uid) || !id(r.gid)) {
      throw new InvalidArgumentError('sandbox.runAs', 'must be { uid, gid }, both > 0 (not root)');
    }
  }
  if (s.env !== undefined) {
    const env = s.env as Record<string, unknown> | null;
    if (typeof env !== 'object' || env === null || Array.isArray(env)) {
      throw new InvalidArgumentError('sandbox.env', 'must be an object of strings');
    }
    for (const [name, value] of Object.entries(env)) {
      if (!ENV_NAME.test(name) || typeof value !== 'string' || value.includes('\0')) {
        throw new InvalidArgumentError(`sandbox.env.${name}`, 'must be a name and a string');
      }
    }
  }
  if (s.inheritEnv !== undefined) {
    const names = s.inheritEnv;
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string' && ENV_NAME.test(n))) {
      throw new InvalidArgumentError('sandbox.inheritEnv', 'must be a list of variable names');
    }
  }
}

function under(path: string, root: string): boolean {
  return path === root || path.startsWith(root + sep);
}

/**
 * The command for a sandboxed host, or the reason there is none on this
 * machine.
 *
 * @example
 * ```ts
 * const host = { node: process.execPath, nodeArgs: [], entry, reads: [dir], root: rootLayout(process.execPath, [dir]) };
 * const cmd = sandboxCommand(sandbox, host, findTools(), 0);
 * if (typeof cmd === 'string') throw new SandboxUnavailableError(cmd);
 * ```
 */
export function sandboxCommand(
  sandbox: Sandbox,
  host: SandboxedNode,
  tools: LaunchTools,
  uid: number | undefined,
  runtimeEnv: NodeJS.ProcessEnv = process.env,
): SandboxCommand | string {
  if (process.platform !== 'linux')
    return `sandboxed hosts need Linux (this is ${process.platform})`;
  if (tools.bwrap === undefined) return 'bwrap (bubblewrap) is not installed';
  const root = uid === 0;
  const runAs =
    sandbox.runAs ?? (root ? NOBODY : { uid: uid ?? -1, gid: process.getgid?.() ?? -1 });
  if (!root && runAs.uid !== uid) {
    return `running the host as uid ${runAs.uid} needs a root runtime (this one is uid ${uid})`;
  }
  if (root && tools.setpriv === undefined) {
    return 'the runtime is root and setpriv (util-linux) is not installed to leave root';
  }
  const bwrap = [
    tools.bwrap,
    '--unshare-user',
    '--unshare-pid',
    '--unshare-net',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup',
    '--new-session',
    '--die-with-parent',
    '--cap-drop',
    'ALL',
    // An empty root: only what is bound below exists for the host.
    '--tmpfs',
    '/',
  ];
  for (const dir of host.root.dirs) bwrap.push('--ro-bind', dir, dir);
  for (const [path, target] of host.root.links) bwrap.push('--symlink', target, path);
  for (const path of host.root.files) bwrap.push('--ro-bind-try', path, path);
  // Reads before writes, so a writable path inside a readable one stays writable.
  const binds: [string, string][] = [
    ...[...host.reads, ...(sandbox.allowFsRead ?? [])].map((p): [string, string] => [
      '--ro-bind-try',
      p,
    ]),
    ...(sandbox.allowFsWrite ?? []).map((p): [string, string] => ['--bind-try', p]),
  ];
  const bind = (keep: (path: string) => boolean): void => {
    for (const [flag, path] of binds) if (keep(path)) bwrap.push(flag, path, path);
  };
  // The sandbox's own /dev, /proc, /tmp and /run go over whatever the binds
  // brought (a bind of `/` must not show the machine's /proc); a path asked
  // for under the fresh /tmp or /run is bound back in after them.
  bind((path) => !FRESH.some((f) => under(path, f)));
  bwrap.push('--dev', '/dev', '--proc', '/proc');
  for (const dir of FRESH) bwrap.push('--tmpfs', dir);
  bind((path) => FRESH.some((f) => under(path, f)) && !OWN.some((o) => under(path, o)));
  // The empty root itself takes no writes (the fresh /tmp does).
  bwrap.push('--remount-ro', '/', '--chdir', '/', '--', host.node, ...host.nodeArgs, host.entry);
  const command = root
    ? [
        tools.setpriv as string,
        `--reuid=${runAs.uid}`,
        `--regid=${runAs.gid}`,
        '--clear-groups',
        '--no-new-privs',
        '--inh-caps=-all',
        '--bounding-set=-all',
        '--',
        ...bwrap,
      ]
    : bwrap;
  const env: Record<string, string> = {};
  for (const name of sandbox.inheritEnv ?? []) {
    const value = runtimeEnv[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, sandbox.env ?? {});
  const [file, ...args] = command as [string, ...string[]];
  return { file, args, env, runAs };
}

/**
 * Whether this machine can start sandboxed hosts: the tools are there and
 * a user namespace can be made (some kernels and containers forbid it).
 * Tried once, by starting `/bin/true` exactly as a host would be started;
 * the answer is kept.
 *
 * @example
 * ```ts
 * const probe = new SandboxProbe();
 * const problem = probe.problem(); // undefined, or why there is no sandbox here
 * ```
 */
export class SandboxProbe {
  #answer: { problem: string | undefined } | undefined;
  readonly #tools: LaunchTools;

  constructor(tools: LaunchTools = findTools()) {
    this.#tools = tools;
  }

  get tools(): LaunchTools {
    return this.#tools;
  }

  /** Why there is no sandbox here, or undefined when there is one. */
  problem(): string | undefined {
    this.#answer ??= { problem: this.#try() };
    return this.#answer.problem;
  }

  #try(): string | undefined {
    const command = sandboxCommand(
      {},
      { node: '/bin/true', nodeArgs: [], entry: '', reads: [], root: rootLayout('/bin/true', []) },
      this.#tools,
      process.getuid?.(),
    );
    if (typeof command === 'string') return command;
    // The probe runs `/bin/true ''`: true ignores its argument.
    const run = spawnSync(command.file, command.args, {
      env: {},
      encoding: 'utf8',
      timeout: 10_000,
    });
    if (run.status === 0) return undefined;
    const why = (run.stderr ?? '').trim() || run.error?.message || `exit status ${run.status}`;
    return `bwrap cannot make the sandbox here (${why.slice(0, 300)})`;
  }
}
