// `npm run test:busy`: the test suite next to a CPU hog. Starts one busy-loop
// process per core (BUSY_HOGS overrides the count), runs the suite as
// `npm test` does, and stops the hogs however the run ends. A suite that
// passes here does not depend on the machine being idle. Everything runs on
// the Node.js that runs this script (process.execPath): the hogs, the runner,
// each test file and the processes the tests start.
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';

const root = process.argv[2] ?? 'build/test';
const count = Number(process.env.BUSY_HOGS ?? availableParallelism());
if (!(Number.isInteger(count) && count >= 0)) {
  console.error(`BUSY_HOGS must be an integer >= 0, got ${process.env.BUSY_HOGS}`);
  process.exit(2);
}
const hogs = Array.from({ length: count }, () =>
  spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
);
const stopHogs = () => {
  for (const hog of hogs) hog.kill('SIGKILL');
};
process.on('exit', stopHogs);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(
  `test:busy: Node.js ${process.version}, ${count} busy-loop process(es) running; load average ${load()}`,
);
const tests = spawn(process.execPath, ['scripts/run-tests.mjs', root], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => tests.kill(signal));
tests.on('close', (code) => {
  console.log(`test:busy: done (exit ${code}); load average ${load()}`);
  process.exit(code ?? 1);
});
