import type { DeadLetterReason } from '../broker/index.js';
import { decodeBatch, OP } from './frames.js';
import type { NodeSpawns } from './node-spawn.js';
import { isNodeId } from './options.js';
import type { RemoteTable } from './remote-table.js';

/**
 * What comes in to a node from its peers: a batch of frames is checked
 * (it decodes, its sender is a node id, that node is not down) and each
 * frame goes to the spawns or to the remote table; system notices (hello,
 * fence) are read here too.
 *
 * @module
 */

/** What inbound dispatch needs of its node. */
export interface InboundNode {
  /** Whether `node` was declared down or left. */
  isGone(node: string): boolean;
  /** Whether `node` is not up and has no record in the member table (pruned, made up). */
  isStranger(node: string): boolean;
  deadLetter(message: unknown, reason: DeadLetterReason, detail?: string): void;
  /** Tells `node` it was declared down (a fence notice) once the member table confirms it. */
  refuse(node: string): void;
}

/**
 * Carries out one batch from a peer: a batch that does not decode, or whose
 * sender is no node id, is a dead letter; a downed sender's frames are
 * dropped and it is told (so is a sender without a member record); each frame that fails is a dead letter on its own.
 *
 * @example
 * ```ts
 * receiveBatch(node, table, spawns, msg.data);
 * ```
 */
export function receiveBatch(
  node: InboundNode,
  table: RemoteTable,
  spawns: NodeSpawns | undefined,
  data: Uint8Array,
): void {
  let batch: ReturnType<typeof decodeBatch>;
  try {
    batch = decodeBatch(data);
  } catch (error) {
    node.deadLetter(data, 'bad-frame', (error as Error).message);
    return;
  }
  const from = batch.from;
  if (!isNodeId(from)) {
    node.deadLetter(batch.frames, 'bad-frame', 'bad sender node id');
    return;
  }
  if (node.isGone(from) || node.isStranger(from)) {
    // A downed incarnation stays down, and one without a member record (pruned) counts as
    // down: its frames are dropped, and it is told once the table confirms it.
    for (const frame of batch.frames) node.deadLetter(frame, 'fenced', `node:${from}`);
    node.refuse(from);
    return;
  }
  for (const frame of batch.frames) {
    try {
      if (Array.isArray(frame) && frame[0] === OP.spawn)
        void spawns?.spawnHere(from, frame).catch(() => undefined);
      else if (Array.isArray(frame) && frame[0] === OP.spawned) spawns?.spawned(frame);
      else table.receive(from, frame);
    } catch (error) {
      node.deadLetter(frame, 'bad-frame', (error as Error).message);
    }
  }
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * The body of a fence notice node `by` sends.
 *
 * @example
 * ```ts
 * transport.notify(peer, 'fence', fenceNotice(self));
 * ```
 */
export function fenceNotice(by: string): Uint8Array {
  return encoder.encode(JSON.stringify({ by }));
}

/**
 * Who a fence notice says fenced this node (`a peer` when its detail does
 * not decode: the notice counts all the same).
 *
 * @example
 * ```ts
 * fencedBy(fenceNotice('web-2_k3v9')); // 'web-2_k3v9'
 * ```
 */
export function fencedBy(data: Uint8Array): string {
  try {
    return String((JSON.parse(decoder.decode(data)) as { by?: unknown }).by ?? 'a peer');
  } catch {
    return 'a peer';
  }
}
