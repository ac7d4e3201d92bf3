import { MailboxFullError } from '../errors.js';
import { decideOverflow, Envelope, type Mailbox } from '../mailbox/index.js';
import { formatPid, type Pid } from '../process/index.js';
import { isRuntimeMessage } from '../signals/index.js';
import { failPendingReply } from './lifecycle.js';
import type { ActorProcess } from './process.js';

/**
 * A full mailbox meets a new message: the mailbox's overflow policy
 * (pure, in `mailbox/overflow.ts`) decides, and this carries it out —
 * counters, the overflow event, dead letters for what is dropped, and a
 * failed ask for a dropped request, so its asker does not wait for a timeout.
 */

/** Applies the overflow policy; returns whether the new message may be queued. */
export function applyOverflow(
  p: ActorProcess,
  mb: Mailbox,
  item: unknown,
  sender: Pid | undefined,
): boolean {
  const runtime = p.runtime;
  const decision = decideOverflow(mb.policy, mb.size, mb.capacity, false);
  if (decision === 'accept') return true;
  if (decision === 'drop-oldest') {
    if (mb.evictOldest(isRuntimeMessage)) {
      mb.dropped++;
      const old = mb.takenMessage;
      const oldBody = old instanceof Envelope ? old.message : old;
      runtime.reportOverflow(p.pid, 'drop-oldest', mb.capacity);
      runtime.deadLetter(oldBody, p.pid, mb.takenSender as Pid | undefined, 'dropped-oldest');
      failPendingReply(oldBody, new MailboxFullError(formatPid(p.pid), mb.capacity));
      return true;
    }
  }
  // 'wait' needs a sender that can wait (offer decides it before coming here).
  if (decision === 'reject') {
    mb.rejected++;
    runtime.reportOverflow(p.pid, 'reject', mb.capacity);
    throw new MailboxFullError(formatPid(p.pid), mb.capacity);
  }
  mb.dropped++;
  runtime.reportOverflow(p.pid, 'drop-newest', mb.capacity);
  runtime.deadLetter(
    item instanceof Envelope ? item.message : item,
    p.pid,
    sender,
    'dropped-newest',
  );
  failPendingReply(
    item instanceof Envelope ? item.message : item,
    new MailboxFullError(formatPid(p.pid), mb.capacity),
  );
  return false;
}
