/**
 * The OS boundary: what a security check, an audit line and a port round
 * trip cost. Three programs share this module (`os-policy.ts`,
 * `os-audit.ts`, `os-port.ts`), one per catalog entry:
 *
 * - **policy**: `SecurityContext.checkPath('read', p)` on a temp tree, for a
 *   path under the allowed root, a path outside it, a path under the root
 *   that is a symbolic link leading outside it, and the allowed path again
 *   under a two-policy chain (a system policy narrowed by an actor's);
 *   `checkExec` for an allowed `cat <file>`, and for `cat -n <file>` under
 *   a structured rule (options and operands). Time per check (µs). The
 *   baseline is what a hand-written check does: `path.resolve` +
 *   `startsWith(root + sep)`, which does not follow symbolic links (so it
 *   allows the link); it has no exec check.
 * - **audit**: `AuditLog.record` with its sha256 hash chain, appended to a
 *   file in a temp dir, the same with an HMAC-SHA-256 key, and in memory
 *   only (appends/s), then `verifyAuditText` over the file's text, unkeyed
 *   and keyed (lines/s). The baseline writes
 *   the same record as an un-chained JSON line with `fs.writeSync` (or keeps
 *   it in memory), and "verifies" by parsing each line and checking `seq`.
 * - **port**: an owner actor writes a line to a `cat` port and waits for the
 *   line back, `n` times one after another; each round trip is timed on its
 *   own. The baseline is a bare `child_process.spawn('cat')` with the same
 *   line, sequential, timed the same way.
 *
 * Prints `RESULT {…}` with the keys of the part that ran.
 */

import { spawn } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import type { ActorRef, PortCommand, PortEvent, Reply } from '../src/index.js';
import { createSystem, defineActor, port } from '../src/index.js';
import {
  AuditLog,
  type AuditRecord,
  loadPolicy,
  SecurityContext,
  verifyAuditText,
} from '../src/security/index.js';
import { childOptions, emit, fullGc, type Metrics, now, quantile, runMain } from './common.js';

export type OsPart = 'policy' | 'audit' | 'port';

/** Checks per variant (policy) and appends per log (audit), unless --n says otherwise. */
const DEFAULT_N: Record<OsPart, number> = { policy: 100_000, audit: 100_000, port: 10_000 };

