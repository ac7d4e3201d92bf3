/**
 * Timers and the life of the Node program (docs/semantics.md §8): a program
 * whose only pending work is a `sendAfter` stays alive until it is
 * delivered, and a program whose asks were all answered exits by itself,
 * without waiting for their (cancelled) timeouts. Each program runs as a
 * real Node process; the limit only guards a hang.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { LIMITS } from '../support/guard.js';

const RUNTIME = new URL('../../src/index.js', import.meta.url).href;
/** Far above any start-up time on a busy machine, far below the 120 s ask timeouts below. */
const HANG = 60_000;

function run(body: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const source = `import { createSystem, defineActor } from ${JSON.stringify(RUNTIME)};\n${body}`;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--input-type=module', '-e', source],
      { timeout: HANG, killSignal: 'SIGKILL' },
      (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

const echo = (askTimeout: number) => `
const system = createSystem();
const echo = system.spawn(defineActor({
  handle(msg) {
    if (msg.type === 'ping') msg.reply.send('pong');
    else console.log('delivered ' + msg.text);
  },
}));
console.log(await echo.ask({ type: 'ping' }, { timeout: ${askTimeout} }));
`;

describe('timers and the life of the program', { concurrency: true }, () => {
  it('a program does not exit while a sendAfter is pending, even after an answered ask cancelled its timeout', {
    timeout: HANG * 2,
  }, async () => {
    // Due after the cancelled ask's timeout would have been: the idle host
    // timer armed for that timeout must hold the program open again.
    const r = await run(
      `${echo(200)}system.sendAfter(600, echo, { type: 'later', text: 'late' });\n`,
    );
    assert.deepEqual(
      { code: r.code, stdout: r.stdout.trim().split('\n') },
      { code: 0, stdout: ['pong', 'delivered late'] },
      `stderr: ${r.stderr}`,
    );
  });

  it('a program whose asks were all answered exits by itself: a cancelled ask timeout does not keep it alive', {
    timeout: HANG * 2,
  }, async () => {
    const r = await run(echo(120_000));
    assert.deepEqual(
      { code: r.code, stdout: r.stdout.trim() },
      { code: 0, stdout: 'pong' },
      `killed after ${HANG} ms means the answered ask's timeout kept the program alive; stderr: ${r.stderr}`,
    );
  });

  it('a program that stops every process of its system exits by itself: the idle system kept for V8’s hidden classes holds nothing open', {
    timeout: LIMITS.test,
  }, async () => {
    const r = await run(`
const system = createSystem();
const worker = system.spawn(defineActor({ handle(n) { if (n === 2) console.log('handled'); } }));
for (let i = 0; i <= 2; i++) worker.tell(i);
await system.idle();
await system.shutdown();
const again = createSystem();
await again.shutdown();
console.log('done');
`);
    assert.deepEqual(
      { code: r.code, stdout: r.stdout.trim().split('\n') },
      { code: 0, stdout: ['handled', 'done'] },
      `killed after ${HANG} ms means something the runtime keeps held the program open; stderr: ${r.stderr}`,
    );
  });
});
