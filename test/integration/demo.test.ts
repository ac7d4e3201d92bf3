import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DemoSummary, runDemo } from '../../src/cli/demo/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import { cli } from './cli-run.js';

/** The accounting the issue asks for: every accepted job is stored, exactly once. */
function assertAccounted(s: DemoSummary): void {
  assert.ok(s.jobsIn > 0, 'jobs were accepted');
  assert.equal(s.jobsDone, s.jobsIn, 'jobs in = jobs done');
  assert.equal(s.jobsLost, 0, 'no job lost');
  assert.equal(s.stored, s.jobsIn, 'the store holds each accepted job once');
}

describe('demo: the self-healing pipeline (npm start)', () => {
  failOnUnhandledRejections();

  it('accounts for every accepted job while workers crash and the service is down (virtual time, fixed seed)', {
    timeout: LIMITS.test,
  }, async () => {
    const s = await runDemo({
      durationMs: 2_000,
      rate: 500,
      crashRate: 0.1,
      seed: 7,
      observer: false,
      clock: new ManualClock(),
    });
    assertAccounted(s);
    assert.equal(s.jobsIn, 1_000, '500 jobs/s for 2 s of clock time');
    assert.ok(s.crashes > 0, 'workers crashed');
    assert.ok(s.restarts > 0, 'supervisors restarted them');
    assert.ok(s.retriesAfterCrash > 0, 'jobs of crashed workers were sent again');
    assert.ok(s.duplicateWrites > 0, 'a crash after a write was absorbed by the idempotent store');
    assert.ok(s.breakerOpens >= 1, 'the outage (0.6 s to 1.1 s) opened the breaker');
    assert.ok(s.rejectedFast > 0, 'the open breaker rejected calls fast');
    assert.ok(s.retriesAfterOutage > 0, 'jobs the service could not serve were retried');
    assert.equal(s.interrupted, false);
  });

  it('replays a run exactly from its seed in virtual time', { timeout: LIMITS.test }, async () => {
    const run = () =>
      runDemo({
        durationMs: 1_000,
        rate: 300,
        crashRate: 0.2,
        seed: 99,
        observer: false,
        clock: new ManualClock(),
      });
    const first = await run();
    assertAccounted(first);
    assert.deepEqual(await run(), first);
  });

  it('drains and accounts for every job when stopped early by its signal', {
    timeout: LIMITS.test,
  }, async () => {
    const stop = new AbortController();
    const clock = new ManualClock();
    const s = await runDemo({
      durationMs: 10_000,
      crashRate: 0.1,
      seed: 3,
      observer: false,
      clock,
      signal: stop.signal,
      reporter: {
        progress: (p) => {
          if (p.elapsedMs >= 4_000) stop.abort(); // in the middle of the outage (3 s to 5.5 s)
        },
      },
    });
    assertAccounted(s);
    assert.equal(s.interrupted, true);
    assert.ok(s.elapsedMs >= 5_500, 'the drain waited for the service to come back');
  });

  it('runs in real time with the observer on a free port, and reports its URL', {
    timeout: LIMITS.test,
  }, async () => {
    const urls: string[] = [];
    const s = await runDemo({
      durationMs: 600,
      rate: 400,
      crashRate: 0.1,
      seed: 11,
      port: 0,
      reporter: { observer: (url) => urls.push(url) },
    });
    assertAccounted(s);
    assert.ok(s.restarts > 0);
    assert.equal(urls.length, 1);
    assert.match(urls[0] ?? '', /^http:\/\/127\.0\.0\.1:\d+/);
    assert.equal(s.observerUrl, urls[0]);
  });

  it('rejects a bad option naming it', { timeout: LIMITS.test }, async () => {
    await assert.rejects(runDemo({ crashRate: 1, observer: false }), { code: 'ERR_INVALID_ARG' });
  });
});

describe('demo: the airssys-rt command line', () => {
  it('--help lists the demo and its flags', { timeout: LIMITS.test }, async () => {
    const { code, stdout } = await cli(['--help']);
    assert.equal(code, 0);
    for (const flag of [
      'demo',
      '--duration',
      '--crash-rate',
      '--port',
      '--rate',
      '--seed',
      '--no-observer',
    ]) {
      assert.ok(stdout.includes(flag), `help mentions ${flag}`);
    }
    assert.equal((await cli(['demo', '-h'])).stdout, stdout);
  });

  it('an unknown flag exits with code 2 and says which', { timeout: LIMITS.test }, async () => {
    const { code, stdout, stderr } = await cli(['demo', '--crash-rte', '0.5']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /unknown option '--crash-rte'/);
    assert.match(stderr, /--help/);
  });

  it('a bad value or command exits with code 2', { timeout: LIMITS.test }, async () => {
    const bad = await cli(['--crash-rate', '1.5']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--crash-rate must be a number in \[0, 1\), got '1.5'/);
    const unknown = await cli(['dmeo']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'dmeo'/);
  });

  it('runs the demo, prints the summary with no job lost, and exits 0 by itself', {
    timeout: LIMITS.test,
  }, async () => {
    const { code, stdout } = await cli([
      'demo',
      '--duration',
      '0.5',
      '--seed',
      '5',
      '--crash-rate',
      '0.1',
      '--no-observer',
    ]);
    assert.equal(code, 0);
    assert.match(stdout, /jobs lost +0 /);
    assert.match(stdout, /every accepted job was stored exactly once/);
    assert.ok(
      !stdout.includes('\r') && !stdout.includes('\u001b['),
      'no status line when not a TTY',
    );
  });
});
