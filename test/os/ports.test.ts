import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  AuditLog,
  createSystem,
  defineActor,
  exitReason,
  type PortEvent,
  PortExitError,
  port,
  type SecurityPolicy,
  supervisor,
  whichChildren,
} from '../../src/index.js';
import { processGone } from '../../src/os/index.js';
import { verifyAuditText } from '../../src/security/index.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import { bwrapUnusable, errorOf, owned, tempDir, waitFor } from './port-helpers.js';

const SH = { path: '/bin/sh', args: ['-c', '.*'], maxArgs: 2 };
const CAT = { path: '/usr/bin/cat', args: ['[\\w./-]+'], maxArgs: 4 };

function system(
  exec: Partial<NonNullable<SecurityPolicy['exec']>> = {},
  extra: SecurityPolicy = {},
) {
  return createSystem({
    security: { exec: { allow: [CAT, SH], shell: true, ...exec }, ...extra },
  });
}

describe('ports', () => {
  failOnUnhandledRejections();

  it('cat echoes what is written, line by line, and exits normally when stdin closes', {
    timeout: LIMITS.test,
  }, async () => {
    const sys = system();
    const p = await owned(sys, { argv: ['/usr/bin/cat'] });
    p.port.tell({ type: 'write', data: 'hello\nwor' });
    p.port.tell({ type: 'write', data: 'ld\n' });
    await waitFor(() => p.out.length === 2, LIMITS.wait, 'two lines');
    assert.deepEqual(p.data(), ['hello', 'world']);
    assert.equal(p.out[0]?.port, p.port.pid);
    p.port.tell({ type: 'close-stdin' });
    assert.deepEqual(await p.exited(), exitReason.normal);
    await sys.shutdown();
  });

  it('chunks mode passes output on as read, without waiting for a newline', {
    timeout: LIMITS.test,
  }, async () => {
    const sys = system();
    const letters: unknown[] = [];
    sys.deadLetters.subscribe((d) => letters.push(d.reason));
    const p = await owned(sys, { argv: ['/usr/bin/cat'], mode: 'chunks' });
    p.port.tell({ type: 'bogus' } as never); // not a port command: a dead letter, the port goes on
    p.port.tell({ type: 'write', data: 'no newline' });
    await waitFor(() => p.data().join('') === 'no newline', LIMITS.wait, 'the chunk');
    assert.deepEqual(letters, ['unexpected']);
    p.port.tell({ type: 'close-stdin' });
    assert.deepEqual(await p.exited(), exitReason.normal);
    await sys.shutdown();
  });

  it('stderr arrives as its own stream; a non-zero status is an ERR_PORT_EXIT reason with the exit code', {
    timeout: LIMITS.test,
  }, async () => {
    const { dir, remove } = tempDir();
    const sys = system();
    const p = await owned(sys, { argv: ['/usr/bin/cat', join(dir, 'missing')] });
    const error = errorOf(await p.exited());
    assert.ok(error instanceof PortExitError);
    assert.equal(error.code, 'ERR_PORT_EXIT');
    assert.equal(error.exitCode, 1);
    assert.equal(p.data('stdout').length, 0);
    assert.match(p.data('stderr').join('\n'), /No such file or directory/);
    await sys.shutdown();
    remove();
  });

  it('a shell command allowed by exec.shell runs as /bin/sh -c; exit 3 is exitCode 3', {
    timeout: LIMITS.test,
  }, async () => {
    const sys = system();
    const p = await owned(sys, { command: 'echo out; echo err >&2; exit 3' });
    const error = errorOf(await p.exited());
    assert.equal(error.code, 'ERR_PORT_EXIT');
    assert.equal(error.exitCode, 3);
    assert.deepEqual(p.data('stdout'), ['out']);
    assert.deepEqual(p.data('stderr'), ['err']);
    await sys.shutdown();
  });

  it('a supervisor restarts a crashed external program like any other child', {
    timeout: LIMITS.test,
  }, async () => {
    const { dir, remove } = tempDir();
    const starts = join(dir, 'starts');
    writeFileSync(starts, '');
    const sys = system({ cwd: [dir] });
    // Crashes with status 3 on its first two starts, then stays up.
    const script = `echo x >> starts; [ "$(wc -l < starts)" -ge 3 ] && exec sleep 100; exit 3`;
    const sup = await sys.start(
      supervisor({
        intensity: 5,
        children: [{ id: 'prog', actor: port({ command: script, cwd: dir }) }],
      }),
    );
    await waitFor(
      () => readFileSync(starts, 'utf8').split('\n').length - 1 >= 3,
      LIMITS.wait,
      '3 starts',
    );
    const [child] = await whichChildren(sup);
    assert.equal(child?.status, 'running');
    assert.equal(sys.info(child?.ref as never)?.label, 'port');
    await sys.stop(sup);
    await sys.shutdown();
    remove();
  });

  it('stopping the port kills its whole process group, background children included', {
    timeout: LIMITS.test,
  }, async () => {
    const sys = system();
    const p = await owned(sys, { command: 'sleep 100 & echo $!; wait' });
    await waitFor(() => p.out.length === 1, LIMITS.wait, 'the background pid');
    const sleeper = Number(p.data()[0]);
    assert.ok(!processGone(sleeper));
    await sys.stop(p.port);
    assert.deepEqual(await p.exited(), exitReason.normal);
    await waitFor(() => processGone(sleeper), LIMITS.wait, 'the background sleep to be killed');
    await sys.shutdown();
  });

  it('killing the port (no terminate runs) still kills the whole process group', {
    timeout: LIMITS.test,
  }, async () => {
    const sys = system();
    const p = await owned(sys, { command: 'sleep 100 & echo $!; echo $$; wait' });
    await waitFor(() => p.out.length === 2, LIMITS.wait, 'the pids');
    const [sleeper, shell] = p.data().map(Number) as [number, number];
    sys.kill(p.port);
    assert.deepEqual(await p.exited(), exitReason.killed);
    await waitFor(
      () => processGone(sleeper) && processGone(shell),
      LIMITS.wait,
      'the group to be killed',
    );
    await sys.shutdown();
  });

  it('a program that exits leaves nothing behind: what it started in its group is killed', {
    timeout: LIMITS.test,
  }, async () => {
    const sys = system();
    const p = await owned(sys, { command: 'sleep 100 & echo $!' });
    assert.deepEqual(await p.exited(), exitReason.normal);
    await waitFor(() => processGone(Number(p.data()[0])), LIMITS.wait, 'the left-behind sleep');
    await sys.shutdown();
  });

  it('a program that ignores SIGTERM is killed after the grace period', {
    timeout: LIMITS.test,
  }, async () => {
    const sys = system();
    const p = await owned(sys, {
      command: "trap '' TERM; echo $$; while :; do sleep 1; done",
      grace: 200,
    });
    await waitFor(() => p.out.length === 1, LIMITS.wait, 'the pid');
    const exited = p.exited();
    // A stop timeout far beyond any wait: only the grace period's kill can end it gracefully.
    await sys.stop(p.port, { timeout: LIMITS.test });
    assert.notEqual(
      (await exited).kind,
      'killed',
      'stopped by the grace period, not killed at the stop timeout',
    );
    await waitFor(() => processGone(Number(p.data()[0])), LIMITS.wait, 'the shell');
    await sys.shutdown();
  });

  it('the policy timeout kills a hung program: ERR_PORT_TIMEOUT', {
    timeout: LIMITS.test,
  }, async () => {
    const sys = system({ limits: { timeoutMs: 300 } });
    const p = await owned(sys, { command: 'echo $$; exec sleep 100' });
    // The program sleeps 100 s: only the policy timeout ends it with ERR_PORT_TIMEOUT.
    const error = errorOf(await p.exited());
    assert.ok(error instanceof PortExitError);
    assert.equal(error.code, 'ERR_PORT_TIMEOUT');
    await waitFor(() => processGone(Number(p.data()[0])), LIMITS.wait, 'the sleep');
    await sys.shutdown();
  });

  it('backpressure: a slow owner never has more than highWater messages queued, and still gets everything', {
    timeout: LIMITS.test,
  }, async () => {
    const sys = system();
    const highWater = 50;
    const lines = 3_000;
    let received = 0;
    let maxQueued = 0;
    const owner = sys.spawn(
      defineActor<PortEvent>({
        init(ctx) {
          ctx.spawn(port({ command: `seq 1 ${lines}`, highWater }));
        },
        async handle(msg) {
          if (msg.type !== 'port-output') return;
          received++;
          maxQueued = Math.max(maxQueued, sys.info(owner)?.mailbox.size ?? 0);
          if (received % 10 === 0) await new Promise((r) => setTimeout(r, 1));
        },
      }),
    );
    await waitFor(() => received === lines, LIMITS.wait, 'every line');
    assert.ok(maxQueued <= highWater, `the owner's mailbox held ${maxQueued} > ${highWater}`);
    assert.ok(maxQueued >= highWater / 2, `the output was held back (max queued ${maxQueued})`);
    await sys.shutdown();
  });

  it('an explicit owner gets the output, and the port stops when its owner exits', {
    timeout: LIMITS.test,
  }, async () => {
    const sys = system();
    const got: string[] = [];
    const owner = sys.spawn(
      defineActor<PortEvent>({
        handle: (msg) => {
          if (msg.type === 'port-output') got.push(msg.data);
        },
      }),
    );
    const p = sys.spawn(port({ command: 'echo ready; exec sleep 100', owner }));
    await waitFor(() => got.length === 1, LIMITS.wait, 'ready');
    await sys.stop(owner);
    const reason = await sys.exited(p);
    assert.equal(reason.kind, 'shutdown');
    await sys.shutdown();
  });

  it('the audit log records allowed and denied starts with secrets redacted, and outcomes; the chain verifies', {
    timeout: LIMITS.test,
  }, async () => {
    const { dir, remove } = tempDir();
    const file = join(dir, 'audit.jsonl');
    const audit = new AuditLog({ file });
    const sys = createSystem({
      audit,
      security: {
        exec: { allow: [{ path: '/bin/echo', args: ['--password=.*', 'hi'] }] },
        redact: ['(?<=--password=)\\S*'],
      },
    });
    const ok = await owned(sys, { argv: ['/bin/echo', '--password=hunter2', 'hi'] });
    assert.deepEqual(await ok.exited(), exitReason.normal);
    assert.deepEqual(ok.data(), ['--password=hunter2 hi']); // the program got the real value
    const denied = await owned(sys, { argv: ['/bin/echo', '--password=s3cret', '--evil'] });
    assert.equal(errorOf(await denied.exited()).code, 'ERR_DENIED');
    audit.close();
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes('hunter2') && !text.includes('s3cret'), 'secrets reach the log');
    const lines = audit.recent();
    const allow = lines.find((l) => l.decision === 'allow');
    assert.deepEqual(allow?.args, ['/bin/echo', '--password=[redacted]', 'hi']);
    assert.equal(allow?.pid, ok.port.pid);
    const outcome = lines.find((l) => l.decision === 'outcome');
    assert.equal(outcome?.of, allow?.seq);
    assert.match(outcome?.outcome ?? '', /exit 0/);
    const deny = lines.find((l) => l.decision === 'deny');
    // The reason names the argument by position (it may hold a secret); args carries it, redacted.
    assert.match(deny?.reason ?? '', /argument \d+ matches none/);
    assert.ok(deny?.args.includes('--evil'));
    assert.deepEqual(verifyAuditText(text), { ok: true, lines: 3 });
    await sys.shutdown();
    remove();
  });

  it('in a bwrap sandbox the network is unavailable and the root is read-only', {
    timeout: LIMITS.test,
  }, async (t) => {
    const why = bwrapUnusable();
    if (why !== undefined) {
      console.log(`skipping the bwrap sandbox test: ${why}`);
      t.skip(why);
      return;
    }
    const { dir, remove } = tempDir();
    const sys = system({ cwd: [dir], sandbox: { writable: [dir] } });
    const script =
      'cat /proc/net/dev; touch /usr/airssys-probe 2>/dev/null && echo root-writable; echo ok > out && echo wrote';
    const p = await owned(sys, { command: script, cwd: dir });
    assert.deepEqual(await p.exited(), exitReason.normal);
    const interfaces = p
      .data()
      .filter((l) => l.includes(':') && !l.includes('|'))
      .map((l) => l.trim().split(':')[0]);
    assert.deepEqual(interfaces, ['lo']);
    assert.ok(!p.data().includes('root-writable'));
    assert.ok(p.data().includes('wrote'));
    assert.equal(readFileSync(join(dir, 'out'), 'utf8'), 'ok\n');
    await sys.shutdown();
    remove();
  });
});
