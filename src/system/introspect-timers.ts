import { AskRecord, MessageTimer } from '../actor/index.js';
import type { Pid } from '../process/index.js';
import { ServiceRef } from '../registry/index.js';
import { Pool } from '../routing/index.js';
import type { SystemCore } from './core.js';

/**
 * Where a message timer sends, as `system.introspect()` describes it:
 * - `pid`: a process (a local one, or the stand-in of a remote or placed
 *   one); the timer ends when it exits;
 * - `name`: a registered name, looked up when the timer fires;
 * - `service`: a service key (`system.services.ref(service, key)`);
 * - `pool`: a pool, by its label and its supervisor's pid (labels repeat);
 * - `address`: any other address — a cluster name, global name or group, or
 *   an address of another node — by what it names (`name:db@b_1`,
 *   `global:cart`, `group:jobs`), as its dead letters say.
 *
 * @example
 * ```ts
 * const toDb = system.introspect().timers.filter((t) => t.to.kind === 'name' && t.to.name === 'db');
 * ```
 */
export type TimerTarget =
  | { readonly kind: 'pid'; readonly pid: Pid }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'service'; readonly service: string; readonly key: string }
  | { readonly kind: 'pool'; readonly label: string; readonly supervisor: Pid }
  | { readonly kind: 'address'; readonly address: string };

/**
 * One message timer.
 *
 * @example
 * ```ts
 * const mine = system.introspect().timers.filter((t) => t.owner === ref.pid);
 * ```
 */
export interface TimerView {
  /** Where it goes, whatever kind of destination it was given. */
  readonly to: TimerTarget;
  /** The process it goes to (`to.pid` of a `pid` target); undefined for any other target. */
  readonly target: Pid | undefined;
  /**
   * The registered name it goes to (`to.name` of a `name` target), looked up
   * when it fires (`sendAfter(ms, msg, 'db')`); absent for any other target.
   */
  readonly targetName?: string;
  /** The process that set it; undefined for `system.sendAfter`. */
  readonly owner: Pid | undefined;
  readonly leftMs: number;
  /** The period of a `sendInterval`; 0 for a one-shot timer. */
  readonly intervalMs: number;
}

/**
 * The message timers of `core`, soonest first, and how many other runtime
 * timers (not asks) are queued. Targets are described here, when asked,
 * so a timer carries nothing for introspection.
 *
 * @example
 * ```ts
 * const { timers, internalTimers } = timerViews(core);
 * ```
 */
export function timerViews(core: SystemCore): { timers: TimerView[]; internalTimers: number } {
  const now = core.clock.now();
  const timers: TimerView[] = [];
  let internalTimers = 0;
  for (const entry of core.timers.entries()) {
    if (entry instanceof MessageTimer) {
      const to = describeTarget(entry);
      timers.push({
        to,
        target: to.kind === 'pid' ? to.pid : undefined,
        ...(to.kind === 'name' ? { targetName: to.name } : {}),
        owner: entry.ownerPid as Pid | undefined,
        leftMs: Math.max(0, entry.deadline - now),
        intervalMs: entry.interval,
      });
    } else if (!(entry instanceof AskRecord)) {
      internalTimers++;
    }
  }
  timers.sort((a, b) => a.leftMs - b.leftMs);
  return { timers, internalTimers };
}

function describeTarget(timer: MessageTimer): TimerTarget {
  const pid = timer.targetPid;
  if (pid !== undefined) return { kind: 'pid', pid: pid as Pid };
  const name = timer.targetName;
  if (name !== undefined) return { kind: 'name', name };
  const to = timer.targetAddress;
  if (to instanceof ServiceRef) return { kind: 'service', service: to.service, key: to.key };
  if (to instanceof Pool) return { kind: 'pool', label: to.label, supervisor: to.supervisor.pid };
  // Cluster addresses say what they name the way their dead letters do.
  const address = (to as { address?: unknown } | undefined)?.address;
  return { kind: 'address', address: typeof address === 'string' ? address : String(to) };
}
