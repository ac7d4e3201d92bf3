/**
 * What both skynet shapes share: the run's figures, the expected sum, the
 * airssys harness around a tree (collector, timing, the idle check, the
 * program's main), and the plain-JS baseline, which is message-driven
 * already (an actor's first message is its number; it spawns its children
 * when that arrives).
 *
 * @module
 */
import type { ActorRef, ActorSystem } from '../src/index.js';
import { createSystem, defineActor } from '../src/index.js';
import { type BaseActor, BaseRuntime } from './baseline.js';
import { childOptions, emit, now, runMain, warmThenRun, within } from './common.js';

const DEFAULT_LEAVES = 1_000_000;
/** How long to wait for the system to become idle once the sum is in. */
const IDLE_WAIT_MS = 10_000;

export interface SkyRun {
  readonly ms: number;
  /** Skynet actors still alive after the run (all should have stopped). */
  readonly leftAlive: number;
}

/** An airssys skynet actor's state: where its sum goes, the sum so far, replies still due. */
export interface SkyState {
  readonly parent: ActorRef<number>;
  sum: number;
  pending: number;
}

/** The expected sum 0 + 1 + … + (leaves − 1). */
export function expected(leaves: number): number {
  return (leaves * (leaves - 1)) / 2;
}

/**
 * The baseline has no init: an actor's first message is its number, and
 * its state (parent, subtree size) is set at spawn.
 */
interface BaseSky {
  readonly parent: BaseActor<number, BaseSky>;
  readonly size: number;
  sum: number;
  pending: number;
}
type BaseNode = BaseActor<number, BaseSky>;

export async function skynetBaseline(leaves: number): Promise<SkyRun> {
  const rt = new BaseRuntime();
  let resolveSum: (sum: number) => void = () => {};
  const result = new Promise<number>((resolve) => {
    resolveSum = resolve;
  });
  const handle = (n: number, self: BaseNode): void => {
    const s = self.state;
    if (s.pending < 0) {
      // First message: this node's number.
      if (s.size === 1) {
        s.parent.tell(n);
        return;
      }
      const step = s.size / 10;
      for (let i = 0; i < 10; i++) {
        rt.spawn(handle, { parent: self, size: step, sum: 0, pending: -1 }).tell(n + i * step);
      }
      s.pending = 10;
      return;
    }
    s.sum += n;
    if (--s.pending === 0) s.parent.tell(s.sum);
  };
  const collector = rt.spawn<number, BaseSky>((sum) => resolveSum(sum), {} as BaseSky);
  const t0 = now();
  rt.spawn(handle, { parent: collector, size: leaves, sum: 0, pending: -1 }).tell(0);
  const sum = await result;
  const elapsed = now() - t0;
  if (sum !== expected(leaves)) throw new Error(`sum ${sum}, expected ${expected(leaves)}`);
  return { ms: elapsed, leftAlive: 0 };
}

/**
 * One airssys skynet run: `start` spawns the root of the tree, which
 * reports its sum to `collector`; the time is from just before `start` to
 * the sum's arrival. Every skynet actor stops itself, so anything still
 * alive afterwards (or an idle() that never resolves) is a runtime bug worth
 * seeing in the table: it is counted and said on stderr under `name`.
 *
 * @example
 * await airssysSkynet('skynet', 1_000, (system, collector) =>
 *   system.spawn(tree, { args: { num: 0, size: 1_000, parent: collector } }),
 * );
 */
export async function airssysSkynet(
  name: string,
  leaves: number,
  start: (system: ActorSystem, collector: ActorRef<number>) => void,
): Promise<SkyRun> {
  const system = createSystem();
  let resolveSum: (sum: number) => void = () => {};
  const result = new Promise<number>((resolve) => {
    resolveSum = resolve;
  });
  const collector = system.spawn(defineActor<number>({ handle: (sum) => resolveSum(sum) }));
  const t0 = now();
  start(system, collector);
  const sum = await result;
  const elapsed = now() - t0;
  if (sum !== expected(leaves)) throw new Error(`sum ${sum}, expected ${expected(leaves)}`);
  const settled = await within(
    system.idle().then(() => true),
    IDLE_WAIT_MS,
    false,
  );
  const leftAlive = system.stats().processes - 1;
  if (!settled || leftAlive !== 0) {
    console.error(
      `${name}: idle() ${settled ? 'resolved' : 'never resolved'}, ${leftAlive} left alive`,
    );
  }
  if (settled) await system.shutdown();
  return { ms: elapsed, leftAlive };
}

/**
 * The program's main for a skynet shape: reads --n (a power of 10, 1M by
 * default) and --impl, runs `airssys` or the baseline, prints the RESULT line.
 *
 * @example
 * skynetMain((leaves) => airssysSkynet('skynet', leaves, startTree));
 */
export function skynetMain(airssys: (leaves: number) => Promise<SkyRun>): void {
  runMain(async () => {
    const options = childOptions();
    const leaves = options.n ?? DEFAULT_LEAVES;
    if (!Number.isInteger(Math.log10(leaves))) throw new Error('--n must be a power of 10');
    const run = options.impl === 'airssys' ? airssys : skynetBaseline;
    const { ms, leftAlive } = await warmThenRun(options, leaves, run);
    emit({ totalMs: ms, leftAlive });
  });
}
