// `npm test` runs this: the imports in src/ follow the layers drawn in
// docs/architecture.md. A folder imports only from folders in lower layers,
// and only through their front door (`../<folder>/index.js`); `errors.ts`
// is below everything, the front door of the error families in `errors/`,
// which import nothing but each other. Prints each broken rule with file and line and exits
// 1, or prints one "ok" line. Keep LAYERS in step with docs/architecture.md.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** Lowest first. A folder may import from any folder of a lower layer. */
export const LAYERS = [
  ['process', 'codec', 'scheduler', 'security', 'limits'],
  ['mailbox'],
  ['registry'],
  ['broker'],
  ['signals'],
  ['actor'],
  ['supervisor', 'resilience', 'os'],
  ['routing', 'observe', 'isolation'],
  ['cluster'],
  ['system'],
  ['hosting', 'observer', 'otel', 'testing'],
  ['cli'],
];

/**
 * What src/index.ts may import from a folder: its front door, or a package
 * entry of its own (cluster/directory.js, the `airssys-rt/cluster` entry,
 * which the system must not load).
 */
const PUBLIC_DOORS = new Set(['index.js', 'directory.js']);

/** The folder of the error families: below every layer, reached only through `errors.ts`. */
const ERRORS = 'errors';

/** Applications on top: they use the package as a user does, through src/index.ts too. */
const APPLICATIONS = new Set(['cli']);

const root = resolve(new URL('..', import.meta.url).pathname, 'src');
const layerOf = new Map();
LAYERS.forEach((folders, i) => {
  for (const f of folders) layerOf.set(f, i);
});

const problems = [];
const files = readdirSync(root, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.ts'));

for (const file of files) {
  const parts = file.split(sep);
  const folder = parts.length > 1 ? parts[0] : undefined;
  if (folder !== undefined && folder !== ERRORS && !layerOf.has(folder)) {
    problems.push(
      `${file}: folder ${folder} is in no layer (add it to LAYERS and docs/architecture.md)`,
    );
    continue;
  }
  const text = readFileSync(join(root, file), 'utf8');
  const lines = text.split('\n');
  lines.forEach((line, n) => {
    const m =
      /^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/.exec(line) ??
      /^\s*}\s*from\s+'(\.[^']+)'/.exec(line);
    if (m === null) return;
    const target = relative(root, resolve(dirname(join(root, file)), m[1]));
    const tparts = target.split(sep);
    const tfolder = tparts.length > 1 ? tparts[0] : undefined;
    const where = `${file}:${n + 1}`;
    if (folder === ERRORS) {
      if (tfolder !== ERRORS) problems.push(`${where}: errors/ must import nothing but errors/`);
      return;
    }
    if (tfolder === ERRORS) {
      if (file !== 'errors.ts') problems.push(`${where}: imports ${target}; go through errors.js`);
      return;
    }
    if (folder === undefined) {
      // src/index.ts and src/errors.ts: errors.ts imports only its families in errors/.
      if (file === 'errors.ts') problems.push(`${where}: errors.ts must import only from errors/`);
      else if (tfolder !== undefined && !PUBLIC_DOORS.has(tparts.slice(1).join('/'))) {
        problems.push(`${where}: ${file} imports ${target}, not the folder's front door`);
      }
      return;
    }
    if (tfolder === undefined) {
      const allowed = target === 'errors.js' || (target === 'index.js' && APPLICATIONS.has(folder));
      if (!allowed) problems.push(`${where}: imports ${target} above the folders`);
      return;
    }
    if (tfolder === folder) return;
    if (tparts.slice(1).join('/') !== 'index.js') {
      problems.push(`${where}: imports ${target}; go through ../${tfolder}/index.js`);
    }
    const from = layerOf.get(folder);
    const to = layerOf.get(tfolder);
    if (to === undefined) problems.push(`${where}: imports ${tfolder}, which is in no layer`);
    else if (to >= from) {
      problems.push(
        `${where}: ${folder} (layer ${from}) imports ${tfolder} (layer ${to}); only lower layers may be imported`,
      );
    }
  });
}

if (problems.length > 0) {
  console.error(`check-layers: ${problems.length} import(s) against the layers:`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`check-layers: ok, ${files.length} files follow the ${LAYERS.length} layers`);
