// `npm run check:package`: what a release would publish, checked the way a
// user meets it. Packs the package (prepack builds dist/), checks the file
// list, runs @arethetypeswrong/cli on the tarball for the ESM-only profile,
// installs the tarball into a new project offline (from npm's cache, which
// `npm ci` here has just filled), type-checks and runs a small program
// against it, and runs `airssys-rt --version`.
// Prints one "ok: ..." line per step; exits 1 at the first failure.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const work = mkdtempSync(join(tmpdir(), 'airssys-pack-'));
const keep = process.argv.includes('--keep');

function run(command, args, cwd) {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function fail(message) {
  console.error(`check-package: ${message}`);
  process.exit(1);
}

/**
 * The new project's lockfile: the packed package (its dependencies and bin as
 * its manifest declares them), then every entry of this repository's lockfile
 * that is not a development dependency, which is what the package brings in.
 */
function appLock(manifest, spec) {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const packages = {
    '': { name: 'airssys-app', dependencies: { [manifest.name]: spec } },
    [`node_modules/${manifest.name}`]: {
      version: manifest.version,
      resolved: spec,
      dependencies: manifest.dependencies,
      bin: manifest.bin,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path !== '' && entry.dev !== true) packages[path] = entry;
  }
  return { name: 'airssys-app', lockfileVersion: 3, requires: true, packages };
}

try {
  // 1. Pack: prepack builds dist/ from a clean folder.
  const [packed] = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', work], root));
  const tarball = join(work, packed.filename);
  const files = packed.files.map((f) => f.path);
  for (const needed of [
    'package.json',
    'README.md',
    'LICENSE',
    'dist/index.js',
    'dist/index.d.ts',
    'dist/testing/index.js',
    'dist/observer/index.js',
    'dist/otel/index.js',
    'dist/cli/main.js',
  ]) {
    if (!files.includes(needed)) fail(`the tarball lacks ${needed}`);
  }
  const maps = files.filter((f) => f.endsWith('.map'));
  if (maps.length > 0) fail(`the tarball has source maps whose sources it lacks: ${maps[0]}`);
  const stray = files.filter((f) => /^(src|test|bench|build)\//.test(f));
  if (stray.length > 0) fail(`the tarball has files that are not for users: ${stray[0]}`);
  console.log(`ok: packed ${packed.filename}, ${files.length} files, ${packed.size} bytes`);

  // 2. The types resolve for every entry point under ESM (the package is ESM only).
  const attw = join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
  try {
    run(process.execPath, [attw, tarball, '--profile', 'esm-only', '--format', 'ascii'], root);
  } catch (error) {
    fail(`@arethetypeswrong/cli found problems:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }
  console.log('ok: @arethetypeswrong/cli, profile esm-only');

  // 3. A new project installs the tarball offline. `npm ci` caches the
  // dependencies' tarballs but not the registry metadata a plain
  // `npm install <tarball>` resolves versions with, so the project gets a
  // lockfile: the tarball, and the runtime dependencies pinned as this
  // repository's lockfile pins them (package.json pins them exactly too).
  const app = join(work, 'app');
  mkdirSync(app);
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const spec = `file:../${packed.filename}`;
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify(
      {
        name: 'airssys-app',
        private: true,
        type: 'module',
        dependencies: { [manifest.name]: spec },
      },
      null,
      2,
    ),
  );
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify(appLock(manifest, spec), null, 2));
  run(npm, ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);
  console.log('ok: installed from the tarball, offline');

  // 4. A small program type-checks against the shipped types and runs.
  const program = `import { createSystem, defineActor, name, type Reply } from 'airssys-rt';

type CounterMsg = { type: 'add'; n: number } | { type: 'get'; reply: Reply<number> };
const counter = defineActor<CounterMsg, number>({
  init: () => 0,
  handle(msg, ctx) {
    if (msg.type === 'add') ctx.state += msg.n;
    else msg.reply.send(ctx.state);
  },
});
const counterName = name<CounterMsg>('counter');
const system = createSystem();
system.spawn(counter, { name: counterName });
system.named(counterName).tell({ type: 'add', n: 2 });
const total: number | undefined = await system.whereis(counterName)?.ask({ type: 'get' });
console.log('total', total);
await system.shutdown();
`;
  writeFileSync(join(app, 'app.ts'), program);
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        // A TypeScript user of a Node.js library has Node's types: the repository's.
        typeRoots: [join(root, 'node_modules', '@types')],
        types: ['node'],
        outDir: 'out',
        skipLibCheck: false,
      },
      files: ['app.ts'],
    }),
  );
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    run(process.execPath, [tsc, '-p', 'tsconfig.json'], app);
  } catch (error) {
    fail(`the program does not type-check against the shipped types:\n${error.stdout ?? ''}`);
  }
  const output = run(process.execPath, [join('out', 'app.js')], app).trim();
  if (output !== 'total 2') fail(`the program printed '${output}', expected 'total 2'`);
  console.log('ok: a program type-checks against the installed package and runs: total 2');

  // 5. The command line.
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  const bin = join(app, 'node_modules', '.bin', 'airssys-rt');
  const printed = run(bin, ['--version'], app).trim();
  if (printed !== version) fail(`airssys-rt --version printed '${printed}', expected ${version}`);
  console.log(`ok: airssys-rt --version prints ${printed}`);
} finally {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
