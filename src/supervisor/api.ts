import type { ActorRef } from '../actor/index.js';
import { InvalidArgumentError } from '../errors.js';
import { describeValue } from '../limits/index.js';
import type { Pid } from '../process/index.js';
import type { ChildCounts, ChildInfo } from './children.js';
import { childIdOrPid, type SupervisorAddress } from './protocol.js';
import type { ChildSpec, DynamicChildSpec, ResolvedChildSpec } from './spec.js';

/**
 * The supervisor API (OTP `supervisor:start_child/2` and friends). Each
 * call is a request the supervisor serves between restarts, with no client
 * timeout (semantics §13 R10.14); a supervisor that is gone rejects with `NoProcError`,
 * and refusals reject with `SupervisorError` (stable codes).
 *
 * @module
 */

const NO_TIMEOUT = { timeout: Number.POSITIVE_INFINITY } as const;

/** Sends a request to `sup` with no client timeout; what is not a ref rejects with `InvalidArgumentError`. */
function call(
  sup: SupervisorAddress,
  request: Parameters<SupervisorAddress['ask']>[0],
): Promise<never> {
  if (!isAddress(sup)) return notSupervisor();
  return sup.ask(request, NO_TIMEOUT) as Promise<never>;
}

function isAddress(sup: unknown): boolean {
  return typeof (sup as { ask?: unknown } | null | undefined)?.ask === 'function';
}

function notSupervisor(): Promise<never> {
  return Promise.reject(new InvalidArgumentError('sup', 'must be a supervisor ref'));
}

/** A child id, or the pid of a ref or pid; undefined for anything else. */
function childTarget(child: unknown): string | Pid | undefined {
  return childIdOrPid(
    typeof child === 'object' && child !== null ? (child as { pid?: unknown }).pid : child,
  );
}

/**
 * Adds a child and starts it; it goes last in start order. Resolves with
 * its ref, or undefined when its init stopped it with `normal` (OTP
 * `ignore`). Rejects with `InvalidChildSpecError`, `SupervisorError`
 * (`ERR_CHILD_ALREADY_STARTED`, `ERR_CHILD_ALREADY_PRESENT`,
 * `ERR_MAX_CHILDREN`) or `StartFailedError`.
 *
 * @example
 * ```ts
 * const db = await startChild<DbMsg>(sup, { id: 'db', actor: dbActor });
 * ```
 */
export function startChild<M, A = unknown>(
  sup: SupervisorAddress,
  spec: ChildSpec<A, M> | DynamicChildSpec<A, M>,
): Promise<ActorRef<M> | undefined> {
  return call(sup, { type: 'sup:start-child', spec: spec as ChildSpec<unknown> }) as Promise<
    ActorRef<M> | undefined
  >;
}

/**
 * Stops a child by its shutdown rule, without restarting it (OTP
 * `terminate_child/2`). A supervisor takes its child's id, a dynamic
 * supervisor its ref or pid, as OTP's static and `simple_one_for_one`
 * supervisors do. The spec is kept unless the child is temporary or
 * dynamic. Rejects with `ERR_CHILD_NOT_FOUND` for an unknown id, for a ref
 * or pid given to a supervisor (OTP `{error, not_found}`) and for a live
 * process that is not a dynamic supervisor's child, and with
 * `ERR_SUPERVISOR_TAKES_PIDS` for an id given to a dynamic supervisor (OTP
 * `{error, simple_one_for_one}`); a pid that is already gone resolves.
 * A child that is none of these (`null`, `undefined`, an object without a
 * pid, a number that is not a pid) rejects with `InvalidArgumentError`
 * (`ERR_INVALID_ARG`) naming `child`.
 *
 * @example
 * ```ts
 * await terminateChild(sup, 'db');
 * ```
 */
export function terminateChild(
  sup: SupervisorAddress,
  child: string | Pid | ActorRef<never>,
): Promise<void> {
  // Checked here, not by the supervisor: `null.pid` would be a plain TypeError,
  // and an undefined pid would pass on a dynamic supervisor as a child already gone.
  if (!isAddress(sup)) return notSupervisor();
  const target = childTarget(child);
  if (target === undefined) {
    return Promise.reject(
      new InvalidArgumentError(
        'child',
        `must be a child id, a pid or a ref, got ${describeValue(child)}`,
      ),
    );
  }
  return call(sup, { type: 'sup:terminate-child', child: target });
}

/**
 * Starts a stopped child again from its spec (OTP `restart_child/2`); not
 * counted against intensity. Rejects with `ERR_CHILD_RUNNING`,
 * `ERR_CHILD_RESTARTING`, `ERR_CHILD_NOT_FOUND`, `StartFailedError`, or
 * `ERR_SUPERVISOR_TAKES_PIDS` on a dynamic supervisor.
 *
 * @example
 * ```ts
 * await terminateChild(sup, 'db');
 * const db = await restartChild(sup, 'db');
 * ```
 */
export function restartChild<M = unknown>(
  sup: SupervisorAddress,
  id: string,
): Promise<ActorRef<M> | undefined> {
  return call(sup, { type: 'sup:restart-child', id }) as Promise<ActorRef<M> | undefined>;
}

/**
 * Forgets a stopped child's spec (OTP `delete_child/2`). Rejects with
 * `ERR_CHILD_RUNNING`, `ERR_CHILD_RESTARTING`, `ERR_CHILD_NOT_FOUND`, or
 * `ERR_SUPERVISOR_TAKES_PIDS` on a dynamic supervisor.
 *
 * @example
 * ```ts
 * await terminateChild(sup, 'db');
 * await deleteChild(sup, 'db');
 * ```
 */
export function deleteChild(sup: SupervisorAddress, id: string): Promise<void> {
  return call(sup, { type: 'sup:delete-child', id });
}

/**
 * Every child, most recently started first (OTP `which_children/1`).
 *
 * @example
 * ```ts
 * const running = (await whichChildren(sup)).filter((c) => c.status === 'running');
 * ```
 */
export function whichChildren(sup: SupervisorAddress): Promise<ChildInfo[]> {
  return call(sup, { type: 'sup:which-children' });
}

/**
 * How many children, running or not, and of which type (OTP `count_children/1`).
 *
 * @example
 * ```ts
 * const { active } = await countChildren(sup);
 * ```
 */
export function countChildren(sup: SupervisorAddress): Promise<ChildCounts> {
  return call(sup, { type: 'sup:count-children' });
}

/**
 * A child's spec with every default filled in (OTP `get_childspec/2`).
 * Rejects with `ERR_CHILD_NOT_FOUND`.
 *
 * @example
 * ```ts
 * const { shutdown, restart } = await getChildSpec(sup, 'db');
 * ```
 */
export function getChildSpec(sup: SupervisorAddress, id: string): Promise<ResolvedChildSpec> {
  return call(sup, { type: 'sup:get-child-spec', id });
}
