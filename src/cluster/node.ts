import type { JetStreamClient } from '@nats-io/jetstream';
import type { KV, Kvm } from '@nats-io/kv';
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import type {
  ActorProcess,
  ActorRef,
  Address,
  AnyDefinition,
  HolderAddress,
} from '../actor/index.js';
import { dropMonitor, link, monitor } from '../actor/index.js';
import { Stream } from '../broker/index.js';
import {
  ClusterAuthError,
  ClusterError,
  FencedError,
  InvalidArgumentError,
  NoConnectionError,
} from '../errors.js';
import { importDefinition, moduleOf } from '../isolation/index.js';
import type { Pid } from '../process/index.js';
import { type GroupToken, type Name, nameOf } from '../registry/index.js';
import type { GroupDirectory, NameDirectory } from './cluster-addresses.js';
import { decodeBatch, OP } from './frames.js';
import { Membership } from './membership.js';
import {
  type ClusterOptions,
  isNodeId,
  newNodeId,
  nodeName,
  type ResolvedClusterOptions,
  resolveClusterOptions,
} from './options.js';
import type { RemoteProcess } from './remote-process.js';
import { remoteStandIn, type SpawnSide } from './remote-spawn.js';
import { RemoteTable, type TableHost } from './remote-table.js';
import { NodeTransport } from './transport.js';
import { fromWire, toWire, type WireMarks, type WirePid } from './wire-value.js';

/**
 * One node of a cluster: a system joined to the others over NATS. It owns
 * the connection, the membership (join, heartbeats, verdicts, fencing), the
 * table of remote processes, and the events `nodeup`, `nodedown`,
 * `unreachable`, `reachable` and `fenced`.
 *
 * @module
 */

/**
 * What the cluster reports (Erlang's `net_kernel:monitor_nodes` plus Akka's
 * reachability). `nodedown.reason` is `down` (declared down by the cluster)
 * or `left` (it left gracefully).
 *
 * @example
 * ```ts
 * system.cluster?.events.subscribe((e) => console.log(e.type, e.node));
 * ```
 */
export type ClusterEvent =
  | { readonly type: 'nodeup'; readonly node: string; readonly at: number }
  | {
      readonly type: 'nodedown';
      readonly node: string;
      readonly reason: 'down' | 'left';
      readonly at: number;
    }
  | { readonly type: 'unreachable'; readonly node: string; readonly at: number }
  | { readonly type: 'reachable'; readonly node: string; readonly at: number }
  | {
      readonly type: 'fenced';
      readonly node: string;
      readonly error: FencedError;
      readonly at: number;
    };

/** A `monitorNode` message: the node went down (Erlang `{nodedown, Node}`). */
export interface NodeDownMessage {
  readonly type: 'nodedown';
  readonly node: string;
  readonly reason: 'down' | 'left' | 'fenced';
}

/** What a node needs of its system. */
export interface NodeHost extends TableHost {
  readonly phase: 'running' | 'draining' | 'closed';
}

const decoder = new TextDecoder();

/** Drains `nc` (pending publishes go out), closing it outright after `ms` (a server gone or cut off). */
async function drainWithin(nc: NatsConnection, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  const outcome = await Promise.race([nc.drain().catch(() => undefined), late]);
  clearTimeout(timer);
  if (outcome === 'late') await nc.close().catch(() => {});
}

const REFUSALS = new Set([
  'AuthorizationError',
  'UserAuthenticationExpiredError',
  'PermissionViolationError',
]);

/** Why the server did not let node `id` connect: refused credentials, or the connection itself. */
function joinRefused(id: string, error: unknown): Error {
  const name = (error as { name?: unknown } | null)?.name;
  const message = (error as Error | null)?.message ?? String(error);
  if (typeof name === 'string' && REFUSALS.has(name)) {
    return new ClusterAuthError(`the NATS server refused node ${id}: ${message}`, {
      cause: error,
    });
  }
  return new ClusterError(`node ${id} could not connect: ${message}`, { cause: error });
}

