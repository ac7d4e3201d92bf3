/**
 * What both skynet shapes share: the run's figures, the expected sum, and
 * the plain-JS baseline, which is message-driven already (an actor's first
 * message is its number; it spawns its children when that arrives).
 *
 * @module
 */
import { type BaseActor, BaseRuntime } from './baseline.js';
import { now } from './common.js';

export interface SkyRun {
  readonly ms: number;
  /** Skynet actors still alive after the run (all should have stopped). */
  readonly leftAlive: number;
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
