import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LIMITS } from '../support/guard.js';
import {
  APP_USER,
  NatsTestCluster,
  natsUnavailable,
  READY_LIMIT_MS,
} from '../support/nats/index.js';

/**
 * docs/semantics.md §25 (Leaving): a system that shut down released every
 * NATS handle it made — connection, subscriptions, KV watches and their
 * heartbeat timers — so the program hosting it exits by itself.
 */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the cluster shutdown tests: ${why}`);

const ENTRY = fileURLToPath(new URL('./exiting-child.js', import.meta.url));

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the exiting program; the limit only guards a hang (a program that never exits fails). */
function runProgram(
  nats: NatsTestCluster,
  open: 'nothing' | 'directory' | 'fenced',
): Promise<Outcome> {
  const child = spawn(process.execPath, [ENTRY], {
    env: {
      ...process.env,
      AIRSSYS_NODE: JSON.stringify({ servers: nats.urls, ...APP_USER, open }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => {
    stdout += c;
  });
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the program did not exit by itself; it printed:\n${stdout}\n${stderr}`));
    }, READY_LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function check(outcome: Outcome): void {
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.match(outcome.stdout, /^shut down$/m);
  assert.doesNotMatch(outcome.stderr, /ClosedConnectionError|DrainingConnectionError/);
}

describe('cluster shutdown', { skip: why }, () => {
  let nats: NatsTestCluster;
  before(async () => {
    nats = await NatsTestCluster.start();
  });
  after(async () => {
    await nats?.stop();
  });

  it('a node shut down as soon as it is up releases every NATS handle; its program exits by itself', {
    timeout: LIMITS.test,
  }, async () => {
    for (let i = 0; i < 5; i++) check(await runProgram(nats, 'nothing'));
  });

  it('a node with the registry and groups open releases every handle on shutdown; its program exits by itself', {
    timeout: LIMITS.test,
  }, async () => {
    check(await runProgram(nats, 'directory'));
  });

  it('a node fenced as soon as it is up releases every NATS handle on its shutdown; its program exits by itself', {
    timeout: LIMITS.test,
  }, async () => {
    // Its connection is closed, not drained: only once its member-table watch, if one is being
    // made, is made and stopped (a watch made on a closed connection leaves a 30 s interval).
    for (let i = 0; i < 5; i++) check(await runProgram(nats, 'fenced'));
  });
});
