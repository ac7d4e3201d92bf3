import type { ExitReason } from '../process/index.js';
import { exitReason } from '../process/index.js';
import type { Registration } from '../registry/index.js';
import type { SecurityContext } from '../security/index.js';
import type { Monitor } from '../signals/index.js';
import type { AskRecord } from './ask-record.js';
import type { ActorProcess } from './process.js';
import type { MessageTimer } from './timer.js';

/**
 * The parts of a process that most processes never need, allocated on first
 * use so an idle actor stays small: timers, pending asks, the
 * abort controller, stop bookkeeping, name, spawn arguments, links and
 * monitors.
 */
export class ProcessExtras {
  // Fields set in the constructor, not by initializers: see `ActorProcess`'s.
  declare timers: Set<MessageTimer> | null;
  declare abort: AbortController | null;
  /** Head of the intrusive list of asks aimed at this process. */
  declare asks: AskRecord | null;
  declare stopReason: ExitReason;
  declare stopWaiters: ((reason: ExitReason) => void)[] | null;
  /** Callbacks waiting for `init` to finish (a synchronous start). */
  declare startWaiters: (() => void)[] | null;
  /** The reason it exited with, once it has (normal when never set). */
  declare exitReason: ExitReason;
  /** Set when this process exits by escalating: the error to hand to the parent. */
  declare escalation: { readonly error: unknown } | null;
  declare name: string | undefined;
  declare args: unknown;
  declare restarts: number;
  /** Linked processes (links are symmetric: each side lists the other). */
  declare links: Set<ActorProcess> | null;
  /** Monitors this process holds on others. */
  declare monitors: Set<Monitor<ActorProcess>> | null;
  /** Monitors others hold on this process. */
  declare watchers: Set<Monitor<ActorProcess>> | null;
  /** Its own security context, when it narrowed its parent's (see `ActorProcess.security`). */
  declare security: SecurityContext | undefined;
  /** The parent's pid in another system (a placed process's body), when it has no local parent. */
  declare parentPid: number | undefined;
  /** Service keys, group memberships and subscriptions it holds. */
  declare registrations: Set<Registration> | null;
  /** Shutdown rule when its parent stops it: ms, `brutalKill` or `infinity`. */
  declare shutdown: number | 'brutalKill' | 'infinity';

  constructor() {
    this.timers = null;
    this.abort = null;
    this.asks = null;
    this.stopReason = exitReason.normal;
    this.stopWaiters = null;
    this.startWaiters = null;
    this.exitReason = exitReason.normal;
    this.escalation = null;
    this.name = undefined;
    this.args = undefined;
    this.restarts = 0;
    this.links = null;
    this.monitors = null;
    this.watchers = null;
    this.security = undefined;
    this.parentPid = undefined;
    this.registrations = null;
    this.shutdown = 'infinity';
  }

  /**
   * Empties the list of asks aimed at this process and returns them, each
   * unlinked: records are pooled, so a caller that fails them one by one
   * must not follow links that an ended (and reused) record may have changed.
   */
  takeAsks(): AskRecord[] {
    const taken: AskRecord[] = [];
    let ask = this.asks;
    this.asks = null;
    while (ask !== null) {
      const next = ask.next;
      ask.prev = null;
      ask.next = null;
      taken.push(ask);
      ask = next;
    }
    return taken;
  }
}
