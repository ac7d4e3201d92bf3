/**
 * How long one process may run in a turn. JavaScript cannot preempt a
 * handler, so a round can only end between messages; to end it near
 * `sliceMs` the clock must be read between messages, and a clock read costs
 * about as much as a fast message. The policy reads it where it matters:
 * after a message whose turn could already have spent the slice (the doubling
 * check), and after every turn of a process whose messages are slow.
 */

/**
 * True when the running process should ask, after its `handled`-th message
 * of a turn, whether the round's time slice is spent: after the 1st, 2nd,
 * 4th, 8th, … message, and only when another message waits. A turn of fast
 * messages reads the clock a handful of times per batch (6 in 64); a turn
 * whose first message already outran the slice ends after that message.
 *
 * @example
 * ```ts
 * checksSliceAfter(1, true); // true
 * checksSliceAfter(3, true); // false
 * checksSliceAfter(4, false); // false: nothing waits, the turn ends anyway
 * ```
 */
export function checksSliceAfter(handled: number, moreWaiting: boolean): boolean {
  return moreWaiting && (handled & (handled - 1)) === 0;
}

/**
 * True when a process's turn, timed alone, shows its messages are slow: at
 * that rate a full `batch` would take more than `sliceMs`. Such a process
 * runs one message per turn with the clock read after it, so a round ends at
 * most one of its handlers past the slice; a timed turn that is fast again
 * clears the mark. A turn that handled nothing (an init, a stop) says
 * nothing and keeps the mark as it was.
 *
 * @example
 * ```ts
 * isSlowTurn(20, 1, 10, 64, false); // true: 20 ms for one message
 * isSlowTurn(0.05, 64, 10, 64, true); // false: 64 fast messages
 * ```
 */
export function isSlowTurn(
  elapsedMs: number,
  messages: number,
  sliceMs: number,
  batch: number,
  wasSlow: boolean,
): boolean {
  if (messages === 0) return wasSlow;
  return elapsedMs * batch > sliceMs * messages;
}
