import type { KV } from '@nats-io/kv';
import type { Msg } from '@nats-io/nats-core';
import { countBeat, MemberBook } from './membership-book.js';
import { answerHello, greet, type HandshakeContext } from './membership-handshake.js';
import { type MemberRecord, parseHello } from './membership-policy.js';
import { OwnPulse } from './membership-pulse.js';
import {
  createMemberRecord,
  json,
  listMembers,
  tableSays,
  voteAgainst,
} from './membership-table.js';
import { type MemberChange, MemberTableWatch } from './membership-watch.js';
import type { ResolvedClusterOptions } from './options.js';
import type { NodeTransport } from './transport.js';

/**
 * Who is in the cluster, and who is not any more. The member table is a
 * JetStream KV bucket (key = node id): a node writes itself `joining`,
 * shakes hands with every member (`hello`), then writes itself `up`.
 * Liveness is heartbeats over core NATS; a peer silent past the acceptable
 * pause is *unreachable* (local, reversible) and this node records its
 * suspicion in the peer's record with compare-and-set; enough suspicions
 * make the verdict `down`, which every node applies from its watch. Only a
 * node that reaches a JetStream majority can write, so a minority side of
 * a partition declares nobody down. A declared-down node stays down: its
 * heartbeats and frames are answered with `fence`, and it ends its system.
 * A node counts only while it has a record in the table: once a `down`
 * record is pruned (after the down retention, see `membership-departures.ts`),
 * an incarnation without one is refused exactly like a downed one.
 *
 * @module
 */

/** What membership reports to its node. */
export interface MembershipEvents {
  up(node: string): void;
  down(node: string, reason: 'down' | 'left'): void;
  unreachable(node: string): void;
  reachable(node: string): void;
  fenced(why: string): void;
  /** The connection closed for good while this node was up: the node decides whether that fences it. */
  connectionClosed(why: string): void;
}

/** The member table and the failure detector of one node. */
export class Membership {
  readonly #self: string;
  readonly #name: string;
  readonly #kv: KV;
  readonly #transport: NodeTransport;
  readonly #options: ResolvedClusterOptions;
  readonly #events: MembershipEvents;
  /** Who is up, waited for, gone, and what the table says of each. */
  readonly #book: MemberBook;
  readonly #hellos = new Set<string>();
  readonly #voting = new Set<string>();
  readonly #verifying = new Set<string>();
  readonly #watch: MemberTableWatch;
  readonly #handshake: HandshakeContext;
  /** Its own heartbeats and its last sight of them. */
  readonly #pulse: OwnPulse;
  #timers: NodeJS.Timeout[] = [];
  #state: 'new' | 'up' | 'leaving' | 'stopped' = 'new';
  /** Where {@link join} is (a join that fails names the step). */
  joinStep = 'starting';

