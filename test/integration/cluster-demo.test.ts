import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LIMITS } from '../support/guard.js';
import { natsUnavailable } from '../support/nats/index.js';
import { cli } from './cli-run.js';

/**
 * The hang guard of one CLI run. The demo has limits of its own that add up
 * to more than LIMITS.wait: its nats-server's readiness (30 s), a join (10 s),
 * the run (8 s) and the drain (up to 60 s); the guard sits above their sum and
 * below the test's own timeout (LIMITS.test), so only a real hang reaches it.
 */
const RUN_LIMIT_MS = 150_000;

/** The number after `label` in the summary, or a failed assertion showing the output. */
function figure(stdout: string, pattern: RegExp): number {
  const match = pattern.exec(stdout);
  assert.ok(match?.[1] !== undefined, `no ${pattern} in the output:\n${stdout}`);
  return Number(match[1]);
}

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the cluster demo run: ${why}`);

describe('demo: the pipeline over a cluster (npm start -- --nodes 3)', () => {
  it('a worker node killed with SIGKILL mid-run is declared down, its workers restart on the survivors, and no job is lost', {
    skip: why,
    timeout: LIMITS.test,
  }, async () => {
    const run = await cli(['--nodes', '3', '--duration', '8', '--seed', '7'], {}, RUN_LIMIT_MS);
    assert.equal(run.code, 0, `exit code; output:\n${run.stdout}\n${run.stderr}`);
    assert.equal(run.stderr, '', 'nothing on stderr');
    assert.match(run.stdout, /cluster up: main \+ worker-1, worker-2, worker-3/);
    assert.match(run.stdout, /node killed: worker-2 \(SIGKILL at [\d.]+ s\), declared down/);
    assert.ok(
      figure(run.stdout, /workers moved off worker-2: (\d+)/) >= 1,
      'workers moved to the survivors',
    );
    const sent = figure(run.stdout, /jobs sent: (\d+)/);
    assert.ok(sent > 0, 'jobs were sent');
    assert.equal(figure(run.stdout, /done: (\d+), lost/), sent, 'every job sent is done');
    assert.equal(figure(run.stdout, /lost: (\d+)/), 0, 'no job lost');
    assert.equal(figure(run.stdout, /stored: (\d+)/), sent, 'each job stored once');
  });

  it('without a runnable nats-server, says why and exits non-zero', {
    timeout: LIMITS.test,
  }, async () => {
    const run = await cli(
      ['--nodes', '3'],
      { NATS_SERVER: '/nonexistent/nats-server' },
      RUN_LIMIT_MS,
    );
    assert.equal(run.code, 1);
    assert.match(run.stderr, /the cluster demo needs a local nats-server: .*not installed/);
    assert.doesNotMatch(run.stdout, /jobs sent/, 'nothing ran');
  });

  it('a worker node that cannot join ends the demo with its reason, and the demo exits by itself', {
    skip: why,
    timeout: LIMITS.test,
  }, async () => {
    // A server that admits two connections: two worker nodes join, the third is refused. The
    // two that joined must be stopped, or their IPC channels keep the demo running forever.
    const dir = mkdtempSync(join(tmpdir(), 'airssys-demo-'));
    const wrapper = join(dir, 'nats-server');
    writeFileSync(join(dir, 'limits.conf'), 'max_connections: 2\n');
    writeFileSync(wrapper, `#!/bin/sh\nexec nats-server -c ${join(dir, 'limits.conf')} "$@"\n`);
    chmodSync(wrapper, 0o755);
    try {
      const run = await cli(['--nodes', '3'], { NATS_SERVER: wrapper }, RUN_LIMIT_MS);
      assert.equal(run.code, 1, `exit code; output:\n${run.stdout}\n${run.stderr}`);
      assert.match(
        run.stderr,
        /the cluster demo failed: worker-\d exited \(\d+\) before it was up/,
      );
      assert.doesNotMatch(run.stdout, /jobs sent/, 'nothing ran');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--nodes takes an integer from 2 to 16', { timeout: LIMITS.test }, async () => {
    const run = await cli(['--nodes', '1'], {}, RUN_LIMIT_MS);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--nodes must be an integer in \[2, 16\]/);
  });
});
