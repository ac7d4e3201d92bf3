import { isAbsolute } from 'node:path';
import { PolicyError } from '../errors.js';

/**
 * Security policies as plain data: what an actor may execute and which
 * files it may touch. Deny by default — an absent section allows nothing.
 * Policies are validated when loaded: an unknown key (a typo) or a value of
 * the wrong kind is a `PolicyError` naming the field, never a silently
 * ignored rule.
 *
 * @module
 */

/**
 * One executable an actor may run: by its resolved absolute path, with
 * every argument matching one of `args` (regular expressions, matched
 * against the whole argument; absent: no arguments at all).
 *
 * @example
 * ```ts
 * const rule: ExecRule = { path: '/usr/bin/cat', args: ['^[\\w./-]+$'], maxArgs: 4 };
 * ```
 */
export interface ExecRule {
  readonly path: string;
  readonly args?: readonly string[];
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
 * it, after resolving `..` and symbolic links), and how much at once.
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
}

/**
 * A security policy. Deny by default; `redact` lists regular expressions
 * whose matches are replaced by `[redacted]` in the audit log.
 *
 * @example
 * ```ts
 * const policy: SecurityPolicy = {
 *   exec: { allow: [{ path: '/usr/bin/cat' }] },
 *   fs: { read: ['/srv/data'] },
 *   redact: ['(?<=--password=).*'],
 * };
 * ```
 */
export interface SecurityPolicy {
  readonly exec?: ExecPolicy;
  readonly fs?: FsPolicy;
  readonly redact?: readonly string[];
}

type Shape = { readonly [key: string]: (value: unknown, at: string) => void };

function fail(at: string, message: string): never {
  throw new PolicyError(at, message);
}

function object(value: unknown, at: string, shape: Shape): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(at, 'must be an object');
  }
  for (const key of Object.keys(value)) {
    const check = shape[key];
    if (check === undefined) {
      fail(
        at === '' ? key : `${at}.${key}`,
        `unknown key (allowed: ${Object.keys(shape).join(', ')})`,
      );
    }
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) check(item, at === '' ? key : `${at}.${key}`);
  }
}

const count = (value: unknown, at: string): void => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    fail(at, 'must be an integer >= 0');
  }
};
const flag = (value: unknown, at: string): void => {
  if (typeof value !== 'boolean') fail(at, 'must be true or false');
};
const absolutePaths = (value: unknown, at: string): void => {
  if (!Array.isArray(value)) fail(at, 'must be an array of absolute paths');
  value.forEach((p, i) => {
    if (typeof p !== 'string' || !isAbsolute(p)) fail(`${at}[${i}]`, 'must be an absolute path');
  });
};
const patterns = (value: unknown, at: string): void => {
  if (!Array.isArray(value)) fail(at, 'must be an array of regular expressions');
  value.forEach((p, i) => {
    if (typeof p !== 'string') fail(`${at}[${i}]`, 'must be a string');
    try {
      // Compiled exactly as the checks compile them (anchored, unicode).
      new RegExp(`^(?:${p})$`, 'u');
    } catch (error) {
      fail(`${at}[${i}]`, `is not a regular expression: ${(error as Error).message}`);
    }
  });
};
const names = (value: unknown, at: string): void => {
  if (!Array.isArray(value)) fail(at, 'must be an array of names');
  value.forEach((n, i) => {
    if (typeof n !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) {
      fail(`${at}[${i}]`, 'must be an environment variable name');
    }
  });
};

const execRule = (value: unknown, at: string): void =>
  object(value, at, {
    path: (v, a) => {
      if (typeof v !== 'string' || !isAbsolute(v)) fail(a, 'must be an absolute path');
    },
    args: patterns,
    maxArgs: count,
  });

const SHAPE: Shape = {
  exec: (value, at) => {
    object(value, at, {
      allow: (v, a) => {
        if (!Array.isArray(v)) fail(a, 'must be an array of rules');
        for (const [i, rule] of v.entries()) execRule(rule, `${a}[${i}]`);
      },
      shell: flag,
      env: names,
      cwd: absolutePaths,
      limits: (v, a) =>
        object(v, a, {
          cpuSeconds: count,
          memoryBytes: count,
          fileSizeBytes: count,
          openFiles: count,
          processes: count,
          timeoutMs: count,
          maxOutputBytes: count,
        }),
      runAs: (v, a) => object(v, a, { uid: count, gid: count }),
      sandbox: (v, a) => object(v, a, { network: flag, writable: absolutePaths }),
    });
    if ((value as { allow?: unknown }).allow === undefined) fail(`${at}.allow`, 'is required');
  },
  fs: (value, at) =>
    object(value, at, {
      read: absolutePaths,
      write: absolutePaths,
      maxReadBytes: count,
      maxWriteBytes: count,
    }),
  redact: patterns,
};

/**
 * Validates a policy and returns it frozen; throws `PolicyError` naming the
 * first bad field (an unknown key is reported as one, so a typo cannot
 * loosen or silently skip a rule).
 *
 * @example
 * ```ts
 * loadPolicy({ exec: { alow: [] } }); // throws PolicyError: exec.alow: unknown key
 * ```
 */
export function loadPolicy(policy: unknown): SecurityPolicy {
  object(policy, '', SHAPE);
  return deepFreeze(structuredClone(policy) as SecurityPolicy);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
