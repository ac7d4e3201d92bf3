import type { ActorProcess, AskOptions, Current } from '../actor/index.js';
import { dropMonitor, finish, type Monitor, monitor } from '../actor/index.js';
import { InvalidArgumentError, NoConnectionError } from '../errors.js';
import { exitReason } from '../process/index.js';
import { CallbackTimer } from '../scheduler/index.js';
import type { AddressSender } from './cluster-addresses.js';
import { OP } from './frames.js';
import { REMOTE_DEFINITION, type RemoteProcess, unreachableReason } from './remote-process.js';
import type { RemoteTable, TableHost } from './remote-table.js';
import { describeAddress, type NodeAddress } from './wire-address.js';
import { toWire, type WireMarks } from './wire-value.js';

/**
 * Sends and asks through addresses of other nodes (names, service keys,
 * pools, groups), and the records they need: one per up node that asks
 * wait on, the spawn in flight that sends wait behind (FIFO), and the
 * records standing for a name's holder (monitors of `{ name, node }`).
 *
 * @module
 */

/** The record standing for a name's holder on a node, its answer timer and its watch of the holder. */
interface HolderWatch {
  readonly p: RemoteProcess;
  readonly timer: CallbackTimer;
  watch: Monitor<ActorProcess> | undefined;
}

/** A watcher set that tells when its last watcher is removed (not when it fires: a fire never removes). */
class WatcherSet<T> extends Set<T> {
  readonly #onEmpty: () => void;

  constructor(onEmpty: () => void) {
    super();
    this.#onEmpty = onEmpty;
  }

  override delete(value: T): boolean {
    const removed = super.delete(value);
    if (removed && this.size === 0) this.#onEmpty();
    return removed;
  }
}

/**
 * The address side of a remote table.
 *
 * @example
 * ```ts
 * const addresses = new RemoteAddresses(host, table);
 * addresses.sendTo({ kind: 'name', node, name: 'db' }, { type: 'flush' });
 * ```
 */
export class RemoteAddresses implements AddressSender {
  readonly #host: TableHost;
  readonly #table: RemoteTable;
  /**
   * One record per up node that asks made through its addresses wait on,
   * so they fail when the node goes. Address sends themselves keep no
   * record: they go straight to the node's outbox.
   */
  readonly #nodeRecords = new Map<string, RemoteProcess>();
  /** The latest stand-in per node whose spawn is in flight: address sends wait behind it. */
  readonly #spawning = new Map<string, RemoteProcess>();
  /** Records that stand for the holder of a name on a node (monitors of `{ name, node }`). */
  readonly #holders = new Map<number, HolderWatch>();

  constructor(host: TableHost, table: RemoteTable) {
    this.#host = host;
    this.#table = table;
  }

  isUp(node: string): boolean {
    return this.#table.isUp(node);
  }

  isGone(node: string): boolean {
    return this.#table.isGone(node);
  }

  upNamed(name: string): string | undefined {
    return this.#table.upNamed(name);
  }

