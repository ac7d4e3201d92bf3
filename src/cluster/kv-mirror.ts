import { jetstream } from '@nats-io/jetstream';
import { type KV, Kvm, type KvWatchEntry, KvWatchInclude } from '@nats-io/kv';
import type { NatsConnection, Status } from '@nats-io/nats-core';
import {
  type MirrorChange,
  type MirrorSlot,
  mirrorDiff,
  nextRetryMs,
  openGivesUp,
  RETRY_FIRST_MS,
  type ReconcileVerdict,
  reconcileVerdict,
  sameBytes,
  snapshotComplete,
  snapshotSeen,
  supersedes,
} from './mirror-policy.js';
import { ClusterUnavailableError, isPlacementPending } from './registry-errors.js';

/**
 * A local mirror of a JetStream KV bucket, fed by a watch: the watched cache
 * behind the cluster registry's `whereis` and the process groups' members.
 *
 * Watch hygiene (the nats.deno#688 class of bugs, where a watch silently
 * stops after a server restart): the watch is rebuilt from a fresh snapshot
 * after every reconnect and whenever it ends, and a periodic reconcile
 * compares the stream's last revision and subject count with what the watch
 * delivered, rebuilding when they drift (a stalled watch is caught within two
 * reconcile intervals). A rebuild fills a new map and swaps it in when its
 * snapshot is complete, so readers never see a half-built mirror.
 *
 * @module
 */

/** Options of {@link KvMirror.open}. */
export interface KvMirrorOptions {
  /** How often to reconcile with the stream; 0 turns the timer off (call `reconcile()`). Default 2000 ms. */
  readonly reconcileIntervalMs?: number;
  /** Hears every applied change (after it is applied), including those a rebuild reveals. */
  readonly onChange?: (change: MirrorChange) => void;
  /** Hears why the mirror rebuilt its watch (for diagnostics and tests). */
  readonly onRebuild?: (why: string) => void;
  /** A snapshot with no progress this long is started again (open included). Default 5000 ms. */
  readonly snapshotStallMs?: number;
}

/**
 * The mirror of one bucket.
 *
 * @example
 * ```ts
 * const mirror = await KvMirror.open(nc, kv, { onChange: (c) => console.log(c.key) });
 * mirror.get('k')?.value;
 * await mirror.close();
 * ```
 */
export class KvMirror {
  readonly #nc: NatsConnection;
  readonly #kv: KV;
  readonly #options: KvMirrorOptions;
  #slots = new Map<string, MirrorSlot>();
  /** The map a rebuild is filling, and the writes noted meanwhile go to both. */
  #building: Map<string, MirrorSlot> | undefined;
  #seen = 0;
  #generation = 0;
  #behindAt: number | undefined;
  #closed = false;
  #iterator: { stop(): void } | undefined;
  /** The watches being made, settled or not (close waits for them all: see #run). */
  readonly #opening = new Set<Promise<void>>();
  #statuses: { stop?: () => void } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #retryMs = RETRY_FIRST_MS;
  #openFailures = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #ready: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  #rebuilds = 0;
  #reconciling = false;
  #stallTimer: NodeJS.Timeout | undefined;

  private constructor(nc: NatsConnection, kv: KV, options: KvMirrorOptions) {
    this.#nc = nc;
    this.#kv = kv;
    this.#options = options;
  }

  /**
   * Opens the mirror and resolves once the first snapshot is in. Rejects
   * (and stops) if the first snapshot fails `OPEN_ATTEMPTS` (6) times
   * (retried with the backoff); later failures are retried in the
   * background while readers keep the last good view.
   */
  static async open(nc: NatsConnection, kv: KV, options: KvMirrorOptions = {}): Promise<KvMirror> {
    const mirror = new KvMirror(nc, kv, options);
    const first = new Promise<void>((resolve, reject) => {
      mirror.#ready = { resolve, reject };
    });
    mirror.#watchStatus();
    // A watch left running on a closed connection makes the client's consumer throw from a timer
    // (its missed-heartbeat reset resubscribes on the closed connection): stop with the connection.
    void nc.closed().then(() => mirror.close());
    mirror.#rebuild('open', false);
    try {
      await first;
    } catch (error) {
      await mirror.close();
      throw error;
    }
    const interval = options.reconcileIntervalMs ?? 2_000;
    if (interval > 0) {
      mirror.#timer = setInterval(() => void mirror.reconcile().catch(() => undefined), interval);
      mirror.#timer.unref();
    }
    return mirror;
  }

  /** The slot of `key`, tombstones included. */
  slot(key: string): MirrorSlot | undefined {
    return this.#slots.get(key);
  }

  /** The live value of `key`. */
  get(key: string): Uint8Array | undefined {
    return this.#slots.get(key)?.value;
  }

  /** Every live key and value. */
  *entries(): IterableIterator<[string, MirrorSlot & { value: Uint8Array }]> {
    for (const [key, slot] of this.#slots) {
      if (slot.value !== undefined) yield [key, slot as MirrorSlot & { value: Uint8Array }];
    }
  }

