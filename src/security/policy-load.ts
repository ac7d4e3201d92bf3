import { existsSync, mkdirSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { PolicyError } from '../errors.js';
import { backtrackingProblem } from './pattern-safety.js';
import { attachPins, attachRoots, isLoaded, type PinnedRoots } from './pins.js';
import type { ExecRule, FsPolicy, OptionRule, SecurityPolicy } from './policy.js';
import type { PinnedRoot } from './roots.js';

/**
 * Loading a security policy: each field checked against the policy's shape
 * (an unknown key is an error, so a typo cannot loosen a rule), patterns
 * checked for catastrophic backtracking, fs roots made to exist and pinned,
 * and the result frozen.
 *
 * @module
 */

/** Longest pattern source accepted. */
const MAX_PATTERN = 1024;
/** Keys that name an object's prototype machinery: never a policy field. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

type Shape = { readonly [key: string]: (value: unknown, at: string) => void };

function fail(at: string, message: string): never {
  throw new PolicyError(at, message);
}

function object(value: unknown, at: string, shape: Shape): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(at, 'must be an object');
  }
  for (const key of Object.keys(value)) {
    if (PROTOTYPE_KEYS.has(key)) {
      fail(at === '' ? key : `${at}.${key}`, 'is a prototype key, never a policy field');
    }
    const check = Object.hasOwn(shape, key) ? shape[key] : undefined;
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
/**
 * One pattern: a string that compiles on its own with `flags` (so it cannot
 * close the group it is wrapped in, as `safe)|(?:.*` would), is not too
 * long, and cannot backtrack catastrophically.
 */
const pattern = (p: unknown, at: string, flags: string): void => {
  if (typeof p !== 'string') fail(at, 'must be a string');
  if (p.length > MAX_PATTERN) fail(at, `is longer than ${MAX_PATTERN} characters`);
  try {
    new RegExp(p, flags);
  } catch (error) {
    fail(at, `is not a regular expression on its own: ${(error as Error).message}`);
  }
  const problem = backtrackingProblem(p);
  if (problem !== undefined) fail(at, problem);
};
const patterns = (value: unknown, at: string): void => {
  if (!Array.isArray(value)) fail(at, 'must be an array of regular expressions');
  value.forEach((p, i) => {
    pattern(p, `${at}[${i}]`, 'u');
  });
};
const OPTION_NAME = /^(?:-[A-Za-z0-9]|--[A-Za-z0-9][A-Za-z0-9_-]*)$/;
const optionName = (n: unknown, at: string): void => {
  if (typeof n !== 'string' || !OPTION_NAME.test(n)) {
    fail(at, "must be an option name such as '-o' or '--output'");
  }
};
const options = (value: unknown, at: string): void => {
  if (!Array.isArray(value)) fail(at, 'must be an array of options');
  const seen = new Set<string>();
  value.forEach((o, i) => {
    object(o, `${at}[${i}]`, {
      names: (v, a) => {
        if (!Array.isArray(v) || v.length === 0) fail(a, 'must be a non-empty array of names');
        v.forEach((n, j) => {
          optionName(n, `${a}[${j}]`);
          if (seen.has(n as string)) fail(`${a}[${j}]`, `${n as string} is listed twice`);
          seen.add(n as string);
        });
      },
      value: (v, a) => pattern(v, a, 'u'),
      optional: flag,
    });
    if ((o as { names?: unknown }).names === undefined) fail(`${at}[${i}].names`, 'is required');
    const rule = o as OptionRule;
    if (rule.optional === true && rule.value === undefined) {
      fail(`${at}[${i}].optional`, 'needs a value pattern');
    }
  });
};
const redactions = (value: unknown, at: string): void => {
  if (!Array.isArray(value)) fail(at, 'must be an array of regular expressions or options');
  value.forEach((r, i) => {
    // Compiled exactly as redaction compiles them: global and unicode.
    if (typeof r === 'string') pattern(r, `${at}[${i}]`, 'gu');
    else if (typeof r !== 'object' || r === null || Array.isArray(r)) {
      fail(`${at}[${i}]`, "must be a string (a pattern) or { option: '--name' }");
    } else {
      object(r, `${at}[${i}]`, { option: optionName });
      if ((r as { option?: unknown }).option === undefined) {
        fail(`${at}[${i}].option`, 'is required');
      }
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

const execRule = (value: unknown, at: string): void => {
  object(value, at, {
    path: (v, a) => {
      if (typeof v !== 'string' || !isAbsolute(v)) fail(a, 'must be an absolute path');
    },
    args: patterns,
    options,
    operands: patterns,
    maxArgs: count,
  });
  const rule = value as ExecRule;
  if (rule.args !== undefined && (rule.options !== undefined || rule.operands !== undefined)) {
    fail(`${at}.args`, 'cannot be combined with options and operands (use one form)');
  }
};

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
      create: flag,
    }),
  redact: redactions,
};

/** Every fs root exists, or is created when the policy asks; else a PolicyError naming it. */
function ensureRoots(fs: FsPolicy | undefined): void {
  for (const access of ['read', 'write'] as const) {
    (fs?.[access] ?? []).forEach((root, i) => {
      if (existsSync(root)) return;
      if (fs?.create !== true) {
        fail(
          `fs.${access}[${i}]`,
          `${root} does not exist (set fs.create to create missing roots)`,
        );
      }
      try {
        mkdirSync(root, { recursive: true, mode: 0o700 });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'error';
        fail(`fs.${access}[${i}]`, `${root} does not exist and cannot be created (${code})`);
      }
    });
  }
}

/**
 * Validates a policy and returns it frozen; throws `PolicyError` naming the
 * first bad field (an unknown key is reported as one, so a typo cannot
 * loosen or silently skip a rule; so is a prototype key such as
 * `__proto__`). Patterns must compile on their own and be free of
 * catastrophic backtracking; fs roots must exist (or `fs.create` creates
 * them), and are pinned (real path, device, inode) as the policy loads. A
 * policy `loadPolicy` returned is returned as it is.
 *
 * @example
 * ```ts
 * loadPolicy({ exec: { alow: [] } }); // throws PolicyError: exec.alow: unknown key
 * loadPolicy({ exec: { allow: [{ path: '/bin/echo', args: ['(\\w+\\.?)+'] }] } }); // PolicyError: can take exponential time
 * ```
 */
export function loadPolicy(policy: unknown): SecurityPolicy {
  // Loaded already (frozen, pinned): a constant policy given at every spawn is checked once.
  if (isLoaded(policy)) return policy;
  object(policy, '', SHAPE);
  const loaded = structuredClone(policy) as SecurityPolicy;
  ensureRoots(loaded.fs);
  attachPins(loaded);
  return deepFreeze(loaded);
}

const pinnedRoot = (value: unknown, at: string): void => {
  const r = value as Partial<PinnedRoot> | null;
  if (
    typeof r !== 'object' ||
    r === null ||
    typeof r.path !== 'string' ||
    !isAbsolute(r.path) ||
    typeof r.dev !== 'bigint' ||
    typeof r.ino !== 'bigint'
  ) {
    fail(at, 'must be a pinned root { path, dev, ino }');
  }
};
const pinnedRoots = (value: unknown, at: string): void => {
  if (!Array.isArray(value)) fail(at, 'must be an array of pinned roots');
  value.forEach((r, i) => {
    pinnedRoot(r, `${at}[${i}]`);
  });
};

/**
 * A policy loaded with roots pinned elsewhere: what a host does with the
 * policy of a body it runs. The policy is validated as `loadPolicy` does,
 * but its roots are not looked up again — `roots` are those the main
 * system pinned when it loaded the policy (`rootsOf`), so a host never
 * touches the filesystem to load a policy (Node's permission model in a
 * sandboxed host forbids it), and a root swapped after main pinned it is
 * caught at the next operation (device and inode differ) instead of being
 * pinned anew. Throws `PolicyError` for a bad policy or bad roots.
 *
 * @example
 * ```ts
 * const policy = loadPinnedPolicy(frame.policy, frame.roots); // in the host
 * ```
 */
export function loadPinnedPolicy(policy: unknown, roots: unknown): SecurityPolicy {
  object(policy, '', SHAPE);
  object(roots, 'roots', {
    read: pinnedRoots,
    write: pinnedRoots,
    cwd: pinnedRoots,
  });
  const given = roots as PinnedRoots;
  if (given.read === undefined || given.write === undefined) {
    fail('roots', 'needs read and write');
  }
  const loaded = structuredClone(policy) as SecurityPolicy;
  attachRoots(loaded, structuredClone(given));
  return deepFreeze(loaded);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
