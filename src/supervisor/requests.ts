import type { ActorProcess } from '../actor/index.js';
import { failPendingReply } from '../actor/index.js';
import {
  InvalidArgumentError,
  NameTakenError,
  StartFailedError,
  SupervisorError,
} from '../errors.js';
import type { ExitReason, Pid } from '../process/index.js';
import { formatExitReason } from '../process/index.js';
import { afterStep, launch, type SupervisorState, stopChild } from './child-lifecycle.js';
import { Child, type ChildCounts, type ChildInfo } from './children.js';
import { childIdOrPid, type SupervisorRequest } from './protocol.js';
import { type ResolvedChildSpec, resolveChildSpec } from './spec.js';

/**
 * The supervisor API, served inside the supervisor (semantics §13, OTP R10.14): every
 * request runs to completion before the next message, so a request never
 * sees a half-done restart. Refusals are typed errors with stable codes.
 */
export function handleRequest(
  sup: ActorProcess,
  state: SupervisorState,
  msg: SupervisorRequest,
): void | Promise<void> {
  switch (msg.type) {
    case 'sup:start-child': {
      let spec: ResolvedChildSpec;
      try {
        spec = resolveChildSpec(msg.spec, state.flags.autoShutdown, !state.dynamic);
      } catch (error) {
        msg.reply.fail(error);
        return;
      }
      const refusal = refuseStart(state, spec);
      if (refusal !== undefined) {
        msg.reply.fail(refusal);
        return;
      }
      // A new child goes last in start order, so it is stopped first.
      const child = new Child(spec);
      state.children.add(child);
      return afterStep(launch(sup, state, child), (outcome) => {
        if (outcome.kind === 'started') {
          msg.reply.send((child.process as ActorProcess).ref);
          return;
        }
        if (outcome.kind === 'failed' || state.dynamic || spec.restart === 'temporary') {
          state.children.remove(child);
        }
        if (outcome.kind === 'failed') msg.reply.fail(startError(child, outcome.reason));
        else msg.reply.send(undefined);
      });
    }
    case 'sup:terminate-child': {
      const target = childIdOrPid(msg.child);
      // A request sent around terminateChild: neither an id nor a pid (NaN,
      // 1.5, -1 among them) must not pass for a child already gone.
      if (target === undefined) {
        msg.reply.fail(new InvalidArgumentError('child', 'must be a child id or a pid'));
        return;
      }
      // OTP: a static supervisor terminates by id (a pid is not found), a
      // simple_one_for_one one by pid (an id is `{error, simple_one_for_one}`).
      if (state.dynamic && typeof target === 'string') {
        msg.reply.fail(takesPids());
        return;
      }
      const child = !state.dynamic
        ? typeof target === 'string'
          ? state.children.byId(target)
          : undefined
        : state.children.byPid(target as Pid);
      if (child === undefined) {
        // A pid that is gone is simply not running: ok (semantics §13, OTP R10.15).
        if (state.dynamic && sup.runtime.lookup(target as Pid) === undefined) {
          msg.reply.send();
        } else msg.reply.fail(notFound(target));
        return;
      }
      child.generation++; // no retry or backoff restart may follow
      const done = (): void => {
        if (state.dynamic || child.spec.restart === 'temporary') state.children.remove(child);
        msg.reply.send();
      };
      const stopping = stopChild(sup, state, child, 'stopped');
      if (stopping === undefined) done();
      else return stopping.then(done);
      return;
    }
    case 'sup:restart-child': {
      const child = existing(state, msg.id, msg.reply);
      if (child === undefined) return;
      child.generation++;
      return afterStep(launch(sup, state, child), (outcome) => {
        if (outcome.kind === 'failed') msg.reply.fail(startError(child, outcome.reason));
        else msg.reply.send(child.process?.ref);
      });
    }
    case 'sup:delete-child': {
      const child = existing(state, msg.id, msg.reply);
      if (child === undefined) return;
      state.children.remove(child);
      msg.reply.send();
      return;
    }
    case 'sup:which-children': {
      const rows: ChildInfo[] = [];
      const list = state.children.list;
      // Most recently started first, as OTP lists them.
      for (let i = list.length - 1; i >= 0; i--) {
        const c = list[i] as Child;
        rows.push({
          id: c.reportedId,
          ref: c.process?.ref,
          status: c.status,
          type: c.spec.type,
          restart: c.spec.restart,
        });
      }
      msg.reply.send(rows);
      return;
    }
    case 'sup:count-children': {
      let supervisors = 0;
      for (const c of state.children.list) if (c.spec.type === 'supervisor') supervisors++;
      const specs = state.children.size;
      const counts: ChildCounts = {
        specs,
        active: state.children.active,
        supervisors,
        workers: specs - supervisors,
      };
      msg.reply.send(counts);
      return;
    }
    case 'sup:get-child-spec': {
      const child = state.children.byId(msg.id);
      if (child === undefined) msg.reply.fail(notFound(msg.id));
      else msg.reply.send(child.spec);
      return;
    }
    default:
      unexpected(sup, msg);
  }
}

