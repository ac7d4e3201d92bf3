import type {
  ActorProcess,
  ActorRef,
  Address,
  AnyDefinition,
  Current,
  ProcessHost,
  Runtime,
} from '../actor/index.js';
import {
  exitedSenderNow,
  finish,
  MAKE_PROCESS,
  PendingAsk,
  ActorProcess as Process,
  processOf,
  refuseExitedSend,
} from '../actor/index.js';
import type { ExitReason, Pid } from '../process/index.js';
import { exitReason } from '../process/index.js';
import { AddressBook } from './address-book.js';
import { OP, tellFrame, unencodable } from './frames.js';
import { RemoteAddresses } from './remote-addresses.js';
import { InboundFrames } from './remote-inbound.js';
import { REMOTE_DEFINITION, RemoteProcess, type RemoteSide } from './remote-process.js';
import { RecordsByNode } from './remote-records.js';
import { type PortSide, RemoteReplyPort } from './reply-port.js';
import type { NodeTransport } from './transport.js';
import type { NodeAddress, WireAddress } from './wire-address.js';
import {
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
  isStranger(node: string): boolean; // not up, no record in the member table: made up, or pruned
  /** The up incarnation of node name `name` (the one that started last), if any. */
  upNamed(name: string): string | undefined;
}

/** The remote processes, asks and watchers of one node. */
export class RemoteTable implements WireRefs, RemoteSide, PortSide {
  readonly #host: TableHost;
  readonly #members: TableMembers;
  readonly #transport: NodeTransport;
  /** Remote processes by `node/id`. */
  readonly #remotes = new Map<string, RemoteProcess>();
  /** The records by node (what ends when a node goes). */
  readonly #records = new RecordsByNode();
  /** Names, services, pools, cluster names and groups on the wire. */
  readonly book: AddressBook;
  /** Sends and asks through addresses of other nodes, and their records. */
  readonly addresses: RemoteAddresses;
  /** Asks whose answers come from other nodes, by correlation id. */
  readonly #asks = new Map<number, PendingAsk>();
  #asksAtSweep = 64;
  /** The frames peers send, and the local processes they watch. */
  readonly #inbound: InboundFrames;
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
    this.addresses = new RemoteAddresses(host, this);
    this.#inbound = new InboundFrames(host, this);
    this.book = new AddressBook({
      self: members.self,
      runtime: host as unknown as ActorProcess['runtime'],
      named: (name) => host.named(name) as unknown as Address<unknown>,
      serviceAddress: (service, key) => host.serviceAddress(service, key),
      refAt: (pid) => this.remote(pid.node, pid.id).ref as ActorRef<unknown>,
      sender: this.addresses,
      holderOf: (node, name) => this.addresses.holderOf(node, name).ref as ActorRef<unknown>,
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
    this.track(p, () => {
      if (this.#remotes.get(`${p.node}/${p.remoteId}`) === p)
        this.#remotes.delete(`${p.node}/${p.remoteId}`);
    });
    this.#send(p.node, [OP.monitor, id]);
  }

  /** Counts `p` among `p.node`'s records until it ends, when `forget` runs. */
  track(p: RemoteProcess, forget: () => void): void {
    this.#records.track(p, forget);
  }

  /** A working ref of a remote pid: its record, made on first sight. */
  remote(node: string, id: number): ActorProcess {
    if (node === this.self) return this.#host.lookup(id as Pid) ?? this.#gone(node, id);
    const known = this.#remotes.get(`${node}/${id}`);
    if (known !== undefined) return known;
    if (this.#members.isGone(node) || this.#members.isStranger(node)) return this.#gone(node, id);
    const p = this.make(node, id, REMOTE_DEFINITION, undefined, null);
    this.bind(p, id);
    return p;
  }

  /** The record of a pid that is gone: sends are dead letters, monitors fire at once. */
  #gone(node: string, id: number): ActorProcess {
    const p = this.make(node, id, REMOTE_DEFINITION, undefined, null);
    finish(p, p.goneReason());
    return p;
  }

  /** Every remote process of `node` ends with `noconnection`; asks on them fail at once. */
  nodeLost(node: string): void {
    this.#records.nodeLost(node);
    this.#inbound.nodeLost(node);
  }

  /** Asks waiting on `node` fail at once: `noconnection` (no responders), or `error` (a denial). */
  failAsks(node: string, error?: Error): void {
    this.#records.failAsks(node, error);
  }

  /** Every remote process of every node, for the audit after a reconnect. */
  audit(): void {
    for (const [node, ids] of this.#records.liveIds()) this.#send(node, [OP.monitor, ...ids]);
  }

  /** Ends every remote record (this node is leaving or fenced). */
  closeAll(): void {
    for (const node of this.#records.nodes()) this.nodeLost(node);
    for (const ask of this.#asks.values()) ask.abandon(exitReason.noconnection(this.self));
    this.#asks.clear();
  }

  /** Sends to an address of another node (what waited behind a spawn in flight). */
  tellAddress(address: NodeAddress, message: unknown, sender: Current | null): void {
    this.addresses.tellAddress(address, message, sender);
  }

  // ---- RemoteSide ------------------------------------------------------------

  isUp(node: string): boolean {
    return this.#members.isUp(node);
  }

  isGone(node: string): boolean {
    return this.#members.isGone(node);
  }

  upNamed(name: string): string | undefined {
    return this.#members.upNamed(name);
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
    let text: string;
    try {
      text = tellFrame(to.remoteId, this.wireFrom(sender), marks.found, body);
    } catch (error) {
      throw unencodable(error);
    }
    this.#transport.send(to.node, text);
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
    const from = this.wireFrom(sender);
    const text = this.#encode([OP.group, group, from, marks.found ? 1 : 0, body]);
    for (const node of nodes) this.#transport.send(node, text);
  }

  /** The pid a sender has on the wire: 0 for none (a remote process is never a sender there: the batch names the node). */
  wireFrom(sender: Current | null): number {
    return sender === null || sender instanceof RemoteProcess ? 0 : sender.pid;
  }

  /** Queues a frame for `node`; throws at send what cannot go (too large, not encodable). */
  sendFrame(node: string, frame: unknown[]): void {
    this.#send(node, frame);
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
    if (linked) this.#inbound.watch(to.node, other.pid);
  }

  /** Queues a frame for `node`; throws at send what cannot go (too large, not encodable). */
  #send(node: string, frame: unknown[]): void {
    this.#transport.send(node, this.#encode(frame));
  }

  #encode(frame: unknown[]): string {
    try {
      return JSON.stringify(frame);
    } catch (error) {
      throw unencodable(error);
    }
  }

  /** Like `#send` for frames the runtime makes (downs, replies): a failure is a dead letter, never a throw. */
  sendQuietly(node: string, frame: unknown[], what: unknown): void {
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
      this.sendQuietly(to.node, [OP.reply, to.id, 0, m2.found ? 1 : 0, failure], value);
    }
  }

  late(value: unknown): void {
    this.#host.deadLetter(value, undefined, this.#host.current?.pid, 'late-reply');
  }

  refusedAnswer(value: unknown, correlationId: number): boolean {
    const host = this.#host;
    const zombie = exitedSenderNow(host);
    if (zombie === null) return false;
    refuseExitedSend(host, value, undefined, zombie.pid, undefined, correlationId);
    return true;
  }

  now(): number {
    return this.#host.clock.now();
  }

  // ---- frames from a peer ----------------------------------------------------

  /** Carries out one frame from `from`; throws `WireError` for a malformed one. */
  receive(from: string, raw: unknown): void {
    this.#inbound.receive(from, raw);
  }

  /** The ask waiting on answer `id`, taken from the table (undefined when none waits). */
  takeAsk(id: number): PendingAsk | undefined {
    const ask = this.#asks.get(id);
    this.#asks.delete(id);
    return ask;
  }

  /** The known record of process `id` of `node`, if any. */
  known(node: string, id: number): RemoteProcess | undefined {
    return this.#remotes.get(`${node}/${id}`);
  }
}
