/**
 * A process identifier: unique within a system and never reused while the
 * system lives (semantics §1, OTP R1.3). A plain number at run time, so it is free to copy
 * across threads; the brand keeps it from mixing with other numbers.
 *
 * @example
 * ```ts
 * const ref = system.spawn(def);
 * console.log(formatPid(ref.pid)); // "<0.1>"
 * ```
 */
export type Pid = number & { readonly __pid: unique symbol };

/**
 * Prints a pid the way Erlang does, `<0.N>`.
 *
 * @example
 * ```ts
 * formatPid(ref.pid); // "<0.42>"
 * ```
 */
export function formatPid(pid: Pid): string {
  return `<0.${pid}>`;
}

/** Hands out pids for one system, in increasing order, never reusing one. */
export class PidAllocator {
  #next: number;

  /** Pids start at `first` (a host starts high, so its own pids never meet its main system's). */
  constructor(first = 1) {
    this.#next = first;
  }

  /** The next fresh pid. */
  next(): Pid {
    return this.#next++ as Pid;
  }
}
