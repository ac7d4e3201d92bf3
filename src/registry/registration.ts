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
 * before links and monitors hear of the exit (OTP R1.4).
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
 * function notify(h: Holder, text: string) { if (h.alive) h.tell({ type: 'note', text }); }
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
  tell(message: unknown, options?: SendOptions): void;
  offer(message: unknown, options?: SendOptions): Promise<void>;
  ask(
    request: unknown,
    options?: SendOptions & { timeout?: number; deadline?: number },
  ): Promise<unknown>;
}
