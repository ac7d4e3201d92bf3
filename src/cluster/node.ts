import type { JetStreamClient, jetstream } from '@nats-io/jetstream';
import type { KV, Kvm } from '@nats-io/kv';
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import type { ActorProcess, ActorRef, AnyDefinition, Current } from '../actor/index.js';
import { ClusterAuthError, ClusterError, FencedError } from '../errors.js';
import type { Pid } from '../process/index.js';
import { watchExit } from './exit-watch.js';
import { Membership } from './membership.js';
import { NodeAddresses } from './node-addresses.js';
import { CloseHooks, closeInOrder } from './node-close.js';
import { connectNode } from './node-connect.js';
import { type ClusterEvent, type NodeDownMessage, NodeEvents } from './node-events.js';
import { fencedBy, type InboundNode, receiveBatch } from './node-inbound.js';
import { type Denial, deniedError, deniedPeer, StatusWatch } from './node-permissions.js';
import { NodeSpawns } from './node-spawn.js';
import {
  type ClusterOptions,
  newNodeId,
  type ResolvedClusterOptions,
  resolveClusterOptions,
} from './options.js';
import { RemoteTable, type TableHost } from './remote-table.js';
import { NodeTransport } from './transport.js';
import type { WirePid } from './wire-value.js';

export type { ClusterEvent, NodeDownMessage } from './node-events.js';

/**
 * One node of a cluster: a system joined to the others over NATS. It owns the connection, the
 * membership (join, heartbeats, verdicts, fencing), the table of remote processes, and the events
 * `nodeup`, `nodedown`, `unreachable`, `reachable` and `fenced`.
 *
 * @module
 */

/** What a node needs of its system. */
export interface NodeHost extends TableHost {
  readonly phase: 'running' | 'draining' | 'closed';
}

/**
 * A system's membership of a cluster. Made by `createSystem({ cluster })`.
 *
 * @example
 * ```ts
 * await system.cluster?.ready; // joined: system.cluster?.nodes() lists the up peers' ids
 * ```
 */
export class ClusterNode extends NodeAddresses {
  /** This node's id: its name and an incarnation never reused. */
  readonly id: string;
  /** The stable name. */
  readonly name: string;
  readonly options: ResolvedClusterOptions;
  /** Resolves once this node is up (joined, handshakes done); rejects when it cannot join. */
  readonly ready: Promise<void>;
  readonly #host: NodeHost;
  readonly #given: ClusterOptions;
  readonly #shutdown: () => Promise<void>;
  readonly #events = new NodeEvents();
  #nc: NatsConnection | undefined;
  #js: JetStreamClient | undefined;
  #transport: NodeTransport | undefined;
  #membership: Membership | undefined;
  #status: StatusWatch | undefined;
  /** Set when the join failed: what it still had in flight stops at its next step. */
  #cancelled = false;
  #table: RemoteTable | undefined;
  #spawns: NodeSpawns | undefined;
  #fenced: FencedError | undefined;
  #closing: Promise<void> | undefined;
  #audit: NodeJS.Timeout | undefined;
  #kvm: typeof Kvm | undefined;
  #joinStep = 'subscribing'; // where the join is, until membership names its steps
  /** What must end before the connection does (the registry's and groups' watches). */
  readonly #beforeClose = new CloseHooks();

