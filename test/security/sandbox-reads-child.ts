/**
 * A runtime that is not root (run by the test as `nobody`) for the
 * sandbox read test: it places the attacker in a sandboxed child process
 * and prints, as one JSON line, what the body could read of the paths in
 * its arguments (a secret outside its `allowFsRead`, a file in this
 * runtime's working directory, one file it was given) — or, when the
 * machine gives a non-root runtime no sandbox, `{ "unavailable": why }`.
 * Arguments: the directory the body may read, then the paths to try.
 */
import { type ActorRef, createSystem } from '../../src/index.js';
import { type AttackMsg, attacker } from './attacker.js';
import { NO_SANDBOX } from './host-helpers.js';
import { attemptReads } from './sandbox-reads-attack.js';

const [allowed = '/nonexistent', ...paths] = process.argv.slice(2);
if (NO_SANDBOX !== undefined) {
  console.log(JSON.stringify({ unavailable: NO_SANDBOX }));
} else {
  const system = createSystem();
  try {
    const ref = system.spawn(attacker, {
      placement: 'process',
      sandbox: { allowChildProcess: true, allowFsRead: [allowed] },
    }) as ActorRef<AttackMsg>;
    const report = await attemptReads(ref, paths, process.cwd(), process.execPath);
    console.log(JSON.stringify({ uid: process.getuid?.(), report }));
  } finally {
    await system.shutdown({ timeout: 1_000 });
  }
}