  constructor(
    self: string,
    name: string,
    kv: KV,
    transport: NodeTransport,
    options: ResolvedClusterOptions,
    events: MembershipEvents,
  ) {
    this.#self = self;
    this.#name = name;
    this.#kv = kv;
    this.#transport = transport;
    this.#options = options;
    this.#events = events;
    this.#book = new MemberBook(self);
    this.#pulse = new OwnPulse(transport, options, Date.now());
    const { joinTimeout, acceptablePause } = options;
    const stopped = (): boolean => this.#state === 'stopped';
    this.#handshake = { self, kv, transport, joinTimeout, acceptablePause, stopped };
    this.#watch = new MemberTableWatch(kv, options.heartbeatInterval, {
      change: (change) => this.#onChange(change),
      restarted: () => this.#book.restarted(),
      complete: () => this.#book.complete(),
    });
    // However the connection ends, the watch ends with it (left running, it throws from a timer).
    // Closed for good under a node still up, it can never serve again under its id.
    void transport.nc
      .closed()
      .then((error) => {
        const wasUp = this.#state === 'up';
        this.stop();
        const why = error instanceof Error ? `: ${error.message}` : '';
        if (wasUp) events.connectionClosed(`its NATS connection closed for good${why}`);
      })
      .catch(() => undefined);
  }

  /** The up peers (not this node). */
  get peers(): string[] {
    return [...this.#book.view.keys()];
  }

  isUp(node: string): boolean {
    return node === this.#self ? this.#state === 'up' : this.#book.view.has(node);
  }

  /** Whether `node` was declared down or left, as this node saw (remembered for the retention). */
  isGone(node: string): boolean {
    return this.#book.gone.has(node);
  }

  /** Not up here, no record in this node's complete copy of the table: its traffic is refused. */
  isStranger(node: string): boolean {
    return this.#book.isStranger(node, this.#hellos.has(node));
  }

  /** Whether the table says `node` is gone (no record, or `down`; false when unreadable): what a release or a fence notice waits on. */
  async confirmGone(node: string): Promise<boolean> {
    return this.#book.gone.has(node) || (await tableSays(this.#kv, node, true)) !== 'member';
  }

  /** Whether `node` is gone here or, asked, in the table (then gone here too; see `deleted`). */
  async #goneHereOrThere(node: string): Promise<boolean> {
    if (this.#book.gone.has(node)) return true;
    const where = await tableSays(this.#kv, node, true);
    if (where === 'left' && this.#book.deleted(node, Date.now())) this.#events.down(node, 'left');
    else if (where === 'down') this.#nodeGone(node, where);
    return where !== 'member';
  }

  /** Traffic from `node` that is not up here: it is told to fence if the table says it is gone. */
  refuse(node: string): void {
    if (this.#book.gone.has(node)) this.#tellFenced(node);
    else void this.#verify(node).catch(() => undefined);
  }

  async #verify(node: string): Promise<void> {
    if (this.#verifying.has(node)) return;
    this.#verifying.add(node);
    try {
      if (await this.#goneHereOrThere(node)) this.#tellFenced(node);
      else if (this.#state === 'up') await this.#hello(node, false);
    } finally {
      this.#verifying.delete(node);
    }
  }

  #tellFenced(node: string): void {
    if (this.#state !== 'stopped') this.#transport.notify(node, 'fence', json({ by: this.#self }));
  }

  #record(status: MemberRecord['status']): Uint8Array {
    return json({ name: this.#name, status, suspects: [], at: Date.now() } satisfies MemberRecord);
  }

  /** Joins: record, handshake with every member, `up`, the table watched in; rejects (beating no more) on failure or stop. */
  async join(): Promise<void> {
    try {
      await this.#join();
    } catch (error) {
      this.stop();
      throw error;
    }
  }

  async #join(): Promise<void> {
    // After each step: stopped meanwhile, it goes no further.
    this.joinStep = 'writing its record joining';
    const deadline = Date.now() + this.#options.joinTimeout;
    const revision = await createMemberRecord(
      this.#kv,
      this.#self,
      this.#record('joining'),
      deadline,
    );
    await this.#abandonIfStopped();
    // Heartbeats start now: a peer that answered our hello counts us up and expects them.
    const { heartbeatInterval } = this.#options;
    this.#timers.push(setInterval(() => this.#pulse.beat(), heartbeatInterval).unref());
    this.#pulse.beat();
    this.joinStep = 'listing the members';
    const members = await this.#members();
    await this.#abandonIfStopped();
    this.joinStep = 'shaking hands';
    await Promise.all(
      members
        .filter(([id, r]) => id !== this.#self && r.status !== 'down')
        .map(([id]) => this.#hello(id, true)),
    );
    await this.#abandonIfStopped();
    this.joinStep = 'writing its record up';
    await this.#kv.update(this.#self, this.#record('up'), revision);
    await this.#abandonIfStopped();
    this.joinStep = 'reading the member table';
    this.#state = 'up';
    this.#pulse.restart(Date.now());
    this.#timers.push(setInterval(() => this.#check(), heartbeatInterval).unref());
    const { downRetention } = this.#options;
    const every = Math.max(heartbeatInterval, Math.min(downRetention / 2, 60_000));
    const prune = (): void => {
      if (this.#state === 'up') this.#book.gone.pruneRound(this.#kv, downRetention);
    };
    this.#timers.push(setInterval(prune, every).unref());
    this.#watch.start();
    // Ready once the table is watched in: until then a made-up node's pid is not known as such.
    await this.#book.firstSnapshot;
    this.joinStep = 'up';
  }

  /** Stopped meanwhile (connection closed, join given up): no coming up, and its record goes. */
  async #abandonIfStopped(): Promise<void> {
    if (this.#state !== 'stopped') return;
    this.#stopTimers();
    await this.#kv.delete(this.#self).catch(() => {});
    throw new Error('stopped while joining');
  }

  async #members(): Promise<[string, MemberRecord][]> {
    const members = await listMembers(this.#kv);
    this.#book.listed(members);
    return members;
  }

  /** Shakes hands with `node`; on success it is up. A silent listed member becomes a candidate. */
  async #hello(node: string, joining: boolean): Promise<void> {
    const book = this.#book;
    if (this.#hellos.has(node) || book.gone.has(node) || book.view.has(node)) return;
    this.#hellos.add(node);
    try {
      const greeting = await greet(this.#handshake, node, joining);
      if (greeting.outcome === 'answered') this.#add(node);
      else if (greeting.outcome === 'told-down') {
        this.fence(`${node} says this node was declared down`);
      } else if (greeting.outcome === 'gone') this.#nodeGone(node, greeting.where);
      else if (joining && !book.view.has(node)) book.candidates.set(node, Date.now());
    } finally {
      this.#hellos.delete(node);
    }
  }

  #add(node: string): void {
    if (this.#book.add(node, Date.now())) this.#events.up(node);
  }

  /** A `hello` request from another node; a reply it cannot send is dropped (see {@link answerHello}). */
  async onHello(msg: Msg): Promise<void> {
    const id = parseHello(msg.data).id;
    if (id === undefined) return;
    // Only a node with a record counts: one without (pruned, left, made up) is told it is down.
    if (!this.#book.view.has(id) && (await this.#goneHereOrThere(id))) {
      if (this.#state !== 'stopped') answerHello(msg, { down: true });
      return;
    }
    if (this.#state !== 'up' && this.#state !== 'new') return;
    this.#add(id);
    answerHello(msg, { id: this.#self });
  }

  /** A fence notice (anyone may publish one): only the member table's own word ends this node. */
  async onFenceNotice(by: string): Promise<void> {
    if (await this.confirmGone(this.#self)) this.fence(`${by} says this node was declared down`);
  }

  /** A heartbeat (this node's own, echoed by the server, proves it is connected). */
  onHeartbeat(node: string, data: Uint8Array): void {
    const now = Date.now();
    if (node === this.#self) {
      this.#pulse.heard(now);
      return;
    }
    if (this.#book.gone.has(node)) {
      this.#tellFenced(node);
      return;
    }
    const peer = this.#book.view.get(node);
    if (peer === undefined) {
      // Met only through the table: fenced when it has no record there, else greeted.
      if (this.#state === 'up') void this.#verify(node).catch(() => undefined);
      return;
    }
    if (!countBeat(peer, data, now)) return;
    if (!peer.reachable) {
      peer.reachable = true;
      this.#events.reachable(node);
    }
  }

  #fenceCutOff(): void {
    this.fence(`cut off from NATS for more than ${this.#options.fenceAfter} ms`);
  }

  #check(): void {
    if (this.#state !== 'up') return;
    const now = Date.now();
    const verdict = this.#pulse.check(now, this.#book.lastSeen());
    if (verdict.cutOff) {
      this.#fenceCutOff();
      return;
    }
    if (verdict.stalled) {
      // The silence was this node's own: give everyone a fresh start.
      for (const peer of this.#book.view.values()) peer.lastSeen = now;
      return;
    }
    for (const id of verdict.unreachable) {
      const peer = this.#book.view.get(id);
      if (peer?.reachable === true) {
        peer.reachable = false;
        this.#events.unreachable(id);
      }
      void this.#vote(id);
    }
  }

  /** Records this node's suspicion of `node` with compare-and-set; with enough, the verdict. */
  async #vote(node: string): Promise<void> {
    if (this.#voting.has(node) || this.#book.gone.has(node)) return;
    this.#voting.add(node);
    try {
      const voters = (): number => this.#book.voters();
      const ttl = this.#options.acceptablePause * 3;
      const verdict = await voteAgainst(this.#kv, node, this.#self, ttl, voters);
      if (verdict !== 'member') this.#nodeGone(node, verdict);
    } catch {
      // KV unavailable: no verdict from here (a minority cannot declare anyone down).
    } finally {
      this.#voting.delete(node);
    }
  }

  /**
   * The connection is back (a failover): beats at once (once beating: before its record exists
   * a beat is fenced), then watches the table anew. The NATS client drops what was published while
   * disconnected (each dial empties its buffer): else peers hear this node only at its next tick.
   * Silent past the fence time, it fences first: the beat's echo would hide the silence.
   */
  reconnected(): void {
    if (this.#state === 'up' && this.#pulse.isCutOff(Date.now())) {
      this.#fenceCutOff();
      return;
    }
    if (this.#timers.length > 0) this.#pulse.beat();
    if (this.#state === 'up') this.#watch.rewatch();
  }

  #onChange({ id, record, deleted }: MemberChange): void {
    this.#book.recorded(id, record?.status);
    if (deleted) {
      if (id === this.#self) {
        if (this.#state === 'up') this.fence('removed from the member table');
      } else if (this.#book.deleted(id, Date.now())) this.#events.down(id, 'left');
      return;
    }
    if (record === undefined) return;
    if (record.status === 'down') {
      if (id === this.#self) this.fence(`declared down by ${record.downBy ?? 'the cluster'}`);
      else this.#nodeGone(id, 'down');
      return;
    }
    if (record.status === 'up' && id !== this.#self && !this.#book.view.has(id)) {
      void this.#hello(id, true).catch(() => undefined);
    }
  }

  #nodeGone(node: string, reason: 'down' | 'left'): void {
    if (this.#book.remove(node, Date.now(), reason)) this.#events.down(node, reason);
  }

  /** This node learned it was declared down, or was cut off: it ends, never to serve again. */
  fence(why: string): void {
    if (this.#state === 'stopped') return;
    this.stop();
    this.#events.fenced(why);
  }

  /** Leaves gracefully: removes its record so peers see `nodedown` with reason `left`. */
  async leave(): Promise<void> {
    if (this.#state !== 'up') {
      this.stop();
      return;
    }
    this.#state = 'leaving';
    this.#stopTimers();
    try {
      await this.#kv.delete(this.#self);
    } catch {
      // KV unavailable: peers will find this node silent and declare it down.
    }
    this.stop();
  }

  #stopTimers(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
  }

  stop(): void {
    this.#state = 'stopped';
    this.#stopTimers();
    this.#watch.stop();
    this.#book.endSnapshotWait();
  }

  /**
   * Resolves once the member-table watch loop has returned after {@link stop} (a watch being
   * made is made and stopped first) and a prune round under way (its KV consumers) is over.
   * Only then may the connection drain: a watch finished on a draining connection leaves its
   * heartbeat monitor's interval running forever.
   */
  async settled(): Promise<void> {
    await Promise.all([this.#watch.settled(), this.#book.gone.pruning]);
  }
}
