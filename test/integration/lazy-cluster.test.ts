import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';

/**
 * A system without `cluster` never loads the NATS client: a single-node user
 * pays nothing for the cluster layer. Loading `@nats-io/nats-core` (one value
 * import in the transport did) made local asks' p99 ~12 µs instead of ~1 µs
 * on Node 20 (bench `ask`), so this is a performance guard as much as a
 * dependency one. A child process runs with a module resolve hook that prints
 * every `@nats-io` module it resolves.
 */

const INDEX = new URL('../../src/index.js', import.meta.url).href;
/** Hang guard for one child (it runs in well under a second on an idle machine). */
const CHILD_LIMIT_MS = 120_000;

let dir: string;
let preload: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'airssys-lazy-'));
  const hook = join(dir, 'hook.mjs');
  writeFileSync(
    hook,
    `export async function resolve(specifier, context, next) {
  const found = await next(specifier, context);
  if (found.url.includes('/@nats-io/')) process.stderr.write('NATS ' + found.url + '\\n');
  return found;
}
`,
  );
  preload = join(dir, 'preload.mjs');
  writeFileSync(
    preload,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`,
  );
});

after(() => rmSync(dir, { recursive: true, force: true }));

function runChild(source: string): { stdout: string; stderr: string; status: number | null } {
  const child = spawnSync(
    process.execPath,
    ['--import', preload, '--input-type=module', '-e', source],
    {
      encoding: 'utf8',
      timeout: CHILD_LIMIT_MS,
    },
  );
  return { stdout: child.stdout, stderr: child.stderr, status: child.status };
}

describe('a system without a cluster loads no NATS client (§25)', () => {
  it('creating a system, spawning, asking and shutting down resolves no @nats-io module', () => {
    const child = runChild(`
const { createSystem, defineActor } = await import(${JSON.stringify(INDEX)});
const system = createSystem();
const ref = system.spawn(defineActor({ init: () => 41, handle(msg, ctx) { msg.reply.send(ctx.state + 1); } }));
const answer = await ref.ask({ type: 'get' });
await system.shutdown();
console.log('answer ' + answer);
`);
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), 'answer 42');
    assert.doesNotMatch(child.stderr, /NATS /);
  });

  it('the hook does see the NATS client when something loads it (the check above can fail)', () => {
    const child = runChild(`await import('@nats-io/nats-core'); console.log('loaded');`);
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stderr, /NATS .*@nats-io\/nats-core/);
  });
});
