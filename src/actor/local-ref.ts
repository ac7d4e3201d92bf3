import type { SendOptions } from '../mailbox/index.js';
import type { Pid } from '../process/index.js';
import { formatPid } from '../process/index.js';
import { askFromStep, offerFromStep, tellFromStep } from './async-senders.js';
import type { ActorProcess } from './process.js';
import type { ActorRef, AskOptions } from './ref.js';

/** Set once by {@link LocalRef}'s static block: reads its private field. */
let reach: (ref: LocalRef) => ActorProcess;

/**
 * The ref of a process in this thread: a pid and the way to reach it. The
 * way is a private field, so no JavaScript caller can get from a ref to the
 * process, its state or its controls (`stop`, `exit`, ...): only the
 * runtime can, through {@link processOf}. A ref of a process elsewhere (a
 * host, later another node) is another class with the same members; code
 * that holds an `ActorRef` cannot tell them apart and does not need to.
 *
 * @example
 * ```ts
 * const ref = system.spawn(counter);
 * ref.tell({ type: 'inc' });
 * String(ref); // 'ActorRef<0.1>'
 * ```
 */
export class LocalRef implements ActorRef<unknown> {
  readonly #process: ActorProcess;

  constructor(process: ActorProcess) {
    this.#process = process;
  }

  /** Read from the process rather than kept: one field less per idle actor. */
  get pid(): Pid {
    return this.#process.pid;
  }

  // With no handler running, a send may come from an async step's
  // continuation: its process is the sender (and, if it has exited, the
  // send has no effect, semantics §4). Only systems with async steps look.

  tell(message: unknown, options?: SendOptions): void {
    const p = this.#process;
    const runtime = p.runtime;
    const senders = runtime.asyncSenders;
    if (senders !== null && runtime.current === null) tellFromStep(senders, p, message, options);
    else p.deliver(message, options);
  }

  offer(message: unknown, options?: SendOptions): Promise<void> {
    const p = this.#process;
    const runtime = p.runtime;
    const senders = runtime.asyncSenders;
    if (senders !== null && runtime.current === null) {
      return offerFromStep(senders, p, message, options);
    }
    return p.offerMessage(message, options);
  }

  ask(request: unknown, options?: AskOptions): Promise<never> {
    const p = this.#process;
    const runtime = p.runtime;
    const senders = runtime.asyncSenders;
    if (senders !== null && runtime.current === null) {
      return askFromStep(senders, p, request, options);
    }
    return p.askMessage(request, options);
  }

  /** Refs print as their pid, never as the process's state. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `ActorRef${formatPid(this.pid)}`;
  }

  toString(): string {
    return `ActorRef${formatPid(this.pid)}`;
  }

  static {
    // The one way from a ref back to its process, kept out of the class's
    // reach (`ref.constructor` has no method that gives the process away).
    reach = (ref) => ref.#process;
  }
}

/**
 * The process behind `value` when it is a local ref, else undefined. The
 * runtime's way back from a ref to its process; the package does not
 * export it, so user code has none.
 */
export function processOf(value: unknown): ActorProcess | undefined {
  return value instanceof LocalRef ? reach(value) : undefined;
}
