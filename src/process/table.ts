import type { Pid } from './pid.js';

const CHUNK_BITS = 12;
const CHUNK_SIZE = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SIZE - 1;

interface Chunk<P> {
  readonly slots: (P | undefined)[];
  live: number;
}

/**
 * The live processes of a system, indexed by pid. Pids are handed out in
 * increasing order, so the table is an array of fixed-size chunks: insert
 * and remove are two array stores, with none of a `Map`'s rehashing when a
 * million processes come and go. A chunk is freed when its last process
 * exits, except the newest one, which new pids are about to fill: freeing it
 * would make a process that is replaced over and over (a supervised restart)
 * allocate a fresh chunk each time. It is freed once pids have moved past it.
 */
export class ProcessTable<P extends { readonly pid: Pid }> {
  readonly #chunks: (Chunk<P> | undefined)[] = [];
  #size = 0;

  /** Number of live processes. */
  get size(): number {
    return this.#size;
  }

  add(p: P): void {
    const c = p.pid >>> CHUNK_BITS;
    const chunk = this.#chunks[c] ?? this.#newChunk(c);
    if (chunk.slots[p.pid & CHUNK_MASK] === undefined) {
      chunk.live++;
      this.#size++;
    }
    chunk.slots[p.pid & CHUNK_MASK] = p;
  }

  /**
   * Makes chunk `c` (once per 4,096 pids). Out of `add`, which a spawn
   * inlines: V8's inlining budget per function is small.
   */
  #newChunk(c: number): Chunk<P> {
    const newest = this.#chunks.length - 1;
    if (newest >= 0 && newest < c && this.#chunks[newest]?.live === 0) {
      this.#chunks[newest] = undefined;
    }
    const chunk: Chunk<P> = { slots: new Array(CHUNK_SIZE).fill(undefined), live: 0 };
    while (this.#chunks.length < c) this.#chunks.push(undefined);
    this.#chunks[c] = chunk;
    return chunk;
  }

  get(pid: Pid): P | undefined {
    if (typeof pid !== 'number' || pid < 0) return undefined;
    return this.#chunks[pid >>> CHUNK_BITS]?.slots[pid & CHUNK_MASK];
  }

  delete(p: P): void {
    const c = p.pid >>> CHUNK_BITS;
    const chunk = this.#chunks[c];
    if (chunk === undefined || chunk.slots[p.pid & CHUNK_MASK] !== p) return;
    chunk.slots[p.pid & CHUNK_MASK] = undefined;
    this.#size--;
    if (--chunk.live === 0 && c !== this.#chunks.length - 1) this.#chunks[c] = undefined;
  }

  /** Every live process, oldest (lowest pid) first. */
  *values(): IterableIterator<P> {
    for (const chunk of this.#chunks) {
      if (chunk === undefined) continue;
      for (const p of chunk.slots) if (p !== undefined) yield p;
    }
  }

  /** Every live pid, oldest first. */
  pids(): Pid[] {
    const out: Pid[] = [];
    for (const p of this.values()) out.push(p.pid);
    return out;
  }
}
