import { MailboxFullError } from '../errors.js';
import type { SendOptions } from '../mailbox/index.js';
import type { Pid } from '../process/index.js';

/**
 * What the registries (services, process groups, topics) need from a
 * process, and what a process holds in them. Kept here, below the actor
 * layer, so registries never depend on how a process is built.
 *
 * @module
 */

/**
 * Something a process holds that must be let go when it exits: a service
 * key, a group membership, a subscription. Released right after its name,
 * before links and monitors hear of the exit (semantics §4, OTP R1.4).
 *
 * @example
 * ```ts
 * const entry: Registration = { release: () => table.delete(key) };
 * ```
 */
export interface Registration {
  release(): void;
  /** Released before the others (watches, so their owner hears nothing of its own exit). */
  readonly releasesFirst?: boolean;
}

/**
 * A process as a registry sees it: identity, liveness, what it holds, and
 * how to send to it.
 *
 * @example
 * ```ts
 * function notify(h: Holder, text: string) { if (h.alive) h.deliver({ type: 'note', text }); }
 * ```
 */
export interface Holder {
  readonly pid: Pid;
  readonly alive: boolean;
  /** The name it holds, if any. */
  readonly registeredName: string | undefined;
  /** Records a registration to release when the process exits. */
  hold(registration: Registration): void;
  /** Forgets a registration released early (unregister, leave, unsubscribe). */
  drop(registration: Registration): void;
  /** Queues a message (a ref's `tell`). */
  deliver(message: unknown, options?: SendOptions): void;
  /** A ref's `offer`. */
  offerMessage(message: unknown, options?: SendOptions): Promise<void>;
  /** A ref's `ask`. */
  askMessage(
    request: unknown,
    options?: SendOptions & { timeout?: number; deadline?: number },
  ): Promise<unknown>;
}

/**
 * One copy of a fan-out (a broadcast, a publish, a dispatch to many): a
 * full mailbox refuses its copy — `refused` records it and the others still
 * get theirs — while any other error (a bad message or option) is the
 * sender's and is thrown. Returns whether the copy was delivered.
 *
 * @example
 * ```ts
 * for (const h of members) if (tellOne(h, message, options, deadLetter)) reached++;
 * ```
 */
export function tellOne<P extends Pick<Holder, 'deliver'>>(
  holder: P,
  message: unknown,
  options: SendOptions | undefined,
  refused: (message: unknown, holder: P) => void,
): boolean {
  try {
    holder.deliver(message, options);
    return true;
  } catch (error) {
    if (!(error instanceof MailboxFullError)) throw error;
    refused(message, holder);
    return false;
  }
}
