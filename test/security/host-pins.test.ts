/**
 * Semantics §22: roots are pinned once, in the main system, when the
 * policy loads, and a placed body's file operations are checked against
 * main's pins — a host never looks its roots up again (Node's permission
 * model forbids it in a sandboxed host) and never pins anew. So a root
 * swapped after main loaded the policy is refused in a host as it is in
 * main, instead of being pinned afresh by the host.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type ActorRef, createSystem, fileActor, loadPolicy } from '../../src/index.js';
import { within } from '../isolation/helpers.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import { type AttackMsg, attacker } from './attacker.js';
import { assertRuntimeAnswers, NO_SANDBOX } from './host-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'airssys-host-pins-'));
chmodSync(dir, 0o777);
after(() => rmSync(dir, { recursive: true, force: true }));

const WHERE = [
  'main',
  'worker',
  'process',
  ...(NO_SANDBOX === undefined ? ['sandboxed process'] : []),
];
if (NO_SANDBOX !== undefined)
  console.log(`no sandbox on this machine (${NO_SANDBOX}): no sandboxed variant`);

describe("security: placed bodies are checked against main's pins (semantics §22)", () => {
  failOnUnhandledRejections();

  for (const where of WHERE) {
    it(`${where}: a root swapped after the policy loaded is refused, not pinned again`, {
      timeout: LIMITS.test,
    }, async () => {
      const root = join(dir, where.replace(' ', '-'));
      mkdirSync(root, { mode: 0o777 });
      chmodSync(root, 0o777);
      const policy = loadPolicy({ fs: { write: [root] } });
      const system = createSystem({ askTimeout: LIMITS.wait });
      try {
        const write = (file: string): Promise<unknown> => {
          if (where === 'main') {
            return system
              .spawn(fileActor(), { security: policy })
              .ask({ type: 'write', path: file, data: 'x' });
          }
          const ref = system.spawn(attacker, {
            placement: where === 'worker' ? 'worker' : 'process',
            ...(where === 'sandboxed process' ? { sandbox: { allowFsWrite: [dir] } } : {}),
            security: policy,
          }) as ActorRef<AttackMsg>;
          return ref.ask({ type: 'write', path: file, data: 'x' });
        };
        assert.deepEqual(await write(join(root, 'before.txt')), { bytes: 1 });
        // The root is swapped for another directory under the same name.
        renameSync(root, `${root}-old`);
        mkdirSync(root, { mode: 0o777 });
        chmodSync(root, 0o777);
        await assert.rejects(write(join(root, 'after.txt')), (e: unknown) => {
          assert.equal((e as { code?: string }).code, 'ERR_DENIED');
          assert.match((e as Error).message, /replaced after the policy loaded/);
          return true;
        });
        assert.equal(existsSync(join(root, 'after.txt')), false, 'nothing was written');
        await assertRuntimeAnswers(system);
      } finally {
        await within(system.shutdown({ timeout: 1_000 }), 60_000, 'shutdown');
      }
    });
  }
});
