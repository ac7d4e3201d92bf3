import type { ActorRef, Address, ExitMessage, Reply } from '../actor/index.js';
import type { Pid } from '../process/index.js';
import type { Child, ChildCounts, ChildInfo } from './children.js';
import type { ChildSpec, ResolvedChildSpec } from './spec.js';

/**
 * The messages a supervisor handles: trapped exits of its children, the
 * requests of the supervisor API, and its own scheduled retries.
 *
 * @module
 */

/** A request of the supervisor API (see `startChild`, `whichChildren`, ...). */
export type SupervisorRequest =
  | {
      readonly type: 'sup:start-child';
      readonly spec: ChildSpec<unknown>;
      readonly reply: Reply<ActorRef<unknown> | undefined>;
    }
  | {
      readonly type: 'sup:terminate-child';
      readonly child: string | Pid;
      readonly reply: Reply<void>;
    }
  | {
      readonly type: 'sup:restart-child';
      readonly id: string;
      readonly reply: Reply<ActorRef<unknown> | undefined>;
    }
  | { readonly type: 'sup:delete-child'; readonly id: string; readonly reply: Reply<void> }
  | { readonly type: 'sup:which-children'; readonly reply: Reply<ChildInfo[]> }
  | { readonly type: 'sup:count-children'; readonly reply: Reply<ChildCounts> }
  | {
      readonly type: 'sup:get-child-spec';
      readonly id: string;
      readonly reply: Reply<ResolvedChildSpec>;
    };

/**
 * A retry the supervisor sends itself: after a failed restart (counted
 * against intensity, semantics §13, OTP R10.10) or when a backoff delay ends (not counted).
 */
export interface RetryMessage {
  readonly type: 'sup:retry';
  readonly child: Child;
  readonly generation: number;
  readonly counted: boolean;
}

/**
 * Everything a supervisor's mailbox accepts.
 *
 * @example
 * ```ts
 * const sup: SupervisorRef = system.spawn(supervisor({ children: [] }));
 * ```
 */
export type SupervisorMessage = SupervisorRequest | ExitMessage | RetryMessage;

/**
 * A ref to a supervisor or dynamic supervisor, as the API functions take it.
 *
 * @example
 * ```ts
 * const sup: SupervisorRef = await system.start(supervisor({ children }));
 * ```
 */
export type SupervisorRef = ActorRef<SupervisorMessage>;

/**
 * Any address of a supervisor the API functions take besides its ref: a
 * local name (`system.named`), a cluster name (`system.cluster.global`), a
 * name on another node (`system.cluster.named`). Each call resolves it.
 *
 * @example
 * ```ts
 * await whichChildren(system.cluster!.global<SupervisorMessage>('orders-sup'));
 * ```
 */
export type SupervisorAddress = Address<SupervisorMessage>;

/**
 * What `sup:terminate-child` may name: a child id (a string) or a pid (a
 * positive integer); undefined for anything else. One check for the API's
 * `terminateChild` and the supervisor's request handler, so a raw request
 * with NaN, 1.5 or -1 is refused, not taken for a child already gone (§13).
 *
 * @example
 * ```ts
 * childIdOrPid('db'); // 'db'
 * childIdOrPid(Number.NaN); // undefined
 * ```
 */
export function childIdOrPid(target: unknown): string | Pid | undefined {
  if (typeof target === 'string') return target;
  return typeof target === 'number' && Number.isInteger(target) && target > 0
    ? (target as Pid)
    : undefined;
}
