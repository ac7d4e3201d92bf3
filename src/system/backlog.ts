import type { ActorProcess } from '../actor/index.js';
import { InvalidArgumentError } from '../errors.js';

/**
 * Messages queued for `p` now (system signals excluded); 0 when it has no
 * mailbox yet or is not alive.
 */
export function backlogOf(p: ActorProcess | undefined): number {
  if (p === undefined || !p.alive) return 0;
  return p.mailbox?.size ?? 0;
}

/**
 * Resolves once `p`'s queue holds at most `below` messages, or it is no
 * longer alive. Checked now, then after each pass of the event loop's
 * check phase: the scheduler yields to macrotasks after its budget, so the
 * target runs between checks. `lookup` is re-read each time, so a process
 * that exits and is forgotten resolves the wait.
 */
export function waitForBacklog(
  lookup: () => ActorProcess | undefined,
  below: number,
): Promise<void> {
  if (!(Number.isInteger(below) && below >= 0)) {
    return Promise.reject(
      new InvalidArgumentError('below', 'must be an integer number of messages, 0 or more'),
    );
  }
  if (backlogOf(lookup()) <= below) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const check = (): void => {
      if (backlogOf(lookup()) <= below) resolve();
      else setImmediate(check);
    };
    setImmediate(check);
  });
}
