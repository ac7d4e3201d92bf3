/**
 * The benchmark harness (`npm run bench`). Each benchmark runs on airssys,
 * on the plain-JS baseline and on Erlang (`erl +S 1`), every one in a fresh
 * OS process, for N rounds with the system order rotated each round. It
 * prints a markdown table of median [min–max] per metric, the ratios to
 * the baseline and to Erlang taken within each round (the machine is noisy;
 * same-round ratios are steadier than absolute figures), and the goals.
 *
 * The 1-minute load average is recorded at the start of every round; when
 * it is above --max-load (default: 2 × the CPU count) the harness adds a
 * round, up to --extra-rounds more (default 2), so a loaded round weighs
 * less in the medians.
 *
 * Usage: node --expose-gc build/bench/run.js [--rounds N] [--only NAME[,NAME]]
 *          [--node PATH] [--no-erlang] [--out FILE.json] [--max-load L] [--extra-rounds N]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCHMARKS } from './catalog.js';
import { RESULT_PREFIX } from './common.js';
import type { BenchSpec } from './metric-spec.js';
import { formatValue, type RoundResult, renderTable, SYSTEMS, type System } from './report.js';

/** build/bench/, where the compiled benchmark programs are. */
const PROGRAMS = fileURLToPath(new URL('.', import.meta.url));
/** The Erlang sources stay in bench/erlang/ (tsc does not copy them). */
const ERLANG_SOURCES = fileURLToPath(new URL('../../bench/erlang/', import.meta.url));
/** 1.1M processes for skynet need more than Erlang's default limit of 262,144. */
const ERLANG_MAX_PROCESSES = '2000000';

interface Options {
  readonly rounds: number;
  readonly only: readonly string[];
  readonly node: string;
  readonly erlang: boolean;
  readonly out: string | undefined;
  readonly maxLoad: number;
  readonly extraRounds: number;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      only: { type: 'string', multiple: true },
      node: { type: 'string', default: process.execPath },
      'no-erlang': { type: 'boolean', default: false },
      out: { type: 'string' },
      'max-load': { type: 'string' },
      'extra-rounds': { type: 'string', default: '2' },
    },
  });
  const rounds = Number(values.rounds);
  if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error('--rounds must be >= 1');
  const only = (values.only ?? []).flatMap((s) => s.split(',')).filter((s) => s.length > 0);
  const node = values.node ?? process.execPath;
  if (!existsSync(node)) throw new Error(`--node: no such file ${node}`);
  const maxLoad = Number(values['max-load'] ?? 2 * cpus().length);
  const extraRounds = Number(values['extra-rounds']);
  if (!(maxLoad > 0)) throw new Error('--max-load must be > 0');
  if (!(Number.isInteger(extraRounds) && extraRounds >= 0)) {
    throw new Error('--extra-rounds must be >= 0');
  }
  const erlang = values['no-erlang'] !== true;
  return { rounds, only, node, erlang, out: values.out, maxLoad, extraRounds };
}

