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
  timers: Set<MessageTimer> | null = null;
  abort: AbortController | null = null;
  /** Head of the intrusive list of asks aimed at this process. */
  asks: AskRecord | null = null;

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
  stopReason: ExitReason = exitReason.normal;
  stopWaiters: ((reason: ExitReason) => void)[] | null = null;
  /** Callbacks waiting for `init` to finish (a synchronous start). */
  startWaiters: (() => void)[] | null = null;
  /** The reason it exited with, once it has (normal when never set). */
  exitReason: ExitReason = exitReason.normal;
  /** Set when this process exits by escalating: the error to hand to the parent. */
  escalation: { readonly error: unknown } | null = null;
  name: string | undefined = undefined;
  args: unknown = undefined;
  restarts = 0;
  /** Linked processes (links are symmetric: each side lists the other). */
  links: Set<ActorProcess> | null = null;
  /** Monitors this process holds on others. */
  monitors: Set<Monitor<ActorProcess>> | null = null;
  /** Monitors others hold on this process. */
  watchers: Set<Monitor<ActorProcess>> | null = null;
  /** Its own security context, when it narrowed its parent's (see `ActorProcess.security`). */
  security: SecurityContext | undefined = undefined;
  /** The parent's pid in another system (a placed process's body), when it has no local parent. */
  parentPid: number | undefined = undefined;
  /** Service keys, group memberships and subscriptions it holds. */
  registrations: Set<Registration> | null = null;
  /** Shutdown rule when its parent stops it: ms, `brutalKill` or `infinity`. */
  shutdown: number | 'brutalKill' | 'infinity' = 'infinity';
}
