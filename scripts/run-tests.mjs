// Runs node:test on every compiled test file. Node 20 has no glob support in
// `node --test`, and npm scripts run under sh, so the files are listed here.
//
// A passing run prints no stack traces, out-of-memory dumps or warnings
// (children meant to crash have their stderr captured by their tests), so
// the output is scanned as it passes through: noise fails the run, naming
// the first lines, even when every test passed.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2] ?? 'build/test';
const files = readdirSync(root, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.js'))
  .sort()
  .map((f) => join(root, f));
if (files.length === 0) {
  console.error(`no test files under ${root}`);
  process.exit(1);
}

/** Output lines a clean run never prints (the spec reporter prints stacks only for failures). */
const NOISE = [
  /^\s*at .+:\d+:\d+\)?\s*$/, // a stack frame
  /\(node:\d+\) \S*Warning/, // a process warning
  /FATAL ERROR|heap out of memory|Last few GCs|JS stacktrace/, // an out-of-memory dump
  /^\s*Uncaught \w*Error/, // an uncaught exception
];
const noise = [];

function scan(stream, out) {
  let partial = '';
  stream.on('data', (chunk) => {
    out.write(chunk);
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (NOISE.some((re) => re.test(line))) noise.push(line);
  });
}

// No --test-force-exit: every test file must end by itself once its tests have.
// A handle left open (a timer, a socket, a NATS watch) hangs the run instead of
// being hidden; test/cluster/shutdown.test.ts checks that a clustered system
// releases every NATS handle when it shuts down.
const child = spawn(process.execPath, ['--test', '--test-reporter=spec', ...files], {
  stdio: ['inherit', 'pipe', 'pipe'],
});
scan(child.stdout, process.stdout);
scan(child.stderr, process.stderr);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('close', (code) => {
  if (code === 0 && noise.length > 0) {
    console.error(`\nthe tests passed but printed ${noise.length} line(s) of noise, first:`);
    for (const line of noise.slice(0, 10)) console.error(`  ${line}`);
    process.exit(1);
  }
  process.exit(code ?? 1);
});
