import type { ActorProcess, ExitMessage, StartOutcome } from '../actor/index.js';
import { runtimeMessage } from '../actor/index.js';
import { exitReason, type Pid } from '../process/index.js';
import {
  afterStep,
  launch,
  type Step,
  type SupervisorState,
  stopInOrder,
} from './child-lifecycle.js';
import type { Child } from './children.js';
import { backoffDelay, planRestart, restartDecision, shouldAutoShutdown } from './policy.js';
import type { RetryMessage } from './protocol.js';

/**
 * The supervisor actor (OTP `supervisor`) when a child exits: it carries
 * out the pure policy of `policy.ts` — restart, back off, auto-shutdown or
 * give up — starting and stopping children through `child-lifecycle.ts`.
 * Every step runs synchronously while the children's hooks are
 * synchronous, so a one-for-one restart costs no promise.
 */

/** A child exited by itself: apply semantics §13 R10.5 and the strategy. */
export function onExit(sup: ActorProcess, state: SupervisorState, msg: ExitMessage): Step {
  if (msg.from === undefined) return;
  const child = state.children.byPid(msg.from);
  if (child === undefined) return; // semantics §9 R10.13: not one of ours
  const reason = msg.reason;
  const action = restartDecision(child.spec.restart, reason);
  state.children.detach(child, action === 'restart' ? 'restarting' : 'stopped');
  const at = sup.runtime.clock.now();
  const from = msg.from as Pid;
  sup.runtime.report(() => ({
    type: 'child-exited',
    supervisor: sup.pid,
    id: child.reportedId,
    pid: from,
    reason,
    action,
    at,
  }));
  // A dynamic supervisor keeps no stopped children (Elixir DynamicSupervisor).
  if (action === 'delete' || (action === 'keep' && state.dynamic)) state.children.remove(child);
  if (action !== 'restart') {
    if (child.spec.significant) autoShutdown(sup, state, child);
    return;
  }
  const backoff = child.spec.backoff;
  if (backoff !== undefined) {
    // A crash after a healthy run starts the backoff sequence over.
    if (at - child.startedAt >= backoff.resetAfterMs) child.attempts = 0;
    return afterStep(stopBystanders(sup, state, child), () => retryLater(sup, state, child));
  }
  if (!state.window.record(at)) return giveUp(sup, child, 'intensity');
  return restartFrom(sup, state, child);
}

function autoShutdown(sup: ActorProcess, state: SupervisorState, child: Child): void {
  let others = 0;
  for (const c of state.children.list) {
    // A child waiting to be restarted is still there (OTP's {restarting, _}).
    if (c.spec.significant && (c.process !== null || c.status === 'restarting')) others++;
  }
  if (!shouldAutoShutdown(state.flags.autoShutdown, others)) return;
  sup.runtime.report((at) => ({
    type: 'supervisor-shutdown',
    supervisor: sup.pid,
    cause: 'significant',
    id: child.reportedId,
    at,
  }));
  sup.stop(exitReason.shutdown());
}

/** Intensity exceeded (semantics §13 R10.8) or backoff exhausted: stop every child, exit `shutdown`. */
function giveUp(sup: ActorProcess, child: Child, cause: 'intensity' | 'backoff'): void {
  if (!sup.alive) return;
  sup.runtime.report((at) => ({
    type: 'supervisor-shutdown',
    supervisor: sup.pid,
    cause,
    id: child.reportedId,
    at,
  }));
  sup.stop(exitReason.shutdown());
}

/** The siblings a restart of `child` takes down, per strategy, in reverse start order. */
function bystanders(state: SupervisorState, child: Child): Child[] {
  const strategy = state.dynamic ? 'one-for-one' : state.flags.strategy;
  if (strategy === 'one-for-one') return [];
  const list = state.children.list;
  const plan = planRestart(strategy, child.index, list.length);
  return plan.stop.map((i) => list[i] as Child).filter((c) => c.process !== null);
}

function stopBystanders(sup: ActorProcess, state: SupervisorState, child: Child): Step {
  const others = bystanders(state, child);
  return others.length === 0 ? undefined : stopInOrder(sup, state, others);
}

/** Restarts `child` and, per strategy, its siblings (semantics §13 R10.7), as `planRestart` plans it. */
export function restartFrom(sup: ActorProcess, state: SupervisorState, child: Child): Step {
  const strategy = state.dynamic ? 'one-for-one' : state.flags.strategy;
  if (strategy === 'one-for-one') return restartOne(sup, state, child);
  return afterStep(stopBystanders(sup, state, child), () => {
    if (!sup.alive) return;
    // Planned again after the stops: a temporary bystander that stopped has left the list.
    const list = state.children.list;
    const group = planRestart(strategy, child.index, list.length)
      .start.map((i) => list[i] as Child)
      .filter((c) => c.process === null && c.spec.restart !== 'temporary');
    return startInOrder(sup, state, group, 0, []);
  });
}

