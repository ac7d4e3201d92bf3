import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { KvMirror } from './kv-mirror.js';
import {
  ClusterNameTakenError,
  ClusterUnavailableError,
  isRevisionConflict,
  withinDeadline,
} from './registry-errors.js';
import { holderGone, type OwnerStanding } from './registry-policy.js';
import { type ClusterNodePort, type ClusterPid, nodeWithoutRecord } from './registry-port.js';
import {
  decodeOwner,
  encodeOwner,
  keyName,
  leaderEntry,
  nameKey,
  samePid,
} from './registry-record.js';

/**
 * How the cluster registry writes its bucket: a claim (first writer wins,
 * a known-dead holder's name taken over with compare-and-set), and
 * releases — compare-and-set deletes at the revision it decided on (a name
 * that moved meanwhile is left alone), retried by the reconcile while the
 * store is out of reach, those of names whose owner nobody knows reported —
 * and the facts its decisions start from (where a name's owner stands).
 *
 * @module
 */

const CLAIM_ATTEMPTS = 5;

/** How a release ended: deleted, found moved (changed or deleted first), or waiting for the store. */
export type ReleaseOutcome = 'deleted' | 'moved' | 'pending';

/**
 * A name the reconcile released because nobody knows its owner: the
 * owner's node has no member record (`no-record`), or the value names no
 * owner (`malformed`, written by a buggy or hostile peer with bucket access).
 *
 * @example
 * ```ts
 * registry.onUnknownOwner((r) => console.warn(`released ${r.name}: ${r.reason}`, r.value));
 * ```
 */
export interface UnknownOwnerRelease {
  readonly name: string;
  /** The revision it was released at. */
  readonly revision: number;
  readonly reason: 'no-record' | 'malformed';
  /** The owner the value named (`no-record`), or undefined (`malformed`). */
  readonly owner: ClusterPid | undefined;
  /** The value as text (its first 200 characters), for finding the writer. */
  readonly value: string;
}

/** Hears the names the reconcile released because nobody knows their owner. */
export type UnknownOwnerListener = (release: UnknownOwnerRelease) => void;

/**
 * Where the owner of a value stands as `port` knows it; the member table is
 * asked only with `asked` (a reconcile pass's answers: once per node).
 *
 * @example
 * ```ts
 * await ownerStanding(decodeOwner(slot.value), port, new Map()); // 'malformed' for garbage
 * ```
 */
export async function ownerStanding(
  owner: ClusterPid | undefined,
  port: ClusterNodePort,
  asked: Map<string, boolean> | undefined,
): Promise<OwnerStanding> {
  if (owner === undefined) return 'malformed';
  const isAlive = (id: number): boolean => port.isAlive(id);
  if (holderGone(owner, port.nodeId, isAlive, (node) => port.isNodeGone(node))) return 'gone';
  if (asked !== undefined && (await nodeWithoutRecord(owner.node, port, asked))) {
    return 'no-record';
  }
  return 'live';
}

/** What one registry writes with: its bucket, the stream leader's manager, its mirror. */
export interface NameStore {
  readonly kv: KV;
  readonly jsm: JetStreamManager;
  readonly bucket: string;
  readonly mirror: KvMirror;
  readonly timeoutMs: number;
  readonly isClosed: () => boolean;
}

/**
 * One registry's writes: claims, and releases — each a compare-and-set
 * within the deadline, noted in the mirror (read your writes); a release
 * the store did not answer is kept pending and retried.
 *
 * @example
 * ```ts
 * const writes = new NameWrites({ kv, jsm, bucket, mirror, timeoutMs: 5_000, isClosed });
 * const held = await writes.claim('cart', pid, isGone); // { revision, value }
 * await writes.release('cart', held.revision); // 'deleted', 'moved' or 'pending'
 * ```
 */
export class NameWrites {
  readonly #store: NameStore;
  readonly #kv: KV;
  readonly #mirror: KvMirror;
  readonly #timeoutMs: number;
  /** Releases that could not reach the store yet: name → the revision to delete. */
  readonly #pending = new Map<string, number>();
  readonly #unknownListeners = new Set<UnknownOwnerListener>();

  constructor(store: NameStore) {
    this.#store = store;
    this.#kv = store.kv;
    this.#mirror = store.mirror;
    this.#timeoutMs = store.timeoutMs;
  }

