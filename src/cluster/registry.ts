import { performance } from 'node:perf_hooks';
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { InvalidArgumentError } from '../errors.js';
import { ensureBucket, KvMirror } from './kv-mirror.js';
import type { MirrorChange } from './mirror-policy.js';
import {
  type ClusterNameTakenError,
  ClusterUnavailableError,
  withinDeadline,
} from './registry-errors.js';
import {
  holderGone,
  nameAction,
  stillHeld,
  UNKNOWN_OWNER_GRACE_MS,
  UnknownOwners,
} from './registry-policy.js';
import type {
  ClusterNodePort,
  ClusterPid,
  ClusterRegistryOptions,
  NameListener,
} from './registry-port.js';
import {
  checkName,
  checkRegistration,
  decodeOwner,
  keyName,
  leaderEntry,
  nameKey,
} from './registry-record.js';
import { NameWrites, ownerStanding, type UnknownOwnerListener } from './registry-writes.js';

/**
 * The cluster-wide name registry (Erlang `global`, on a JetStream KV bucket
 * instead of locks): first writer wins through the bucket's compare-and-set,
 * `whereis` reads a watched local mirror (this node's own writes at once,
 * other nodes' within the propagation bound), `whereisStrict` asks the
 * stream leader. Names are released when their process exits and when their
 * node is gone; every store operation has a deadline and fails with
 * `ERR_CLUSTER_UNAVAILABLE` instead of hanging.
 *
 * @module
 */

export type { ClusterRegistryOptions, NameListener } from './registry-port.js';
export type { UnknownOwnerListener, UnknownOwnerRelease } from './registry-writes.js';

/** A name this node holds: the registration's revision, and the exit watch to cancel. */
type Held = { readonly revision: number; cancel: () => void };

/** One reconcile pass: the member table's word on each node asked, and the pass's time. */
type Pass = { readonly asked: Map<string, boolean>; readonly now: number };

/**
 * One node's view of the cluster registry.
 *
 * @example
 * ```ts
 * const registry = await ClusterRegistry.open(port, { bucket: 'shop_names' });
 * await registry.register('cart-service', { node: port.nodeId, id: ref.pid });
 * registry.whereis('cart-service'); // { node: 'a_01hx...', id: 7 }, on every node
 * ```
 */
export class ClusterRegistry {
  readonly #port: ClusterNodePort;
  readonly #jsm: JetStreamManager;
  readonly #mirror: KvMirror;
  readonly #bucket: string;
  readonly #timeoutMs: number;
  /** Names this node registered and holds, by name. */
  readonly #held = new Map<string, Held>();
  readonly #writes: NameWrites;
  readonly #unknown = new UnknownOwners();
  readonly #graceMs: number;
  readonly #now: () => number;
  readonly #stopNodeWatch: () => void;
  readonly #listeners: Set<NameListener>;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #reconciling = false;