/** Benchmarks selected by --only: exact names or name prefixes ("spawn" → both spawns). */
function selected(only: readonly string[]): BenchSpec[] {
  if (only.length === 0) return [...BENCHMARKS];
  const picked = BENCHMARKS.filter((b) => only.some((o) => b.name === o || b.name.startsWith(o)));
  if (picked.length === 0) {
    throw new Error(`--only matched nothing; names: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  }
  return picked;
}

interface ChildRun {
  readonly metrics?: Record<string, number>;
  readonly error?: string;
}

/** Runs one child to completion and returns the metrics from its RESULT line. */
function runChild(command: string, args: string[], cwd: string, timeoutSec: number): ChildRun {
  const child = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: timeoutSec * 1000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (child.error !== undefined) return { error: child.error.message };
  const line = child.stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (child.status !== 0 || line === undefined) {
    const log = saveFailure([command, ...args].join(' '), child.stdout, child.stderr);
    const lines = child.stderr.trim().split('\n');
    const firstError = lines.find((l) => /Error|error/.test(l)) ?? lines[0] ?? '';
    return {
      error: `exit ${child.status ?? child.signal}: ${firstError.slice(0, 200)} (log: ${log})`,
    };
  }
  return { metrics: JSON.parse(line.slice(RESULT_PREFIX.length)) as Record<string, number> };
}

/** Writes a failed child's command line and output under .bench-out/failures/; returns the path. */
function saveFailure(commandLine: string, stdout: string, stderr: string): string {
  const dir = join('.bench-out', 'failures');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${Date.now().toString(36)}.log`);
  writeFileSync(file, `$ ${commandLine}\n--- stdout\n${stdout}\n--- stderr\n${stderr}\n`);
  return file;
}

/** Output of a short command, or undefined if it cannot run. */
function probe(command: string, args: string[]): string | undefined {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  return r.error === undefined && r.status === 0 ? r.stdout.trim() : undefined;
}

type ErlangSetup = { readonly dir: string; readonly version: string } | { readonly skip: string };

/** Compiles bench/erlang/*.erl into a temp dir, or says why Erlang is skipped. */
function setupErlang(enabled: boolean): ErlangSetup {
  if (!enabled) return { skip: '--no-erlang' };
  const version = probe('erl', [
    '-noshell',
    '-eval',
    'io:format("OTP ~s (~s)", [erlang:system_info(otp_release), erlang:system_info(emu_flavor)]), halt().',
  ]);
  if (version === undefined) return { skip: 'erl not found on PATH' };
  const dir = mkdtempSync(join(tmpdir(), 'airssys-bench-erl-'));
  const sources = readdirSync(ERLANG_SOURCES)
    .filter((f) => f.endsWith('.erl'))
    .map((f) => join(ERLANG_SOURCES, f));
  const compiled = spawnSync('erlc', ['-o', dir, ...sources], { encoding: 'utf8' });
  if (compiled.error !== undefined || compiled.status !== 0) {
    return { skip: `erlc failed: ${compiled.error?.message ?? compiled.stderr.trim()}` };
  }
  return { dir, version };
}

/** Runs one benchmark on one system. */
function runOne(bench: BenchSpec, system: System, options: Options, erl: ErlangSetup): ChildRun {
  if (system === 'erlang') {
    if ('skip' in erl) return { error: erl.skip };
    if ('skip' in bench.erlang) return { error: bench.erlang.skip };
    const args = ['+S', '1', '+P', ERLANG_MAX_PROCESSES, '-noshell', '-pa', erl.dir];
    args.push('-run', bench.erlang.module, 'main', String(bench.n));
    return runChild('erl', args, erl.dir, bench.timeoutSec);
  }
  const script = join(PROGRAMS, bench.script);
  const args = [
    ...(bench.nodeFlags ?? []),
    '--expose-gc',
    script,
    '--impl',
    system,
    '--n',
    String(bench.n),
  ];
  return runChild(options.node, args, process.cwd(), bench.timeoutSec);
}

/** The system order of round `r`: rotated so no system always runs first. */
function rotation(r: number): System[] {
  return SYSTEMS.map((_, i) => SYSTEMS[(i + r) % SYSTEMS.length] as System);
}

function progress(bench: BenchSpec, system: System, round: number, run: ChildRun): void {
  const first = bench.metrics[0];
  const shown =
    run.metrics !== undefined && first !== undefined
      ? formatValue(run.metrics[first.key] ?? Number.NaN, first.unit)
      : `failed: ${run.error}`;
  process.stderr.write(`  [round ${round + 1}] ${bench.name} on ${system}: ${shown}\n`);
}

function main(): void {
  const options = parseOptions();
  const benches = selected(options.only);
  const erl = setupErlang(options.erlang);
  const nodeVersion = probe(options.node, ['--version']) ?? 'unknown';
  // src/ changes often: record the code as it is now, when the run starts
  // (npm run bench compiles just before), not as it is when the run ends.
  const commit = probe('git', ['rev-parse', '--short', 'HEAD']) ?? 'unknown';
  const dirty = probe('git', ['status', '--porcelain', '--', 'src']) ?? '';
  const changed = dirty === '' ? 0 : dirty.split('\n').length;
  const cpu = cpus();
  const results = new Map<string, RoundResult[]>(benches.map((b) => [b.name, []]));
  const errors: string[] = [];

  const loads: number[] = [];
  let planned = options.rounds;
  for (let r = 0; r < planned; r++) {
    const load = loadavg()[0] ?? 0;
    loads.push(load);
    if (load > options.maxLoad && planned < options.rounds + options.extraRounds) planned++;
    process.stderr.write(`round ${r + 1}: load average ${load.toFixed(2)}\n`);
    for (const bench of benches) {
      const round: RoundResult = {};
      for (const system of rotation(r)) {
        if (system === 'erlang' && ('skip' in erl || 'skip' in bench.erlang)) continue;
        const run = runOne(bench, system, options, erl);
        progress(bench, system, r, run);
        if (run.metrics !== undefined) round[system] = run.metrics;
        else errors.push(`${bench.name} on ${system}, round ${r + 1}: ${run.error}`);
      }
      results.get(bench.name)?.push(round);
    }
  }
  if (!('skip' in erl)) rmSync(erl.dir, { recursive: true, force: true });

  const header = [
    `date: ${new Date().toISOString()}`,
    `code: commit ${commit}${changed > 0 ? ` + ${changed} uncommitted change(s) under src/` : ''}`,
    `node: ${nodeVersion} (${options.node})`,
    `erlang: ${'skip' in erl ? `skipped (${erl.skip})` : `${erl.version}, erl +S 1`}`,
    `cpu: ${cpu[0]?.model ?? 'unknown'} × ${cpu.length}`,
    `rounds: ${planned} (${planned - options.rounds} added for load > ${options.maxLoad}); cells are median [min–max]; ratios are medians of same-round ratios`,
    `load average (1 min) at each round's start: ${loads.map((l) => l.toFixed(2)).join(', ')} on ${cpus().length} CPUs`,
  ];
  console.log(header.map((l) => `- ${l}`).join('\n'));
  console.log('');
  console.log(renderTable(benches, results));
  console.log('');
  console.log(
    '↑ higher is better, ↓ lower is better; ᵖ our goal, not from perf-anchors.md (see RESULTS.md).',
  );
  for (const e of errors) console.log(`- error: ${e}`);

  const out =
    options.out ?? join('.bench-out', `bench-${nodeVersion}-${Date.now().toString(36)}.json`);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ header, options, results: Object.fromEntries(results) }, null, 2)}\n`,
  );
  process.stderr.write(`raw results: ${out}\n`);
}

try {
  main();
} catch (error) {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
