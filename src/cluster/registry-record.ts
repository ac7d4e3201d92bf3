import type { JetStreamManager } from '@nats-io/jetstream';
import { InvalidArgumentError, NoConnectionError, NoProcError } from '../errors.js';
import { withinDeadline } from './registry-errors.js';
import {
  type ClusterNodePort,
  type ClusterPid,
  formatClusterPid,
  isClusterPid,
} from './registry-port.js';

/**
 * The cluster registry's bucket record and what may go in it: a name's key (`n.` and its UTF-8
 * in base64url) and its value (the owner and when it registered), checked
 * on the way in — a peer's bytes are not trusted.
 *
 * Examples:
 * ```ts
 * keyName(nameKey('cart')); // 'cart'
 * decodeOwner(encodeOwner({ node: 'a_01hx', id: 7 }, Date.now())); // { node: 'a_01hx', id: 7 }
 * ```
 *
 * @module
 */

const MAX_NAME_LENGTH = 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The bucket key of `name`: `n.` and the name's UTF-8 in base64url (KV keys allow few characters). */
export function nameKey(name: string): string {
  return `n.${Buffer.from(name, 'utf8').toString('base64url')}`;
}

/** The name a bucket key stands for, or undefined for a key that is not a name. */
export function keyName(key: string): string | undefined {
  if (!key.startsWith('n.')) return undefined;
  const name = Buffer.from(key.slice(2), 'base64url').toString('utf8');
  return nameKey(name) === key ? name : undefined;
}

/** The stored value of a registration: the owner and when it registered. */
export function encodeOwner(pid: ClusterPid, at: number): Uint8Array {
  return encoder.encode(JSON.stringify({ node: pid.node, id: pid.id, at }));
}

/** The owner a stored value names, or undefined for bytes that are not one (a peer is not trusted). */
export function decodeOwner(bytes: Uint8Array | undefined): ClusterPid | undefined {
  if (bytes === undefined || bytes.length > 4096) return undefined;
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes));
    return isClusterPid(value) ? { node: value.node, id: value.id } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether two cluster pids are the same process. */
export function samePid(a: ClusterPid, b: ClusterPid): boolean {
  return a.node === b.node && a.id === b.id;
}

/** Throws `ERR_INVALID_ARGUMENT` for a name that is not a string of 1 to 1024 characters. */
export function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new InvalidArgumentError(
      'name',
      `must be a string of 1 to ${MAX_NAME_LENGTH} characters`,
    );
  }
}

/**
 * Whether `port`'s node may register `name` for `pid` at all: a bad name
 * or pid is `ERR_INVALID_ARGUMENT` (so is another node's pid when the port
 * cannot watch it), a process of a node that is not up `ERR_NOCONNECTION`
 * (nothing would ever release its name), a dead local one `ERR_NOPROC`.
 *
 * @example
 * ```ts
 * checkRegistration(port, 'cart', { node: port.nodeId, id: 7 }); // throws ERR_NOPROC if 7 is dead
 * ```
 */
export function checkRegistration(port: ClusterNodePort, name: string, pid: ClusterPid): void {
  checkName(name);
  if (!isClusterPid(pid))
    throw new InvalidArgumentError('pid', 'must be a cluster pid { node, id }');
  const local = pid.node === port.nodeId;
  if (!local && port.onExitOf === undefined) {
    throw new InvalidArgumentError(
      'pid',
      'must be a process of this node (its port cannot watch others)',
    );
  }
  if (!local && !(port.isUp?.(pid.node) ?? !port.isNodeGone(pid.node))) {
    // Nothing would ever release a name held for a node that is not up.
    throw new NoConnectionError(`node ${pid.node}`, pid.node);
  }
  if (local && !port.isAlive(pid.id)) throw new NoProcError(formatClusterPid(pid));
}

/**
 * The current registration under `key` as the bucket's stream leader has it
 * (not a follower's direct get: read after any acknowledged write), or
 * undefined when there is none or it was deleted. Rejects
 * `ERR_CLUSTER_UNAVAILABLE` when the leader does not answer within `ms`.
 *
 * @example
 * ```ts
 * const entry = await leaderEntry(jsm, 'shop_names', nameKey('cart'), 'whereis "cart"', 5_000);
 * decodeOwner(entry?.value); // the holder, if any
 * ```
 */
export async function leaderEntry(
  jsm: JetStreamManager,
  bucket: string,
  key: string,
  what: string,
  ms: number,
): Promise<{ revision: number; value: Uint8Array } | undefined> {
  const message = await withinDeadline(
    what,
    ms,
    jsm.streams.getMessage(`KV_${bucket}`, { last_by_subj: `$KV.${bucket}.${key}` }),
  );
  if (message === null) return undefined;
  const operation = message.header?.get('KV-Operation') || undefined;
  if (operation === 'DEL' || operation === 'PURGE') return undefined;
  return { revision: message.seq, value: message.data };
}
