import type { ActorRef } from '../actor/index.js';
import { ActorProcess } from '../actor/index.js';
import type { Listener, SystemEvent, SystemEventType } from '../broker/index.js';
import { InvalidArgumentError } from '../errors.js';
import type { Pid } from '../process/index.js';
import type { Runnable } from '../scheduler/index.js';
import type { SystemCore } from './core.js';
import { checkOptionsBag } from './options.js';
import { deliver } from './registries.js';

/**
 * The inspection hook: one typed stream of what happens in a system, which
 * the observer, metrics and tracing are built on. Lifecycle events cost
 * nothing until someone listens; message events (`message-sent`,
 * `message-handled`) are sampled, off unless an inspector asks for them.
 *
 * @module
 */

/**
 * Options of `system.inspect`.
 *
 * @example
 * ```ts
 * system.inspect(listener, { messages: 0.01, types: ['exited', 'message-handled'] });
 * ```
 */
export interface InspectOptions {
  /**
   * Fraction of messages (0..1) reported as `message-sent` and
   * `message-handled` events: 0.01 reports every 100th. Default 0 (off).
   * With several inspectors the highest rate applies to all.
   */
  readonly messages?: number;
  /** Only these event kinds reach the listener; default all. */
  readonly types?: readonly SystemEventType[];
}

/** Subscribes `listener` to `core`'s events, with message sampling; returns the unsubscribe. */
export function addInspector(
  core: SystemCore,
  listener: Listener<SystemEvent>,
  options: InspectOptions | undefined,
): () => void {
  if (typeof listener !== 'function') {
    throw new InvalidArgumentError('listener', 'must be a function');
  }
  checkOptionsBag(options);
  const rate = options?.messages ?? 0;
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
    throw new InvalidArgumentError('messages', 'must be a fraction between 0 and 1');
  }
  const unsubscribe = core.events.subscribe(listener, options?.types);
  const entry = { rate };
  core.inspectors.add(entry);
  core.updateSampling();
  let active = true;
  return () => {
    if (!active) return;
    active = false;
    unsubscribe();
    core.inspectors.delete(entry);
    core.updateSampling();
  };
}

/**
 * Delivers `core`'s events (optionally only `types`) to an actor as
 * messages, until it exits or the returned function is called.
 */
export function subscribeActor(
  core: SystemCore,
  subscriber: ActorRef<SystemEvent>,
  types: readonly SystemEventType[] | undefined,
): () => void {
  const p = core.live(subscriber);
  let delivering = false;
  const unsubscribe = core.events.subscribe((event) => {
    // An event caused by delivering an event (a dead letter from a full mailbox) is not sent on.
    if (delivering) return;
    delivering = true;
    try {
      deliver(p, event);
    } finally {
      delivering = false;
    }
  }, types);
  const registration = { release: unsubscribe };
  p.hold(registration);
  return () => {
    p.drop(registration);
    unsubscribe();
  };
}

/**
 * The scheduler's long-turn callback: a `long-handler` event naming the
 * processes that ran in the turn (the one, when only one did), emitted
 * only while someone listens.
 *
 * @example
 * ```ts
 * new Scheduler(clock, options, (suspects, ms, n) => reportLongTurn(core, suspects, ms, n));
 * ```
 */
export function reportLongTurn(
  core: SystemCore,
  suspects: readonly Runnable[],
  elapsedMs: number,
  messages: number,
): void {
  if (!core.events.observed) return;
  const pids = new Set<Pid>();
  for (const p of suspects) if (p instanceof ActorProcess) pids.add(p.pid);
  const unique = [...pids];
  core.events.emit({
    type: 'long-handler',
    pid: unique.length === 1 ? unique[0] : undefined,
    suspects: unique,
    elapsedMs,
    messages,
    at: core.clock.now(),
  });
}
