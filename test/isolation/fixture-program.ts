/**
 * A whole program for the shutdown tests, run as its own Node process:
 * it places bodies in workers, child processes and the pool (some stuck in
 * `while (true) {}`), prints the pids of its child processes, ends them
 * the way `argv[2]` says, prints `done`, and then must exit by itself: no
 * `process.exit`, so any host left running would keep it alive.
 *
 * - `shutdown`: `system.shutdown()`.
 * - `kill`: kills every placed process; no shutdown.
 * - `bad-args`: places processes with spawn arguments that cannot be
 *   copied; whether the spawn throws or the process fails to start, no
 *   host may be left behind. No shutdown.
 * - `kill-at-once`: kills each placed process right after spawning it,
 *   before its stand-in has started its body. No shutdown.
 */
import { type ActorRef, CallTimeoutError, createSystem, type Placement } from '../../src/index.js';
import { type EchoMsg, type EchoReply, echo } from './actors.js';

const mode = process.argv[2];
// The first asks wait for six hosts to start (four such programs run at once
// in the test): seconds on a busy machine, so the default 5 s ask timeout
// would be a speed check. 50 s only guards a hang, inside the test's 60 s
// limit on the program, so a hang still shows as this program's error.
const system = createSystem({ poolThreads: 2, askTimeout: 50_000 });
if (mode === 'bad-args') {
  const reasons: string[] = [];
  for (const placement of ['worker', 'process', 'pool'] as const) {
    try {
      const ref = system.spawn(echo, { placement, args: { tag: (() => 1) as never } });
      const reason = await system.exited(ref);
      reasons.push(
        `${placement}: exited ${JSON.stringify(reason.kind === 'error' ? (reason.error as { code?: string }).code : reason.kind)}`,
      );
    } catch (error) {
      reasons.push(`${placement}: threw ${(error as { code?: string }).code}`);
    }
  }
  console.log(JSON.stringify({ children: [], reasons }));
  console.log('done');
} else if (mode === 'kill-at-once') {
  for (const placement of ['worker', 'process', 'pool'] as const) {
    const ref = system.spawn(echo, { placement });
    const exited = system.exited(ref);
    system.kill(ref);
    await exited;
  }
  console.log(JSON.stringify({ children: [] }));
  console.log('done');
} else {
  await main();
}

async function main(): Promise<void> {
  const placements: Placement[] = ['worker', 'process', 'pool', 'worker', 'process', 'pool'];
  const refs = placements.map((placement) => system.spawn(echo, { placement }));
  const replies = await Promise.all(
    refs.map((ref) => ref.ask({ type: 'echo', text: 'x' }) as Promise<EchoReply>),
  );
  const children = replies.map((r) => r.where.processId).filter((pid) => pid !== process.pid);
  console.log(JSON.stringify({ children }));
  // The dedicated hosts of the first two are stuck for good.
  const stuck = refs.slice(0, 2) as ActorRef<EchoMsg>[];
  for (const ref of stuck) ref.tell({ type: 'spin' });
  for (const ref of stuck) {
    try {
      await ref.ask({ type: 'echo', text: 'stuck?' }, { timeout: 100 });
      throw new Error('not stuck');
    } catch (error) {
      if (!(error instanceof CallTimeoutError)) throw error;
    }
  }
  if (mode === 'shutdown') {
    await system.shutdown({ timeout: 200 });
  } else if (mode === 'kill') {
    const exits = refs.map((ref) => system.exited(ref));
    for (const ref of refs) system.kill(ref);
    await Promise.all(exits);
  } else {
    throw new Error(`unknown mode ${String(mode)}`);
  }
  console.log('done');
}
