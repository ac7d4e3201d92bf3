/**
 * Security policies as plain data: what an actor may execute and which
 * files it may touch. Deny by default — an absent section allows nothing.
 * Policies are validated when loaded (`policy-load.ts`): an unknown key (a
 * typo) or a value of the wrong kind is a `PolicyError` naming the field,
 * never a silently ignored rule.
 *
 * @module
 */

/**
 * One option a program may be given, under all its names (`-o` and
 * `--output` are one option). With `value` (a pattern) the option takes a
 * value, whichever way it is written — `-o FILE`, `-oFILE`, `--output FILE`,
 * `--output=FILE` — and the value must match it; without, it is a flag and
 * takes none.
 *
 * @example
 * ```ts
 * const output: OptionRule = { names: ['-o', '--output'], value: '[\\w.-]+' }; // no '/': stays in the cwd
 * ```
 */
export interface OptionRule {
  readonly names: readonly string[];
  readonly value?: string;
  /**
   * The value is optional (`--color[=WHEN]`): it is only ever attached
   * (`--color=always`, `-cVALUE`), never taken from the next argument,
   * which stays an operand — as getopt reads it.
   */
  readonly optional?: boolean;
}

/**
 * One executable an actor may run, by its resolved absolute path, and the
 * arguments it may be given, in one of two forms:
 *
 * - **structured** (`options`, `operands`): the arguments are read the way
 *   the program's getopt reads them — options (`-r`, clusters such as `-rn`,
 *   `--name`, `--name=value`, an option's value in the next argument),
 *   `--` ending them, the rest operands. Every option must be listed and
 *   every operand must match one of `operands` (absent: no operands), so an
 *   option cannot pass as an operand (`-o/any/path` is `-o` with a value).
 * - **patterns** (`args`): every argument must match one of the patterns,
 *   whatever it is. Simpler, but a pattern that admits a leading `-` admits
 *   options too.
 *
 * Patterns are regular expressions matched against a whole argument (at
 * most 4096 characters; a longer one is denied unmatched). Without either
 * form no arguments are allowed. `maxArgs` caps the count (default 64 when
 * arguments are allowed).
 *
 * @example
 * ```ts
 * const sort: ExecRule = {
 *   path: '/usr/bin/sort',
 *   options: [{ names: ['-r', '--reverse'] }, { names: ['-o', '--output'], value: '[\\w.][\\w.-]*' }],
 *   operands: ['[\\w.][\\w.-]*'],
 * };
 * ```
 */
export interface ExecRule {
  readonly path: string;
  readonly args?: readonly string[];
  readonly options?: readonly OptionRule[];
  readonly operands?: readonly string[];
  readonly maxArgs?: number;
}

/**
 * Limits on a program started through a port (`prlimit`, and a wall-clock
 * timeout enforced by the port).
 *
 * @example
 * ```ts
 * const limits: ExecLimits = { cpuSeconds: 5, memoryBytes: 256 * 2 ** 20, processes: 32, timeoutMs: 10_000 };
 * ```
 */
export interface ExecLimits {
  readonly cpuSeconds?: number;
  readonly memoryBytes?: number;
  readonly fileSizeBytes?: number;
  readonly openFiles?: number;
  /** Processes the program's user may run (RLIMIT_NPROC): contains a fork bomb. */
  readonly processes?: number;
  readonly timeoutMs?: number;
  /** Bytes of stdout plus stderr before the program is killed. */
  readonly maxOutputBytes?: number;
}

/**
 * What an actor may execute.
 *
 * @example
 * ```ts
 * const exec: ExecPolicy = { allow: [{ path: '/usr/bin/cat' }], env: ['LANG'], cwd: ['/srv/work'] };
 * ```
 */
export interface ExecPolicy {
  readonly allow: readonly ExecRule[];
  /** Whether `/bin/sh -c` command strings are allowed at all. Default false. */
  readonly shell?: boolean;
  /** Environment variables a program may be given; any other is refused. */
  readonly env?: readonly string[];
  /** Directories (and their subdirectories) a program may run in. */
  readonly cwd?: readonly string[];
  readonly limits?: ExecLimits;
  /** Run as this user and group (`setpriv`), dropping the runtime's privileges. */
  readonly runAs?: { readonly uid: number; readonly gid: number };
  /** Run inside `bwrap`: no network, read-only root, a private /tmp. */
  readonly sandbox?: { readonly network?: boolean; readonly writable?: readonly string[] };
}

/**
 * Which paths an actor may read and write (each root and everything under
 * it, after resolving `..` and symbolic links), and how much at once. Roots
 * are resolved and pinned (device and inode) when the policy loads: a
 * root that does not exist then is a `PolicyError`, unless `create` asks
 * for missing roots to be created (as directories, mode 0700).
 *
 * @example
 * ```ts
 * const fs: FsPolicy = { read: ['/srv/data'], write: ['/srv/data/out'], maxReadBytes: 2 ** 20 };
 * ```
 */
export interface FsPolicy {
  readonly read?: readonly string[];
  readonly write?: readonly string[];
  readonly maxReadBytes?: number;
  readonly maxWriteBytes?: number;
  readonly create?: boolean;
}

/**
 * A redaction rule that hides the value given to an option: the argument
 * after `--password`, and the value in `--password=hunter2` (or, for a
 * one-letter option `-p`, in `-phunter2`).
 *
 * @example
 * ```ts
 * const rule: RedactOption = { option: '--password' };
 * ```
 */
export interface RedactOption {
  readonly option: string;
}

/**
 * A security policy. Deny by default; `redact` lists regular expressions
 * (compiled with the `u` flag) whose matches are replaced by `[redacted]`
 * in the audit log, and options whose values are.
 *
 * @example
 * ```ts
 * const policy: SecurityPolicy = {
 *   exec: { allow: [{ path: '/usr/bin/cat' }] },
 *   fs: { read: ['/srv/data'] },
 *   redact: ['\\p{Nd}{12,}', { option: '--password' }],
 * };
 * ```
 */
export interface SecurityPolicy {
  readonly exec?: ExecPolicy;
  readonly fs?: FsPolicy;
  readonly redact?: readonly (string | RedactOption)[];
}