  /** The record asks through `node`'s addresses wait on; undefined when `node` is not up. */
  #nodeRecord(node: string): RemoteProcess | undefined {
    const known = this.#nodeRecords.get(node);
    if (known?.alive) return known;
    if (!this.isUp(node)) return undefined;
    const p = this.#table.make(node, 0, REMOTE_DEFINITION, undefined, null);
    this.#nodeRecords.set(node, p);
    this.#table.track(p, () => {
      if (this.#nodeRecords.get(node) === p) this.#nodeRecords.delete(node);
    });
    return p;
  }

  /** Stand-in `p` asked its node to spawn: address sends to that node wait behind it. */
  spawnPending(p: RemoteProcess): void {
    this.#spawning.set(p.node, p);
    p.hold({
      release: () => {
        if (this.#spawning.get(p.node) === p) this.#spawning.delete(p.node);
        // Ended before it was bound: what waited behind it for other addresses still goes.
        const held = p.held;
        p.held = null;
        for (const h of held ?? []) if (h.address !== undefined) this.#sendTo(h.address, h);
      },
    });
  }

  /** Stand-in `p` is bound (or its spawn failed): address sends no longer wait behind it. */
  spawnSettled(p: RemoteProcess): void {
    if (this.#spawning.get(p.node) === p) this.#spawning.delete(p.node);
  }

  sendTo(address: NodeAddress, message: unknown): void {
    this.tellAddress(address, message, this.#host.current);
  }

  tellAddress(address: NodeAddress, message: unknown, sender: Current | null): void {
    if (message === undefined) {
      throw new InvalidArgumentError('message', 'undefined is not a message');
    }
    if (!this.isUp(address.node)) {
      this.#host.deadLetter(
        message,
        undefined,
        sender?.pid,
        unreachableReason(false),
        describeAddress(address),
      );
      return;
    }
    const pending = this.#spawning.get(address.node);
    if (pending?.alive && pending.remoteId === 0) {
      // FIFO: a spawn to that node is in flight; this send leaves after what waits behind it.
      pending.held ??= [];
      pending.held.push({ message, sender, address });
      return;
    }
    this.#sendTo(address, { message, sender });
  }

  askAddress(address: NodeAddress, request: unknown, options?: AskOptions): Promise<never> {
    const record = this.#nodeRecord(address.node);
    if (record === undefined) {
      return Promise.reject(new NoConnectionError(`node ${address.node}`, address.node));
    }
    // The ask waits on the node's record (failing when the node goes); its request goes to the address.
    record.sendingTo = address;
    try {
      return record.askMessage(request, options);
    } finally {
      record.sendingTo = undefined;
    }
  }

  #sendTo(address: NodeAddress, item: { message: unknown; sender: Current | null }): void {
    const marks: WireMarks = { found: false };
    const body = toWire(item.message, this.#table, marks);
    const from = this.#table.wireFrom(item.sender);
    this.#table.sendFrame(address.node, [OP.address, address, from, marks.found ? 1 : 0, body]);
  }

  /**
   * A record that ends when the process holding local name `name` on
   * `node` now does, with its reason (at once `noproc` when nobody holds it,
   * `noconnection` when the node goes): what a monitor of `{ name, node }`
   * watches (Erlang `monitor(process, {Name, Node})`).
   */
  holderOf(node: string, name: string): RemoteProcess {
    const p = this.#table.make(node, 0, REMOTE_DEFINITION, undefined, null);
    if (!this.isUp(node)) {
      finish(p, p.goneReason());
      return p;
    }
    const runtime = this.#host as unknown as ActorProcess['runtime'];
    // A node that never answers does not keep the record: it ends `noconnection` at the ask timeout.
    const timer = new CallbackTimer(() => {
      if (this.#holders.get(p.pid)?.watch === undefined && p.alive) {
        finish(p, exitReason.noconnection(node));
      }
    });
    const entry: HolderWatch = { p, timer, watch: undefined };
    this.#holders.set(p.pid, entry);
    // The last watcher detaching (a demonitor) ends it, so a monitor given up leaves nothing behind.
    p.extras().watchers = new WatcherSet(() => {
      if (p.alive) finish(p, exitReason.noproc);
    });
    this.#table.track(p, () => {
      this.#holders.delete(p.pid);
      runtime.timers.cancel(timer);
      if (entry.watch !== undefined) dropMonitor(entry.watch);
    });
    runtime.timers.schedule(timer, runtime.askTimeout);
    this.#table.sendFrame(node, [OP.whereis, p.pid, name]);
    return p;
  }

  /** A node answered who holds a name: the waiting record follows that process (or ends `noproc`). */
  holderAnswered(from: string, reqId: number, id: number): void {
    const entry = this.#holders.get(reqId);
    const p = entry?.p;
    if (entry === undefined || p === undefined || p.node !== from || !p.alive) return;
    if (entry.watch !== undefined) return;
    const runtime = this.#host as unknown as ActorProcess['runtime'];
    runtime.timers.cancel(entry.timer);
    if (id === 0) {
      finish(p, exitReason.noproc);
      return;
    }
    const holder = this.#table.remote(from, id);
    entry.watch = monitor(runtime, null, holder, holder.pid, undefined, (reason) => {
      if (p.alive) finish(p, reason);
    });
  }
}
