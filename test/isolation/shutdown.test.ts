/**
 * No host outlives its system: a program that placed bodies in workers,
 * child processes and the pool (some stuck in `while (true) {}`) exits by
 * itself after `system.shutdown()`, or after its placed processes were
 * killed, and its child processes are gone. Each program runs as a real
 * Node process (test/isolation/fixture-program.ts).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { processAlive, TIMEOUT, until, WAIT } from './helpers.js';

const PROGRAM = fileURLToPath(new URL('./fixture-program.js', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  /** When `done` was printed (ms from the start), if it was: a slow exit and a hang differ here. */
  readonly doneMs: number | undefined;
}

function run(mode: string): Promise<Run> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    let doneMs: number | undefined;
    let printed = '';
    const child = execFile(
      process.execPath,
      [PROGRAM, mode],
      { timeout: WAIT, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : (child.exitCode ?? null),
          signal: child.signalCode,
          stdout,
          stderr,
          ms: Date.now() - t0,
          doneMs,
        });
      },
    );
    child.stdout?.on('data', (chunk: Buffer | string) => {
      printed += String(chunk);
      if (doneMs === undefined && printed.includes('done')) doneMs = Date.now() - t0;
    });
  });
}

describe('isolation: no host outlives its system', { concurrency: true }, () => {
  const cases: [string, string, number][] = [
    ['shutdown', 'after system.shutdown()', 2],
    ['kill', 'after killing every placed process', 2],
    ['bad-args', 'after placements whose spawn arguments cannot be copied', 0],
    ['kill-at-once', 'after killing placed processes before they started', 0],
  ];
  for (const [mode, what, placedChildren] of cases) {
    it(`${what}, the program exits by itself and its children are gone`, {
      timeout: TIMEOUT,
    }, async () => {
      const r = await run(mode);
      assert.deepEqual(
        { code: r.code, signal: r.signal, done: r.stdout.includes('done'), stderr: r.stderr },
        { code: 0, signal: null, done: true, stderr: '' },
        `the program exited by itself, printing nothing on stderr (ended at ${r.ms} ms, done printed at ${r.doneMs ?? 'never'} ms); stdout: ${r.stdout}; stderr: ${r.stderr}`,
      );
      const { children } = JSON.parse(r.stdout.split('\n')[0] ?? '{}') as { children: number[] };
      assert.equal(children.length, placedChildren, 'child processes placed');
      await until(() => children.every((pid) => !processAlive(pid)), WAIT, 'children gone');
    });
  }
});
