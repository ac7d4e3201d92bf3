import {
  type CharSet,
  overlaps,
  parseShape,
  type Shape,
  UnsupportedPattern,
} from './pattern-shape.js';

/**
 * Whether a regular expression can stall a backtracking matcher (ReDoS).
 * V8's engine backtracks: on a pattern that can match the same text in
 * many ways, a short argument that fails to match tries them all. The
 * analysis builds the pattern's position automaton (Glushkov's, keeping
 * parallel edges, which is how nested repetition shows) and looks for the
 * two shapes that make backtracking super-linear:
 *
 * - **exponential**: a state with two different paths back to itself on
 *   the same text (`(a+)+`, `(a|a)*`, `(\w+\.?)+`);
 * - **polynomial**: two different states p and q where p loops, p reaches
 *   q and q loops, all on one text (`\w*\w*`, `.*-.*`, `\d+\.?\d*`).
 *
 * A pattern with neither is matched by V8 in time linear in the input (for
 * one start position). Counted repetition is analysed with at most two
 * copies of its body (enough to show either shape), and as a loop when it
 * allows more than two optional copies; a pattern too big to
 * analyse within a fixed budget is refused, as is a backreference.
 *
 * @module
 */

/** Positions at most; a bigger pattern is refused as too complex to analyse. */
const MAX_POSITIONS = 200;
/** Product-automaton states visited at most, over all searches of one pattern. */
const BUDGET = 2_000_000;

interface Fragment {
  readonly nullable: boolean;
  readonly first: readonly number[];
  readonly last: readonly number[];
}

class TooComplex extends Error {}

/** Glushkov's construction: positions (one per character set) and their follow edges, with multiplicity. */
class Automaton {
  /** Labels by position; position 0 is the start state and has none. */
  readonly labels: CharSet[] = [[]];
  /** follow[p]: successor → number of distinct edges (2+ means two paths). */
  readonly follow: Map<number, number>[] = [new Map()];

  #position(set: CharSet): number {
    if (this.labels.length > MAX_POSITIONS) throw new TooComplex();
    this.labels.push(set);
    this.follow.push(new Map());
    return this.labels.length - 1;
  }

  #link(from: readonly number[], to: readonly number[]): void {
    for (const a of from) {
      const edges = this.follow[a] as Map<number, number>;
      for (const b of to) edges.set(b, (edges.get(b) ?? 0) + 1);
    }
  }

  #sequence(parts: readonly Fragment[]): Fragment {
    let acc: Fragment = { nullable: true, first: [], last: [] };
    for (const f of parts) {
      this.#link(acc.last, f.first);
      acc = {
        nullable: acc.nullable && f.nullable,
        first: acc.nullable ? [...acc.first, ...f.first] : acc.first,
        last: f.nullable ? [...acc.last, ...f.last] : f.last,
      };
    }
    return acc;
  }

  build(shape: Shape): Fragment {
    switch (shape.k) {
      case 'empty':
        return { nullable: true, first: [], last: [] };
      case 'set': {
        const p = this.#position(shape.set);
        return { nullable: false, first: [p], last: [p] };
      }
      case 'cat':
        return this.#sequence(shape.items.map((item) => this.build(item)));
      case 'alt': {
        const parts = shape.items.map((item) => this.build(item));
        return {
          nullable: parts.some((f) => f.nullable),
          first: parts.flatMap((f) => f.first),
          last: parts.flatMap((f) => f.last),
        };
      }
      case 'rep': {
        const parts: Fragment[] = [];
        for (let i = 0; i < Math.min(shape.min, 2); i++) parts.push(this.build(shape.body));
        // Many optional copies backtrack like a loop ((a{1,10}){1,10}): analysed as one.
        if (shape.max - shape.min > 2) {
          const loop = this.build(shape.body);
          this.#link(loop.last, loop.first);
          parts.push({ ...loop, nullable: true });
        } else {
          const optional = Math.min(shape.max - shape.min, 2);
          for (let i = 0; i < optional; i++)
            parts.push({ ...this.build(shape.body), nullable: true });
        }
        return this.#sequence(parts);
      }
    }
  }

  /** Sets position 0's edges to the pattern's first positions. */
  start(root: Fragment): void {
    this.#link([0], root.first);
  }
}

function intersect(a: CharSet, b: CharSet): CharSet {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i] as number, b[j] as number);
    const hi = Math.min(a[i + 1] as number, b[j + 1] as number);
    if (lo <= hi) out.push(lo, hi);
    if ((a[i + 1] as number) < (b[j + 1] as number)) i += 2;
    else j += 2;
  }
  return out;
}

/** The searches over products of the automaton with itself, sharing one budget. */
class Search {
  readonly #a: Automaton;
  readonly #n: number;
  readonly #succ: number[][];
  #spent = 0;

  constructor(a: Automaton) {
    this.#a = a;
    this.#n = a.labels.length;
    this.#succ = a.follow.map((m) => [...m.keys()]);
  }

  #spend(): void {
    if (++this.#spent > BUDGET) throw new TooComplex();
  }