/** A system's membership of a cluster. Made by `createSystem({ cluster })`. */
export class ClusterNode implements SpawnSide {
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
  readonly #events = new Stream<ClusterEvent>('cluster event');
  readonly #nodeMonitors = new Map<string, Set<(m: NodeDownMessage) => void>>();
  readonly #spawning = new Map<number, { node: string; settle: (id: number | Error) => void }>();
  #nc: NatsConnection | undefined;
  #js: JetStreamClient | undefined;
  #transport: NodeTransport | undefined;
  #membership: Membership | undefined;
  #table: RemoteTable | undefined;
  #fenced: FencedError | undefined;
  #closing: Promise<void> | undefined;
  #audit: NodeJS.Timeout | undefined;
  #kvm: typeof Kvm | undefined;
  /** What must end before the connection does (the registry's and groups' watches). */
  readonly #beforeClose = new Set<() => Promise<void>>();

  constructor(host: NodeHost, options: ClusterOptions, shutdown: () => Promise<void>) {
    this.options = resolveClusterOptions(options);
    this.#given = options;
    this.#host = host;
    this.#shutdown = shutdown;
    this.name = this.options.name;
    this.id = newNodeId(this.name);
    this.ready = this.#start();
    // A join failure is reported through `ready`; unobserved, it must not crash the program.
    this.ready.catch(() => {});
  }