  constructor(host: NodeHost, options: ClusterOptions, shutdown: () => Promise<void>) {
    super();
    this.options = resolveClusterOptions(options);
    this.#given = options;
    this.#host = host;
    this.#shutdown = shutdown;
    this.name = this.options.name;
    this.id = newNodeId(this.name);
    // Joined from a process's async step (after an `await` in a handler): the
    // connection, its subscriptions and timers are set up in no process's
    // context, so what they call back (answers, frames, beats) is the
    // runtime's, never taken for that process's sends once it exits (§4).
    this.ready = this.outsideSteps(() => this.#start());
    // A join failure is reported through `ready`; unobserved, it must not crash the program.
    this.ready.catch(() => {});
  }

  async #start(): Promise<void> {
    const given = this.#given;
    // Loaded on join, so a system that never joins a cluster never loads the NATS client.
    const [{ connect }, js, kvModule] = await Promise.all([
      import('@nats-io/transport-node'),
      import('@nats-io/jetstream'),
      import('@nats-io/kv'),
    ]);
    this.#kvm = kvModule.Kvm;
    const nc = given.connection ?? (await connectNode(connect, this.id, given, this.options));
    this.#nc = nc;
    const { root, cluster } = this.options;
    // On the user's connection, only denials on this cluster's subjects are this node's.
    const own = given.connection && [`${root}.${cluster}.`, `$KV.${root}-${cluster}-`];
    const status = new StatusWatch(nc, this.id, this.#statusEvents, own || undefined);
    this.#status = status;
    const transport = new NodeTransport(nc, `${root}.${cluster}`, this.id, {
      batch: (data) => this.#batch(data),
      noResponders: (node) => this.#noResponders(node),
      heartbeat: (node, data) => this.#membership?.onHeartbeat(node, data),
      system: (op, msg) => this.#system(op, msg),
      lost: (node, frames) => {
        for (const frame of frames)
          this.#host.deadLetter(frame, undefined, undefined, 'noconnection', `node:${node}`);
      },
    });
    this.#transport = transport;
    const table = new RemoteTable(this.#host, this, transport);
    this.#table = table;
    this.#spawns = new NodeSpawns(this.#host, this, table, transport, given.allowSpawn);
    try {
      await status.guardJoin(nc, this.#join(transport, js.jetstream));
    } catch (error) {
      // A denial fails the join at once, still running: it stops at its next step (the user's connection stays open).
      this.#cancelled = true;
      this.#membership?.stop();
      status.stop();
      transport.close();
      if (given.connection === undefined) await nc.close().catch(() => {});
      if (error instanceof ClusterAuthError) throw error;
      const where = this.#membership?.joinStep ?? this.#joinStep;
      throw new ClusterError(
        `node ${this.id} could not join (${where}): ${(error as Error).message}`,
        { cause: error },
      );
    }
    this.#audit = setInterval(() => table.audit(), this.options.auditInterval).unref();
  }

  /** Subscribes, opens the member table and joins through it. */
  async #join(transport: NodeTransport, js: typeof jetstream): Promise<void> {
    await transport.start();
    this.#throwIfCancelled();
    this.#joinStep = 'opening the member table';
    // Bounded, so KV calls fail rather than hang; never shorter than 5 s (a busy server is not a dead one).
    this.#js = js(transport.nc, { timeout: Math.max(5_000, this.options.joinTimeout) });
    const kv = await this.bucket('members');
    this.#throwIfCancelled();
    const events = this.#events.fromMembership({
      up: (node) => this.incarnationUp(node),
      down: (node, reason) => this.#nodeDown(node, reason),
      fenced: (why) => this.#fence(why),
      connectionClosed: (why) => this.#connectionClosed(why),
    });
    this.#membership = new Membership(this.id, this.name, kv, transport, this.options, events);
    await this.#membership.join();
  }

  /**
   * @internal Runs `work` in no process's async context, so what it sets up
   * on the connection (the registry's and groups' watches) calls back as the
   * runtime, whichever process's async step opened it (§4).
   */
  outsideSteps<T>(work: () => T): T {
    const senders = this.#host.asyncSenders;
    return senders === null ? work() : senders.outside(work);
  }

  /** A join that already failed goes no further (and, made by then, its membership is stopped). */
  #throwIfCancelled(): void {
    if (this.#cancelled) throw new ClusterError(`node ${this.id} stopped joining`);
  }

  /** This node's id (the cluster registry's and groups' view of it). */
  get nodeId(): string {
    return this.id;
  }

