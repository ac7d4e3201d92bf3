import type {
  ActorProcess,
  ActorRef,
  Address,
  AnyDefinition,
  AskOptions,
  Current,
  ProcessHost,
  Runtime,
} from '../actor/index.js';
import {
  dropMonitor,
  finish,
  link,
  MAKE_PROCESS,
  type Monitor,
  monitor,
  PendingAsk,
  ActorProcess as Process,
  processOf,
  requestStop,
  signalExit,
  unlink,
} from '../actor/index.js';
import { InvalidArgumentError, NoConnectionError } from '../errors.js';
import type { ExitReason, Pid } from '../process/index.js';
import { exitReason } from '../process/index.js';
import { CallbackTimer } from '../scheduler/index.js';
import { AddressBook } from './address-book.js';
import type { AddressSender } from './cluster-addresses.js';
import { checkFrame, OP } from './frames.js';
import {
  REMOTE_DEFINITION,
  RemoteProcess,
  type RemoteSide,
  unreachableReason,
} from './remote-process.js';
import { type PortSide, RemoteReplyPort } from './reply-port.js';
import type { NodeTransport } from './transport.js';
import { describeAddress, type NodeAddress, type WireAddress } from './wire-address.js';
import {
  fromWire,
  toWire,
  type WireMarks,
  type WirePid,
  type WireRefs,
  type WireReply,
} from './wire-value.js';

/**
 * The remote processes this node knows, the asks it waits on, and the
 * local processes other nodes watch — the translation between frames and
 * local sends, replies, links, monitors and exits.
 *
 * @module
 */

/** What the table needs of the system it serves. */
export interface TableHost extends Runtime, ProcessHost {
  lookup(pid: Pid): ActorProcess | undefined;
  spawnProcess(
    def: AnyDefinition,
    options: object | undefined,
    parent: ActorProcess | null,
  ): ActorProcess;
  /** A service key of this system as an address; throws for a service that is not defined. */
  serviceAddress(service: string, key: string): Address<unknown>;
}

/** What the table needs of membership. */
export interface TableMembers {
  readonly self: string;
  isUp(node: string): boolean;
  isGone(node: string): boolean;
}

const KINDS = new Set(['normal', 'shutdown', 'killed', 'kill', 'error', 'noproc', 'noconnection']);

/** An exit reason from a peer, checked; a malformed one becomes an error reason saying so. */
export function checkReason(value: unknown): ExitReason {
  if (typeof value === 'object' && value !== null) {
    const kind = (value as { kind?: unknown }).kind;
    if (typeof kind === 'string' && KINDS.has(kind)) {
      if (kind !== 'noconnection' || typeof (value as { node?: unknown }).node === 'string') {
        return Object.freeze({ ...(value as ExitReason) });
      }
    }
  }
  return exitReason.error(new Error('a peer sent a malformed exit reason'));
}

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

