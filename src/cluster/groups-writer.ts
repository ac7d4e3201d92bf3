import type { KV } from '@nats-io/kv';
import { encodeChunks, groupKey } from './groups-entries.js';
import type { KvMirror } from './kv-mirror.js';
import { sameBytes } from './mirror-policy.js';
import { withinDeadline } from './registry-errors.js';

/**
 * How one node's group memberships reach the bucket: joins and leaves
 * within a window go out as one write per group (its chunks, deleting
 * those no longer needed); a failed write stays pending and is retried
 * with a backoff doubling up to 2 s.
 *
 * @module
 */

const RETRY_MAX_MS = 2_000;

/**
 * The batched writer of this node's group entries.
 *
 * @example
 * ```ts
 * const writer = new GroupsWriter(kv, self, (g) => local.get(g), { timeoutMs: 5_000, flushMs: 50 });
 * writer.mirror = mirror;
 * writer.changed('workers'); // written within 50 ms
 * ```
 */
export class GroupsWriter {
  readonly #kv: KV;
  readonly #self: string;
  readonly #membersOf: (group: string) => Map<number, number> | undefined;
  readonly #timeoutMs: number;
  readonly #flushMs: number;
  /** The bucket's mirror (set once it is open). */
  mirror!: KvMirror;
  /** Groups whose entries must be written, and how many chunks each last wrote. */
  readonly #dirty = new Set<string>();
  readonly #written = new Map<string, number>();
  #flushTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #retryMs: number;
  #stopped = false;

  constructor(
    kv: KV,
    self: string,
    membersOf: (group: string) => Map<number, number> | undefined,
    options: { readonly timeoutMs: number; readonly flushMs: number },
  ) {
    this.#kv = kv;
    this.#self = self;
    this.#membersOf = membersOf;
    this.#timeoutMs = options.timeoutMs;
    this.#flushMs = options.flushMs;
    this.#retryMs = this.#flushMs;
  }

  /** Whether writes are pending. */
  get pending(): boolean {
    return this.#dirty.size > 0;
  }

  /** `group` must be written (at the next flush). */
  markDirty(group: string): void {
    this.#dirty.add(group);
  }

  /** `group` changed: it is written within the flush window. */
  changed(group: string): void {
    this.#dirty.add(group);
    if (this.#flushTimer === undefined && this.#flushing === undefined)
      this.#schedule(this.#flushMs);
  }

  /** Writes the pending groups now; rejects when the store cannot be reached (they stay pending). */
  async flush(): Promise<void> {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    while (this.#flushing !== undefined) await this.#flushing.catch(() => undefined);
    const run = this.#write();
    this.#flushing = run;
    try {
      await run;
      this.#retryMs = this.#flushMs;
      // Changes made while this flush ran go out in the next window.
      if (this.#dirty.size > 0 && this.#flushTimer === undefined) this.#schedule(this.#flushMs);
    } catch (error) {
      this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
      this.#schedule(this.#retryMs);
      throw error;
    } finally {
      this.#flushing = undefined;
    }
  }

  /** No more scheduled writes (the groups are closed). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#flushTimer);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#flushTimer);
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      void this.flush().catch(() => undefined);
    }, ms);
    this.#flushTimer.unref();
  }

  /** Writes every dirty group's chunks, deleting chunks it no longer needs. */
  async #write(): Promise<void> {
    const self = this.#self;
    for (const group of [...this.#dirty]) {
      this.#dirty.delete(group);
      const chunks = encodeChunks(this.#membersOf(group) ?? new Map());
      // The larger of what the last complete write left and what the mirror shows: a write that
      // failed part-way left chunks the count does not know of, and they must go too.
      const before = Math.max(this.#written.get(group) ?? 0, this.#ownChunksInMirror(group));
      try {
        for (const [i, value] of chunks.entries()) {
          const key = groupKey(group, self, i);
          if (sameBytes(this.mirror.get(key), value)) continue;
          const revision = await withinDeadline(
            `join/leave ${JSON.stringify(group)}`,
            this.#timeoutMs,
            this.#kv.put(key, value),
          );
          this.mirror.noteWrite(key, revision, value);
        }
        for (let i = chunks.length; i < before; i++) {
          const key = groupKey(group, self, i);
          const slot = this.mirror.slot(key);
          await withinDeadline(
            `leave ${JSON.stringify(group)}`,
            this.#timeoutMs,
            this.#kv.delete(key),
          );
          // Read your writes: noted at the revision it deleted, as the registry's releases are.
          if (slot !== undefined) this.mirror.noteWrite(key, slot.revision, undefined);
        }
      } catch (error) {
        this.#dirty.add(group);
        throw error;
      }
      if (chunks.length === 0) this.#written.delete(group);
      else this.#written.set(group, chunks.length);
    }
  }

  #ownChunksInMirror(group: string): number {
    let count = 0;
    while (this.mirror.get(groupKey(group, this.#self, count)) !== undefined) count++;
    return count;
  }
}