  /** The NATS connection (JetStream and KV are reached through it). */
  get connection(): NatsConnection {
    if (this.#nc === undefined) throw new ClusterError(`node ${this.id} has not connected yet`);
    return this.#nc;
  }

  /** The JetStream client, with the node's request timeout. */
  get jetstream(): JetStreamClient {
    if (this.#js === undefined) throw new ClusterError(`node ${this.id} has not joined yet`);
    return this.#js;
  }

  /** Opens (or makes) a KV bucket of this cluster, `<root>-<cluster>-<name>`. */
  bucket(name: string): Promise<KV> {
    const { root, cluster, replicas } = this.options;
    const Bucket = this.#kvm;
    if (Bucket === undefined) throw new ClusterError(`node ${this.id} has not joined yet`);
    return new Bucket(this.jetstream).create(`${root}-${cluster}-${name}`, {
      history: 1,
      replicas,
    });
  }

  /** The up peers (node ids, not this one). */
  nodes(): string[] {
    return this.#membership?.peers ?? [];
  }

  /** Whether `node` is up (this node counts once it has joined). */
  isUp(node: string): boolean {
    return this.#fenced === undefined && (this.#membership?.isUp(node) ?? false);
  }

  /** Whether `node` was declared down or left: it never comes back under that id. */
  isGone(node: string): boolean {
    return this.#membership?.isGone(node) ?? false;
  }

  /** Not up, and without a record in the member table (made up, or pruned): the table's port. */
  isStranger(node: string): boolean {
    return this.#membership?.isStranger(node) ?? false;
  }

  /** Same as `isGone` (the registry's port). */
  isNodeGone(node: string): boolean {
    return this.isGone(node);
  }

  /** Whether the member table says `node` is gone (no record, or `down`): the registry's port. */
  confirmNodeGone(node: string): Promise<boolean> {
    return this.#membership?.confirmGone(node) ?? Promise.resolve(false);
  }

  get self(): string {
    return this.id;
  }

  /** The cluster's events. */
  get events(): { subscribe(listener: (event: ClusterEvent) => void): () => void } {
    return this.#events;
  }

  /** Calls `listener` each time a node goes down or leaves; returns the unsubscribe. */
  onNodeGone(listener: (node: string) => void): () => void {
    return this.#events.subscribe((e) => {
      if (e.type === 'nodedown') listener(e.node);
    });
  }

  /** Whether the local process `id` is alive. */
  isAlive(id: number): boolean {
    return this.#host.lookup(id as Pid)?.alive ?? false;
  }

