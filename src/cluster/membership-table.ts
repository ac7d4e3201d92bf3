import type { Bucket, KV } from '@nats-io/kv';
import { type MemberRecord, parseMember, suspect } from './membership-policy.js';

/**
 * The member table's reads and compare-and-set writes (a JetStream KV
 * bucket, key = node id): listing the members, reading one member's
 * standing, and recording a suspicion. What membership does with them is
 * membership's; the decisions are membership-policy's.
 *
 * @module
 */

const encoder = new TextEncoder();

/**
 * A value as the table stores it (JSON bytes).
 *
 * @example
 * ```ts
 * await kv.put(self, json(record));
 * ```
 */
export function json(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/**
 * Every key of the table, those whose last entry is a delete marker
 * included, read from the stream's subjects in one request. Not
 * `kv.keys()`: its consumer ends on the message it was told is the last,
 * and a key written while it lists (a verdict, a joiner's record) can leave
 * it waiting out the whole JetStream request timeout (`joinTimeout`) — a
 * stalled prune round or join. Falls back to `kv.keys()` for a bucket that
 * is not the client's.
 *
 * @example
 * ```ts
 * for (const id of await tableKeys(kv)) console.log(id, (await kv.get(id))?.operation);
 * ```
 */
export async function tableKeys(kv: KV): Promise<string[]> {
  const bucket = kv as Partial<Pick<Bucket, 'jsm' | 'stream' | 'prefixLen' | 'decodeKey'>>;
  if (bucket.jsm === undefined || bucket.stream === undefined || !bucket.decodeKey) {
    const ids: string[] = [];
    for await (const key of await kv.keys()) ids.push(key);
    return ids;
  }
  const info = await bucket.jsm.streams.info(bucket.stream, { subjects_filter: '>' });
  const subjects = Object.keys(info.state.subjects ?? {});
  return subjects.map(
    (subject) => bucket.decodeKey?.(subject.substring(bucket.prefixLen ?? 0)) ?? subject,
  );
}

/** The clock a write that is retried waits on (injected in tests). */
export interface RetryClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const REAL_CLOCK: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Writes `id`'s first record (compare-and-set: only if it has none), its revision. A stream
 * that does not answer yet — no responders, which the client reports as `JetStreamNotEnabled`:
 * a bucket just made on a busy server, or a server whose JetStream is still starting — is
 * written to again, waits doubling from 50 ms to 1 s, until `deadline`; any other error, or
 * that one past the deadline, is thrown.
 *
 * @example
 * ```ts
 * const revision = await createMemberRecord(kv, self, json(record), Date.now() + joinTimeout);
 * ```
 */
export async function createMemberRecord(
  kv: KV,
  id: string,
  value: Uint8Array,
  deadline: number,
  clock: RetryClock = REAL_CLOCK,
): Promise<number> {
  for (let wait = 50; ; wait = Math.min(wait * 2, 1_000)) {
    try {
      return await kv.create(id, value);
    } catch (error) {
      const notYet = (error as Error | undefined)?.name === 'JetStreamNotEnabled';
      if (!notYet || clock.now() + wait > deadline) throw error;
      await clock.sleep(wait);
    }
  }
}

/**
 * Every member record in the table (malformed ones are skipped).
 *
 * @example
 * ```ts
 * for (const [id, record] of await listMembers(kv)) console.log(id, record.status);
 * ```
 */
export async function listMembers(kv: KV): Promise<[string, MemberRecord][]> {
  const out: [string, MemberRecord][] = [];
  for (const id of await tableKeys(kv)) {
    const entry = await kv.get(id);
    if (entry === null || entry.operation !== 'PUT') continue;
    const record = parseMember(entry.string());
    if (record === undefined) continue;
    out.push([id, record]);
  }
  return out;
}

/**
 * Where `node` stands in the table: `left` (no record), `down`, or
 * `member`; throws when the table cannot be read.
 *
 * @example
 * ```ts
 * if ((await standing(kv, peer)) !== 'member') forget(peer);
 * ```
 */
export async function standing(kv: KV, node: string): Promise<'left' | 'down' | 'member'> {
  const entry = await kv.get(node);
  if (entry === null || entry.operation !== 'PUT') return 'left';
  return parseMember(entry.string())?.status === 'down' ? 'down' : 'member';
}

/**
 * {@link standing}, read from the stream leader rather than any replica: what a
 * fence rests on. A follower's direct get may not hold a record the cluster
 * already acknowledged (a joiner's), and reading it as `left` would fence a
 * node that just joined. Falls back to {@link standing} for a bucket that is
 * not the client's. Throws when the leader cannot be reached.
 *
 * @example
 * ```ts
 * if ((await leaderStanding(kv, peer)) !== 'member') tellFenced(peer);
 * ```
 */
export async function leaderStanding(kv: KV, node: string): Promise<'left' | 'down' | 'member'> {
  const bucket = kv as Partial<Pick<Bucket, 'jsm' | 'stream' | 'subjectForKey'>>;
  if (bucket.jsm === undefined || bucket.stream === undefined || !bucket.subjectForKey) {
    return standing(kv, node);
  }
  const message = await bucket.jsm.streams.getMessage(bucket.stream, {
    last_by_subj: bucket.subjectForKey(node),
  });
  if (message === null) return 'left';
  const operation = message.header?.get('KV-Operation');
  if (operation === 'DEL' || operation === 'PURGE') return 'left';
  return parseMember(new TextDecoder().decode(message.data))?.status === 'down' ? 'down' : 'member';
}

/**
 * Where `node` stands as the table says — from the stream leader when
 * `fromLeader` (see {@link leaderStanding}) — or `member` when the table
 * cannot be read: an unreachable table proves nobody gone.
 *
 * @example
 * ```ts
 * if ((await tableSays(kv, peer, true)) !== 'member') tellFenced(peer);
 * ```
 */
export async function tableSays(
  kv: KV,
  node: string,
  fromLeader: boolean,
): Promise<'left' | 'down' | 'member'> {
  try {
    return await (fromLeader ? leaderStanding(kv, node) : standing(kv, node));
  } catch {
    return 'member';
  }
}

/**
 * Records `self`'s suspicion of `node` with compare-and-set, retrying a
 * lost race up to five times: what the table then says of `node` — `left`
 * or `down` (a verdict, this vote's or another's), or `member` (no verdict
 * yet, or nothing written). Throws when the table cannot be reached.
 *
 * @example
 * ```ts
 * const verdict = await voteAgainst(kv, peer, self, ttl, () => 3);
 * ```
 */
export async function voteAgainst(
  kv: KV,
  node: string,
  self: string,
  ttl: number,
  voters: () => number,
): Promise<'left' | 'down' | 'member'> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const entry = await kv.get(node);
    if (entry === null || entry.operation !== 'PUT') return 'left';
    const record = parseMember(entry.string());
    if (record === undefined) return 'member';
    if (record.status === 'down') return 'down';
    const next = suspect(record, self, Date.now(), ttl, voters());
    if (next === undefined) return 'member';
    try {
      await kv.update(node, json(next), entry.revision);
      return next.status === 'down' ? 'down' : 'member';
    } catch {
      // Another node wrote first (or KV is unreachable): read again.
    }
  }
  return 'member';
}
