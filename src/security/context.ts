import { existsSync, realpathSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { CompiledRule, redactOptionValues } from './argv.js';
import { type Pins, pinsOf } from './pins.js';
import type { ExecLimits, RedactOption, SecurityPolicy } from './policy.js';
import { covers, type PinnedRoot } from './roots.js';

/**
 * A security context: the chain of policies from the system's down to an
 * actor's own. An operation is allowed only when every policy in the chain
 * allows it, so a child's context can narrow its parent's but never widen
 * it. Checks resolve paths first (`..`, symbolic links), so what is checked
 * is what would be touched; the policies' roots are resolved and pinned
 * once, when the context is built.
 *
 * @module
 */

/**
 * The answer to one check: allowed or not, and why (for errors and the audit log).
 *
 * @example
 * ```ts
 * const d = context.checkPath('read', '/etc/passwd');
 * if (!d.allowed) console.log(d.reason);
 * ```
 */
export interface Decision {
  readonly allowed: boolean;
  readonly reason: string;
}

/** A program start, as a port asks for it. */
export interface ExecRequest {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string | undefined;
}

/** An allowed program start: what to run and under which limits. */
export interface ExecPlan extends Decision {
  readonly executable: string;
  readonly cwd: string;
  readonly limits: ExecLimits;
  readonly runAs: { readonly uid: number; readonly gid: number } | undefined;
  readonly sandbox: { readonly network: boolean; readonly writable: readonly string[] } | undefined;
}

/**
 * The answer to a path check: the decision, the resolved path, and the
 * pinned roots that cover it (every policy's; empty when denied) — a file
 * operation walks from them.
 *
 * @example
 * ```ts
 * const d = context.checkPath('write', '/srv/out/a.txt');
 * if (d.allowed) console.log(d.resolved, d.roots.map((r) => r.path));
 * ```
 */
export interface PathDecision extends Decision {
  readonly resolved: string;
  readonly roots: readonly PinnedRoot[];
}

const deny = (reason: string): Decision => ({ allowed: false, reason });

/** Longest text redaction runs over; the rest is cut first (matching time stays bounded). */
const MAX_REDACT = 1024;

/** `text` within MAX_REDACT characters, a cut one ending in `… (N chars)`. */
function capped(text: string): string {
  if (text.length <= MAX_REDACT) return text;
  const suffix = `… (${text.length} chars)`;
  return `${text.slice(0, MAX_REDACT - suffix.length)}${suffix}`;
}

/** Longest path checked (Linux's PATH_MAX); a longer one is denied unresolved. */
const MAX_PATH = 4096;

/**
 * Resolves `path` the way the OS would reach it: absolute, `..` removed,
 * symbolic links followed as far as the path exists (a file about to be
 * created resolves through its existing parent).
 */
export function resolveReal(path: string): string {
  let current = resolve(path);
  const tail: string[] = [];
  // The native realpath (one system call) on the longest part that exists.
  for (;;) {
    try {
      const real = realpathSync.native(current);
      return tail.length === 0 ? real : join(real, ...tail);
    } catch {
      const parent = dirname(current);
      if (parent === current) return tail.length === 0 ? current : join(current, ...tail);
      tail.unshift(basename(current));
      current = parent;
    }
  }
}

/** `path` with its directories resolved (symbolic links, `..`) but its last name kept. */
function keepName(path: string): string {
  return join(resolveReal(dirname(path)), basename(path));
}

/** Finds an executable on `PATH` the way a shell would, or undefined. */
function which(name: string, path: string | undefined): string | undefined {
  if (isAbsolute(name)) return existsSync(name) ? name : undefined;
  if (name.includes('/')) return undefined; // relative paths are never allowed
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function minimum(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/**
 * A chain of validated policies (see `loadPolicy`), their roots pinned
 * (real path, device, inode) and their patterns compiled when the context
 * is built. A root missing then covers nothing.
 */
export class SecurityContext {
  readonly policies: readonly SecurityPolicy[];
  readonly #pins: readonly Pins[];
  readonly #redact: readonly RegExp[];
  readonly #redactOptions: readonly RedactOption[];

  /** `inherited`: a context whose policies begin this one's; its pins are kept, not redone. */
  constructor(policies: readonly SecurityPolicy[], inherited?: SecurityContext) {
    this.policies = Object.freeze([...policies]);
    const kept = inherited === undefined ? [] : inherited.#pins;
    this.#pins = policies.map((p, i) =>
      i < kept.length && inherited?.policies[i] === p ? (kept[i] as Pins) : pinsOf(p),
    );
    const rules = policies.flatMap((p) => p.redact ?? []);
    this.#redact = rules.flatMap((r) => (typeof r === 'string' ? [new RegExp(r, 'gu')] : []));
    this.#redactOptions = rules.filter((r): r is RedactOption => typeof r !== 'string');
  }

  /** This context narrowed by `policy`: everything must now satisfy both. */
  narrow(policy: SecurityPolicy): SecurityContext {
    return new SecurityContext([...this.policies, policy], this);
  }

  /**
   * Whether `op` on `path` is allowed, after resolving it, and the pinned
   * roots that cover it. A denial's reason names `path` as given, never
   * what it resolved to (that may be a place the caller must not learn).
   */
  checkPath(op: 'read' | 'write', path: string): PathDecision {
    if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) {
      return {
        ...deny('the path is empty or contains a NUL byte'),
        resolved: String(path),
        roots: [],
      };
    }
    if (path.length > MAX_PATH) {
      // Refused before resolving: walking up a huge path costs time and stack.
      return {
        ...deny(`the path is longer than ${MAX_PATH} characters`),
        resolved: path,
        roots: [],
      };
    }
    const resolved = resolveReal(path);
    if (this.policies.length === 0) {
      return { ...deny(`no policy allows ${op} access (deny by default)`), resolved, roots: [] };
    }
    const roots: PinnedRoot[] = [];
    for (const [i, pins] of this.#pins.entries()) {
      let found = false;
      for (const root of pins[op]) {
        if (covers(root, resolved)) {
          roots.push(root);
          found = true;
        }
      }
      if (!found) {
        return {
          ...deny(`${op} of ${path} is outside policy ${i}'s fs.${op} roots`),
          resolved,
          roots: [],
        };
      }
    }
    return { allowed: true, reason: `${op} allowed under the fs.${op} roots`, resolved, roots };
  }

  /** The smallest read or write size any policy allows (Infinity when none says). */
  maxBytes(op: 'read' | 'write'): number {
    let max: number | undefined;
    for (const p of this.policies) {
      max = minimum(max, op === 'read' ? p.fs?.maxReadBytes : p.fs?.maxWriteBytes);
    }
    return max ?? Number.POSITIVE_INFINITY;
  }

  /** Whether a program start is allowed, and with which limits. */
  checkExec(request: ExecRequest): ExecPlan | Decision {
    const [name, ...args] = request.argv;
    if (name === undefined || name.length === 0) return deny('argv is empty');
    if (this.policies.length === 0) return deny('no policy allows executing anything');
    const found = which(name, request.env.PATH ?? process.env.PATH);
    if (found === undefined) return deny(`${name} is not an absolute path or not found on PATH`);
    // Directories are resolved, the program's own name is not: an allowed
    // `rbash` (a link to bash that behaves by its name) does not allow `bash`.
    const executable = keepName(found);
    let limits: ExecLimits = {};
    let runAs: ExecPlan['runAs'];
    let sandbox: ExecPlan['sandbox'];
    const cwd = resolveReal(request.cwd ?? process.cwd());
    for (const [i, p] of this.policies.entries()) {
      const exec = p.exec;
      if (exec === undefined) return deny(`policy ${i} allows no execution (no exec section)`);
      const rule = exec.allow.find((r) => keepName(r.path) === executable);
      if (rule === undefined) return deny(`${executable} is not in policy ${i}'s exec.allow`);
      const pins = this.#pins[i] as Pins;
      const compiled = pins.rules.get(rule) ?? new CompiledRule(rule);
      if (args.length > compiled.maxArgs) {
        return deny(`${args.length} arguments exceed policy ${i}'s limit for ${executable}`);
      }
      // The arguments themselves stay out of the reason: they may hold a secret.
      const problem = compiled.problem(args, `policy ${i}'s`);
      if (problem !== undefined) return deny(problem);
      for (const key of Object.keys(request.env)) {
        if (!(exec.env ?? []).includes(key)) {
          return deny(`environment variable ${key} is not in policy ${i}'s exec.env`);
        }
      }
      if (
        pins.cwd === undefined
          ? request.cwd !== undefined
          : !pins.cwd.some((root) => covers(root, cwd))
      ) {
        return deny(`working directory ${cwd} is not allowed by policy ${i}'s exec.cwd`);
      }
      const l = exec.limits ?? {};
      limits = {
        cpuSeconds: minimum(limits.cpuSeconds, l.cpuSeconds),
        memoryBytes: minimum(limits.memoryBytes, l.memoryBytes),
        fileSizeBytes: minimum(limits.fileSizeBytes, l.fileSizeBytes),
        openFiles: minimum(limits.openFiles, l.openFiles),
        processes: minimum(limits.processes, l.processes),
        timeoutMs: minimum(limits.timeoutMs, l.timeoutMs),
        maxOutputBytes: minimum(limits.maxOutputBytes, l.maxOutputBytes),
      } as ExecLimits;
      if (exec.runAs !== undefined) {
        // Switching users is not narrowing: every policy that names one must name the same.
        if (runAs !== undefined && (runAs.uid !== exec.runAs.uid || runAs.gid !== exec.runAs.gid)) {
          return deny(
            `policy ${i}'s exec.runAs ${exec.runAs.uid}:${exec.runAs.gid} differs from an enclosing policy's ${runAs.uid}:${runAs.gid}`,
          );
        }
        runAs = exec.runAs;
      }
      if (exec.sandbox !== undefined) {
        sandbox = {
          network: (sandbox?.network ?? true) && exec.sandbox.network === true,
          writable:
            sandbox === undefined
              ? (exec.sandbox.writable ?? [])
              : sandbox.writable.filter((w) => (exec.sandbox?.writable ?? []).includes(w)),
        };
      }
    }
    return {
      allowed: true,
      reason: `${executable} allowed`,
      executable,
      cwd,
      limits,
      runAs,
      sandbox,
    };
  }

  /**
   * `text` cut to 1024 characters (ending in `… (N chars)`), then with every
   * redaction pattern's matches replaced by `[redacted]`. Cut first, so
   * matching time stays bounded whatever the text.
   */
  redact(text: string): string {
    let out = capped(text);
    for (const re of this.#redact) out = out.replace(re, '[redacted]');
    return out;
  }

  /**
   * An argv as the audit log should see it: the values of redacted options
   * hidden (`--password hunter2` → `--password [redacted]`), then each
   * argument through `redact`.
   */
  redactArgs(argv: readonly string[]): string[] {
    const hidden =
      this.#redactOptions.length === 0 ? argv : redactOptionValues(argv, this.#redactOptions);
    return hidden.map((a) => this.redact(a));
  }
}

/** The context of no policy at all: everything is denied. */
export const DENY_ALL = new SecurityContext([]);