  private constructor(
    port: ClusterNodePort,
    kv: KV,
    jsm: JetStreamManager,
    mirror: KvMirror,
    listeners: Set<NameListener>,
    options: ClusterRegistryOptions,
  ) {
    this.#port = port;
    this.#listeners = listeners;
    this.#jsm = jsm;
    this.#mirror = mirror;
    this.#bucket = options.bucket;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    const isClosed = (): boolean => this.#closed;
    const { bucket } = options;
    this.#writes = new NameWrites({
      kv,
      jsm,
      bucket,
      mirror,
      timeoutMs: this.#timeoutMs,
      isClosed,
    });
    this.#graceMs = options.unknownOwnerGraceMs ?? UNKNOWN_OWNER_GRACE_MS;
    this.#now = options.now ?? (() => performance.now());
    this.#stopNodeWatch = port.onNodeGone((node) => void this.#writes.releaseNode(node));
    const interval = options.reconcileIntervalMs ?? 2_000;
    if (interval > 0) {
      this.#timer = setInterval(() => void this.reconcile().catch(() => undefined), interval);
      this.#timer.unref();
    }
    void port.connection.closed().then(() => this.close()); // its system shut down
  }

  /**
   * Opens (creating if needed) the bucket and its mirror; resolves once the
   * mirror holds the bucket's snapshot. Rejects with `ERR_CLUSTER_UNAVAILABLE`
   * when the store cannot be reached within the deadline.
   */
  static async open(
    port: ClusterNodePort,
    options: ClusterRegistryOptions,
  ): Promise<ClusterRegistry> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    const grace = options.unknownOwnerGraceMs;
    if (grace !== undefined && !(grace >= 0 && Number.isFinite(grace)))
      throw new InvalidArgumentError('unknownOwnerGraceMs', 'must be a finite number ≥ 0');
    const what = `open the registry bucket ${options.bucket}`;
    const kv = await withinDeadline(
      what,
      timeoutMs,
      ensureBucket(port.connection, options.bucket, options),
    );
    const jsm = await withinDeadline(
      what,
      timeoutMs,
      jetstreamManager(port.connection, { timeout: timeoutMs }),
    );
    const listeners = new Set<NameListener>();
    let registry: ClusterRegistry | undefined;
    const onChange = (change: MirrorChange): void => {
      const name = keyName(change.key);
      if (name === undefined) return;
      if (registry !== undefined) registry.#adopt(name, change.key);
      const owner = decodeOwner(change.after);
      for (const listener of [...listeners]) {
        try {
          listener(name, owner);
        } catch {
          // A listener that throws never fails the write that noted the change, nor the watch.
        }
      }
    };
    // A mirror that opens after the deadline is closed, not left watching with no owner.
    const opening = KvMirror.open(port.connection, kv, { reconcileIntervalMs: 0, onChange });
    const mirror = await withinDeadline(what, timeoutMs * 2, opening, (late) => void late.close());
    registry = new ClusterRegistry(port, kv, jsm, mirror, listeners, options);
    // Names of this node's processes already in the snapshot: watched from now on.
    for (const [key] of [...mirror.entries()]) {
      const name = keyName(key);
      if (name !== undefined) registry.#adopt(name, key);
    }
    return registry;
  }

  /**
   * Registers `name` for the process `pid` — of this node or of another (OTP
   * `global:register_name(Name, Pid)` takes any pid). The first writer wins: a name held by
   * another live process rejects with {@link ClusterNameTakenError} naming the owner; a name
   * held by a process of a gone node, or a dead local one, is taken over. Registering a name
   * the same process already holds succeeds (so a retry after a timeout is safe). The name is
   * released when the process exits — this node watches it, and its own node, which adopts
   * every name of its processes it sees, releases it too — and when its node is gone. A dead
   * local process rejects with `ERR_NOPROC`, a process of a node that is not up with
   * `ERR_NOCONNECTION`; an unreachable store or a closed registry with `ERR_CLUSTER_UNAVAILABLE`.
   */
  async register(name: string, pid: ClusterPid): Promise<void> {
    checkRegistration(this.#port, name, pid);
    const what = `register ${JSON.stringify(name)}`;
    // Closed, nothing here would watch the process: its name would outlive it.
    if (this.#closed) throw new ClusterUnavailableError(what, new Error('the registry is closed'));
    const held = await this.#writes.claim(name, pid, (owner) => this.#isGone(owner));
    this.#hold(name, nameKey(name), pid, held.revision, held.value);
  }

  /**
   * Releases `name` if this node holds it (OTP `global:unregister_name`);
   * false when it does not. The delete is a compare-and-set, so a name that
   * meanwhile moved to another owner is left alone.
   */
  async unregister(name: string): Promise<boolean> {
    checkName(name);
    const held = this.#held.get(name);
    if (held === undefined) return false;
    this.#held.delete(name);
    held.cancel();
    await this.#writes.release(name, held.revision, true);
    return true;
  }

  /**
   * The process holding `name`, from the watched mirror (OTP
   * `global:whereis_name`): this node's own registrations at once, other
   * nodes' within the propagation bound. A holder that is known dead (a
   * local process that exited, a process of a gone node) reads as undefined.
   */
  whereis(name: string): ClusterPid | undefined {
    const owner = decodeOwner(this.#mirror.get(nameKey(name)));
    return owner === undefined || this.#isGone(owner) ? undefined : owner;
  }

  /**
   * The process holding `name`, read from the bucket's stream leader (read
   * after any write the cluster acknowledged). Rejects `ERR_CLUSTER_UNAVAILABLE`
   * when the store is out of reach.
   */
  async whereisStrict(name: string): Promise<ClusterPid | undefined> {
    checkName(name);
    const what = `whereis ${JSON.stringify(name)}`;
    const entry = await leaderEntry(this.#jsm, this.#bucket, nameKey(name), what, this.#timeoutMs);
    const owner = decodeOwner(entry?.value);
    return owner === undefined || this.#isGone(owner) ? undefined : owner;
  }

  /** Every registered name in the mirror whose holder is not known dead (OTP `global:registered_names`). */
  registered(): string[] {
    const names: string[] = [];
    for (const [key, slot] of this.#mirror.entries()) {
      const name = keyName(key);
      const owner = decodeOwner(slot.value);
      if (name !== undefined && owner !== undefined && !this.#isGone(owner)) names.push(name);
    }
    return names;
  }

  /**
   * Calls `listener` for every change of a name's holder this node's mirror
   * applies (its own writes at once, others' as the watch delivers them);
   * returns the unsubscribe.
   *
   * @example
   * ```ts
   * const stop = registry.watch((name, owner) => console.log(name, owner ?? 'released'));
   * ```
   */
  watch(listener: NameListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Whether this registry is closed (by `close()`, or because its node's connection closed). */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** How many times the mirror's watch was rebuilt (reconnects, stalls, drift). */
  get rebuilds(): number {
    return this.#mirror.rebuilds;
  }

  /**
   * Calls `listener` for each name a reconcile of this node releases because nobody knows its
   * owner (no member record, or a value that names no owner); returns the unsubscribe.
   *
   * @example
   * ```ts
   * registry.onUnknownOwner((r) => console.warn(`${r.name} released: ${r.reason}`, r.value));
   * ```
   */
  onUnknownOwner(listener: UnknownOwnerListener): () => void {
    return this.#writes.onUnknownOwner(listener);
  }

  /**
   * One reconcile pass: checks the mirror against the stream, retries releases that could not
   * reach the store, releases names of gone nodes, of dead local processes and (after the grace)
   * of owners nobody knows, and adopts this node's names it lost track of (a register whose
   * answer timed out but that took effect).
   */
  async reconcile(): Promise<void> {
    // One pass at a time: a pass slower than the interval (a store timing out) is not doubled.
    if (this.#closed || this.#reconciling) return;
    this.#reconciling = true;
    try {
      await this.#mirror.reconcile();
      await this.#writes.retryPending();
      const pass: Pass = { asked: new Map(), now: this.#now() };
      this.#unknown.beginPass();
      for (const [key] of [...this.#mirror.entries()]) {
        const name = keyName(key);
        if (name !== undefined) await this.#consider(name, key, pass);
      }
      this.#unknown.endPass();
    } finally {
      this.#reconciling = false;
    }
  }

  /**
   * Stops the watch and the timer. Names stay registered, unwatched here: one whose process
   * exits later is released by the next registry opened on this node, or when the node goes.
   */
  async close(): Promise<void> {
    // Closed already (or closing): still wait until the mirror's watch is stopped.
    if (this.#closed) return this.#mirror.close();
    this.#closed = true;
    clearInterval(this.#timer);
    this.#stopNodeWatch();
    for (const held of this.#held.values()) held.cancel();
    this.#held.clear();
    await this.#mirror.close();
  }

  #isGone(pid: ClusterPid): boolean {
    const port = this.#port;
    return holderGone(pid, port.nodeId, port.isAlive.bind(port), port.isNodeGone.bind(port));
  }

  #hold(name: string, key: string, pid: ClusterPid, revision: number, value: Uint8Array): void {
    this.#writes.forget(name);
    this.#held.get(name)?.cancel();
    const held: Held = { revision, cancel: () => {} };
    // Held before the write is noted, so the mirror's change does not adopt it a second time.
    this.#held.set(name, held);
    this.#mirror.noteWrite(key, revision, value);
    const ended = (): void => {
      if (this.#held.get(name) !== held) return;
      this.#held.delete(name);
      void this.#writes.release(name, revision);
    };
    // The watch may fire at once (the process already ended), which releases the name.
    held.cancel =
      pid.node === this.#port.nodeId
        ? this.#port.onExit(pid.id, ended)
        : (this.#port.onExitOf?.(pid, ended) ?? (() => {}));
  }

  /**
   * A name's holder changed in the mirror: a hold that is no longer the registration (deleted,
   * or another revision) is dropped; then {@link nameAction} decides.
   */
  #adopt(name: string, key: string): void {
    if (this.#closed) return;
    const held = this.#held.get(name);
    if (held !== undefined && !stillHeld(held.revision, this.#mirror.slot(key))) {
      // Released or taken over: this node no longer holds it.
      held.cancel();
      this.#held.delete(name);
    }
    void this.#consider(name, key).catch(() => undefined);
  }

  /**
   * Holds or releases `name` as {@link nameAction} decides from what this node knows of it. Only
   * a reconcile (`pass`) asks the member table and times an owner nobody knows.
   */
  async #consider(name: string, key: string, pass?: Pass): Promise<void> {
    const slot = this.#mirror.slot(key);
    if (slot?.value === undefined) return;
    const owner = decodeOwner(slot.value);
    if (owner === undefined && pass === undefined) return;
    const standing = await ownerStanding(owner, this.#port, pass?.asked);
    const unknown = standing === 'no-record' || standing === 'malformed';
    const action = nameAction(
      {
        revision: slot.revision,
        local: owner?.node === this.#port.nodeId,
        standing,
        unknownForMs:
          unknown && pass !== undefined
            ? this.#unknown.unknownFor(name, slot.revision, pass.now)
            : 0,
        heldRevision: this.#held.get(name)?.revision,
        pendingRevision: this.#writes.pending(name),
      },
      this.#graceMs,
    );
    if (action === 'hold' && owner !== undefined)
      this.#hold(name, key, owner, slot.revision, slot.value);
    if (action !== 'release') return;
    if (standing === 'no-record' || standing === 'malformed')
      await this.#writes.releaseUnknown(name, slot.revision, standing, slot.value);
    else await this.#writes.release(name, slot.revision);
  }
}
