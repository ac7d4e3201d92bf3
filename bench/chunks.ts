/**
 * The trapezoid integral cut into chunks, as both CPU-bound fan-outs ask it
 * (`scaling.ts` over the scheduler pool, `cluster-fanout.ts` over cluster
 * nodes): Savina's `fx` over [LEFT, RIGHT], every chunk asked at once of
 * some solvers dealt round-robin, or computed one after another in main for
 * the expected sum. Both ways add the same chunks in the same order, so the
 * sums agree to the bit.
 */
import type { ActorRef } from '../src/index.js';
import { type ChunkMsg, integrate } from './isolation-actors.js';

/** The integral's bounds. */
const LEFT = 1;
const RIGHT = 5;

/** Computes one chunk somewhere (an actor, a thread, a process); resolves with its area. */
export type Solver = (left: number, right: number, pieces: number) => Promise<number>;

/** Chunk `i` of `chunks`: its bounds and its share of `pieces`. */
function chunkOf(i: number, chunks: number, pieces: number): [number, number, number] {
  const width = (RIGHT - LEFT) / chunks;
  return [LEFT + i * width, LEFT + (i + 1) * width, Math.floor(pieces / chunks)];
}

/**
 * One run over `chunks` chunks: every chunk asked at once, dealt to
 * `solvers` in turn; resolves with the sum of the answers, in chunk order.
 *
 * @example
 * const area = await fanOutChunks([chunkSolver(worker, 60_000)], 250, 10_000_000);
 */
export async function fanOutChunks(
  solvers: readonly Solver[],
  chunks: number,
  pieces: number,
): Promise<number> {
  const answers: Promise<number>[] = [];
  for (let i = 0; i < chunks; i++) {
    const solve = solvers[i % solvers.length] as Solver;
    answers.push(solve(...chunkOf(i, chunks, pieces)));
  }
  let area = 0;
  for (const a of await Promise.all(answers)) area += a;
  return area;
}

/**
 * The same chunks one after another in main: the expected sum.
 *
 * @example
 * const expected = serialChunks(250, 10_000_000);
 */
export function serialChunks(chunks: number, pieces: number): number {
  let area = 0;
  for (let i = 0; i < chunks; i++) area += integrate(...chunkOf(i, chunks, pieces));
  return area;
}

/**
 * A solver that asks a trapezoid actor (`isolation-actors.ts`) for the chunk.
 *
 * @example
 * const solvers = refs.map((ref) => chunkSolver(ref, 60_000));
 */
export function chunkSolver(ref: ActorRef<ChunkMsg>, timeout: number): Solver {
  return (left, right, pieces) => ref.ask({ type: 'chunk', left, right, pieces }, { timeout });
}
