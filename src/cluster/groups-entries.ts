import { InvalidArgumentError } from '../errors.js';
import type { ClusterPid } from './registry-port.js';

/**
 * How a node's members of one group are stored: keys
 * `g.<b64url(group)>.<node>.<chunk>`, each holding up to
 * {@link CHUNK_SIZE} `[localId, joins]` pairs, so one node's entry never
 * nears the server's payload limit however many members it has. Only the
 * node itself writes its keys, so writes never conflict; what a reconcile
 * does with an entry ({@link entryAction}). Pure functions.
 *
 * @module
 */

/** Distinct members per chunk key (a chunk stays well under 1 MiB). */
export const CHUNK_SIZE = 4096;

/** What one key of the groups bucket stands for. */
export interface GroupKey {
  readonly group: string;
  readonly node: string;
  readonly chunk: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NODE = /^[A-Za-z0-9_-]{1,200}$/;

/** The bucket key of one chunk of `node`'s members of `group`. */
export function groupKey(group: string, node: string, chunk: number): string {
  return `g.${Buffer.from(group, 'utf8').toString('base64url')}.${node}.${chunk}`;
}

/** The group, node and chunk a key stands for; undefined for a key that is not one. */
export function parseGroupKey(key: string): GroupKey | undefined {
  const parts = key.split('.');
  if (parts.length !== 4 || parts[0] !== 'g') return undefined;
  const [, encoded = '', node = '', chunkText = ''] = parts;
  const group = Buffer.from(encoded, 'base64url').toString('utf8');
  const chunk = Number(chunkText);
  if (group.length === 0 || !NODE.test(node) || !Number.isSafeInteger(chunk) || chunk < 0)
    return undefined;
  return groupKey(group, node, chunk) === key ? { group, node, chunk } : undefined;
}

/** Splits a node's members of a group (id → joins) into chunk values, in id order. */
export function encodeChunks(members: ReadonlyMap<number, number>): Uint8Array[] {
  const pairs = [...members].filter(([, joins]) => joins > 0).sort((x, y) => x[0] - y[0]);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < pairs.length; i += CHUNK_SIZE) {
    chunks.push(encoder.encode(JSON.stringify(pairs.slice(i, i + CHUNK_SIZE))));
  }
  return chunks;
}

/** The `[localId, joins]` pairs of a chunk value; empty for bytes that are not one (a peer is not trusted). */
export function decodeChunk(bytes: Uint8Array | undefined): [number, number][] {
  if (bytes === undefined || bytes.length > 1024 * 1024) return [];
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    return [];
  }
  if (!Array.isArray(value)) return [];
  const out: [number, number][] = [];
  for (const pair of value) {
    if (!Array.isArray(pair) || pair.length !== 2) continue;
    const [id, joins] = pair as unknown[];
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) continue;
    if (typeof joins !== 'number' || !Number.isSafeInteger(joins) || joins <= 0 || joins > 1e6)
      continue;
    out.push([id, joins]);
  }
  return out;
}

/**
 * The joins and leaves that turn `before` into `after` (both `[id, joins]`
 * lists of one node): each pid repeated once per join or leave, as `pg`
 * watchers hear them.
 */
export function membershipDelta(
  node: string,
  before: readonly [number, number][],
  after: readonly [number, number][],
): { joined: ClusterPid[]; left: ClusterPid[] } {
  const counts = new Map<number, number>();
  for (const [id, joins] of after) counts.set(id, (counts.get(id) ?? 0) + joins);
  for (const [id, joins] of before) counts.set(id, (counts.get(id) ?? 0) - joins);
  const joined: ClusterPid[] = [];
  const left: ClusterPid[] = [];
  for (const [id, change] of counts) {
    for (let i = 0; i < Math.abs(change); i++) (change > 0 ? joined : left).push({ node, id });
  }
  return { joined, left };
}

/**
 * Throws `ERR_INVALID_ARGUMENT` for a group name that is not a string of 1
 * to 1024 characters.
 *
 * @example
 * ```ts
 * checkGroup('workers'); // passes
 * ```
 */
export function checkGroup(group: unknown): asserts group is string {
  if (typeof group !== 'string' || group.length === 0 || group.length > 1024) {
    throw new InvalidArgumentError('group', 'must be a string of 1 to 1024 characters');
  }
}

/** What a reconcile does with one entry of the bucket (see {@link entryAction}). */
export type EntryAction = 'check-own' | 'keep' | 'ask-table' | 'remove';

/**
 * What the reconcile does with an entry, from what this node knows of the
 * node that wrote it: its own entries are checked against its members; a
 * node known gone here has its entries removed; of any other node the
 * member table is asked (`withoutRecord` undefined: not asked yet) whether
 * it is not up and has no record — then its entries go too (a node from an
 * earlier life of the cluster, or one that died unseen and whose record was
 * pruned: nothing else would ever delete them). A node the table cannot
 * answer for keeps its entries.
 *
 * @example
 * ```ts
 * entryAction({ own: false, gone: false, withoutRecord: undefined }); // 'ask-table'
 * entryAction({ own: false, gone: false, withoutRecord: true }); // 'remove'
 * ```
 */
export function entryAction(facts: {
  /** The entry is this node's. */
  readonly own: boolean;
  /** Its node is known gone here (declared down or left, or told so before). */
  readonly gone: boolean;
  /** Its node is not up here and the table says it has no record (or a `down` one). */
  readonly withoutRecord: boolean | undefined;
}): EntryAction {
  if (facts.own) return 'check-own';
  if (facts.gone) return 'remove';
  if (facts.withoutRecord === undefined) return 'ask-table';
  return facts.withoutRecord ? 'remove' : 'keep';
}

/** One node's members of one group: chunk → `[localId, joins]` pairs. */
export type Chunks = Map<number, [number, number][]>;

/**
 * Puts one chunk of another node's members into the index (group → node →
 * chunk → pairs), dropping what becomes empty so the index holds no group
 * or node without members; returns the chunk's pairs before.
 *
 * @example
 * ```ts
 * const index = new Map();
 * indexChunk(index, { group: 'w', node: 'b_1', chunk: 0 }, [[7, 1]]); // []
 * indexChunk(index, { group: 'w', node: 'b_1', chunk: 0 }, []); // [[7, 1]]; index is empty again
 * ```
 */
export function indexChunk(
  index: Map<string, Map<string, Chunks>>,
  at: GroupKey,
  after: [number, number][],
): [number, number][] {
  const nodes = index.get(at.group) ?? new Map<string, Chunks>();
  const chunks = nodes.get(at.node) ?? new Map<number, [number, number][]>();
  const before = chunks.get(at.chunk) ?? [];
  if (after.length > 0) chunks.set(at.chunk, after);
  else chunks.delete(at.chunk);
  if (chunks.size > 0) nodes.set(at.node, chunks);
  else nodes.delete(at.node);
  if (nodes.size > 0) index.set(at.group, nodes);
  else index.delete(at.group);
  return before;
}