  /**
   * Calls `listener` once when process `target` (a local id, or a cluster pid of any node) exits,
   * at once when it has or its node is not up; returns the cancel, which removes the watch.
   */
  onExit(target: number | WirePid, listener: () => void): () => void {
    return watchExit(this.#host, () => this.#tableOrThrow(), this.id, target, listener);
  }

  /**
   * Erlang `monitor_node(Node, true)`: `target` (a ref or a function) hears `{ type: 'nodedown',
   * node, reason }` once when `node` goes down or leaves (at once if not up). Returns the cancel.
   *
   * @example
   * ```ts
   * system.cluster?.monitorNode('web-2_k3v9', ctx.self);
   * ```
   */
  monitorNode(
    node: string,
    target: ActorRef<NodeDownMessage> | ((message: NodeDownMessage) => void),
  ): () => void {
    return this.#events.monitor(node, target, {
      self: this.id,
      up: this.isUp(node),
      gone: this.isGone(node),
      fenced: this.#fenced !== undefined,
    });
  }

  protected addressTable(): RemoteTable {
    return this.#tableOrThrow();
  }

  protected get sender(): Current | null {
    return this.#host.current;
  }

  /** The port's name for {@link onExit} of a cluster pid (the registry and groups use it). */
  onExitOf(pid: WirePid, listener: () => void): () => void {
    return this.onExit(pid, listener);
  }

  #tableOrThrow(): RemoteTable {
    if (this.#table === undefined) throw new ClusterError(`node ${this.id} has not connected yet`);
    return this.#table;
  }

  /** `spawn(def, { node })`: the stand-in here, the body there. */
  spawnOn(
    def: AnyDefinition,
    options: { node?: string } & object,
    parent: ActorProcess | null,
  ): ActorProcess {
    if (this.#spawns === undefined) throw new ClusterError(`node ${this.id} has not connected yet`);
    return this.#spawns.spawnOn(def, options, parent);
  }

  #batch(data: Uint8Array): void {
    const table = this.#table;
    if (table === undefined || this.#fenced !== undefined) return;
    receiveBatch(this.#inbound, table, this.#spawns, data);
  }

  /** What the connection's status means to the node. */
  readonly #statusEvents = {
    denied: (denial: Denial) => this.#denied(denial),
    reconnected: () => {
      this.#membership?.reconnected(); // the beat first: peers are counting this node's silence
      this.#table?.audit();
    },
    slowConsumer: () => this.#table?.audit(),
  };

  /** The node as inbound dispatch sees it. */
  readonly #inbound: InboundNode = {
    isGone: (node) => this.isGone(node),
    isStranger: (node) => this.isStranger(node),
    deadLetter: (message, reason, detail) =>
      this.#host.deadLetter(message, undefined, undefined, reason, detail),
    refuse: (node) => this.#membership?.refuse(node),
  };

  #system(op: string, msg: Msg): void {
    if (op === 'hello') void this.#membership?.onHello(msg).catch(() => undefined);
    else if (op === 'fence') {
      void this.#membership?.onFenceNotice(fencedBy(msg.data)).catch(() => undefined);
    }
  }

  #noResponders(node: string): void {
    // Nothing subscribes for `node`: its connection is gone. Asks on it fail now, not at their timeout.
    this.#table?.failAsks(node);
    this.#host.deadLetter({ node }, undefined, undefined, 'noconnection', `node:${node}`);
  }

  #nodeDown(node: string, reason: 'down' | 'left'): void {
    this.incarnationGone(node);
    this.#table?.nodeLost(node);
    this.#spawns?.nodeLost(node);
    this.#events.nodeDown(node, reason);
  }

  /** The server denied a publish or subscription after the join: reported, and asks on the peer fail. */
  #denied(denial: Denial): void {
    const peer = deniedPeer(denial.subject, `${this.options.root}.${this.options.cluster}`);
    this.#events.emit({ type: 'denied', node: peer ?? this.id, ...denial, at: Date.now() });
    if (peer !== undefined) this.#table?.failAsks(peer, deniedError(this.id, denial));
    this.#host.deadLetter(denial, undefined, undefined, 'denied', peer && `node:${peer}`);
  }

  #fence(why: string): void {
    if (this.#fenced !== undefined) return;
    const error = new FencedError(this.id, why);
    this.#fenced = error;
    try {
      this.#transport?.close();
      this.#table?.closeAll();
      this.#events.fenced(this.id, error);
    } finally {
      void this.#shutdown().catch(() => undefined); // it never serves again under this id
    }
  }

  /**
   * Closed for good while the node was up (by its user, credentials refused on reconnect, or the
   * reconnects ran out), the connection fences it, unless its system is shutting down (its close).
   */
  #connectionClosed(why: string): void {
    if (this.#closing === undefined && this.#host.phase === 'running') this.#fence(why);
  }

  /** Why this node was fenced, if it was. */
  get fenced(): FencedError | undefined {
    return this.#fenced;
  }

  /**
   * Leaves the cluster (the system's shutdown calls it once its processes have stopped, so their
   * DOWNs went out first): the member record is removed — peers see `nodedown` with reason `left` —
   * and a connection the runtime opened is drained and closed.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /**
   * Runs `hook` when this node closes, before its connection drains (the
   * registry and groups stop their watches there). Returns the cancel.
   *
   * @example
   * ```ts
   * const cancel = system.cluster!.beforeClose(() => registry.close());
   * ```
   */
  beforeClose(hook: () => Promise<void>): () => void {
    return this.#beforeClose.add(hook);
  }

  async #close(): Promise<void> {
    clearInterval(this.#audit);
    await this.ready.catch(() => {});
    await closeInOrder(this.#beforeClose, {
      fenced: this.#fenced !== undefined,
      transport: this.#transport,
      membership: this.#membership,
      table: this.#table,
      status: this.#status,
      ownConnection: this.#given.connection === undefined ? this.#nc : undefined,
      drainMs: this.options.joinTimeout,
    });
  }
}