/** A fresh temp dir, removed when `body` settles. */
async function inTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'airssys-bench-os-'));
  try {
    return await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `once` n/10 times (warm-up), then n times, and returns µs per call of the timed run. */
function usPerCall(n: number, warm: boolean, once: () => boolean): number {
  let kept = 0;
  if (warm) {
    for (let i = 0; i < Math.max(1, Math.floor(n / 10)); i++) if (once()) kept++;
    fullGc();
  }
  const t0 = now();
  for (let i = 0; i < n; i++) if (once()) kept++;
  const ms = now() - t0;
  if (kept < 0) throw new Error('unreachable'); // keeps the results alive
  return (ms * 1000) / n;
}

// ---------------------------------------------------------------- policy

/**
 * The tree the checks run on:
 *
 *     <dir>/allowed/data/file.txt   read allowed
 *     <dir>/allowed/link.txt        → ../secret/file.txt (leads outside)
 *     <dir>/secret/file.txt         outside the allowed root
 */
interface Tree {
  readonly root: string;
  readonly allowedFile: string;
  readonly outsideFile: string;
  readonly link: string;
}

function makeTree(dir: string): Tree {
  const root = join(dir, 'allowed');
  mkdirSync(join(root, 'data'), { recursive: true });
  mkdirSync(join(dir, 'secret'));
  const allowedFile = join(root, 'data', 'file.txt');
  const outsideFile = join(dir, 'secret', 'file.txt');
  writeFileSync(allowedFile, 'ok\n');
  writeFileSync(outsideFile, 'secret\n');
  const link = join(root, 'link.txt');
  symlinkSync(join('..', 'secret', 'file.txt'), link);
  return { root, allowedFile, outsideFile, link };
}

function expect(what: string, got: boolean, want: boolean): void {
  if (got !== want) throw new Error(`${what}: allowed=${got}, expected ${want}`);
}

async function policyAirssys(n: number, warm: boolean): Promise<Metrics> {
  return inTempDir(async (dir) => {
    const t = makeTree(dir);
    const cat = '/usr/bin/cat';
    const policy = loadPolicy({
      fs: { read: [t.root] },
      exec: { allow: [{ path: cat, args: ['[\\w./-]+'], maxArgs: 4 }], cwd: [dir] },
    });
    const ctx = new SecurityContext([policy]);
    // A system policy narrowed by an actor's, as `spawn(def, { security })` builds it.
    const chain = new SecurityContext([loadPolicy({ fs: { read: [dir] } })]).narrow(policy);
    const exec = { argv: [cat, t.allowedFile], env: {}, cwd: dir };
    // The same start under a structured rule: options told from operands.
    const structured = new SecurityContext([
      loadPolicy({
        fs: { read: [t.root] },
        exec: {
          allow: [
            {
              path: cat,
              options: [{ names: ['-n', '--number'] }],
              operands: ['[\\w./][\\w./-]*'],
              maxArgs: 4,
            },
          ],
          cwd: [dir],
        },
      }),
    ]);
    const execNumbered = { argv: [cat, '-n', t.allowedFile], env: {}, cwd: dir };

    expect('allowed path', ctx.checkPath('read', t.allowedFile).allowed, true);
    expect('path outside', ctx.checkPath('read', t.outsideFile).allowed, false);
    expect('symlink out', ctx.checkPath('read', t.link).allowed, false);
    expect('allowed path, chain', chain.checkPath('read', t.allowedFile).allowed, true);
    expect('exec', ctx.checkExec(exec).allowed, true);
    expect('exec, structured', structured.checkExec(execNumbered).allowed, true);

    return {
      pathAllowedUs: usPerCall(n, warm, () => ctx.checkPath('read', t.allowedFile).allowed),
      pathOutsideUs: usPerCall(n, warm, () => ctx.checkPath('read', t.outsideFile).allowed),
      pathSymlinkUs: usPerCall(n, warm, () => ctx.checkPath('read', t.link).allowed),
      pathChainUs: usPerCall(n, warm, () => chain.checkPath('read', t.allowedFile).allowed),
      execAllowedUs: usPerCall(n, warm, () => ctx.checkExec(exec).allowed),
      execStructuredUs: usPerCall(n, warm, () => structured.checkExec(execNumbered).allowed),
    };
  });
}

async function policyBaseline(n: number, warm: boolean): Promise<Metrics> {
  return inTempDir(async (dir) => {
    const t = makeTree(dir);
    const roots = [t.root];
    const check = (p: string): boolean => {
      const r = resolve(p);
      return roots.some((root) => r === root || r.startsWith(root + sep));
    };
    const chainRoots = [[dir], roots];
    const checkChain = (p: string): boolean => {
      const r = resolve(p);
      return chainRoots.every((rs) => rs.some((root) => r === root || r.startsWith(root + sep)));
    };
    expect('allowed path', check(t.allowedFile), true);
    expect('path outside', check(t.outsideFile), false);
    expect('symlink out (not followed: allowed)', check(t.link), true);
    expect('allowed path, chain', checkChain(t.allowedFile), true);
    return {
      pathAllowedUs: usPerCall(n, warm, () => check(t.allowedFile)),
      pathOutsideUs: usPerCall(n, warm, () => check(t.outsideFile)),
      pathSymlinkUs: usPerCall(n, warm, () => check(t.link)),
      pathChainUs: usPerCall(n, warm, () => checkChain(t.allowedFile)),
    };
  });
}

// ---------------------------------------------------------------- audit

/** A typical line: a port's program start, allowed. */
const RECORD: AuditRecord = {
  actor: 'port',
  pid: 7,
  op: 'exec',
  args: ['/usr/bin/cat', '/srv/data/input.txt'],
  decision: 'allow',
  reason: '/usr/bin/cat allowed',
};

/** What one append does, on a log of either kind. */
interface Log {
  record(r: AuditRecord): void;
  close(): void;
}

/** Appends/s of `n` records to a fresh log, after a warm-up on a log of its own. */
function appendsPerSec(n: number, warm: boolean, open: (tag: string) => Log): number {
  if (warm) {
    const log = open('warm');
    for (let i = 0; i < Math.max(1, Math.floor(n / 10)); i++) log.record(RECORD);
    log.close();
    fullGc();
  }
  const log = open('timed');
  const t0 = now();
  for (let i = 0; i < n; i++) log.record(RECORD);
  const ms = now() - t0;
  log.close();
  return (n * 1000) / ms;
}

/** Lines/s of `verify` over `text` (n lines), after a warm-up run. */
function linesPerSec(
  n: number,
  warm: boolean,
  text: string,
  verify: (t: string) => number,
): number {
  if (warm) verify(text);
  fullGc();
  const t0 = now();
  const lines = verify(text);
  const ms = now() - t0;
  if (lines !== n) throw new Error(`verified ${lines} lines, expected ${n}`);
  return (n * 1000) / ms;
}

async function auditAirssys(n: number, warm: boolean): Promise<Metrics> {
  return inTempDir(async (dir) => {
    const file = (tag: string): string => join(dir, `${tag}.jsonl`);
    const fileRate = appendsPerSec(n, warm, (tag) => new AuditLog({ file: file(tag), env: {} }));
    const key = Buffer.alloc(32, 7);
    const keyedRate = appendsPerSec(
      n,
      warm,
      (tag) => new AuditLog({ file: file(`keyed-${tag}`), key, env: {} }),
    );
    const memoryRate = appendsPerSec(n, warm, () => new AuditLog({ env: {} }));
    const verifyRate = linesPerSec(n, warm, readFileSync(file('timed'), 'utf8'), (text) => {
      const r = verifyAuditText(text);
      if (!r.ok) throw new Error(`line ${r.line}: ${r.reason}`);
      return r.lines;
    });
    const keyedVerifyRate = linesPerSec(
      n,
      warm,
      readFileSync(file('keyed-timed'), 'utf8'),
      (text) => {
        const r = verifyAuditText(text, { key });
        if (!r.ok) throw new Error(`line ${r.line}: ${r.reason}`);
        return r.lines;
      },
    );
    return {
      fileAppendsPerSec: fileRate,
      keyedFileAppendsPerSec: keyedRate,
      memoryAppendsPerSec: memoryRate,
      verifyLinesPerSec: verifyRate,
      keyedVerifyLinesPerSec: keyedVerifyRate,
    };
  });
}

/** The same records as un-chained JSON lines: no hash, no re-parse. */
class PlainLog implements Log {
  readonly #fd: number | undefined;
  readonly #recent: object[] = [];
  #seq = 0;

  constructor(file?: string) {
    this.#fd = file === undefined ? undefined : openSync(file, 'a');
  }

  record(r: AuditRecord): void {
    const line = { seq: ++this.#seq, time: new Date().toISOString(), ...r };
    const text = JSON.stringify(line);
    if (this.#fd !== undefined) writeSync(this.#fd, `${text}\n`);
    this.#recent.push(line);
    if (this.#recent.length > 1_000) this.#recent.shift();
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
  }
}

/** Parses each line and checks that `seq` counts up: all an un-chained log can verify. */
function verifyPlain(text: string): number {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let seq = 0;
  for (const raw of lines) {
    const parsed = JSON.parse(raw) as { seq?: unknown };
    if (parsed.seq !== seq + 1) throw new Error(`seq ${String(parsed.seq)} after ${seq}`);
    seq++;
  }
  return lines.length;
}

async function auditBaseline(n: number, warm: boolean): Promise<Metrics> {
  return inTempDir(async (dir) => {
    const file = (tag: string): string => join(dir, `${tag}.jsonl`);
    const fileRate = appendsPerSec(n, warm, (tag) => new PlainLog(file(tag)));
    const memoryRate = appendsPerSec(n, warm, () => new PlainLog());
    const text = readFileSync(file('timed'), 'utf8');
    const verifyRate = linesPerSec(n, warm, text, verifyPlain);
    return {
      fileAppendsPerSec: fileRate,
      memoryAppendsPerSec: memoryRate,
      verifyLinesPerSec: verifyRate,
    };
  });
}

// ---------------------------------------------------------------- port

/** The line sent and expected back (32 bytes with its newline). */
const LINE = 'the quick brown fox, 0123456789';

/** Quantiles of round-trip samples (ms), in µs. */
function latency(samples: Float64Array): Metrics {
  samples.sort();
  let sum = 0;
  for (const s of samples) sum += s;
  return {
    p50Us: quantile(samples, 0.5) * 1000,
    p99Us: quantile(samples, 0.99) * 1000,
    meanUs: (sum / samples.length) * 1000,
  };
}

/** A bare `cat` child: write a line, wait for it on stdout, `n` times; ms per round trip. */
async function bareCat(n: number): Promise<Float64Array> {
  const child = spawn('cat', [], { stdio: ['pipe', 'pipe', 'ignore'] });
  child.stdout.setEncoding('utf8');
  let pending = '';
  let waiting: ((line: string) => void) | undefined;
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    let cut = pending.indexOf('\n');
    while (cut >= 0) {
      const line = pending.slice(0, cut);
      pending = pending.slice(cut + 1);
      const w = waiting;
      waiting = undefined;
      w?.(line);
      cut = pending.indexOf('\n');
    }
  });
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = now();
    const line = await new Promise<string>((resolve) => {
      waiting = resolve;
      child.stdin.write(`${LINE}\n`);
    });
    samples[i] = now() - t0;
    if (line !== LINE) throw new Error(`got ${JSON.stringify(line)}`);
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin.end();
  await exited;
  return samples;
}

async function portBaseline(n: number, warm: boolean): Promise<Metrics> {
  if (warm) await bareCat(Math.max(1, Math.floor(n / 10)));
  fullGc();
  return latency(await bareCat(n));
}

/** What the owner handles: a request to run the loop, and its port's output. */
type OwnerMsg =
  | { readonly type: 'run'; readonly n: number; readonly reply: Reply<Float64Array> }
  | PortEvent;

interface OwnerState {
  readonly cat: ActorRef<PortCommand>;
  samples: Float64Array;
  done: number;
  t0: number;
  reply: Reply<Float64Array> | undefined;
}

/** Only `cat`, with no arguments, environment or working directory of its own. */
const CAT_POLICY = { exec: { allow: [{ path: '/usr/bin/cat' }] } } as const;
const WRITE: PortCommand = { type: 'write', data: `${LINE}\n` };

/**
 * Owns a `cat` port (spawned as its child, so its output comes here) and,
 * on `run`, sends a line and waits for it to come back, `n` times.
 */
const owner = defineActor<OwnerMsg, OwnerState>({
  label: 'cat owner',
  init: (ctx) => ({
    cat: ctx.spawn(port({ argv: ['cat'], mode: 'lines' }), { security: CAT_POLICY }),
    samples: new Float64Array(0),
    done: 0,
    t0: 0,
    reply: undefined,
  }),
  handle(msg, ctx) {
    const s = ctx.state;
    if (msg.type === 'run') {
      s.samples = new Float64Array(msg.n);
      s.done = 0;
      s.reply = msg.reply;
      s.t0 = now();
      s.cat.tell(WRITE);
      return;
    }
    if (msg.stream !== 'stdout' || msg.data !== LINE) {
      throw new Error(`unexpected ${msg.stream}: ${JSON.stringify(msg.data)}`);
    }
    s.samples[s.done++] = now() - s.t0;
    if (s.done < s.samples.length) {
      s.t0 = now();
      s.cat.tell(WRITE);
    } else {
      s.reply?.send(s.samples);
      s.reply = undefined;
    }
  },
});

async function portAirssys(n: number, warm: boolean): Promise<Metrics> {
  const system = createSystem();
  const ref = system.spawn(owner);
  await system.idle();
  const run = (size: number): Promise<Float64Array> =>
    ref.ask({ type: 'run', n: size }, { timeout: 60_000 });
  if (warm) await run(Math.max(1, Math.floor(n / 10)));
  fullGc();
  const samples = await run(n);
  await system.shutdown();
  return latency(samples);
}

// ---------------------------------------------------------------- main

/** Runs one part as a benchmark program (see the module comment). */
export function osMain(part: OsPart): void {
  runMain(async () => {
    const options = childOptions();
    const n = options.n ?? DEFAULT_N[part];
    const warm = !options.noWarmup;
    const airssys = options.impl === 'airssys';
    let metrics: Metrics;
    switch (part) {
      case 'policy':
        metrics = await (airssys ? policyAirssys : policyBaseline)(n, warm);
        break;
      case 'audit':
        metrics = await (airssys ? auditAirssys : auditBaseline)(n, warm);
        break;
      case 'port':
        metrics = await (airssys ? portAirssys : portBaseline)(n, warm);
        break;
    }
    emit(metrics);
  });
}
