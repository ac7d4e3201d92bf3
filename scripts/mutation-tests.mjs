// The tests `npm run test:mutation` runs against each mutant: the unit tests
// of the mutated core modules (see stryker.config.json). Every mutant runs
// all of them, so they run in this one process (node:test sets a failing
// exit code), not in a process per file as `node --test` does.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

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
  console.error('no compiled unit tests: run tsc -p tsconfig.mutation.json first');
  process.exit(1);
}
for (const file of files) await import(pathToFileURL(resolve(file)).href);
