/**
 * The demo's randomness, all of it seeded: a small PRNG for the job
 * source and the ledger's jitter, and a stateless hash for fault injection.
 * Nothing here touches `Math.random`, so a seed replays a run.
 *
 * @module
 */

/**
 * A seeded pseudo-random generator (mulberry32): 32 bits of state, a
 * period of 2^32, plenty for a demo. Each instance is independent.
 *
 * @example
 * ```ts
 * const random = new Prng(42);
 * const x = random.next(); // in [0, 1), the same for every run seeded 42
 * ```
 */
export class Prng {
  #state: number;

  /** Any number; it is reduced to 32 bits. */
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** The next number in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** `value` scaled by a random factor in [1 − spread, 1 + spread]. */
  jitter(value: number, spread: number): number {
    return value * (1 - spread + 2 * spread * this.next());
  }
}

/**
 * A stateless hash of a few integers to [0, 1): the same inputs always give
 * the same number, whatever order they are asked in. Used to decide whether
 * an attempt crashes, so a seed fixes the faults independently of timing.
 *
 * @example
 * ```ts
 * const roll = hashUnit(seed, stage, jobId, attempt);
 * if (roll < crashRate) throw new Error('injected fault');
 * ```
 */
export function hashUnit(...values: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    h = Math.imul(h ^ (v >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return (h >>> 0) / 4_294_967_296;
}

/**
 * A seed for a run when none is given: any 31-bit integer. The only use of
 * `Math.random` in the demo, outside the pipeline; the seed is printed so
 * the run can be replayed with `--seed`.
 *
 * @example
 * ```ts
 * const seed = options.seed ?? randomSeed();
 * ```
 */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

/**
 * The sensors of the demo's made-up data: a reading names one of them, and
 * the enrichment service knows where each one is.
 *
 * @example
 * ```ts
 * const site = SITES[sensor % SITES.length];
 * ```
 */
export const SITES: readonly string[] = [
  'boiler-room',
  'north-hall',
  'south-hall',
  'roof',
  'cold-store',
  'loading-dock',
  'server-room',
];

/**
 * One raw reading as the job source produces it: `sensor-07;21.53`, the
 * sensor number and a temperature in °C.
 *
 * @example
 * ```ts
 * const raw = makeReading(new Prng(1)); // e.g. 'sensor-03;18.27'
 * ```
 */
export function makeReading(random: Prng): string {
  const sensor = random.int(24);
  const celsius = 12 + random.next() * 18;
  return `sensor-${String(sensor).padStart(2, '0')};${celsius.toFixed(2)}`;
}
