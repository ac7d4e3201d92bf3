import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('../support/warnings-fixture.js', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

describe('the runtime prints no process warnings (§8)', () => {
  it('timers due at once, past deadlines, intervals and late timers give setTimeout no negative delay and raise no warning', () => {
    const child = spawnSync(process.execPath, [FIXTURE], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(child.status, 0, child.stderr);
    const seen = JSON.parse(child.stdout.trim()) as {
      ticks: number;
      warnings: string[];
      badDelays: number[];
    };
    assert.ok(seen.ticks >= 2, 'the timers fired');
    assert.deepEqual(seen.warnings, []);
    assert.deepEqual(seen.badDelays, []);
    assert.equal(child.stderr, '', 'nothing on stderr: no warning of any kind');
  });

  it('the demo, run briefly, writes no warning to stderr', () => {
    const child = spawnSync(process.execPath, [MAIN, '--duration', '1', '--rate', '200'], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, CI: '1' },
    });
    assert.equal(child.status, 0, child.stderr);
    assert.doesNotMatch(child.stderr, /Warning/);
  });
});