/** The remote processes, asks and watchers of one node. */
export class RemoteTable implements WireRefs, RemoteSide, PortSide, AddressSender {
  readonly #host: TableHost;
  readonly #members: TableMembers;
  readonly #transport: NodeTransport;
  /** Remote processes by `node/id`. */
  readonly #remotes = new Map<string, RemoteProcess>();
  readonly #byNode = new Map<string, Set<RemoteProcess>>();
  /**
   * One record per up node that asks made through its addresses (names,
   * service keys, pools) wait on, so they fail when the node goes. Address
   * sends themselves keep no record: they go straight to the node's outbox.
   */
  readonly #nodeRecords = new Map<string, RemoteProcess>();
  /** The latest stand-in per node whose spawn is in flight: address sends wait behind it. */
  readonly #spawning = new Map<string, RemoteProcess>();
  /** Records that stand for the holder of a name on a node (monitors of `{ name, node }`). */
  readonly #holders = new Map<number, HolderWatch>();
  /** Names, services, pools, cluster names and groups on the wire. */
  readonly book: AddressBook;
  /** Asks whose answers come from other nodes, by correlation id. */
  readonly #asks = new Map<number, PendingAsk>();
  #asksAtSweep = 64;
  /** Local processes other nodes watch: pid → the watching nodes. */
  readonly #watched = new Map<number, Set<string>>();
  readonly #maker = (
    runtime: ActorProcess['runtime'],
    pid: Pid,
    def: AnyDefinition,
    parent: ActorProcess | null,
    flags: number,
  ): ActorProcess =>
    new RemoteProcess(runtime, pid, def, parent, flags, this, this.#making[0], this.#making[1]);
  #making: [string, number] = ['', 0];

  constructor(host: TableHost, members: TableMembers, transport: NodeTransport) {
    this.#host = host;
    this.#members = members;
    this.#transport = transport;
    this.book = new AddressBook({
      self: members.self,
      runtime: host as unknown as ActorProcess['runtime'],
      named: (name) => host.named(name) as unknown as Address<unknown>,
      serviceAddress: (service, key) => host.serviceAddress(service, key),
      refAt: (pid) => this.remote(pid.node, pid.id).ref as ActorRef<unknown>,
      sender: this,
      holderOf: (node, name) => this.holderOf(node, name).ref as ActorRef<unknown>,
    });
  }

  get self(): string {
    return this.#members.self;
  }

  // ---- remote processes ----------------------------------------------------

  /** Makes the record of a remote process (unbound when `id` is 0: a spawn in flight). */
  make(
    node: string,
    id: number,
    def: AnyDefinition,
    options: object | undefined,
    parent: ActorProcess | null,
  ): RemoteProcess {
    this.#making = [node, id];
    try {
      return this.#host.spawnProcess(
        def,
        { ...options, [MAKE_PROCESS]: this.#maker },
        parent,
      ) as RemoteProcess;
    } finally {
      this.#making = ['', 0];
    }
  }

  /** Records `p` as the process `id` of `p.node` and starts watching it there. */
  bind(p: RemoteProcess, id: number): void {
    p.remoteId = id;
    this.#remotes.set(`${p.node}/${id}`, p);
    let set = this.#byNode.get(p.node);
    if (set === undefined) {
      set = new Set();
      this.#byNode.set(p.node, set);
    }
    set.add(p);
    p.hold({ release: () => this.#forget(p) });
    this.#send(p.node, [OP.monitor, id]);
  }

  #forget(p: RemoteProcess): void {
    if (this.#remotes.get(`${p.node}/${p.remoteId}`) === p)
      this.#remotes.delete(`${p.node}/${p.remoteId}`);
    this.#byNode.get(p.node)?.delete(p);
  }

  /** A working ref of a remote pid: its record, made on first sight. */
  remote(node: string, id: number): ActorProcess {
    if (node === this.self) return this.#host.lookup(id as Pid) ?? this.#gone(node, id);
    const known = this.#remotes.get(`${node}/${id}`);
    if (known !== undefined) return known;
    if (this.#members.isGone(node)) return this.#gone(node, id);
    const p = this.make(node, id, REMOTE_DEFINITION, undefined, null);
    this.bind(p, id);
    return p;
  }

  /** The record asks through `node`'s addresses wait on; undefined when `node` is not up. */
  #nodeRecord(node: string): RemoteProcess | undefined {
    const known = this.#nodeRecords.get(node);
    if (known?.alive) return known;
    if (!this.#members.isUp(node)) return undefined;
    const p = this.make(node, 0, REMOTE_DEFINITION, undefined, null);
    this.#nodeRecords.set(node, p);
    let set = this.#byNode.get(node);
    if (set === undefined) {
      set = new Set();
      this.#byNode.set(node, set);
    }
    set.add(p);
    p.hold({
      release: () => {
        if (this.#nodeRecords.get(node) === p) this.#nodeRecords.delete(node);
        this.#byNode.get(node)?.delete(p);
      },
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

  // ---- AddressSender -------------------------------------------------------

  sendTo(address: NodeAddress, message: unknown): void {
    this.tellAddress(address, message, this.#host.current);
  }

  tellAddress(address: NodeAddress, message: unknown, sender: Current | null): void {
    if (message === undefined) {
      throw new InvalidArgumentError('message', 'undefined is not a message');
    }
    if (!this.#members.isUp(address.node)) {
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
    const body = toWire(item.message, this, marks);
    const from = item.sender === null ? 0 : this.#wireFrom(item.sender);
    this.#send(address.node, [OP.address, address, from, marks.found ? 1 : 0, body]);
  }

  /**
   * A record that ends when the process holding local name `name` on
   * `node` now does, with its reason (at once `noproc` when nobody holds it,
   * `noconnection` when the node goes): what a monitor of `{ name, node }`
   * watches (Erlang `monitor(process, {Name, Node})`).
   */
  holderOf(node: string, name: string): RemoteProcess {
    const p = this.make(node, 0, REMOTE_DEFINITION, undefined, null);
    if (this.#members.isGone(node)) {
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
    let set = this.#byNode.get(node);
    if (set === undefined) {
      set = new Set();
      this.#byNode.set(node, set);
    }
    set.add(p);
    // The last watcher detaching (a demonitor) ends it, so a monitor given up leaves nothing behind.
    p.extras().watchers = new WatcherSet(() => {
      if (p.alive) finish(p, exitReason.noproc);
    });
    p.hold({
      release: () => {
        this.#holders.delete(p.pid);
        this.#byNode.get(node)?.delete(p);
        runtime.timers.cancel(timer);
        if (entry.watch !== undefined) dropMonitor(entry.watch);
      },
    });
    runtime.timers.schedule(timer, runtime.askTimeout);
    this.#send(node, [OP.whereis, p.pid, name]);
    return p;
  }

  /** A node answered who holds a name: the waiting record follows that process (or ends `noproc`). */
  #holderAnswered(from: string, reqId: number, id: number): void {
    const entry = this.#holders.get(reqId);
    const p = entry?.p;
    if (entry === undefined || p === undefined || p.node !== from || !p.alive) return;
    if (entry.watch !== undefined) return;
    (this.#host as unknown as ActorProcess['runtime']).timers.cancel(entry.timer);
    if (id === 0) {
      finish(p, exitReason.noproc);
      return;
    }
    const holder = this.remote(from, id);
    entry.watch = monitor(
      this.#host as unknown as ActorProcess['runtime'],
      null,
      holder,
      holder.pid,
      undefined,
      (reason) => {
        if (p.alive) finish(p, reason);
      },
    );
  }

  /** The record of a pid that is gone: sends are dead letters, monitors fire at once. */
  #gone(node: string, id: number): ActorProcess {
    const p = this.make(node, id, REMOTE_DEFINITION, undefined, null);
    p.remoteId = id;
    finish(p, p.goneReason());
    return p;
  }

  /** Every remote process of `node` ends with `noconnection`; asks on them fail at once. */
  nodeLost(node: string): void {
    const reason = exitReason.noconnection(node);
    const set = this.#byNode.get(node);
    this.#byNode.delete(node);
    for (const p of set ?? []) finish(p, reason);
    for (const watchers of this.#watched.values()) watchers.delete(node);
  }

  /** Nothing on `node` listens (no responders): asks waiting on it fail at once. */
  failAsks(node: string): void {
    const reason = exitReason.noconnection(node);
    for (const p of this.#byNode.get(node) ?? []) {
      let ask = p.ext?.asks ?? null;
      while (ask !== null) {
        const next = ask.next;
        ask.abandon(reason);
        ask = next;
      }
    }
  }

  /** Every remote process of every node, for the audit after a reconnect. */
  audit(): void {
    for (const [node, set] of this.#byNode) {
      const ids: number[] = [];
      for (const p of set) if (p.remoteId !== 0 && p.alive) ids.push(p.remoteId);
      if (ids.length > 0) this.#send(node, [OP.monitor, ...ids]);
    }
  }

  /** Ends every remote record (this node is leaving or fenced). */
  closeAll(): void {
    for (const [node] of this.#byNode) this.nodeLost(node);
    for (const ask of this.#asks.values()) ask.abandon(exitReason.noconnection(this.self));
    this.#asks.clear();
  }

  // ---- RemoteSide ------------------------------------------------------------

  isUp(node: string): boolean {
    return this.#members.isUp(node);
  }

  isGone(node: string): boolean {
    return this.#members.isGone(node);
  }

  tell(to: RemoteProcess, message: unknown, sender: Current | null): void {
    if (to.sendingTo !== undefined) {
      // An ask through an address of the node: the request goes to the address.
      this.tellAddress(to.sendingTo, message, sender);
      return;
    }
    if (to.remoteId === 0) {
      // A node record's only sends are the asks it carries; anything else reaches nothing.
      this.#host.deadLetter(message, undefined, sender?.pid, 'noproc');
      return;
    }
    const marks: WireMarks = { found: false };
    const body = toWire(message, this, marks);
    const from = sender === null ? 0 : this.#wireFrom(sender);
    this.#send(to.node, [OP.tell, to.remoteId, from, marks.found ? 1 : 0, body]);
  }

  /** One group broadcast to each of `nodes`, encoded once: one that cannot go goes nowhere. */
  sendGroup(
    nodes: readonly string[],
    group: string,
    message: unknown,
    sender: Current | null,
  ): void {
    const marks: WireMarks = { found: false };
    const body = toWire(message, this, marks);
    const from = sender === null ? 0 : this.#wireFrom(sender);
    const text = this.#encode([OP.group, group, from, marks.found ? 1 : 0, body]);
    for (const node of nodes) this.#transport.send(node, text);
  }

  #wireFrom(sender: Current): number {
    // A remote process is never a sender on the wire (the batch names the sending node).
    return sender instanceof RemoteProcess ? 0 : sender.pid;
  }

  exit(to: RemoteProcess, from: ActorProcess | undefined, reason: ExitReason): void {
    if (to.remoteId === 0) return;
    const marks: WireMarks = { found: false };
    const wire = toWire(reason, this, marks);
    const fromId = from === undefined || from instanceof RemoteProcess ? 0 : from.pid;
    this.#send(to.node, [OP.exit, fromId, to.remoteId, marks.found ? 1 : 0, wire]);
  }

  linkChanged(to: RemoteProcess, other: ActorProcess, linked: boolean): void {
    if (to.remoteId === 0 || other instanceof RemoteProcess) return;
    this.#send(to.node, [linked ? OP.link : OP.unlink, other.pid, to.remoteId]);
    // The other node's record of `other` ends with `other`'s reason. Watched from here at once:
    // the monitor that node sends on receiving the link could arrive after `other` ended (its
    // answer would then be noproc, not the real reason).
    if (linked) this.#watch(to.node, other.pid);
  }

  /** Queues a frame for `node`; throws at send what cannot go (too large, not encodable). */
  #send(node: string, frame: unknown[]): void {
    this.#transport.send(node, this.#encode(frame));
  }

  #encode(frame: unknown[]): string {
    try {
      return JSON.stringify(frame);
    } catch (error) {
      throw new InvalidArgumentError('message', `cannot be encoded: ${(error as Error).message}`);
    }
  }

  /** Like `#send` for frames the runtime makes (downs, replies): a failure is a dead letter, never a throw. */
  #sendQuietly(node: string, frame: unknown[], what: unknown): void {
    try {
      this.#send(node, frame);
    } catch {
      this.#host.deadLetter(what, undefined, undefined, 'noconnection');
    }
  }

  // ---- WireRefs ------------------------------------------------------------

  pidOf(ref: object): WirePid | undefined {
    // A ref is an address of its process (a process record passes as itself).
    const value = processOf(ref) ?? ref;
    if (value instanceof RemoteProcess) {
      // An unbound stand-in travels as itself: what is sent to it here goes on once bound.
      return value.remoteId === 0
        ? { node: this.self, id: value.pid }
        : { node: value.node, id: value.remoteId };
    }
    if (value instanceof Process && value.runtime === (this.#host as unknown)) {
      return { node: this.self, id: value.pid };
    }
    return undefined;
  }

  refOf(pid: WirePid): unknown {
    return this.remote(pid.node, pid.id).ref;
  }

  replyOf(value: object): WireReply | undefined {
    if (value instanceof RemoteReplyPort) return value.wire;
    if (!(value instanceof PendingAsk)) return undefined;
    this.#remember(value);
    const expiresAt = value.expiresAt === Number.POSITIVE_INFINITY ? null : value.remaining();
    return { node: this.self, id: value.correlationId, expiresAt };
  }

  addressOf(value: object): WireAddress | undefined {
    return this.book.addressOf(value);
  }

  addressRef(address: unknown): unknown {
    return this.book.addressRef(address);
  }

  portOf(reply: WireReply): unknown {
    if (reply.node === this.self) {
      const ask = this.#asks.get(reply.id);
      if (ask !== undefined) return ask;
    }
    return new RemoteReplyPort(this, reply);
  }

  /** Keeps an ask until its answer comes; settled ones are swept once the table doubles. */
  #remember(ask: PendingAsk): void {
    this.#asks.set(ask.correlationId, ask);
    if (this.#asks.size < this.#asksAtSweep) return;
    for (const [id, pending] of this.#asks) if (!pending.pending) this.#asks.delete(id);
    this.#asksAtSweep = Math.max(64, this.#asks.size * 2);
  }

  // ---- PortSide ------------------------------------------------------------

  answer(to: WireReply, ok: boolean, value: unknown): void {
    let marks: WireMarks = { found: false };
    let body: unknown;
    let good = ok;
    try {
      body = toWire(value, this, marks);
    } catch (error) {
      // An answer that cannot cross fails the ask with the reason, rather than leaving it to time out.
      marks = { found: false };
      body = toWire(error, this, marks);
      good = false;
    }
    try {
      this.#send(to.node, [OP.reply, to.id, good ? 1 : 0, marks.found ? 1 : 0, body]);
    } catch (error) {
      const m2: WireMarks = { found: false };
      const failure = toWire(error, this, m2);
      this.#sendQuietly(to.node, [OP.reply, to.id, 0, m2.found ? 1 : 0, failure], value);
    }
  }

  late(value: unknown): void {
    this.#host.deadLetter(value, undefined, this.#host.current?.pid, 'late-reply');
  }

  now(): number {
    return this.#host.clock.now();
  }

  // ---- frames from a peer ----------------------------------------------------

  /** Carries out one frame from `from`; throws `WireError` for a malformed one. */
  receive(from: string, raw: unknown): void {
    const frame = checkFrame(raw);
    switch (frame[0]) {
      case OP.tell:
        this.#tell(from, frame);
        return;
      case OP.reply: {
        const ask = this.#asks.get(frame[1] as number);
        let value: unknown;
        try {
          value = frame[3] === 1 ? fromWire(frame[4], this) : frame[4];
        } catch (error) {
          // An answer that does not decode still settles the ask (a supervisor call waits forever).
          this.#asks.delete(frame[1] as number);
          ask?.fail(error);
          throw error;
        }
        this.#asks.delete(frame[1] as number);
        if (ask === undefined) this.late(value);
        else if (frame[2] === 1) ask.send(value);
        else ask.fail(value);
        return;
      }
      case OP.monitor:
        for (let i = 1; i < frame.length; i++) this.#watch(from, frame[i] as number);
        return;
      case OP.down: {
        const p = this.#remotes.get(`${from}/${frame[1]}`);
        const reason = checkReason(frame[2] === 1 ? fromWire(frame[3], this) : frame[3]);
        if (p !== undefined) finish(p, reason);
        return;
      }
      case OP.link:
      case OP.unlink: {
        const target = this.#host.lookup(frame[2] as Pid);
        if (target === undefined || !target.alive) return;
        const other = this.remote(from, frame[1] as number);
        if (frame[0] === OP.link) link(target, other, other.pid, false);
        else unlink(target, other, false);
        return;
      }
      case OP.exit: {
        const target = this.#host.lookup(frame[2] as Pid);
        const reason = checkReason(frame[3] === 1 ? fromWire(frame[4], this) : frame[4]);
        const sender = frame[1] === 0 ? undefined : this.remote(from, frame[1] as number);
        if (target !== undefined) signalExit(target, sender, reason, false);
        return;
      }
      case OP.stop: {
        const target = this.#host.lookup(frame[1] as Pid);
        const reason = checkReason(frame[2] === 1 ? fromWire(frame[3], this) : frame[3]);
        if (target !== undefined) requestStop(target, reason);
        return;
      }
      case OP.kill: {
        const target = this.#host.lookup(frame[1] as Pid);
        if (target !== undefined) finish(target, exitReason.killed);
        return;
      }
      case OP.whereis: {
        const holder = this.#host.whereisName(frame[2] as string);
        this.#sendQuietly(from, [OP.holder, frame[1], holder?.alive ? holder.pid : 0], undefined);
        return;
      }
      case OP.holder:
        this.#holderAnswered(from, frame[1] as number, frame[2] as number);
        return;
      case OP.address:
      case OP.group: {
        const message = frame[3] === 1 ? fromWire(frame[4], this) : frame[4];
        const sender = frame[2] === 0 ? null : this.remote(from, frame[2] as number);
        if (frame[0] === OP.group) this.book.receiveGroup(frame[1] as string, message, sender);
        else this.book.receive(frame[1], message, sender);
        return;
      }
      default:
        // spawn and spawned are the node's (they load code); it handles them before calling here.
        return;
    }
  }

  #tell(from: string, frame: readonly unknown[]): void {
    const to = frame[1] as Pid;
    const message = frame[3] === 1 ? fromWire(frame[4], this) : frame[4];
    const sender = frame[2] === 0 ? null : this.remote(from, frame[2] as number);
    const target = this.#host.lookup(to);
    if (target === undefined || !target.alive) {
      this.#host.deadLetter(message, to, sender?.pid, 'noproc');
      return;
    }
    const host = this.#host;
    const previous = host.current;
    host.current = sender;
    try {
      target.deliver(message, undefined);
    } catch {
      host.deadLetter(message, to, sender?.pid, 'dropped-newest');
    } finally {
      host.current = previous;
    }
  }

  /** `node` watches local pid `id`: it hears `down` when it ends (at once when it has). */
  #watch(node: string, id: number): void {
    const p = this.#host.lookup(id as Pid);
    if (p === undefined || !p.alive) {
      this.#sendQuietly(node, [OP.down, id, 0, exitReason.noproc], undefined);
      return;
    }
    let nodes = this.#watched.get(id);
    if (nodes === undefined) {
      nodes = new Set();
      this.#watched.set(id, nodes);
      const watchers = nodes;
      // A monitor with a callback: the down leaves right behind the process's last sends.
      monitor(
        this.#host as unknown as ActorProcess['runtime'],
        null,
        p,
        p.pid,
        undefined,
        (reason) => {
          this.#watched.delete(id);
          for (const watcher of watchers) {
            if (this.#members.isGone(watcher)) continue;
            const marks: WireMarks = { found: false };
            let wire: unknown;
            try {
              wire = toWire(reason, this, marks);
            } catch {
              wire = toWire(
                exitReason.error(new Error(String((reason as { error?: unknown }).error))),
                this,
                marks,
              );
            }
            this.#sendQuietly(watcher, [OP.down, id, marks.found ? 1 : 0, wire], reason);
          }
        },
      );
    }
    nodes.add(node);
  }
}