  async #start(): Promise<void> {
    const given = this.#given;
    // Loaded on join, so a system that never joins a cluster never loads the NATS client.
    const [{ connect }, { jetstream }, kvModule] = await Promise.all([
      import('@nats-io/transport-node'),
      import('@nats-io/jetstream'),
      import('@nats-io/kv'),
    ]);
    this.#kvm = kvModule.Kvm;
    let nc: NatsConnection;
    try {
      nc =
        given.connection ??
        (await connect({
          servers: given.servers as string | string[],
          name: this.id,
          // Ping often enough that a dead link is noticed well within the fence time.
          pingInterval: Math.max(500, Math.floor(this.options.fenceAfter / 2)),
          maxPingOut: 2,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
          ...given.connectOptions,
        }));
    } catch (error) {
      throw joinRefused(this.id, error);
    }
    this.#nc = nc;
    const { root, cluster } = this.options;
    const transport = new NodeTransport(nc, `${root}.${cluster}`, this.id, {
      batch: (data) => this.#batch(data),
      noResponders: (node) => this.#noResponders(node),
      heartbeat: (node) => this.#membership?.onHeartbeat(node),
      system: (op, msg) => this.#system(op, msg),
      lost: (node, frames) => {
        for (const frame of frames)
          this.#host.deadLetter(frame, undefined, undefined, 'noconnection', `node:${node}`);
      },
    });
    this.#transport = transport;
    const table = new RemoteTable(this.#host, this, transport);
    this.#table = table;
    let step = 'subscribing';
    try {
      await transport.start();
      step = 'opening the member table';
      // Bounded, so KV calls fail rather than hang; never shorter than 5 s (a busy server is not a dead one).
      this.#js = jetstream(nc, { timeout: Math.max(5_000, this.options.joinTimeout) });
      const kv = await new kvModule.Kvm(this.#js).create(`${root}-${cluster}-members`, {
        history: 1,
        replicas: this.options.replicas,
      });
      const membership = new Membership(this.id, this.name, kv, transport, this.options, {
        up: (node) => this.#emit({ type: 'nodeup', node, at: Date.now() }),
        down: (node, reason) => this.#nodeDown(node, reason),
        unreachable: (node) => this.#emit({ type: 'unreachable', node, at: Date.now() }),
        reachable: (node) => this.#emit({ type: 'reachable', node, at: Date.now() }),
        fenced: (why) => this.#fence(why),
      });
      this.#membership = membership;
      await membership.join();
    } catch (error) {
      transport.close();
      if (given.connection === undefined) await nc.close().catch(() => {});
      const where = this.#membership?.joinStep ?? step;
      throw new ClusterError(
        `node ${this.id} could not join (${where}): ${(error as Error).message}`,
        { cause: error },
      );
    }
    void this.#watchStatus(nc);
    this.#audit = setInterval(() => table.audit(), this.options.auditInterval).unref();
  }

  async #watchStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      // Control messages may have been lost while disconnected: audit outgoing monitors.
      if (status.type === 'reconnect' || status.type === 'slowConsumer') this.#table?.audit();
      if (status.type === 'reconnect') this.#membership?.rewatch();
    }
  }

  // ---- what other parts of the cluster use -----------------------------------

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

  /** Same as `isGone` (the registry's port). */
  isNodeGone(node: string): boolean {
    return this.isGone(node);
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
   * Calls `listener` once when process `target` exits — a local id, or a
   * cluster pid of this node or another (at once when it has, or when its
   * node is not up); returns the cancel, which removes the watch.
   */
  onExit(target: number | WirePid, listener: () => void): () => void {
    let p: ActorProcess | undefined;
    let pid: Pid;
    if (typeof target === 'number' || target.node === this.id) {
      pid = (typeof target === 'number' ? target : target.id) as Pid;
      p = this.#host.lookup(pid);
    } else {
      p = this.#tableOrThrow().remote(target.node, target.id);
      pid = p.pid;
    }
    const m = monitor(
      this.#host as unknown as ActorProcess['runtime'],
      null,
      p,
      pid,
      undefined,
      () => listener(),
    );
    return () => {
      dropMonitor(m);
    };
  }

  /**
   * Erlang `monitor_node(Node, true)`: `target` (a ref, or a function) hears
   * `{ type: 'nodedown', node, reason }` once when `node` goes down or
   * leaves — at once when it is not up. Returns the cancel.
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
    const deliver = typeof target === 'function' ? target : (m: NodeDownMessage) => target.tell(m);
    if (!this.isUp(node) || node === this.id) {
      if (node !== this.id || this.#fenced !== undefined) {
        queueMicrotask(() =>
          deliver({ type: 'nodedown', node, reason: this.isGone(node) ? 'down' : 'left' }),
        );
      }
      if (node !== this.id) return () => {};
    }
    let set = this.#nodeMonitors.get(node);
    if (set === undefined) {
      set = new Set();
      this.#nodeMonitors.set(node, set);
    }
    set.add(deliver);
    return () => {
      set.delete(deliver);
    };
  }

  // ---- addresses -----------------------------------------------------------

  /**
   * A local name of `node` as an address (Erlang `{Name, Node} ! Msg`):
   * local names stay node-local, and this reaches the one registered on
   * `node` (a node id, or the name of exactly one up node), resolved there
   * at every send. On this node it is `system.named(name)`.
   *
   * @example
   * ```ts
   * const db = system.cluster!.named(dbName, 'store-1');
   * await db.ask({ type: 'get', key: 'k' });
   * ```
   */
  named<M>(name: Name<M> | string, node: string): Address<M> {
    const n = nameOf(name);
    const where = this.resolveNode(node);
    return this.#tableOrThrow().book.named(n, where) as unknown as Address<M>;
  }

  /**
   * A name of the cluster registry as an address (Erlang `{global, Name}`),
   * resolved through this node's registry at every send; it can be
   * monitored (`ctx.monitor`) and used by timers. Needs
   * `openClusterRegistry(system)` on this node; until then it reaches
   * nothing.
   *
   * @example
   * ```ts
   * system.cluster!.global<CartMsg>('cart').tell({ type: 'add', item });
   * ```
   */
  global<M>(name: Name<M> | string): HolderAddress<M> {
    return this.#tableOrThrow().book.global(nameOf(name)) as unknown as HolderAddress<M>;
  }

  /**
   * A cluster process group as an address: `tell` broadcasts (one message
   * per hosting node), `ask` asks one member (a local one first). Needs
   * `openClusterGroups(system)` on this node.
   *
   * @example
   * ```ts
   * system.cluster!.group<Job>('workers').tell({ type: 'reload' });
   * ```
   */
  group<M>(group: GroupToken<M> | string): Address<M> {
    const g = typeof group === 'string' ? group : (group as { group?: unknown } | null)?.group;
    if (typeof g !== 'string' || g.length === 0) {
      throw new InvalidArgumentError('group', 'must be a non-empty string or a group(...) token');
    }
    return this.#tableOrThrow().book.group(g) as unknown as Address<M>;
  }

  /** The registry resolves this node's cluster names (`openClusterRegistry` sets it). */
  useNames(names: NameDirectory | undefined): void {
    this.#tableOrThrow().book.names = names;
  }

  /** The groups deliver other nodes' broadcasts here (`openClusterGroups` sets it). */
  useGroups(groups: GroupDirectory | undefined): void {
    this.#tableOrThrow().book.groups = groups;
  }

  /**
   * Sends one group broadcast to `node` (one frame, in order with this
   * node's other messages to it); its groups deliver it to their members.
   */
  sendGroup(nodes: readonly string[], group: string, message: unknown): void {
    this.#tableOrThrow().sendGroup(nodes, group, message, this.#host.current);
  }

  /** The port's name for {@link onExit} of a cluster pid (the registry and groups use it). */
  onExitOf(pid: WirePid, listener: () => void): () => void {
    return this.onExit(pid, listener);
  }

  /** A working ref of a cluster pid (`{ node, id }`): local, remote, or gone. */
  refOf<M = unknown>(pid: WirePid): ActorRef<M> {
    return this.#tableOrThrow().remote(pid.node, pid.id).ref as unknown as ActorRef<M>;
  }

  /** The cluster pid of a ref (this node's or another's). */
  pidOf(ref: ActorRef<never>): WirePid {
    const pid = this.#tableOrThrow().pidOf(ref as unknown as object);
    if (pid === undefined) throw new InvalidArgumentError('ref', 'must be a ref of this system');
    return pid;
  }

  #tableOrThrow(): RemoteTable {
    if (this.#table === undefined) throw new ClusterError(`node ${this.id} has not connected yet`);
    return this.#table;
  }

  // ---- spawning on another node --------------------------------------------

  /** The up node `where` names: a node id, or the name of exactly one up node. */
  resolveNode(where: string): string {
    if (where === this.id || where === this.name) return this.id;
    if (isNodeId(where) && this.isUp(where)) return where;
    const matches = this.nodes().filter((n) => nodeName(n) === where);
    const [only] = matches;
    if (matches.length === 1 && only !== undefined) return only;
    if (matches.length > 1) {
      throw new InvalidArgumentError(
        'node',
        `${where} names ${matches.length} up nodes; give a node id`,
      );
    }
    throw new NoConnectionError(`node ${where}`, where);
  }

  /** `spawn(def, { node })`: the stand-in here, the body there. */
  spawnOn(
    def: AnyDefinition,
    options: { node?: string } & object,
    parent: ActorProcess | null,
  ): ActorProcess {
    const table = this.#tableOrThrow();
    const node = this.resolveNode(options.node as string);
    const { node: _n, ...local } = options as Record<string, unknown>;
    if (node === this.id) return this.#host.spawnProcess(def, local, parent);
    const module = moduleOf(def);
    if (module === undefined) {
      throw new InvalidArgumentError(
        'node',
        'on another node a definition must be portable: portable(import.meta.url, exportName, definition)',
      );
    }
    const marks: WireMarks = { found: false };
    const args = toWire(local.args, table, marks);
    const { args: _a, ...rest } = local;
    const standIn = table.make(
      node,
      0,
      remoteStandIn(this, module, def.label, { args, marked: marks.found }),
      rest,
      parent,
    );
    standIn.standIn = true;
    // From now on, sends to that node's addresses wait behind this spawn (FIFO).
    table.spawnPending(standIn);
    return standIn;
  }

  /** Sends the spawn request of stand-in `p`; resolves with the remote pid. */
  requestSpawn(
    p: RemoteProcess,
    url: string,
    exportName: string,
    args: { args: unknown; marked: boolean },
  ): Promise<number> {
    return new Promise((resolve, reject) => {
      if (!this.isUp(p.node)) {
        reject(new NoConnectionError(`node ${p.node}`, p.node));
        return;
      }
      this.#spawning.set(p.pid, {
        node: p.node,
        settle: (r) => (typeof r === 'number' ? resolve(r) : reject(r)),
      });
      this.#transport?.send(
        p.node,
        JSON.stringify([OP.spawn, p.pid, url, exportName, args.marked ? 1 : 0, args.args]),
      );
    });
  }

  /** Binds stand-in `p` to its remote pid. */
  bindSpawned(p: RemoteProcess, id: number): void {
    this.#table?.bind(p, id);
    this.#table?.spawnSettled(p);
    p.release();
  }

  /** Sends a graceful stop, or a kill, to the remote body of a stand-in. */
  stopRemote(p: RemoteProcess, reason: import('../process/index.js').ExitReason | 'kill'): boolean {
    if (p.remoteId === 0 || !this.isUp(p.node)) return false;
    const table = this.#tableOrThrow();
    if (reason === 'kill') {
      this.#transport?.send(p.node, JSON.stringify([OP.kill, p.remoteId]));
      return true;
    }
    const marks: WireMarks = { found: false };
    const wire = toWire(reason, table, marks);
    this.#transport?.send(p.node, JSON.stringify([OP.stop, p.remoteId, marks.found ? 1 : 0, wire]));
    return true;
  }

  async #spawnHere(from: string, frame: readonly unknown[]): Promise<void> {
    const [, reqId, url, exportName, marked, rawArgs] = frame;
    const table = this.#tableOrThrow();
    const answer = (outcome: number | Error): void => {
      if (typeof outcome === 'number') {
        this.#transport?.send(from, JSON.stringify([OP.spawned, reqId, 1, outcome]));
        return;
      }
      const marks: WireMarks = { found: false };
      const wire = toWire(outcome, table, marks);
      this.#transport?.send(
        from,
        JSON.stringify([OP.spawned, reqId, 0, marks.found ? 1 : 0, wire]),
      );
    };
    try {
      if (typeof url !== 'string' || typeof exportName !== 'string' || typeof reqId !== 'number') {
        throw new InvalidArgumentError('spawn', 'a malformed spawn request');
      }
      if (!this.#spawnAllowed(url)) {
        throw new InvalidArgumentError('spawn', `this node does not load definitions from ${url}`);
      }
      const def = await importDefinition({ url, exportName });
      const args = marked === 1 ? fromWire(rawArgs, table) : rawArgs;
      const child = this.#host.spawnProcess(
        def as unknown as AnyDefinition,
        args === undefined ? undefined : { args },
        null,
      );
      // The child is linked to its stand-in: when the stand-in's node goes, so does the child.
      const standIn = table.remote(from, reqId);
      link(child, standIn, standIn.pid, false);
      answer(child.pid);
    } catch (error) {
      answer(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #spawnAllowed(url: string): boolean {
    const allow = this.#given.allowSpawn;
    if (allow === undefined) return url.startsWith('file:');
    return allow(url);
  }

  #spawned(frame: readonly unknown[]): void {
    const pending = this.#spawning.get(frame[1] as number);
    if (pending === undefined) return;
    this.#spawning.delete(frame[1] as number);
    if (frame[2] === 1 && typeof frame[3] === 'number') {
      pending.settle(frame[3]);
      return;
    }
    const error = frame[3] === 1 ? fromWire(frame[4], this.#tableOrThrow()) : frame[4];
    pending.settle(
      error instanceof Error ? error : new ClusterError(`spawn failed: ${String(error)}`),
    );
  }

  // ---- incoming ------------------------------------------------------------

  #batch(data: Uint8Array): void {
    const table = this.#table;
    if (table === undefined || this.#fenced !== undefined) return;
    let batch: ReturnType<typeof decodeBatch>;
    try {
      batch = decodeBatch(data);
    } catch (error) {
      this.#host.deadLetter(data, undefined, undefined, 'bad-frame', (error as Error).message);
      return;
    }
    const from = batch.from;
    if (!isNodeId(from)) {
      this.#host.deadLetter(batch.frames, undefined, undefined, 'bad-frame', 'bad sender node id');
      return;
    }
    if (this.isGone(from)) {
      // A downed incarnation stays down: its frames are dropped, and it is told.
      for (const frame of batch.frames)
        this.#host.deadLetter(frame, undefined, undefined, 'fenced', `node:${from}`);
      this.#transport?.notify(
        from,
        'fence',
        new TextEncoder().encode(JSON.stringify({ by: this.id })),
      );
      return;
    }
    for (const frame of batch.frames) {
      try {
        if (Array.isArray(frame) && frame[0] === OP.spawn) void this.#spawnHere(from, frame);
        else if (Array.isArray(frame) && frame[0] === OP.spawned) this.#spawned(frame);
        else table.receive(from, frame);
      } catch (error) {
        this.#host.deadLetter(frame, undefined, undefined, 'bad-frame', (error as Error).message);
      }
    }
  }

  #system(op: string, msg: Msg): void {
    if (op === 'hello') this.#membership?.onHello(msg);
    else if (op === 'fence') {
      let by = 'a peer';
      try {
        by = String((JSON.parse(decoder.decode(msg.data)) as { by?: unknown }).by ?? by);
      } catch {
        // The notice counts even when its detail does not decode.
      }
      if (this.#membership !== undefined)
        this.#membership.fence(`${by} says this node was declared down`);
    }
  }

  #noResponders(node: string): void {
    // Nothing subscribes for `node`: its connection is gone. Asks on it fail now, not at their timeout.
    this.#table?.failAsks(node);
    this.#host.deadLetter({ node }, undefined, undefined, 'noconnection', `node:${node}`);
  }

  // ---- node events ---------------------------------------------------------

  #emit(event: ClusterEvent): void {
    this.#events.emit(event);
  }

  #nodeDown(node: string, reason: 'down' | 'left'): void {
    this.#table?.nodeLost(node);
    for (const [pid, pending] of this.#spawning) {
      if (pending.node !== node) continue;
      this.#spawning.delete(pid);
      pending.settle(new NoConnectionError(`node ${node}`, node));
    }
    const monitors = this.#nodeMonitors.get(node);
    this.#nodeMonitors.delete(node);
    for (const deliver of monitors ?? []) deliver({ type: 'nodedown', node, reason });
    this.#emit({ type: 'nodedown', node, reason, at: Date.now() });
  }

  #fence(why: string): void {
    if (this.#fenced !== undefined) return;
    const error = new FencedError(this.id, why);
    this.#fenced = error;
    this.#transport?.close();
    this.#table?.closeAll();
    for (const [node, monitors] of this.#nodeMonitors) {
      for (const deliver of monitors) deliver({ type: 'nodedown', node, reason: 'fenced' });
    }
    this.#nodeMonitors.clear();
    this.#emit({ type: 'fenced', node: this.id, error, at: Date.now() });
    // It never serves again under this id: the system ends.
    void this.#shutdown();
  }

  /** Why this node was fenced, if it was. */
  get fenced(): FencedError | undefined {
    return this.#fenced;
  }

  /**
   * Leaves the cluster (the system's shutdown calls it once its processes
   * have stopped, so their DOWNs went out first): the member record is
   * removed — peers see `nodedown` with reason `left` — and a connection
   * the runtime opened is drained and closed.
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
    this.#beforeClose.add(hook);
    return () => {
      this.#beforeClose.delete(hook);
    };
  }

  async #close(): Promise<void> {
    clearInterval(this.#audit);
    await this.ready.catch(() => {});
    this.#transport?.flush();
    const hooks = [...this.#beforeClose].map((hook) => hook().catch(() => undefined));
    this.#beforeClose.clear();
    await Promise.all(hooks);
    if (this.#fenced === undefined) await this.#membership?.leave();
    else this.#membership?.stop();
    // Every watch made, and stopped, before a drain (see Membership.settled). A fenced node's
    // connection is closed outright instead, which fails a watch still being made.
    if (this.#fenced === undefined) await this.#membership?.settled();
    this.#transport?.close();
    this.#table?.closeAll();
    const nc = this.#nc;
    if (nc !== undefined && this.#given.connection === undefined && !nc.isClosed()) {
      // A fenced node may be cut off: a drain would wait on a server it cannot reach.
      if (this.#fenced !== undefined) await nc.close().catch(() => {});
      else await drainWithin(nc, this.options.joinTimeout);
    }
  }
}
