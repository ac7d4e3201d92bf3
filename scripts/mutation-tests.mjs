// The tests `npm run test:mutation` runs against each mutant: the unit tests
// of the mutated core modules (see stryker.config.json). Kept to these
// folders because every mutant runs all of them.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const folders = ['mailbox', 'scheduler', 'process', 'supervisor', 'resilience'].map((f) =>
  join('build/test/unit', f),
);
const files = folders
  .filter((folder) => existsSync(folder))
  .flatMap((folder) =>
    readdirSync(folder)
      .filter((f) => f.endsWith('.test.js'))
      .map((f) => join(folder, f)),
  )
  .sort();
if (files.length === 0) {
  console.error('no compiled unit tests: run tsc -p tsconfig.test.json first');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-reporter=dot', ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