  /**
   * Writes `pid` as the holder of `name`: created if absent; taken over with compare-and-set
   * when its holder `isGone` or the value names no owner; the registration as it stands when
   * `pid` holds it already. Rejects {@link ClusterNameTakenError} for a live holder.
   */
  async claim(
    name: string,
    pid: ClusterPid,
    isGone: (owner: ClusterPid) => boolean,
  ): Promise<{ revision: number; value: Uint8Array }> {
    const what = `register ${JSON.stringify(name)}`;
    const key = nameKey(name);
    const value = encodeOwner(pid, Date.now());
    const { jsm, bucket } = this.#store;
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      try {
        return { revision: await this.#within(what, this.#kv.create(key, value)), value };
      } catch (error) {
        if (!isRevisionConflict(error)) throw error;
      }
      const current = await leaderEntry(jsm, bucket, key, what, this.#timeoutMs);
      if (current === undefined) continue;
      const owner = decodeOwner(current.value);
      if (owner !== undefined && samePid(owner, pid)) return current;
      if (owner !== undefined && !isGone(owner)) throw new ClusterNameTakenError(name, owner);
      try {
        const revision = await this.#within(what, this.#kv.update(key, value, current.revision));
        return { revision, value };
      } catch (error) {
        if (!isRevisionConflict(error)) throw error;
      }
    }
    throw new ClusterUnavailableError(
      what,
      new Error(`the name kept changing over ${CLAIM_ATTEMPTS} attempts`),
    );
  }

  #within<T>(what: string, operation: Promise<T>): Promise<T> {
    return withinDeadline(what, this.#timeoutMs, operation);
  }

  /** The revision a pending release of `name` waits to delete, if any. */
  pending(name: string): number | undefined {
    return this.#pending.get(name);
  }

  /** Drops a pending release of `name` (the name is held again). */
  forget(name: string): void {
    this.#pending.delete(name);
  }

  /**
   * Deletes `name` if it is still at `revision`. An unreachable store keeps it pending
   * (retried by {@link retryPending}) and, with `report`, rejects.
   */
  async release(name: string, revision: number, report = false): Promise<ReleaseOutcome> {
    const key = nameKey(name);
    const what = `release ${JSON.stringify(name)}`;
    try {
      await this.#within(what, this.#kv.delete(key, { previousSeq: revision }));
      this.#pending.delete(name);
      this.#mirror.noteWrite(key, revision, undefined);
      return 'deleted';
    } catch (error) {
      if (isRevisionConflict(error)) {
        this.#pending.delete(name);
        return 'moved';
      }
      if (!this.#store.isClosed()) this.#pending.set(name, revision);
      if (report) throw error;
      return 'pending';
    }
  }

  /**
   * Releases `name`, whose owner nobody knows (`reason`), at `revision`; reports it to the
   * {@link onUnknownOwner} listeners unless it had moved (another node released it first and
   * reports it, or it changed).
   */
  async releaseUnknown(
    name: string,
    revision: number,
    reason: 'no-record' | 'malformed',
    value: Uint8Array,
  ): Promise<void> {
    if ((await this.release(name, revision)) === 'moved') return;
    const report = unknownOwnerRelease(name, revision, reason, value);
    for (const listener of [...this.#unknownListeners]) {
      try {
        listener(report);
      } catch {
        // A listener that throws never stops the reconcile.
      }
    }
  }

  /** Calls `listener` for each name {@link releaseUnknown} released; returns the unsubscribe. */
  onUnknownOwner(listener: UnknownOwnerListener): () => void {
    this.#unknownListeners.add(listener);
    return () => this.#unknownListeners.delete(listener);
  }

  /** Tries every pending release again. */
  async retryPending(): Promise<void> {
    for (const [name, revision] of [...this.#pending]) await this.release(name, revision);
  }

  /** Releases every name a gone node held (any node may: the deletes are compare-and-set). */
  async releaseNode(node: string): Promise<void> {
    for (const [key, slot] of [...this.#mirror.entries()]) {
      const name = keyName(key);
      if (name !== undefined && decodeOwner(slot.value)?.node === node)
        await this.release(name, slot.revision);
    }
  }
}

const decoder = new TextDecoder();

/**
 * The report of a name released for its unknown owner.
 *
 * @example
 * ```ts
 * unknownOwnerRelease('cart', 12, 'malformed', bytes); // { name: 'cart', reason: 'malformed', ... }
 * ```
 */
export function unknownOwnerRelease(
  name: string,
  revision: number,
  reason: 'no-record' | 'malformed',
  value: Uint8Array,
): UnknownOwnerRelease {
  const text = decoder.decode(value.subarray(0, 800)).slice(0, 200);
  return { name, revision, reason, owner: decodeOwner(value), value: text };
}
