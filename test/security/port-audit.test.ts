/**
 * Semantics §22, §23: a port's program start fails closed like a file
 * operation. Its `allow` record is written before the program starts — in
 * a host, main writes it and acknowledges, and the port waits for that —
 * and a record that cannot be written (a full disk) ends the port with a
 * `DeniedError` (`ERR_DENIED`, the error's code only), the program never run.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  type ActorRef,
  type ActorSystem,
  AuditLog,
  type AuditRecord,
  createSystem,
} from '../../src/index.js';
import type { AuditSink } from '../../src/security/index.js';
import { within } from '../isolation/helpers.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import { assertRuntimeAnswers, NO_SANDBOX } from './host-helpers.js';
import { type StarterMsg, starter } from './port-starter.js';

const dir = mkdtempSync(join(tmpdir(), 'airssys-port-audit-'));
// A sandboxed host (and its programs) write as an unprivileged uid.
chmodSync(dir, 0o777);
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A log whose disk can fill: `throws` fails in `record` (a log that writes
 * at once), `rejects` in `written` (a log that writes later, as main's
 * acknowledgement does for a host).
 */
class FullDisk implements AuditSink {
  readonly log = new AuditLog();
  full: 'no' | 'throws' | 'rejects' = 'no';
  record(record: AuditRecord): number {
    if (this.full === 'throws')
      throw Object.assign(new Error('ENOSPC: no space'), { code: 'ENOSPC' });
    return this.log.record(record);
  }
  written(): Promise<void> {
    return this.full === 'rejects'
      ? Promise.reject(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }))
      : Promise.resolve();
  }
}

const security = {
  exec: { allow: [{ path: '/usr/bin/touch', args: [`${dir}/[\\w.-]+`], maxArgs: 1 }] },
};

type Where = 'main' | 'worker' | 'process' | 'sandboxed process';

function place(system: ActorSystem, where: Where): ActorRef<StarterMsg> {
  const placement =
    where === 'main' ? {} : { placement: where === 'worker' ? 'worker' : 'process' };
  // A port in a sandboxed host looks its program and the launcher's tools up (`/usr`, `/proc`):
  // Node's layer must let it read them; bwrap keeps everything but `dir` read-only.
  const sandbox =
    where === 'sandboxed process'
      ? { sandbox: { allowChildProcess: true, allowFsWrite: [dir], allowFsRead: ['/'] } }
      : {};
  return system.spawn(starter, {
    ...placement,
    ...sandbox,
    security,
  } as never) as ActorRef<StarterMsg>;
}

const WHERE: readonly Where[] =
  NO_SANDBOX === undefined
    ? ['main', 'worker', 'process', 'sandboxed process']
    : ['main', 'worker', 'process'];
if (NO_SANDBOX !== undefined)
  console.log(
    `no sandbox on this machine (${NO_SANDBOX}): ports start in main, a worker and a plain process`,
  );

describe('security: a port starts only once its record is written (semantics §22, §23)', () => {
  failOnUnhandledRejections();

  for (const where of WHERE) {
    for (const how of ['throws', 'rejects'] as const) {
      it(`${where}: a port whose record cannot be written (${how}) exits ERR_DENIED and its program never runs`, {
        timeout: LIMITS.test,
      }, async () => {
        const disk = new FullDisk();
        const system = createSystem({ askTimeout: LIMITS.wait, audit: disk });
        try {
          const ref = place(system, where);
          const start = (name: string): Promise<string> =>
            within(
              ref.ask({ type: 'start', argv: ['/usr/bin/touch', join(dir, name)] }),
              60_000,
              'the port ends',
            );
          const name = `${where.replace(' ', '-')}-${how}`;
          // With room, the program runs: the test can tell the difference.
          assert.equal(await start(`${name}-room`), 'normal');
          assert.equal(existsSync(join(dir, `${name}-room`)), true);
          disk.full = how;
          assert.equal(await start(`${name}-full`), 'ERR_DENIED');
          assert.equal(existsSync(join(dir, `${name}-full`)), false, 'the program never ran');
          disk.full = 'no';
          const execs = disk.log.recent().filter((l) => l.op === 'exec');
          assert.ok(execs.length >= 2, 'the run with room was recorded, its allow and its outcome');
          await assertRuntimeAnswers(system);
        } finally {
          await within(system.shutdown({ timeout: 1_000 }), 60_000, 'shutdown');
        }
      });
    }
  }
});