  /** How many times the watch was rebuilt after it was opened. */
  get rebuilds(): number {
    return this.#rebuilds;
  }

  /** The highest revision the watch delivered. */
  get seen(): number {
    return this.#seen;
  }

  /**
   * Records a write this node made and the server acknowledged (read your
   * writes: the mirror shows it before the watch delivers it).
   */
  noteWrite(key: string, revision: number, value: Uint8Array | undefined): void {
    this.#apply(key, { revision, value }, true);
  }

  /**
   * Checks the mirror against the stream (one request) and rebuilds the
   * watch if it drifted. Returns what it decided.
   */
  async reconcile(): Promise<ReconcileVerdict> {
    // A snapshot being built is the stall guard's (see #guardSnapshot).
    if (this.#closed || this.#reconciling || this.#building !== undefined) return { action: 'ok' };
    this.#reconciling = true;
    let status: Awaited<ReturnType<KV['status']>>;
    try {
      status = await this.#kv.status();
    } catch (error) {
      // The store did not answer (a timeout under load, no quorum): a coded error; the view stays.
      throw new ClusterUnavailableError('reconcile', error);
    } finally {
      this.#reconciling = false;
    }
    const state = status.streamInfo.state as { last_seq: number; num_subjects?: number };
    const verdict = reconcileVerdict(
      this.#seen,
      this.#slots.size,
      { lastSeq: state.last_seq, subjects: state.num_subjects },
      this.#behindAt,
    );
    this.#behindAt = verdict.behindAt;
    if (verdict.action === 'rebuild' && this.#building === undefined) {
      this.#rebuild(verdict.why ?? 'drift', true);
    }
    return verdict;
  }

  /** Rebuilds the watch from a fresh snapshot now. */
  rebuild(why = 'asked'): void {
    this.#rebuild(why, true);
  }

  /**
   * Stops the watch and the timers; resolves once a watch that was being
   * made is made and stopped too, so the connection may then be drained.
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      clearInterval(this.#timer);
      clearTimeout(this.#retryTimer);
      clearTimeout(this.#stallTimer);
      this.#iterator?.stop();
      this.#statuses?.stop?.();
      this.#ready?.reject(new Error('mirror closed'));
    }
    await Promise.all([...this.#opening]);
  }

  /** Rebuilds after every reconnect: the watch's consumer may not have survived the server. */
  #watchStatus(): void {
    const statuses = this.#nc.status() as AsyncIterable<Status> & { stop?: () => void };
    this.#statuses = statuses;
    void (async () => {
      for await (const status of statuses) {
        if (this.#closed) return;
        if (status.type === 'reconnect') this.#rebuild('reconnected', true);
      }
    })().catch(() => undefined);
  }

  #rebuild(why: string, counted: boolean): void {
    if (this.#closed) return;
    if (counted) {
      this.#rebuilds++;
      this.#options.onRebuild?.(why);
    }
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#iterator?.stop();
    this.#iterator = undefined;
    const generation = ++this.#generation;
    this.#building = new Map();
    this.#behindAt = undefined;
    clearTimeout(this.#stallTimer); // the new watch's guard starts once it is made (see #run)
    void this.#run(generation).catch((error: unknown) => this.#failed(generation, error));
  }

  /**
   * A snapshot with no progress for `snapshotStallMs` is started again: messages removed between
   * the stream's status and the watch's start (a purge) leave the watch fewer entries than it
   * counted, or none, so nothing ends it, and open would wait forever on a quiet bucket. It
   * starts once the watch is made: the status and the consumer's creation are requests with
   * their own timeout, whose error counts toward giving up (a loaded server is slow, not stuck).
   */
  #guardSnapshot(generation: number): void {
    clearTimeout(this.#stallTimer);
    this.#stallTimer = setTimeout(() => {
      if (generation !== this.#generation || this.#building === undefined) return;
      this.#rebuild('the snapshot stalled', this.#ready === undefined);
    }, this.#options.snapshotStallMs ?? 5_000);
    this.#stallTimer.unref();
  }

  async #run(generation: number): Promise<void> {
    const status = await this.#kv.status();
    if (generation !== this.#generation) return;
    const snapshotEnd = status.streamInfo.state.last_seq;
    // Never on a draining or closed connection: the client builds a watch's heartbeat monitor
    // before its subscription, so a watch made there throws and leaves the monitor's interval
    // running forever. For the same reason close() waits for a watch being made.
    if (this.#closed || this.#nc.isDraining() || this.#nc.isClosed()) return;
    const opening = this.#kv.watch({ include: KvWatchInclude.LastValue });
    // Made, and stopped at once when a rebuild or close() superseded it meanwhile.
    const made = opening.then((iterator) => {
      if (generation === this.#generation && !this.#closed) return iterator;
      iterator.stop();
      return undefined;
    });
    // Every watch still being made, not only the latest: close() waits until each is made and
    // stopped, so the connection does not drain under one.
    const settled = made.then(
      () => undefined,
      () => undefined,
    );
    this.#opening.add(settled);
    void settled.then(() => this.#opening.delete(settled));
    const iterator = await made;
    if (iterator === undefined) return;
    this.#iterator = iterator;
    this.#guardSnapshot(generation);
    let seen = 0;
    if (status.streamInfo.state.messages === 0)
      this.#swap(generation, snapshotSeen(0, snapshotEnd));
    for await (const entry of iterator) {
      if (generation !== this.#generation) return;
      seen = Math.max(seen, entry.revision);
      this.#applyEntry(entry);
      if (this.#building !== undefined && snapshotComplete(entry, snapshotEnd)) {
        this.#swap(generation, snapshotSeen(seen, snapshotEnd));
      } else if (this.#building !== undefined) this.#guardSnapshot(generation);
      else this.#seen = Math.max(this.#seen, seen);
    }
    // The iterator ended without being stopped by a rebuild: the consumer is gone.
    if (generation === this.#generation && !this.#closed) throw new Error('the watch ended');
  }

  #failed(generation: number, error: unknown): void {
    if (generation !== this.#generation || this.#closed) return;
    // The connection is closing or closed for good (its node shut down): nothing to retry.
    if (this.#nc.isClosed() || this.#nc.isDraining()) {
      void this.close();
      return;
    }
    // The first snapshot is tried a few times: a bucket just created on a JetStream cluster can
    // answer "stream not found" until its assignment reaches every server.
    if (this.#ready !== undefined && openGivesUp(++this.#openFailures)) {
      const ready = this.#ready;
      this.#ready = undefined;
      ready.reject(error);
      return;
    }
    const delay = this.#retryMs;
    this.#retryMs = nextRetryMs(delay);
    this.#retryTimer = setTimeout(
      () => this.#rebuild(`retry after: ${String(error)}`, false),
      delay,
    );
    this.#retryTimer.unref();
  }

  /** The snapshot is complete: the built map becomes the mirror, and its differences are changes. */
  #swap(generation: number, seen: number): void {
    const built = this.#building;
    if (built === undefined || generation !== this.#generation) return;
    const before = this.#slots;
    this.#slots = built;
    this.#building = undefined;
    clearTimeout(this.#stallTimer);
    this.#seen = seen;
    this.#retryMs = RETRY_FIRST_MS;
    if (this.#options.onChange !== undefined) {
      for (const change of mirrorDiff(before, built)) this.#tell(change);
    }
    const ready = this.#ready;
    this.#ready = undefined;
    ready?.resolve();
  }

  #applyEntry(entry: KvWatchEntry): void {
    const value = entry.operation === 'PUT' ? entry.value : undefined;
    this.#apply(entry.key, { revision: entry.revision, value }, false);
  }

  #apply(key: string, slot: MirrorSlot, local: boolean): void {
    const building = this.#building;
    if (building !== undefined && supersedes(building.get(key), slot)) building.set(key, slot);
    // While a snapshot builds, the watch's entries wait for the swap; this node's own writes do not.
    if (building !== undefined && !local) return;
    const current = this.#slots.get(key);
    if (!supersedes(current, slot)) return;
    this.#slots.set(key, slot);
    const before = current?.value;
    if (!sameBytes(before, slot.value)) this.#tell({ key, before, after: slot.value });
  }

  /** A listener that throws never stops the mirror (nor the write that noted the change). */
  #tell(change: MirrorChange): void {
    try {
      this.#options.onChange?.(change);
    } catch {
      // The listener's own fault: the change is applied either way.
    }
  }
}

/**
 * Creates the bucket (history 1) or binds to it when it exists with another
 * configuration. `replicas` defaults to 3 on a clustered server, else 1. A
 * JetStream cluster that has not yet gathered enough servers for the
 * replicas ("no suitable peers for placement", as right after the servers
 * start) is asked again every 250 ms until `timeoutMs` has passed.
 *
 * @example
 * ```ts
 * const kv = await ensureBucket(nc, 'airssys-c1-names', { replicas: 3, timeoutMs: 5_000 });
 * ```
 */
export async function ensureBucket(
  nc: NatsConnection,
  bucket: string,
  options: { readonly replicas?: number; readonly timeoutMs?: number } = {},
): Promise<KV> {
  const replicas = options.replicas ?? (nc.info?.cluster !== undefined ? 3 : 1);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const kvm = new Kvm(jetstream(nc, { timeout: timeoutMs }));
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await kvm.create(bucket, { history: 1, replicas });
    } catch (error) {
      if (isPlacementPending(error) && Date.now() + PLACEMENT_RETRY_MS < until && !nc.isClosed()) {
        await new Promise((resolve) => setTimeout(resolve, PLACEMENT_RETRY_MS));
        continue;
      }
      try {
        return await kvm.open(bucket);
      } catch {
        throw error;
      }
    }
  }
}

const PLACEMENT_RETRY_MS = 250;
