import { inspect } from 'node:util';
import type { ActorProcess, ActorRef, Address } from '../actor/index.js';
import { exitedSenderNow, refuseExitedFanOut } from '../actor/index.js';
import type { Topic } from '../broker/index.js';
import { topicName } from '../broker/index.js';
import { InvalidArgumentError } from '../errors.js';
import type { SendOptions } from '../mailbox/index.js';
import type { Pid } from '../process/index.js';
import type { GroupChange, GroupName, GroupToken, KeyMode, ServiceKey } from '../registry/index.js';
import { serviceOf } from '../registry/index.js';
import type { SystemCore } from './core.js';

/** A ref or a pid of a live process. */
type Target = ActorRef<never> | Pid;

/**
 * Services of one system: keyed registries (Elixir `Registry`). Entries
 * vanish when their process exits.
 *
 * @example
 * ```ts
 * const sessions = serviceKey<SessionMsg>('sessions');
 * system.services.define(sessions, { keys: 'unique' });
 * system.services.register(sessions, 'user-1', session);
 * await system.services.ref(sessions, 'user-1').ask({ type: 'state' });
 * ```
 */
export class Services {
  readonly #core: SystemCore;

  constructor(core: SystemCore) {
    this.#core = core;
  }

  /** Creates a service with `unique` or `duplicate` keys (idempotent for the same mode). */
  define(service: string | ServiceKey<unknown>, options: { readonly keys: KeyMode }): void {
    this.#core.services.define(serviceOf(service), options?.keys);
  }

  /**
   * Registers `target` under `key`; throws `KeyTakenError` for a taken
   * unique key. With a typed service key the target must accept its type.
   */
  register<M>(service: ServiceKey<M>, key: string, target: ActorRef<M>, value?: unknown): void;
  register(service: string, key: string, target: Target, value?: unknown): void;
  register(
    service: string | ServiceKey<unknown>,
    key: string,
    target: Target,
    value?: unknown,
  ): void {
    this.#core.services.register(serviceOf(service), key, this.#core.live(target), value);
  }

  /** Removes `target`'s entries under `key`; false when it had none. */
  unregister(service: string | ServiceKey<unknown>, key: string, target: Target): boolean {
    const p = this.#core.process(target);
    return p !== undefined && this.#core.services.unregister(serviceOf(service), key, p);
  }

  /** Who is registered under `key`, oldest first, with the values they gave. */
  lookup<M>(
    service: ServiceKey<M>,
    key: string,
  ): { readonly ref: ActorRef<M>; readonly value: unknown }[];
  /** Untyped: the caller states the message type (prefer a `serviceKey<M>()`). */
  lookup<M = unknown>(
    service: string,
    key: string,
  ): { readonly ref: ActorRef<M>; readonly value: unknown }[];
  lookup<M>(
    service: string | ServiceKey<M>,
    key: string,
  ): { readonly ref: ActorRef<M>; readonly value: unknown }[] {
    return this.#core.services
      .lookup(serviceOf(service), key)
      .map((e) => ({ ref: e.holder.ref as ActorRef<M>, value: e.value }));
  }

  /** The keys `target` holds in `service`. */
  keys(service: string | ServiceKey<unknown>, target: Target): string[] {
    const p = this.#core.process(target);
    return p === undefined ? [] : this.#core.services.keysOf(serviceOf(service), p);
  }

  /** How many entries `service` holds. */
  count(service: string | ServiceKey<unknown>): number {
    return this.#core.services.count(serviceOf(service));
  }

  /**
   * An address by service and key, resolved at each send. With a typed
   * service key it has the key's type; with a string the caller states it.
   */
  ref<M>(service: ServiceKey<M>, key: string): Address<M>;
  /** Untyped: the caller states the message type (prefer a `serviceKey<M>()`). */
  ref<M>(service: string, key: string): Address<M>;
  ref<M>(service: string | ServiceKey<M>, key: string): Address<M> {
    return this.#core.serviceAddress(serviceOf(service), key) as Address<M>;
  }
}

