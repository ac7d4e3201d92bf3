// `npm run test:cluster -- --repeat N`: the cluster fault matrix (distribution.md
// §4.13) N times in a row against real nats-servers: the compiled
// test/cluster/{faults,registry,groups,rolling}.test.js in one `node --test` run
// each time (compiled under --root, default build), without --test-force-exit (a handle left open fails the run by
// hanging it past the limit). One line per run: pass or fail, duration, the
// load average before and after, and the failing tests; the full output of a
// failed run is kept in a log file named on its line. A run that passed but
// printed a stack trace or a warning counts as failed, as in scripts/run-tests.mjs.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const MATRIX = ['faults', 'registry', 'groups', 'rolling'];
/** A hang guard for one run (a run takes about a minute on a busy machine). */
const RUN_LIMIT_MS = 8 * 60_000;
const NOISE = [
  /^\s*at .+:\d+:\d+\)?\s*$/,
  /\(node:\d+\) \S*Warning/,
  /FATAL ERROR|heap out of memory/,
  /^\s*Uncaught \w*Error/,
  /ClosedConnectionError|DrainingConnectionError/,
];

function parseArgs(argv) {
  let repeat = 1;
  let stopOnFail = false;
  let root = 'build';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--repeat') repeat = Number(argv[++i]);
    else if (arg.startsWith('--repeat=')) repeat = Number(arg.slice('--repeat='.length));
    else if (arg === '--stop-on-fail') stopOnFail = true;
    else if (arg === '--root') root = argv[++i];
    else {
      console.error(`unknown argument ${arg} (use --repeat N [--stop-on-fail] [--root BUILD_DIR])`);
      process.exit(2);
    }
  }
  if (!(Number.isInteger(repeat) && repeat >= 1)) {
    console.error('--repeat needs a whole number >= 1');
    process.exit(2);
  }
  return {
    repeat,
    stopOnFail,
    files: MATRIX.map((f) => join(root, 'test', 'cluster', `${f}.test.js`)),
  };
}

const load = () => loadavg()[0].toFixed(1);

/** One run of the matrix: resolves with its outcome and output. */
function runOnce(files) {
  return new Promise((resolve) => {
    const started = Date.now();
    const loadBefore = load();
    const child = spawn(process.execPath, ['--test', '--test-reporter=spec', ...files], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (c) => {
      output += c;
    });
    child.stderr.on('data', (c) => {
      output += c;
    });
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      // The test runner and every node and server it started (its process group).
      process.kill(-child.pid, 'SIGKILL');
    }, RUN_LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = output.split('\n');
      const failed = lines
        .filter((l) => /^\s*✖ /.test(l))
        .map((l) =>
          l
            .trim()
            .replace(/^✖ /, '')
            .replace(/ \(\d+(\.\d+)?ms\)$/, ''),
        );
      const noise = lines.filter((l) => NOISE.some((re) => re.test(l)));
      const tests = /ℹ tests (\d+)/.exec(output)?.[1] ?? '?';
      const skipped = /ℹ skipped (\d+)/.exec(output)?.[1] ?? '?';
      resolve({
        ok: code === 0 && !hung && noise.length === 0,
        code,
        hung,
        failed: [...new Set(failed)],
        noise: noise.length,
        tests,
        skipped,
        seconds: ((Date.now() - started) / 1000).toFixed(1),
        loadBefore,
        loadAfter: load(),
        output,
      });
    });
  });
}

const { repeat, stopOnFail, files } = parseArgs(process.argv.slice(2));
const logs = mkdtempSync(join(tmpdir(), 'cluster-matrix-'));
console.log(`cluster matrix: ${files.join(' ')} × ${repeat}; failed runs' output in ${logs}`);
let passed = 0;
let inARow = 0;
let best = 0;
for (let i = 1; i <= repeat; i++) {
  const r = await runOnce(files);
  const at = new Date().toISOString().slice(11, 19);
  let line = `run ${i}/${repeat} ${at}Z: ${r.ok ? 'pass' : 'FAIL'} in ${r.seconds} s, ${r.tests} tests (${r.skipped} skipped), load ${r.loadBefore} → ${r.loadAfter}`;
  if (r.ok) {
    passed++;
    inARow++;
    best = Math.max(best, inARow);
  } else {
    inARow = 0;
    const log = join(logs, `run-${i}.log`);
    writeFileSync(log, r.output);
    const why = [
      r.hung ? `hung past ${RUN_LIMIT_MS / 60_000} min` : `exit ${r.code}`,
      ...(r.noise > 0 ? [`${r.noise} line(s) of noise`] : []),
      ...r.failed.map((f) => `✖ ${f}`),
    ];
    line += `\n    ${why.join('\n    ')}\n    log: ${log}`;
  }
  console.log(line);
  if (!r.ok && stopOnFail) break;
}
console.log(`cluster matrix: ${passed} of ${repeat} runs passed; longest streak ${best} in a row`);
process.exit(passed === repeat ? 0 : 1);