  /** Positions that can reach themselves again. */
  cyclic(): number[] {
    const out: number[] = [];
    for (let p = 1; p < this.#n; p++) if (this.reaches(p, p)) out.push(p);
    return out;
  }

  /** Whether `to` is reachable from `from` in one step or more. */
  reaches(from: number, to: number): boolean {
    const seen = new Uint8Array(this.#n);
    const stack = [...(this.#succ[from] as number[])];
    while (stack.length > 0) {
      const p = stack.pop() as number;
      this.#spend();
      if (p === to) return true;
      if (seen[p] === 1) continue;
      seen[p] = 1;
      stack.push(...(this.#succ[p] as number[]));
    }
    return false;
  }

  /** Two different paths from q back to q on one text (exponential backtracking). */
  twoLoops(q: number): boolean {
    const n = this.#n;
    const key = (a: number, b: number, apart: number): number => (a * n + b) * 2 + apart;
    const seen = new Set<number>([key(q, q, 0)]);
    const stack: [number, number, number][] = [[q, q, 0]];
    while (stack.length > 0) {
      const [a, b, apart] = stack.pop() as [number, number, number];
      for (const a2 of this.#succ[a] as number[]) {
        for (const b2 of this.#succ[b] as number[]) {
          this.#spend();
          const labelA = this.#a.labels[a2] as CharSet;
          if (!overlaps(labelA, this.#a.labels[b2] as CharSet)) continue;
          // Two parallel edges a→a2 are two paths even when both sides stay together.
          const split =
            a2 !== b2 || (a === b && ((this.#a.follow[a] as Map<number, number>).get(a2) ?? 0) > 1);
          const next = apart === 1 || split ? 1 : 0;
          if (a2 === q && b2 === q && next === 1) return true;
          const k = key(a2, b2, next);
          if (!seen.has(k)) {
            seen.add(k);
            stack.push([a2, b2, next]);
          }
        }
      }
    }
    return false;
  }

  /** p loops, p reaches q and q loops, all on one text (polynomial backtracking). */
  loopThenLoop(p: number, q: number): boolean {
    const n = this.#n;
    const labels = this.#a.labels;
    const key = (a: number, b: number, c: number): number => (a * n + b) * n + c;
    const seen = new Set<number>([key(p, p, q)]);
    const stack: [number, number, number][] = [[p, p, q]];
    while (stack.length > 0) {
      const [a, b, c] = stack.pop() as [number, number, number];
      for (const a2 of this.#succ[a] as number[]) {
        for (const b2 of this.#succ[b] as number[]) {
          const ab = intersect(labels[a2] as CharSet, labels[b2] as CharSet);
          if (ab.length === 0) continue;
          for (const c2 of this.#succ[c] as number[]) {
            this.#spend();
            if (!overlaps(ab, labels[c2] as CharSet)) continue;
            if (a2 === p && b2 === q && c2 === q) return true;
            const k = key(a2, b2, c2);
            if (!seen.has(k)) {
              seen.add(k);
              stack.push([a2, b2, c2]);
            }
          }
        }
      }
    }
    return false;
  }
}

/** Why one shape can stall a backtracking matcher, or undefined. */
function shapeProblem(shape: Shape): string | undefined {
  const automaton = new Automaton();
  automaton.start(automaton.build(shape));
  const search = new Search(automaton);
  const loops = search.cyclic();
  for (const q of loops) {
    if (search.twoLoops(q)) {
      return 'can take exponential time: a repeated part can match the same text in more than one way (as in (a+)+, (a|a)* or (\\w+\\.?)+)';
    }
  }
  for (const p of loops) {
    for (const q of loops) {
      if (p !== q && search.reaches(p, q) && search.loopThenLoop(p, q)) {
        return 'can take polynomial time: two repetitions in a row can match the same text (as in \\w*\\w*, .*-.* or \\d+\\.?\\d*); make them exclusive, e.g. [^-]*-.*';
      }
    }
  }
  return undefined;
}

/**
 * Why `source` (a pattern that compiles under the `u` flag) can make a
 * backtracking matcher take super-linear time, or undefined when it
 * cannot: exponential or polynomial ambiguity, a backreference, or a
 * pattern too big to analyse. Lookarounds are checked as patterns of
 * their own.
 *
 * @example
 * ```ts
 * backtrackingProblem('(\\w+\\.?)+'); // 'can take exponential time: ...'
 * backtrackingProblem('[\\w-]+(\\.[\\w-]+)*'); // undefined
 * ```
 */
export function backtrackingProblem(source: string): string | undefined {
  try {
    const { main, lookarounds } = parseShape(source);
    for (const shape of [main, ...lookarounds]) {
      const problem = shapeProblem(shape);
      if (problem !== undefined) return problem;
    }
    return undefined;
  } catch (error) {
    if (error instanceof UnsupportedPattern) return error.message;
    if (error instanceof TooComplex) {
      return `is too complex to analyse for backtracking (at most ${MAX_POSITIONS} character positions, counted repetition included)`;
    }
    throw error;
  }
}
