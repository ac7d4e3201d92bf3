import type { ActorProcess, AnyDefinition, ExitMessage, StartOutcome } from '../actor/index.js';
import { link, shutdown, startNow, unlink } from '../actor/index.js';
import { exitReason } from '../process/index.js';
import { type Child, ChildTable } from './children.js';
import { RestartWindow } from './policy.js';
import type { ResolvedFlags } from './spec.js';

/**
 * Starting and stopping a supervisor's children: the supervisor's state,
 * a child's start as a linked process (kept only when its init succeeded),
 * the initial start in order with its roll-back, and stops by each child's
 * shutdown rule. The restarts on an exit are `restarts.ts`.
 */

/** A supervisor's state: its flags, children and restart window. */
export class SupervisorState {
  readonly flags: ResolvedFlags;
  readonly children: ChildTable;
  readonly window: RestartWindow;
  /** 0 for static supervisors; the cap on children for dynamic ones. */
  readonly maxChildren: number;
  readonly random: () => number;

  constructor(flags: ResolvedFlags, dynamic: boolean, maxChildren: number, random: () => number) {
    this.flags = flags;
    this.children = new ChildTable(!dynamic);
    this.window = new RestartWindow(flags.intensity, flags.period);
    this.maxChildren = maxChildren;
    this.random = random;
  }

  get dynamic(): boolean {
    return !this.children.keyed;
  }
}

export type Step = void | Promise<void>;

/**
 * Runs `next` after `value`, synchronously when `value` is not a promise.
 * (Not named `then`: a module exporting `then` is a thenable, and
 * `await import()` of it would call it.)
 */
export function afterStep<T, U>(
  value: T | Promise<T>,
  next: (v: T) => U | Promise<U>,
): U | Promise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/**
 * Starts `child` as a linked child process and waits for its init (semantics §13 R10.3,
 * semantics §13 R8.1). On failure nothing is kept: the link is gone and the process's
 * EXIT is flushed from the supervisor's mailbox (semantics §13 R8.4).
 */
export function launch(
  sup: ActorProcess,
  state: SupervisorState,
  child: Child,
): StartOutcome | Promise<StartOutcome> {
  let p: ActorProcess;
  try {
    p = sup.runtime.spawnProcess(child.spec.actor as AnyDefinition, child.spawnOptions, sup);
  } catch (error) {
    return failed(sup, child, { kind: 'failed', reason: exitReason.error(error) });
  }
  link(sup, p, p.pid);
  const outcome = startNow(p);
  if (outcome instanceof Promise) return outcome.then((o) => settle(sup, state, child, p, o));
  return settle(sup, state, child, p, outcome);
}

function settle(
  sup: ActorProcess,
  state: SupervisorState,
  child: Child,
  p: ActorProcess,
  outcome: StartOutcome,
): StartOutcome {
  // The supervisor died while the child started (its children were killed with it).
  if (!sup.alive) return outcome;
  // Started, even if it died since: its EXIT is queued and onExit will see it.
  if (outcome.kind === 'started') {
    const at = sup.runtime.clock.now();
    state.children.running(child, p, at);
    sup.runtime.report(() => ({
      type: 'child-started',
      supervisor: sup.pid,
      id: child.reportedId,
      pid: p.pid,
      at,
    }));
    return outcome;
  }
  unlink(sup, p);
  sup.mailbox?.removeWhere(
    (m) => (m as ExitMessage).type === 'EXIT' && (m as ExitMessage).from === p.pid,
  );
  if (outcome.kind !== 'failed') return outcome;
  return failed(sup, child, outcome);
}

function failed(sup: ActorProcess, child: Child, outcome: StartOutcome): StartOutcome {
  if (outcome.kind === 'failed') {
    sup.runtime.report((at) => ({
      type: 'child-start-failed',
      supervisor: sup.pid,
      id: child.reportedId,
      reason: outcome.reason,
      at,
    }));
  }
  return outcome;
}

/**
 * Stops a running child by its shutdown rule (semantics §13 R10.11), as the supervisor's
 * own decision: no restart and no auto-shutdown follow (semantics §13 R10.6).
 */
export function stopChild(
  sup: ActorProcess,
  state: SupervisorState,
  child: Child,
  status: 'stopped' | 'restarting',
): Promise<unknown> | undefined {
  const p = state.children.detach(child, status);
  if (p === null) return undefined;
  if (child.spec.restart === 'temporary') state.children.remove(child);
  return shutdown(p, exitReason.shutdown()).then((reason) => {
    if (sup.alive) {
      sup.runtime.report((at) => ({
        type: 'child-exited',
        supervisor: sup.pid,
        id: child.reportedId,
        pid: p.pid,
        reason,
        action: 'shutdown',
        at,
      }));
    }
  });
}

/** Stops `children` one at a time, in the order given. */
export function stopInOrder(sup: ActorProcess, state: SupervisorState, children: Child[]): Step {
  for (let i = 0; i < children.length; i++) {
    const stopping = stopChild(sup, state, children[i] as Child, 'restarting');
    if (stopping !== undefined) {
      return stopping.then(() => stopInOrder(sup, state, children.slice(i + 1)));
    }
  }
}

/** The supervisor's own stop: children in reverse start order (dynamic: all at once). */
export async function stopAllChildren(sup: ActorProcess): Promise<void> {
  const state = sup.state;
  if (!(state instanceof SupervisorState)) return;
  const list = [...state.children.list].reverse();
  for (const child of list) child.generation++;
  if (state.dynamic) {
    await Promise.all(list.map((c) => stopChild(sup, state, c, 'stopped')));
    return;
  }
  for (const child of list) await stopChild(sup, state, child, 'stopped');
}

/** Starts the initial children in order; on a failure, rolls back and exits (semantics §13 R10.4). */
export function startInitial(sup: ActorProcess, state: SupervisorState, i: number): Step {
  const list = state.children.list;
  for (; i < list.length; i++) {
    const child = list[i] as Child;
    const outcome = launch(sup, state, child);
    if (outcome instanceof Promise) {
      return outcome.then((o) =>
        initialOutcome(sup, child, o) ? startInitial(sup, state, i + 1) : undefined,
      );
    }
    if (!initialOutcome(sup, child, outcome)) return;
  }
}

function initialOutcome(sup: ActorProcess, child: Child, outcome: StartOutcome): boolean {
  if (!sup.alive) return false;
  if (outcome.kind !== 'failed') return true;
  sup.runtime.report((at) => ({
    type: 'supervisor-shutdown',
    supervisor: sup.pid,
    cause: 'start-failed',
    id: child.reportedId,
    at,
  }));
  sup.stop(exitReason.shutdown({ failedToStartChild: child.spec.id, reason: outcome.reason }));
  return false;
}
