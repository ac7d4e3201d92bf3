import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('the package ships (npm pack)', () => {
  it('packs with dist/, passes @arethetypeswrong/cli (esm-only), installs offline from the tarball, and a program type-checks and runs against it', () => {
    const child = spawnSync(process.execPath, ['scripts/check-package.mjs'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 600_000,
    });
    assert.equal(child.status, 0, `${child.stdout}\n${child.stderr}`);
    const steps = child.stdout.split('\n').filter((l) => l.startsWith('ok: '));
    assert.equal(steps.length, 5, child.stdout);
    assert.match(
      child.stdout,
      /ok: a program type-checks against the installed package and runs: total 2/,
    );
    assert.match(child.stdout, /ok: airssys-rt --version prints \d+\.\d+\.\d+/);
  });
});
