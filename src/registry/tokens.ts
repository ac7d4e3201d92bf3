import { InvalidArgumentError } from '../errors.js';

/**
 * Typed name tokens: a registered name or a service that carries the type
 * of message what it names accepts, so `whereis`, `named`, spawn options,
 * child specs, monitors, timers and services are checked by the compiler
 * with no type argument and no cast. A token is plain data (`{ name }`),
 * frozen; a string still works wherever a token does, unchecked.
 *
 * @module
 */

declare const NAME_TYPE: unique symbol;
declare const SERVICE_TYPE: unique symbol;

/**
 * A registered name whose holder accepts `M`. Declare it once, next to the
 * actor, and use it everywhere the name is: the compiler then checks that
 * the actor spawned under it accepts `M`, and `whereis` / `named` give an
 * address of exactly `M`. A token of a narrower type (`Name<Get>` for an
 * actor of `Get | Set`) may name the same actor: it only promises less.
 *
 * @example
 * ```ts
 * export const counterName = name<CounterMsg>('counter');
 * system.spawn(counter, { name: counterName });
 * const ref = system.whereis(counterName); // ActorRef<CounterMsg> | undefined
 * ```
 */
export interface Name<M> {
  readonly name: string;
  /** Phantom member carrying the message type; never present at run time. */
  readonly [NAME_TYPE]?: () => M;
}

/**
 * Declares a typed name (OTP registered name). Two tokens with the same
 * string are the same name. Throws `InvalidArgumentError` for an empty name.
 *
 * @example
 * ```ts
 * const db = name<DbMsg>('db');
 * ```
 */
export function name<M>(name: string): Name<M> {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError('name', 'must be a non-empty string');
  }
  return Object.freeze({ name });
}

/**
 * A service (Elixir `Registry`) whose entries accept `M`: `services.ref`,
 * `lookup` and `register` with it are typed.
 *
 * @example
 * ```ts
 * const sessions = serviceKey<SessionMsg>('sessions');
 * system.services.define(sessions, { keys: 'unique' });
 * system.services.ref(sessions, 'user-1').tell({ type: 'ping' });
 * ```
 */
export interface ServiceKey<M> {
  readonly service: string;
  /** Phantom member carrying the message type; never present at run time. */
  readonly [SERVICE_TYPE]?: () => M;
}

/**
 * Declares a typed service. Two keys with the same string are the same service.
 *
 * @example
 * ```ts
 * const sessions = serviceKey<SessionMsg>('sessions');
 * ```
 */
export function serviceKey<M>(service: string): ServiceKey<M> {
  if (typeof service !== 'string' || service.length === 0) {
    throw new InvalidArgumentError('service', 'must be a non-empty string');
  }
  return Object.freeze({ service });
}

/** Whether `value` is a name token (a frozen `{ name }`, not a ref or pid). */
export function isName(value: unknown): value is Name<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { name?: unknown }).name === 'string' &&
    !('pid' in value)
  );
}

declare const GROUP_TYPE: unique symbol;

/**
 * A process group (Erlang `pg`) whose members accept `M`. Use it with
 * `system.groups.typed(token)` for a join that checks the member and a
 * broadcast that checks the message.
 *
 * @example
 * ```ts
 * const room = group<ChatMsg>('lobby');
 * system.groups.typed(room).join(member);
 * system.groups.typed(room).broadcast({ type: 'say', text: 'hi' });
 * ```
 */
export interface GroupToken<M> {
  readonly group: string;
  /** Phantom member carrying the message type; never present at run time. */
  readonly [GROUP_TYPE]?: (message: M) => void;
}

/**
 * Declares a typed process group. Two tokens with the same string are the
 * same group, the one `groups.join(name, ref)` joins.
 *
 * @example
 * ```ts
 * const room = group<ChatMsg>('lobby');
 * ```
 */
export function group<M>(group: string): GroupToken<M> {
  if (typeof group !== 'string' || group.length === 0) {
    throw new InvalidArgumentError('group', 'must be a non-empty string');
  }
  return Object.freeze({ group });
}

/** The string of a name or name token; throws `InvalidArgumentError` for anything else. */
export function nameOf(value: string | Name<unknown>): string {
  const n = typeof value === 'string' ? value : (value as { name?: unknown } | null)?.name;
  if (typeof n !== 'string' || n.length === 0) {
    throw new InvalidArgumentError('name', 'must be a non-empty string or a name(...) token');
  }
  return n;
}

/** The string of a service or service key; throws `InvalidArgumentError` for anything else. */
export function serviceOf(value: string | ServiceKey<unknown>): string {
  const s = typeof value === 'string' ? value : (value as { service?: unknown } | null)?.service;
  if (typeof s !== 'string' || s.length === 0) {
    throw new InvalidArgumentError(
      'service',
      'must be a non-empty string or a serviceKey(...) token',
    );
  }
  return s;
}
