/**
 * How long one process may run in a turn. JavaScript cannot preempt a
 * handler, so a round can only end between messages; to end it near
 * `sliceMs` the clock must be read between messages, and a clock read costs
 * about as much as a fast message (about 100 ns on a loaded machine). The
 * policy reads it where it matters, by what the scheduler has learnt of a
 * process's pace from its last turn timed alone.
 */

/** Pace of a process: not timed alone yet. */
export const PACE_UNKNOWN = 0;
/** Pace of a process: its last turn timed alone was fast. */
export const PACE_FAST = 1;
/** Pace of a process: its messages are slow; it runs one per turn. */
export const PACE_SLOW = 2;

/**
 * After which message of a turn the running process should next ask whether
 * the round's time slice is spent (if another message waits), given that it
 * last asked after message `asked` (0 at the start of a turn); 0 when it
 * should not ask again this turn. A process of unknown pace asks after its
 * 1st, 4th and 16th message, so a turn whose first message already outran
 * the slice ends there; one known to be fast asks after its 16th only (one
 * clock read per batch of 64 besides the scheduler's), so messages that turn
 * slow hold the loop for at most 16 of them before their process is marked
 * slow. A slow process runs one message per turn and never asks. The run
 * loop compares its count with the answer, so a message costs one compare.
 *
 * @example
 * ```ts
 * nextSliceCheck(0, PACE_UNKNOWN); // 1
 * nextSliceCheck(1, PACE_UNKNOWN); // 4
 * nextSliceCheck(0, PACE_FAST); // 16
 * nextSliceCheck(16, PACE_FAST); // 0: not again this turn
 * ```
 */
export function nextSliceCheck(asked: number, pace: number): number {
  if (asked >= 16) return 0;
  if (pace === PACE_FAST) return 16;
  return asked === 0 ? 1 : asked * 4;
}

/**
 * The pace of a process after a turn timed alone: slow when, at that turn's
 * rate, a full `batch` would take more than `sliceMs`, fast otherwise. A
 * slow process runs one message per turn with the clock read after it, so a
 * round ends at most one of its handlers past the slice; a timed turn that
 * is fast again makes it fast. A turn that handled nothing (an init, a stop)
 * says nothing and keeps the pace it had.
 *
 * @example
 * ```ts
 * paceAfterTurn(20, 1, 10, 64, PACE_UNKNOWN); // PACE_SLOW: 20 ms for one message
 * paceAfterTurn(0.05, 64, 10, 64, PACE_SLOW); // PACE_FAST
 * ```
 */
export function paceAfterTurn(
  elapsedMs: number,
  messages: number,
  sliceMs: number,
  batch: number,
  pace: number,
): number {
  if (messages === 0) return pace;
  return elapsedMs * batch > sliceMs * messages ? PACE_SLOW : PACE_FAST;
}
