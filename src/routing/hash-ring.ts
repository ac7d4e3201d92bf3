/**
 * Consistent hashing: each node owns many points (virtual nodes) on a
 * 32-bit ring and a key belongs to the first point at or after its hash.
 * Adding or removing one of N nodes moves only the keys of that node's
 * points, about 1/N of all keys.
 *
 * @module
 */

/**
 * A 32-bit hash of a string: FNV-1a over UTF-16 code units, then
 * MurmurHash3's finalizer so that similar keys spread over the whole ring.
 *
 * @example
 * ```ts
 * hashString('user-42') === hashString('user-42'); // true, and stable across runs
 * ```
 */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * An immutable ring over node ids.
 *
 * @example
 * ```ts
 * const ring = new HashRing(['w0', 'w1', 'w2']);
 * ring.lookup('user-42'); // e.g. 'w1', the same every time
 * ```
 */
export class HashRing {
  readonly nodes: readonly string[];
  readonly #points: Uint32Array;
  readonly #owners: Int32Array;

  constructor(nodes: readonly string[], virtualNodes = 160) {
    if (!Number.isInteger(virtualNodes) || virtualNodes < 1) {
      throw new RangeError('virtualNodes must be an integer >= 1');
    }
    this.nodes = [...nodes];
    const entries: [number, number][] = [];
    for (let n = 0; n < nodes.length; n++) {
      for (let v = 0; v < virtualNodes; v++) entries.push([hashString(`${nodes[n]}#${v}`), n]);
    }
    // Ties (vanishingly rare) go to the lower node index, so the order is total.
    entries.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    this.#points = Uint32Array.from(entries, (e) => e[0]);
    this.#owners = Int32Array.from(entries, (e) => e[1]);
  }

  /** The node that owns `key`, or undefined for an empty ring. */
  lookup(key: string): string | undefined {
    const i = this.#first(hashString(key));
    return i < 0 ? undefined : this.nodes[this.#owners[i] as number];
  }

  /**
   * The distinct nodes in ring order starting at `key`'s owner: the owner
   * first, then the fallbacks to use while it is unavailable.
   */
  *walk(key: string): Generator<string> {
    const start = this.#first(hashString(key));
    if (start < 0) return;
    const seen = new Set<number>();
    const count = this.#points.length;
    for (let k = 0; k < count && seen.size < this.nodes.length; k++) {
      const owner = this.#owners[(start + k) % count] as number;
      if (seen.has(owner)) continue;
      seen.add(owner);
      yield this.nodes[owner] as string;
    }
  }

  /** Index of the first point at or after `hash` (wrapping), or -1 when empty. */
  #first(hash: number): number {
    const points = this.#points;
    if (points.length === 0) return -1;
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((points[mid] as number) < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo === points.length ? 0 : lo;
  }
}
