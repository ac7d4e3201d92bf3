import { BOUNDS, describeValue } from '../limits/index.js';
/**
 * What a bounded mailbox does with a message that arrives when it is full:
 * - `drop-newest`: the arriving message goes to dead letters;
 * - `drop-oldest`: the oldest message of the lowest non-empty lane goes to
 *   dead letters and the new one is queued;
 * - `reject`: the sender's `tell` throws `MailboxFullError`;
 * - `backpressure`: `offer` waits for room; a plain `tell` throws `MailboxFullError`.
 *
 * @example
 * ```ts
 * system.spawn(def, { mailbox: { capacity: 1000, overflow: 'drop-oldest' } });
 * ```
 */
export type OverflowPolicy = 'drop-newest' | 'drop-oldest' | 'reject' | 'backpressure';

/**
 * Mailbox configuration for one process.
 *
 * @example
 * ```ts
 * const opts: MailboxOptions = { capacity: 64, overflow: 'backpressure' };
 * ```
 */
export interface MailboxOptions {
  /** Maximum queued messages (system signals excluded); default unbounded. */
  readonly capacity?: number;
  /** Policy when full; default `drop-newest`. Ignored when unbounded. */
  readonly overflow?: OverflowPolicy;
}

/** What to do with one arriving message; the pure core of overflow handling. */
export type OverflowDecision = 'accept' | 'drop-newest' | 'drop-oldest' | 'reject' | 'wait';

/**
 * Decides the fate of a message arriving at a mailbox holding `size`
 * messages. `waiting` says whether the sender can wait (an `offer`).
 */
export function decideOverflow(
  policy: OverflowPolicy,
  size: number,
  capacity: number,
  waiting: boolean,
): OverflowDecision {
  if (size < capacity) return 'accept';
  switch (policy) {
    case 'drop-newest':
      return 'drop-newest';
    case 'drop-oldest':
      return capacity > 0 ? 'drop-oldest' : 'drop-newest';
    case 'reject':
      return 'reject';
    case 'backpressure':
      return waiting ? 'wait' : 'reject';
  }
}

const POLICIES: readonly string[] = ['drop-newest', 'drop-oldest', 'reject', 'backpressure'];

/** Returns a problem with the options, or undefined when they are valid. */
export function checkMailboxOptions(options: MailboxOptions): string | undefined {
  const { capacity, overflow } = options;
  if (capacity !== undefined) {
    const valid =
      capacity === Number.POSITIVE_INFINITY ||
      (Number.isInteger(capacity) && capacity >= 1 && capacity <= BOUNDS.count);
    if (!valid) {
      return `capacity must be an integer from 1 to ${BOUNDS.count} or Infinity, got ${describeValue(capacity)}`;
    }
  }
  if (overflow !== undefined && !POLICIES.includes(overflow)) {
    return `overflow must be one of ${POLICIES.join(', ')}, got ${describeValue(overflow)}`;
  }
  return undefined;
}
