/**
 * How long one process may run in a turn. JavaScript cannot preempt a
 * handler, so a round can only end between messages, and only where the
 * clock is read; a clock read costs about as much as a fast message, so it
 * is not read after each. The scheduler learns each process's pace instead:
 * a process of unknown pace runs one message and is timed, a slow one keeps
 * running one message per turn and being timed, a fast one runs batches.
 */

/** Pace of a process: not timed yet. */
export const PACE_UNKNOWN = 0;
/** Pace of a process: its last timed turn was fast. */
export const PACE_FAST = 1;
/** Pace of a process: its messages are slow; it runs one per turn. */
export const PACE_SLOW = 2;

/**
 * How many messages the next turn of a process may handle: one while its
 * pace is unknown (the scheduler times that turn when more messages wait,
 * and learns the pace) or slow (each message is then timed, so a round ends
 * at most one handler past `sliceMs`); `batch` (or what is left of the
 * round's budget) once it is known to be fast.
 *
 * @example
 * ```ts
 * turnLimit(PACE_UNKNOWN, 64, 16_384); // 1
 * turnLimit(PACE_FAST, 64, 16_384); // 64
 * turnLimit(PACE_FAST, 64, 10); // 10
 * ```
 */
export function turnLimit(pace: number, batch: number, budget: number): number {
  if (pace !== PACE_FAST) return 1;
  return batch < budget ? batch : budget;
}

/**
 * The pace of the process of the last turn, from the clock interval that
 * ended with it: slow when, at that rate, a full `batch` would take more
 * than `sliceMs` (at the defaults, above 0.16 ms a message), fast otherwise.
 * The interval may cover earlier turns of other processes too; counting all
 * of it against this turn can only err towards slow, and a slow process's
 * next turn is timed alone, which corrects it. A turn that handled nothing
 * (an init, a stop) says nothing and keeps the pace it had.
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