/**
 * A message the supervisor does not understand (semantics §9, OTP R10.13: logged and
 * ignored): a dead letter with reason `unexpected`, never a crash. An ask
 * among them fails at once instead of waiting for its timeout.
 */
export function unexpected(sup: ActorProcess, msg: unknown): void {
  sup.runtime.deadLetter(msg, sup.pid, sup.sender, 'unexpected');
  failPendingReply(
    msg,
    new InvalidArgumentError('message', 'not a request this supervisor understands'),
  );
}

function refuseStart(state: SupervisorState, spec: ResolvedChildSpec): Error | undefined {
  if (state.dynamic) {
    if (state.children.size >= state.maxChildren) {
      return new SupervisorError(
        'ERR_MAX_CHILDREN',
        `the supervisor already has its maximum of ${state.maxChildren} children`,
      );
    }
    return undefined;
  }
  const present = state.children.byId(spec.id);
  if (present === undefined) return undefined;
  return present.process !== null
    ? new SupervisorError(
        'ERR_CHILD_ALREADY_STARTED',
        `child ${JSON.stringify(spec.id)} is already running`,
        spec.id,
      )
    : new SupervisorError(
        'ERR_CHILD_ALREADY_PRESENT',
        `child ${JSON.stringify(spec.id)} is already present (not running)`,
        spec.id,
      );
}

/** The child with `id` if it may be restarted or deleted; otherwise fails `reply`. */
function existing(
  state: SupervisorState,
  id: string,
  reply: { fail(error: unknown): void },
): Child | undefined {
  if (state.dynamic) {
    reply.fail(takesPids());
    return undefined;
  }
  const child = state.children.byId(id);
  if (child === undefined) reply.fail(notFound(id));
  else if (child.process !== null) {
    reply.fail(
      new SupervisorError('ERR_CHILD_RUNNING', `child ${JSON.stringify(id)} is running`, id),
    );
  } else if (child.status === 'restarting') {
    reply.fail(
      new SupervisorError('ERR_CHILD_RESTARTING', `child ${JSON.stringify(id)} is restarting`, id),
    );
  } else return child;
  return undefined;
}

/** OTP `{error, simple_one_for_one}`: a dynamic supervisor's children have pids, no ids. */
function takesPids(): SupervisorError {
  return new SupervisorError(
    'ERR_SUPERVISOR_TAKES_PIDS',
    'a dynamic supervisor names its children by ref or pid, not by id',
  );
}

function notFound(target: string | number): SupervisorError {
  const what = typeof target === 'string' ? JSON.stringify(target) : `<0.${target}>`;
  return new SupervisorError(
    'ERR_CHILD_NOT_FOUND',
    `no child ${what}`,
    typeof target === 'string' ? target : undefined,
  );
}

/** The error of a failed child start; a taken name is OTP's `already_started`. */
function startError(child: Child, reason: ExitReason): Error {
  if (reason.kind === 'error' && reason.error instanceof NameTakenError) {
    return new SupervisorError('ERR_CHILD_ALREADY_STARTED', reason.error.message, child.reportedId);
  }
  const what = child.reportedId === undefined ? 'child' : `child ${JSON.stringify(child.spec.id)}`;
  return new StartFailedError(what, reason, formatExitReason(reason));
}
