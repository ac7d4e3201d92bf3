import type { KV } from '@nats-io/kv';
import { type MemberRecord, parseMember } from './membership-policy.js';

/**
 * The watch of the member table, kept alive: made when the node is up,
 * made again (from a fresh snapshot) when it breaks — a server restart —
 * or when asked after a reconnect, and stopped with the membership. Each
 * entry is handed on as a change of one member's record; the snapshot's
 * end is reported once, so the membership knows when its copy of the table
 * is complete.
 *
 * @module
 */

/** One change of the table, as the watch delivers it. */
export interface MemberChange {
  readonly id: string;
  /** The record, or undefined when it was deleted or purged (or does not parse: see `deleted`). */
  readonly record: MemberRecord | undefined;
  /** Whether the key was deleted or purged (not merely unreadable). */
  readonly deleted: boolean;
}

/** What the watch reports: each change, and each new watch's start and snapshot end. */
export interface MemberTableEvents {
  change(change: MemberChange): void;
  /** A new watch starts: its snapshot follows. */
  restarted(): void;
  /** The snapshot is over (its last entry came; the table holds at least this node's record). */
  complete(): void;
}

/**
 * A member-table watch that outlives server restarts.
 *
 * @example
 * ```ts
 * const watch = new MemberTableWatch(kv, 100, {
 *   change: (c) => apply(c),
 *   restarted: () => {},
 *   complete: () => {},
 * });
 * watch.start();
 * watch.stop();
 * await watch.settled();
 * ```
 */
export class MemberTableWatch {
  readonly #kv: KV;
  readonly #retryMs: number;
  readonly #events: MemberTableEvents;
  #watch: { stop(): void } | undefined;
  #watching: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(kv: KV, retryMs: number, events: MemberTableEvents) {
    this.#kv = kv;
    this.#retryMs = retryMs;
    this.#events = events;
  }

  /** Starts the loop; it runs until {@link stop}. */
  start(): void {
    this.#watching = this.#loop();
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      try {
        const iterator = await this.#kv.watch();
        // Stopped while the watch was being made: a watch left running would outlive the connection.
        if (this.#stopped) {
          iterator.stop();
          return;
        }
        this.#watch = iterator;
        this.#events.restarted();
        let complete = false;
        for await (const entry of iterator) {
          const deleted = entry.operation !== 'PUT';
          const record = deleted ? undefined : parseMember(entry.string());
          this.#events.change({ id: entry.key, record, deleted });
          // The last entry of the snapshot is the first marked as an update.
          if (!complete && entry.isUpdate) {
            complete = true;
            this.#events.complete();
          }
        }
      } catch {
        // The watch broke (a server restart): make a new one.
      }
      if (this.#stopped) return;
      await new Promise((r) => setTimeout(r, this.#retryMs).unref());
    }
  }

  /**
   * Makes the watch again, from a fresh snapshot (after a reconnect: its consumer may not have
   * survived the server; the client's own recovery waits for two missed beats of the ordered
   * consumer's 30 s idle heartbeat, about a minute).
   */
  rewatch(): void {
    if (!this.#stopped) this.#watch?.stop();
  }

  stop(): void {
    this.#stopped = true;
    this.#watch?.stop();
  }

  /**
   * Resolves once the loop has returned after {@link stop} (a watch being made is made and
   * stopped first). Only then may the connection drain: a watch finished on a draining
   * connection leaves its heartbeat monitor's interval running forever.
   */
  settled(): Promise<void> {
    return this.#watching;
  }
}
