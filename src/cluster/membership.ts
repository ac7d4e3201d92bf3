import type { KV } from '@nats-io/kv';
import type { Msg } from '@nats-io/nats-core';
import {
  countVoters,
  judgeLiveness,
  type MemberRecord,
  parseHello,
  parseMember,
} from './membership-policy.js';
import { json, listMembers, standing, voteAgainst } from './membership-table.js';
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
}

interface Peer {
  lastSeen: number;
  reachable: boolean;
}

/** The member table and the failure detector of one node. */
export class Membership {
  readonly #self: string;
  readonly #name: string;
  readonly #kv: KV;
  readonly #transport: NodeTransport;
  readonly #options: ResolvedClusterOptions;
  readonly #events: MembershipEvents;
  /** Peers that answered a hello: the up members as this node sees them. */
  readonly #view = new Map<string, Peer>();
  /** Members in the table that never answered: suspected if they stay silent. */
  readonly #candidates = new Map<string, number>();
  /** Node ids declared down or gone: never up again. */
  readonly #gone = new Set<string>();
  readonly #hellos = new Set<string>();
  readonly #voting = new Set<string>();
  /** Members whose record in the table says `up`: only they vote (a joining node judges nobody). */
  readonly #upInTable = new Set<string>();
  #ownLastSeen = Date.now();
  #lastCheck = Date.now();
  #timers: NodeJS.Timeout[] = [];
  #watch: { stop(): void } | undefined;
  /** The member-table watch loop, until it has returned (see {@link Membership.settled}). */
  #watching: Promise<void> = Promise.resolve();
  #state: 'new' | 'up' | 'leaving' | 'stopped' = 'new';
  /** Where {@link join} is (a join that fails names the step). */
  joinStep = 'starting';
  #seq = 0;

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
    // However the connection ends, the watch ends with it (left running, it throws from a timer).
    void transport.nc.closed().then(() => this.stop());
  }

  /** The up peers (not this node). */
  get peers(): string[] {
    return [...this.#view.keys()];
  }

  isUp(node: string): boolean {
    return node === this.#self ? this.#state === 'up' : this.#view.has(node);
  }

  isGone(node: string): boolean {
    return this.#gone.has(node);
  }

  #record(status: MemberRecord['status']): Uint8Array {
    return json({ name: this.#name, status, suspects: [], at: Date.now() } satisfies MemberRecord);
  }

  /** Joins: record, handshake with every member, then `up`; rejects (beating no more) on failure or stop. */
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
    const revision = await this.#kv.create(this.#self, this.#record('joining'));
    await this.#abandonIfStopped();
    // Heartbeats start now: a peer that answered our hello counts us up and expects them.
    const { heartbeatInterval } = this.#options;
    this.#timers.push(setInterval(() => this.#beat(), heartbeatInterval).unref());
    this.#beat();
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
    this.joinStep = 'up';
    this.#state = 'up';
    this.#ownLastSeen = Date.now();
    this.#lastCheck = Date.now();
    this.#timers.push(setInterval(() => this.#check(), heartbeatInterval).unref());
    this.#watching = this.#watchTable();
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
    for (const [id, record] of members) if (record.status === 'up') this.#upInTable.add(id);
    return members;
  }

  /** Shakes hands with `node`; on success it is up. A silent member becomes a candidate. */
  async #hello(node: string, joining: boolean): Promise<void> {
    if (this.#hellos.has(node) || this.#gone.has(node) || this.#view.has(node)) return;
    this.#hellos.add(node);
    const deadline = Date.now() + this.#options.joinTimeout;
    let recheck = Date.now() + this.#options.acceptablePause;
    try {
      while (Date.now() < deadline && this.#state !== 'stopped') {
        // A joining node waits for a silent member only while the table still lists it.
        if (joining && Date.now() >= recheck) {
          recheck = Date.now() + this.#options.acceptablePause;
          if (await this.#goneFromTable(node)) return;
        }
        try {
          const reply = await this.#transport.request(
            node,
            'hello',
            json({ id: this.#self }),
            Math.max(50, deadline - Date.now()),
          );
          if ((this.#state as string) === 'stopped') return; // stopped while asking
          const answer = parseHello(reply.data);
          if (answer.down) {
            this.fence(`${node} says this node was declared down`);
            return;
          }
          if (answer.id === node) this.#add(node);
          return;
        } catch {
          // No responders yet (interest still propagating) or a timeout: retry until the deadline.
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      if (joining && !this.#view.has(node)) this.#candidates.set(node, Date.now());
    } finally {
      this.#hellos.delete(node);
    }
  }

  /** Whether `node`'s record is gone or `down` (then it is gone here too); false when KV is unreachable. */
  async #goneFromTable(node: string): Promise<boolean> {
    try {
      const where = await standing(this.#kv, node);
      if (where === 'member') return false;
      this.#nodeGone(node, where);
      return true;
    } catch {
      return false;
    }
  }

  #add(node: string): void {
    if (node === this.#self || this.#view.has(node) || this.#gone.has(node)) return;
    this.#candidates.delete(node);
    this.#view.set(node, { lastSeen: Date.now(), reachable: true });
    this.#events.up(node);
  }

  /** A `hello` request from another node. */
  onHello(msg: Msg): void {
    const id = parseHello(msg.data).id;
    if (id === undefined) return;
    if (this.#gone.has(id)) {
      msg.respond(json({ down: true }));
      return;
    }
    if (this.#state !== 'up' && this.#state !== 'new') return;
    this.#add(id);
    msg.respond(json({ id: this.#self }));
  }

  /** A heartbeat (this node's own, echoed by the server, proves it is connected). */
  onHeartbeat(node: string): void {
    const now = Date.now();
    if (node === this.#self) {
      this.#ownLastSeen = now;
      return;
    }
    if (this.#gone.has(node)) {
      this.#transport.notify(node, 'fence', json({ by: this.#self }));
      return;
    }
    const peer = this.#view.get(node);
    if (peer === undefined) {
      if (this.#state === 'up') void this.#hello(node, false);
      return;
    }
    peer.lastSeen = now;
    if (!peer.reachable) {
      peer.reachable = true;
      this.#events.reachable(node);
    }
  }

  #beat(): void {
    this.#transport.heartbeat(json({ seq: ++this.#seq, at: Date.now() }));
  }

  #check(): void {
    if (this.#state !== 'up') return;
    const now = Date.now();
    const seen = new Map<string, number>();
    for (const [id, peer] of this.#view) seen.set(id, peer.lastSeen);
    for (const [id, since] of this.#candidates) seen.set(id, since);
    const { heartbeatInterval, acceptablePause, fenceAfter } = this.#options;
    const verdict = judgeLiveness(
      now,
      this.#lastCheck,
      heartbeatInterval,
      acceptablePause,
      fenceAfter,
      this.#ownLastSeen,
      seen,
    );
    this.#lastCheck = now;
    if (verdict.cutOff) {
      this.fence(`cut off from NATS for more than ${fenceAfter} ms`);
      return;
    }
    if (verdict.stalled) {
      // The silence was this node's own: give everyone a fresh start.
      for (const peer of this.#view.values()) peer.lastSeen = now;
      return;
    }
    for (const id of verdict.unreachable) {
      const peer = this.#view.get(id);
      if (peer?.reachable === true) {
        peer.reachable = false;
        this.#events.unreachable(id);
      }
      void this.#vote(id);
    }
  }

  /** Records this node's suspicion of `node` with compare-and-set; with enough, the verdict. */
  async #vote(node: string): Promise<void> {
    if (this.#voting.has(node) || this.#gone.has(node)) return;
    this.#voting.add(node);
    try {
      const voters = (): number => countVoters(this.#view, this.#upInTable);
      const ttl = this.#options.acceptablePause * 3;
      const verdict = await voteAgainst(this.#kv, node, this.#self, ttl, voters);
      if (verdict !== 'member') this.#nodeGone(node, verdict);
    } catch {
      // KV unavailable: no verdict from here (a minority cannot declare anyone down).
    } finally {
      this.#voting.delete(node);
    }
  }

  async #watchTable(): Promise<void> {
    while (this.#state === 'up') {
      try {
        const iterator = await this.#kv.watch();
        // Stopped while the watch was being made: a watch left running would outlive the connection.
        if (this.#state !== 'up') {
          iterator.stop();
          return;
        }
        this.#watch = iterator;
        for await (const entry of iterator) this.#onEntry(entry.key, entry.operation, entry);
      } catch {
        // The watch broke (a server restart): make a new one.
      }
      if (this.#state !== 'up') return;
      await new Promise((r) => setTimeout(r, this.#options.heartbeatInterval).unref());
    }
  }

  /**
   * Makes the member-table watch again, from a fresh snapshot (after a reconnect: its consumer
   * may not have survived the server; the client's own recovery waits for two missed 5 s beats).
   */
  rewatch(): void {
    if (this.#state === 'up') this.#watch?.stop();
  }

  #onEntry(key: string, operation: string, entry: { string(): string }): void {
    this.#upInTable.delete(key);
    if (operation !== 'PUT') {
      if (key === this.#self) {
        if (this.#state === 'up') this.fence('removed from the member table');
      } else this.#nodeGone(key, 'left');
      return;
    }
    const record = parseMember(entry.string());
    if (record === undefined) return;
    if (record.status === 'up') this.#upInTable.add(key);
    if (record.status === 'down') {
      if (key === this.#self) this.fence(`declared down by ${record.downBy ?? 'the cluster'}`);
      else this.#nodeGone(key, 'down');
      return;
    }
    if (record.status === 'up' && key !== this.#self && !this.#view.has(key)) {
      void this.#hello(key, true);
    }
  }

  #nodeGone(node: string, reason: 'down' | 'left'): void {
    if (node === this.#self || this.#gone.has(node)) return;
    this.#gone.add(node);
    this.#view.delete(node);
    this.#candidates.delete(node);
    this.#events.down(node, reason);
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
    this.#watch?.stop();
  }

  /**
   * Resolves once the member-table watch loop has returned after {@link stop} (a watch being
   * made is made and stopped first). Only then may the connection drain: a watch finished on
   * a draining connection leaves its heartbeat monitor's interval running forever.
   */
  settled(): Promise<void> {
    return this.#watching;
  }
}
