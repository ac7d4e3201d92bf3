import type { ExitReason } from '../process/index.js';
import { exitReason } from '../process/index.js';
import type { PendingAsk } from './reply.js';
import type { MessageTimer } from './timer.js';

/**
 * The parts of a process that most processes never need, allocated on first
 * use so an idle actor stays small: timers, pending asks, the
 * abort controller, stop bookkeeping, name and spawn arguments.
 */
export class ProcessExtras {
  timers: Set<MessageTimer> | null = null;
  abort: AbortController | null = null;
  /** Head of the intrusive list of asks aimed at this process. */
  asks: PendingAsk | null = null;
  stopReason: ExitReason = exitReason.normal;
  stopWaiters: (() => void)[] | null = null;
  /** Set when this process exits by escalating: the error to hand to the parent. */
  escalation: { readonly error: unknown } | null = null;
  name: string | undefined = undefined;
  args: unknown = undefined;
  restarts = 0;
}