/** one-for-one: the hot path of a restart, with no group bookkeeping. */
function restartOne(sup: ActorProcess, state: SupervisorState, child: Child): Step {
  if (child.process !== null || !sup.alive) return;
  const previous = child.previous;
  const outcome = launch(sup, state, child);
  if (outcome instanceof Promise) {
    return outcome.then((o) =>
      o.kind === 'failed'
        ? failRound(sup, state, [child], 0, [])
        : restarted(sup, state, child, previous, o, null),
    );
  }
  if (outcome.kind === 'failed') return failRound(sup, state, [child], 0, []);
  restarted(sup, state, child, previous, outcome, null);
}

/** Starts `group[i..]` in order; `started` collects this round's starts. */
function startInOrder(
  sup: ActorProcess,
  state: SupervisorState,
  group: Child[],
  i: number,
  started: Child[],
): Step {
  for (; i < group.length; i++) {
    const child = group[i] as Child;
    if (child.process !== null || !sup.alive) continue;
    const previous = child.previous;
    const outcome = launch(sup, state, child);
    if (outcome instanceof Promise) {
      const at = i;
      return outcome.then((o) => {
        if (o.kind === 'failed') return failRound(sup, state, group, at, started);
        restarted(sup, state, child, previous, o, started);
        return startInOrder(sup, state, group, at + 1, started);
      });
    }
    if (outcome.kind === 'failed') return failRound(sup, state, group, i, started);
    restarted(sup, state, child, previous, outcome, started);
  }
}

function restarted(
  sup: ActorProcess,
  state: SupervisorState,
  child: Child,
  previous: Pid | undefined,
  outcome: StartOutcome,
  started: Child[] | null,
): void {
  if (!sup.alive) return;
  if (outcome.kind !== 'started' || child.process === null) {
    child.status = 'stopped'; // the start returned ignore
    if (state.dynamic) state.children.remove(child);
    return;
  }
  sup.runtime.countRestart();
  const pid = child.process.pid;
  sup.runtime.report((at) => ({
    type: 'child-restarted',
    supervisor: sup.pid,
    id: child.reportedId,
    pid,
    previous,
    at,
  }));
  started?.push(child);
}

/**
 * A restart failed at `group[i]` (semantics §13 R10.10): mark the rest restarting and
 * retry behind the mailbox, counted against intensity. one-for-all first
 * stops the children this round started and retries the whole group;
 * rest-for-one and one-for-one resume at the child that failed.
 */
function failRound(
  sup: ActorProcess,
  state: SupervisorState,
  group: Child[],
  i: number,
  started: Child[],
): Step {
  if (!sup.alive) return;
  const whole = !state.dynamic && state.flags.strategy === 'one-for-all';
  // The retry is keyed on the child that failed (OTP try_again); for
  // one-for-all, restartFrom restarts the whole group from it anyway.
  const failed = group[i] as Child;
  return afterStep(whole ? stopInOrder(sup, state, started.reverse()) : undefined, () => {
    if (!sup.alive) return;
    for (let j = i; j < group.length; j++) (group[j] as Child).status = 'restarting';
    // A child with backoff waits out its next delay instead (the dependency is still down).
    if (failed.spec.backoff !== undefined) return retryLater(sup, state, failed);
    // Queued as the runtime's own message: no overflow policy may drop it.
    const retry: RetryMessage = runtimeMessage({
      type: 'sup:retry',
      child: failed,
      generation: failed.generation,
      counted: true,
    });
    sup.enqueueRuntimeMessage(retry, sup.pid);
  });
}

/**
 * Schedules the next backoff attempt for `child`, not counted against
 * intensity; gives up once `maxRestarts`
 * consecutive attempts have been spent.
 */
function retryLater(sup: ActorProcess, state: SupervisorState, child: Child): void {
  if (!sup.alive) return;
  const backoff = child.spec.backoff as NonNullable<Child['spec']['backoff']>;
  child.attempts++;
  if (child.attempts > backoff.maxRestarts) {
    giveUp(sup, child, 'backoff');
    return;
  }
  child.status = 'restarting';
  const delay = backoffDelay(backoff, child.attempts, state.random);
  const retry: RetryMessage = runtimeMessage({
    type: 'sup:retry',
    child,
    generation: child.generation,
    counted: false,
  });
  sup.sendAfter(delay, retry);
}

export function onRetry(sup: ActorProcess, state: SupervisorState, msg: RetryMessage): Step {
  const child = msg.child;
  if (msg.generation !== child.generation || child.status !== 'restarting') return;
  if (child.process !== null || child.removed) return;
  if (msg.counted && !state.window.record(sup.runtime.clock.now())) {
    return giveUp(sup, child, 'intensity');
  }
  return restartFrom(sup, state, child);
}
