import type { ActorProcess } from '../actor/index.js';

/**
 * Byte costs behind {@link estimateMemory}, measured on Node 20 (x64, no
 * pointer compression) with `--expose-gc` and heap deltas over 100k
 * processes; see `bench/RESULTS.md` for the idle record.
 */
export const MEMORY_COSTS = Object.freeze({
  /** The process record of an idle actor (no mailbox, no extras): bench's 176 B. */
  record: 176,
  /** A mailbox object and its first segment's array header, without the slots. */
  mailbox: 256,
  /** One entry of room for a message: a pointer. */
  slot: 8,
  /** One entry of room for a sender (a segment's sender column, a ring's pair): a pointer. */
  senderSlot: 8,
  /** The extras record (timers, asks, links, monitors, name, ...), allocated on first use. */
  extras: 160,
  /** A `Set` (links, monitors, watchers, timers, registrations) with its backing table. */
  set: 136,
  /** One entry of a set of links. */
  entry: 20,
  /** One monitor, timer, pending ask or registration: its set entry plus its own record. */
  held: 72,
});

/**
 * An estimate, in bytes, of the memory the runtime holds for `p`: its
 * record, its mailbox (sized by the room its segments hold, which grows
 * with the queue and shrinks to one segment when the queue empties, not by
 * what is queued now), its extras
 * record, and the links, monitors, timers, pending asks and registrations
 * it holds. It excludes everything the user owns: the state object, the
 * queued messages themselves, closures, the definition. It is an estimate
 * from fixed per-item costs ({@link MEMORY_COSTS}), not a heap measurement.
 *
 * @example
 * ```ts
 * const bytes = estimateMemory(p); // 176 for an idle actor that never got a message
 * ```
 */
export function estimateMemory(p: ActorProcess): number {
  const c = MEMORY_COSTS;
  let bytes = c.record;
  const mb = p.mailbox;
  if (mb !== null) bytes += c.mailbox + mb.slots * c.slot + mb.senderSlots * c.senderSlot;
  const ext = p.ext;
  if (ext === null) return bytes;
  bytes += c.extras;
  if (ext.links !== null) bytes += c.set + ext.links.size * c.entry;
  for (const held of [ext.monitors, ext.watchers, ext.timers, ext.registrations]) {
    if (held !== null) bytes += c.set + held.size * c.held;
  }
  for (let a = ext.asks; a !== null; a = a.next) bytes += c.held;
  return bytes;
}
