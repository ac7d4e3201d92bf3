import type { ExitReason, Pid } from '../process/index.js';
import type { DeathQueue } from './exits.js';
import type { Monitor } from './links.js';

/**
 * What links, monitors and exit signals need of a process, so they live in
 * a concept of their own below the actor that carries them: its pid and
 * flags (`DEAD`, `TRAP_EXIT`), its parent, where deaths queue, its link and
 * monitor sets, its mailbox (to flush a DOWN), and how to stop it and to
 * queue a runtime message. `ActorProcess` is the one implementation.
 *
 * @example
 * ```ts
 * function isTrapping<P extends Signalable<P>>(p: P): boolean {
 *   return (p.flags & TRAP_EXIT) !== 0;
 * }
 * ```
 */
export interface Signalable<P extends Signalable<P>> {
  readonly pid: Pid;
  flags: number;
  readonly parentProcess: P | null;
  readonly runtime: SignalRuntime<P>;
  readonly ext: SignalState<P> | null;
  /** The link and monitor sets, made on first use. */
  extras(): SignalState<P>;
  readonly mailbox: { removeWhere(matches: (message: unknown) => boolean): number } | null;
  stop(reason?: ExitReason): void;
  enqueueRuntimeMessage(message: unknown, sender: Pid | undefined): void;
  /** An exit signal to a process of another node (flag REMOTE): passed on to its node. */
  forwardExit(from: P | undefined, reason: ExitReason, linked: boolean): void;
  /** A local process linked to (or unlinked from) a process of another node: its node is told. */
  linkChanged(other: P, linked: boolean): void;
  /** The reason a monitor or link reports once this process is gone (`noproc`, or `noconnection` for another node's). */
  goneReason(): ExitReason;
}

/** A process's links and monitors. */
export interface SignalState<P> {
  /** Linked processes (links are symmetric: each side lists the other). */
  links: Set<P> | null;
  /** Monitors this process holds on others. */
  monitors: Set<Monitor<P>> | null;
  /** Monitors others hold on this process. */
  watchers: Set<Monitor<P>> | null;
}

/** What signals need of the system: where deaths queue, and fresh monitor ids. */
export interface SignalRuntime<P> {
  readonly deaths: DeathQueue<P>;
  nextMessageId(): number;
}