/**
 * Process groups of one system (Erlang `pg`) in one scope: `system.groups`
 * is the scope `'default'`, and `system.groups.scope(name)` any other
 * (OTP `pg` scopes: the same group name in two scopes is two groups). A
 * group's name is a string or any structured-cloneable key.
 *
 * @example
 * ```ts
 * system.groups.join('workers', w1);
 * system.groups.broadcast('workers', { type: 'reload' });
 * system.groups.scope('shards').join(['shard', 3], w1);
 * ```
 */
export class Groups {
  readonly #core: SystemCore;
  readonly #table: SystemCore['groups'];
  #scopes: Map<string, Groups> | undefined;

  constructor(core: SystemCore, table: SystemCore['groups'] = core.groups) {
    this.#core = core;
    this.#table = table;
  }

  /** This scope's name (`'default'` for `system.groups`). */
  get name(): string {
    return this.#table.scope;
  }

  /**
   * The groups of scope `name`, created on first use (OTP `pg:start_link(Scope)`
   * is implicit). Throws `InvalidArgumentError` for an empty name.
   */
  scope(name: string): Groups {
    const table = this.#core.groupScope(name);
    if (table === this.#table) return this;
    this.#scopes ??= new Map();
    let groups = this.#scopes.get(name);
    if (groups === undefined) {
      groups = new Groups(this.#core, table);
      this.#scopes.set(name, groups);
    }
    return groups;
  }

  /** The names of the scopes in use, `'default'` first. */
  scopes(): string[] {
    return this.#core.groupScopes();
  }

  /** `target` joins `group` once more. */
  join(group: GroupName, target: Target): void {
    this.#table.join(group, this.#core.live(target));
  }

  /** `target` leaves `group` once; false when it was not a member. */
  leave(group: GroupName, target: Target): boolean {
    const p = this.#core.process(target);
    return p !== undefined && this.#table.leave(group, p);
  }

  /** The members' pids, once per join. */
  members(group: GroupName): Pid[] {
    return this.#table.members(group);
  }

  /** The names of the groups that have members, as first joined. */
  whichGroups(): GroupName[] {
    return this.#table.whichGroups();
  }

  /**
   * Calls `listener` on every join and leave of `group` (of every group when
   * undefined) until `stop`; returns the members at the time of the call.
   */
  watch(
    group: GroupName | undefined,
    listener: (change: GroupChange) => void,
  ): { readonly members: Pid[]; stop(): void } {
    const { watch, members } = this.#table.watch(group, listener);
    return { members, stop: () => watch.release() };
  }

  /**
   * Delivers every join and leave of `group` to `subscriber` as a
   * `GroupChange` message, until it exits (OTP `pg:monitor`); returns the
   * members at the time of the call and a `stop`.
   */
  watchFrom(
    subscriber: ActorRef<GroupChange>,
    group: GroupName | undefined,
  ): { readonly members: Pid[]; stop(): void } {
    const p = this.#core.live(subscriber);
    const { watch, members } = this.#table.watch(group, (change) => deliver(p, change), p);
    return { members, stop: () => watch.release() };
  }

  /**
   * Sends `message` to every member (once each); returns how many it
   * reached. A process that has exited reaches none: its broadcast is one
   * dead letter `sender-exited` naming the group (semantics §4).
   */
  broadcast(group: GroupName, message: unknown, options?: SendOptions): number {
    const zombie = exitedSenderNow(this.#core);
    if (zombie !== null) {
      return refuseExitedFanOut(
        this.#core,
        zombie,
        message,
        groupAddress(this.#table.scope, group),
      );
    }
    return this.#table.broadcast(group, message, options);
  }

  /**
   * The group of a typed token, with the member and message types checked:
   * only a ref that accepts `M` may join, only an `M` may be broadcast.
   *
   * @example
   * ```ts
   * const room = system.groups.typed(group<ChatMsg>('lobby'));
   * room.join(member);
   * room.broadcast({ type: 'say', text: 'hi' });
   * ```
   */
  typed<M>(token: GroupToken<M>): TypedGroup<M> {
    const name = (token as { group?: unknown } | null)?.group;
    if (typeof name !== 'string' || name.length === 0) {
      throw new InvalidArgumentError('group', 'must be a token made by group(name)');
    }
    return {
      group: name,
      join: (member) => this.join(name, member),
      leave: (member) => this.leave(name, member),
      members: () => this.members(name),
      broadcast: (message, options) => this.broadcast(name, message, options),
    };
  }
}

/**
 * One process group seen through a typed token (`system.groups.typed`).
 *
 * @example
 * ```ts
 * const room: TypedGroup<ChatMsg> = system.groups.typed(group<ChatMsg>('lobby'));
 * ```
 */
export interface TypedGroup<M> {
  readonly group: string;
  /** `member` joins once more; it must accept `M`. */
  join(member: ActorRef<M>): void;
  /** `member` leaves once; false when it was not a member. */
  leave(member: ActorRef<M>): boolean;
  /** The members' pids, once per join. */
  members(): Pid[];
  /** Sends `message` to every member once; returns how many it reached. */
  broadcast(message: M, options?: SendOptions): number;
}

/**
 * Typed pub/sub of one system.
 *
 * @example
 * ```ts
 * const prices = topic<Price>('prices');
 * system.topics.subscribe(prices, ticker); // an actor: ends when it exits
 * system.topics.subscribe(prices, (p) => console.log(p)); // a callback
 * system.topics.publish(prices, { symbol: 'ACME', price: 12.5 });
 * ```
 */
export class Topics {
  readonly #core: SystemCore;

  constructor(core: SystemCore) {
    this.#core = core;
  }

  /** Subscribes an actor or a callback; returns the unsubscribe function. */
  subscribe<M>(
    topic: Topic<M>,
    subscriber: ActorRef<NoInfer<M>> | ((message: NoInfer<M>) => void),
  ): () => void {
    const name = topicName(topic);
    const sub =
      typeof subscriber === 'function'
        ? this.#core.topics.subscribe(name, undefined, subscriber as (message: unknown) => void)
        : this.#core.topics.subscribe(name, this.#core.live(subscriber));
    return () => sub.release();
  }

  /** Ends every subscription of `subscriber` to `topic`; returns how many. */
  unsubscribe<M>(topic: Topic<M>, subscriber: ActorRef<M>): number {
    const p = this.#core.process(subscriber);
    return p === undefined ? 0 : this.#core.topics.unsubscribe(topicName(topic), p);
  }

  /**
   * Delivers `message` to every subscriber; returns how many it reached.
   * With no subscriber it is a dead letter with reason `unregistered`. A
   * process that has exited (its async handler after a kill) reaches no
   * one and gets 0: one dead letter `sender-exited` naming `topic:<name>`
   * (semantics §4).
   */
  publish<M>(topic: Topic<M>, message: NoInfer<M>, options?: SendOptions): number {
    const name = topicName(topic);
    if (message === undefined) {
      throw new InvalidArgumentError('message', 'undefined is not a message');
    }
    // A process that has exited reaches no one: one dead letter for the publish (semantics §4).
    const zombie = exitedSenderNow(this.#core);
    if (zombie !== null) return refuseExitedFanOut(this.#core, zombie, message, `topic:${name}`);
    const reached = this.#core.topics.publish(name, message, options);
    if (reached === 0 && this.#core.topics.count(name) === 0) {
      this.#core.undeliverable(message, `topic:${name}`);
    }
    return reached;
  }

  /** How many subscribers `topic` has. */
  subscribers<M>(topic: Topic<M>): number {
    return this.#core.topics.count(topicName(topic));
  }
}

/**
 * What a dead letter of a group's broadcast names: `group:<name>` in the
 * default scope, `group:<scope>/<name>` in another; a name that is not a
 * string as `util.inspect` prints it.
 */
function groupAddress(scope: string, group: GroupName): string {
  const name = typeof group === 'string' ? group : inspect(group, { breakLength: Infinity });
  return scope === 'default' ? `group:${name}` : `group:${scope}/${name}`;
}

/** Delivers a runtime notification as an ordinary message; a full mailbox drops it as a dead letter. */
export function deliver(p: ActorProcess, message: unknown): void {
  const runtime = p.runtime;
  const current = runtime.current;
  // The runtime is the sender, not whichever process is running (it may be
  // exiting: its own exit is exactly what a watcher must hear of).
  runtime.current = null;
  try {
    p.deliver(message, undefined);
  } catch {
    runtime.deadLetter(message, p.pid, undefined, 'dropped-newest');
  } finally {
    runtime.current = current;
  }
}
