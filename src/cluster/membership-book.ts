import { Departures } from './membership-departures.js';
import { beatCounts, countVoters, type MemberRecord } from './membership-policy.js';

/**
 * Who is who, as one node's membership knows it: the up peers (those that
 * answered a hello) with when each was last heard, the members still
 * silent since the join (candidates), the incarnations that went
 * (departures), and what the member table says of each member. The
 * membership's protocol (`membership.ts`) changes it; the rules of who
 * counts are here.
 *
 * @module
 */

/** An up peer: when it was last heard, and whether it is reachable. */
export interface Peer {
  lastSeen: number;
  reachable: boolean;
  /** The number of its last heartbeat that counted (a beat must number above it). */
  seq: number;
}

/**
 * Counts a heartbeat of `peer` heard at `now` when it is a sign of life (see {@link beatCounts});
 * false for junk or a replay, which leave the peer as it was.
 *
 * @example
 * ```ts
 * if (countBeat(peer, data, Date.now()) && !peer.reachable) peer.reachable = true;
 * ```
 */
export function countBeat(peer: Peer, data: Uint8Array, now: number): boolean {
  const seq = beatCounts(data, peer.seq);
  if (seq === undefined) return false;
  peer.seq = seq;
  peer.lastSeen = now;
  return true;
}

/**
 * The membership's book of peers.
 *
 * @example
 * ```ts
 * const book = new MemberBook('a_1');
 * book.listed([['b_2', { name: 'b', status: 'up', suspects: [], at: 0 }]]);
 * if (book.add('b_2', Date.now())) console.log('b_2 is up');
 * ```
 */
export class MemberBook {
  readonly #self: string;
  /** Peers that answered a hello: the up members as this node sees them. */
  readonly view = new Map<string, Peer>();
  /** Members in the table that never answered: suspected if they stay silent. */
  readonly candidates = new Map<string, number>();
  /** Incarnations declared down or gone: never up again (forgotten after the retention). */
  readonly gone = new Departures();
  /** Members whose record in the table says `joining` or `up`, as listed then watched. */
  readonly #inTable = new Map<string, 'joining' | 'up'>();
  /** Whether the watch's snapshot is in: from then on, a node absent from the table has no record. */
  #complete = false;
  /** The members a snapshot being delivered has shown so far (a new watch's). */
  #shown: Set<string> | undefined;
  /** Resolves once the first snapshot is in, or once no snapshot is awaited any more (stopped). */
  readonly firstSnapshot: Promise<void>;
  /** Ends the wait on {@link firstSnapshot}. */
  readonly endSnapshotWait: () => void;

  constructor(self: string) {
    this.#self = self;
    let end = (): void => {};
    this.firstSnapshot = new Promise<void>((resolve) => {
      end = resolve;
    });
    this.endSnapshotWait = end;
  }

  /** Records the table as listed at the join. */
  listed(members: readonly (readonly [string, MemberRecord])[]): void {
    for (const [id, record] of members) this.recorded(id, record.status);
  }

  /** What the table now says of `id` (undefined: no record any more). */
  recorded(id: string, status: MemberRecord['status'] | undefined): void {
    this.#shown?.add(id);
    if (status === 'joining' || status === 'up') this.#inTable.set(id, status);
    else this.#inTable.delete(id);
    if (status === undefined) this.gone.recordGone(id);
  }

  /** A new watch starts: its snapshot is the table (a removal missed meanwhile shows as absence). */
  restarted(): void {
    this.#shown = new Set();
  }

  /** The watch's snapshot is in: a member it did not show has no record any more. */
  complete(): void {
    this.#complete = true;
    this.endSnapshotWait();
    const shown = this.#shown;
    this.#shown = undefined;
    if (shown === undefined) return;
    for (const id of [...this.#inTable.keys()]) if (!shown.has(id)) this.recorded(id, undefined);
  }

  /**
   * Whether `node` is, as far as this node's copy of the table goes, a
   * stranger: not up here, not being greeted, and without a record in the
   * complete table (pruned, left, made up). Acting on it for good waits for
   * the table's own word (a record may simply not be watched in yet).
   */
  isStranger(node: string, greeting: boolean): boolean {
    if (node === this.#self || !this.#complete || greeting) return false;
    return !this.view.has(node) && !this.#inTable.has(node);
  }

  /** Adds `node` to the up peers; false when it is this node, up already, or gone. */
  add(node: string, now: number): boolean {
    if (node === this.#self || this.view.has(node) || this.gone.has(node)) return false;
    this.candidates.delete(node);
    this.view.set(node, { lastSeen: now, reachable: true, seq: 0 });
    return true;
  }

  /** `node` went (`left`: it has no record any more); false when it is this node or went already. */
  remove(node: string, now: number, reason: 'down' | 'left'): boolean {
    if (node === this.#self || !this.gone.add(node, now, reason === 'left')) return false;
    this.view.delete(node);
    this.candidates.delete(node);
    return true;
  }

  /**
   * `node`'s record was deleted (it left, or its `down` record was pruned): true when that is
   * news to report (`nodedown`, `left`) — it was up or waited for here. Any other is remembered
   * silently: a delete marker replayed by a new watch's snapshot after the departure was
   * forgotten (its marker outlives it until a purge; a purge may fail) is no second `nodedown`,
   * and an incarnation never up here has no `nodeup` to match.
   */
  deleted(node: string, now: number): boolean {
    if (this.view.has(node) || this.candidates.has(node)) return this.remove(node, now, 'left');
    if (node !== this.#self) this.gone.add(node, now, true);
    return false;
  }

  /** When each peer and candidate was last heard (candidates: since when they are waited for). */
  lastSeen(): Map<string, number> {
    const seen = new Map<string, number>();
    for (const [id, peer] of this.view) seen.set(id, peer.lastSeen);
    for (const [id, since] of this.candidates) seen.set(id, since);
    return seen;
  }

  /** Who votes on a suspicion: this node and each reachable peer whose record says `up`. */
  voters(): number {
    return countVoters(this.view, { has: (id) => this.#inTable.get(id) === 'up' });
  }
}
