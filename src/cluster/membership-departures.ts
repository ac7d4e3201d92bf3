import type { Bucket, KV } from '@nats-io/kv';
import { type MemberRecord, parseMember } from './membership-policy.js';
import { tableKeys } from './membership-table.js';

/**
 * Departed incarnations, kept bounded. A node remembers each incarnation it
 * saw declared down or leave, and the member table keeps each `down` record,
 * only for the down retention: every up node deletes `down` records older
 * than that (compare-and-set) and then purges the delete markers older than
 * that, and forgets a departure once its record is gone and the retention
 * has passed. What keeps "a node declared down stays down" after that is
 * the rule that a node counts only while it has a record in the table: an
 * incarnation with none (pruned, left, never there) is refused like a
 * downed one (see `Membership`).
 *
 * @module
 */

/** One incarnation this node saw go: when, and whether its record has left the table since. */
interface Departure {
  readonly at: number;
  recordGone: boolean;
}

/**
 * The incarnations this node saw declared down or leave, each kept until its
 * member record is gone and the retention has passed since it went.
 *
 * @example
 * ```ts
 * const departures = new Departures();
 * departures.add('web-2_k3v9', Date.now());
 * departures.has('web-2_k3v9'); // true
 * departures.recordGone('web-2_k3v9');
 * departures.prune(Date.now() + retention + 1, retention); // forgotten
 * ```
 */
export class Departures {
  readonly #gone = new Map<string, Departure>();
  #round: Promise<void> | undefined;

  /** The prune round under way, if any (a node's shutdown waits for its KV requests). */
  get pruning(): Promise<void> | undefined {
    return this.#round;
  }

  /**
   * Starts a {@link pruneTable} round unless one is under way (rounds never overlap); `now` is
   * the wall clock the records' `at` was written by (injected by tests).
   */
  pruneRound(kv: KV, retention: number, now: () => number = Date.now): void {
    if (this.#round !== undefined) return;
    this.#round = this.pruneTable(kv, retention, now)
      .catch(() => undefined)
      .finally(() => {
        this.#round = undefined;
      });
  }

  /** Whether `node` is remembered as gone. */
  has(node: string): boolean {
    return this.#gone.has(node);
  }

  /** How many incarnations are remembered (bounded by the retention). */
  get size(): number {
    return this.#gone.size;
  }

  /** Remembers `node` as gone at `now` (`recordGone`: it has no record); false when it already was. */
  add(node: string, now: number, recordGone = false): boolean {
    if (this.#gone.has(node)) return false;
    this.#gone.set(node, { at: now, recordGone });
    return true;
  }

  /** Notes that `node`'s record left the table (deleted or pruned). */
  recordGone(node: string): void {
    const departure = this.#gone.get(node);
    if (departure !== undefined) departure.recordGone = true;
  }

  /**
   * Forgets each departure whose record is gone and that went more than
   * `retention` ms before `now`, and any that went more than twice that
   * (its record's delete was missed, as by a watch made again); returns how
   * many it forgot. One whose record is still in the table is kept until
   * then: the record's removal arrives as a delete, which must find it here
   * (or it would read as a fresh `left`).
   */
  prune(now: number, retention: number): number {
    let forgotten = 0;
    for (const [node, departure] of this.#gone) {
      const age = now - departure.at;
      if ((departure.recordGone && age > retention) || age > retention * 2) {
        this.#gone.delete(node);
        forgotten++;
      }
    }
    return forgotten;
  }

  /**
   * One pruning round: the table's expired `down` records and markers
   * ({@link pruneDownRecords}), then the departures past the retention.
   * An unreachable table is left to the next round.
   */
  async pruneTable(kv: KV, retention: number, now: () => number = Date.now): Promise<void> {
    try {
      for (const id of await pruneDownRecords(kv, now(), retention)) this.recordGone(id);
    } catch {
      // KV unavailable: the next round prunes.
    }
    this.prune(now(), retention);
  }
}

/**
 * The `down` records to delete at `now`: those whose verdict (`at`) is
 * older than `retention`. Other records are never pruned (a member's own,
 * or a leaver's, which it deletes itself).
 *
 * @example
 * ```ts
 * expiredDownRecords([['b_1', { name: 'b', status: 'down', suspects: [], at: 0 }, 7]], 60_001, 60_000);
 * // [['b_1', 7]]
 * ```
 */
export function expiredDownRecords(
  records: readonly (readonly [string, MemberRecord, number])[],
  now: number,
  retention: number,
): [string, number][] {
  const out: [string, number][] = [];
  for (const [id, record, revision] of records) {
    if (record.status === 'down' && now - record.at > retention) out.push([id, revision]);
  }
  return out;
}

/**
 * Removes from the table the `down` records older than `retention` (each a
 * compare-and-set delete at the revision read, so a record that changed
 * meanwhile is left), then the delete markers older than `retention` (the
 * deletes' own and those of nodes that left): nothing of a departed
 * incarnation stays past about twice the retention. Returns the ids whose
 * records it deleted. Throws when the table cannot be reached.
 *
 * @example
 * ```ts
 * const pruned = await pruneDownRecords(kv, Date.now(), 15 * 60_000);
 * ```
 */
export async function pruneDownRecords(kv: KV, now: number, retention: number): Promise<string[]> {
  const records: [string, MemberRecord, number][] = [];
  const markers: [string, number][] = [];
  for (const id of await tableKeys(kv)) {
    const entry = await kv.get(id);
    if (entry === null) continue;
    if (entry.operation !== 'PUT') {
      if (now - entry.created.getTime() > retention) markers.push([id, entry.revision]);
      continue;
    }
    // What is not a record is left alone.
    const record = parseMember(entry.string());
    if (record?.status === 'down' && typeof record.at === 'number') {
      records.push([id, record, entry.revision]);
    }
  }
  const deleted: string[] = [];
  for (const [id, revision] of expiredDownRecords(records, now, retention)) {
    try {
      await kv.delete(id, { previousSeq: revision });
      deleted.push(id);
    } catch {
      // Changed meanwhile, or another node deleted it first.
    }
  }
  await purgeMarkers(kv, markers, retention);
  return deleted;
}

/**
 * Purges each expired delete marker, up to its own revision only (a later
 * write of the key stays). Not `kv.purgeDeletes()`: it lists the markers
 * with a consumer that, like `kv.keys()`, can wait out the request timeout
 * when the table is written meanwhile. A bucket that is not the client's
 * gets `purgeDeletes` where it has one.
 */
async function purgeMarkers(kv: KV, markers: [string, number][], retention: number): Promise<void> {
  const bucket = kv as Partial<Pick<Bucket, 'jsm' | 'stream' | 'subjectForKey'>>;
  if (bucket.jsm === undefined || bucket.stream === undefined || !bucket.subjectForKey) {
    await (kv as KV & { purgeDeletes?(olderMillis: number): Promise<unknown> }).purgeDeletes?.(
      retention,
    );
    return;
  }
  for (const [id, revision] of markers) {
    await bucket.jsm.streams.purge(bucket.stream, {
      filter: bucket.subjectForKey(id),
      seq: revision + 1,
    });
  }
}
