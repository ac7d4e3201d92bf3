import type { ActorRef, Address } from '../actor/index.js';
import { InvalidArgumentError } from '../errors.js';
import { type Name, nameOf } from '../registry/index.js';
import type { ProcessTarget } from './control.js';
import type { SystemCore } from './core.js';
import { Groups, Services, Topics } from './registries.js';

/**
 * The naming facet of an actor system: registered names (OTP `register`,
 * `whereis`), addresses by name, and the keyed registries, process groups
 * and topics. {@link ActorSystem} extends it; it holds no state of its own
 * beyond the lazily made registries.
 *
 * @example
 * ```ts
 * system.register('db', dbRef);
 * system.whereis('db'); // dbRef
 * system.groups.join('workers', ref);
 * ```
 */
export class SystemNaming {
  readonly #core: SystemCore;
  #services: Services | undefined;
  #groups: Groups | undefined;
  #topics: Topics | undefined;

  /** @internal The system's core; made by {@link ActorSystem}. */
  constructor(core: SystemCore) {
    this.#core = core;
  }

  /**
   * Registers `name` for a live process (OTP `register/2`). Throws
   * `NameTakenError`. With a typed token the target's ref must accept its type.
   *
   * @example
   * ```ts
   * const db = name<DbMsg>('db');
   * system.register(db, dbRef);
   * ```
   */
  register<M>(name: Name<M>, target: ActorRef<M>): void;
  register(name: string, target: ProcessTarget): void;
  register(name: string | Name<unknown>, target: ProcessTarget): void {
    const p = this.#core.process(target);
    if (p === undefined) throw new InvalidArgumentError('target', 'no such process');
    this.#core.names.register(nameOf(name), p);
  }

  /** Removes a name; returns false if it was not registered. */
  unregister(name: string | Name<unknown>): boolean {
    return this.#core.names.unregister(nameOf(name));
  }

  /**
   * An address by registered name, resolved at each send, so it reaches
   * whoever holds the name now (across restarts). Nobody holding it: `tell`
   * is a dead letter with reason `unregistered`, `ask` rejects `NoProcError`.
   */
  named<M>(name: Name<M>): Address<M> & { readonly name: string };
  /** Untyped: the caller states the message type (prefer a `name<M>()` token). */
  named<M>(name: string): Address<M> & { readonly name: string };
  named<M>(name: string | Name<M>): Address<M> & { readonly name: string } {
    return this.#core.named(nameOf(name)) as unknown as Address<M> & { readonly name: string };
  }

  /** Keyed registries (Elixir `Registry`): service + key → processes. */
  get services(): Services {
    this.#services ??= new Services(this.#core);
    return this.#services;
  }

  /** Process groups (Erlang `pg`). */
  get groups(): Groups {
    this.#groups ??= new Groups(this.#core);
    return this.#groups;
  }

  /** Typed pub/sub topics. */
  get topics(): Topics {
    this.#topics ??= new Topics(this.#core);
    return this.#topics;
  }

  /**
   * The ref holding `name`, or undefined (OTP `whereis/1`). With a typed
   * token the ref has its type; with a string the caller states it, unchecked.
   *
   * @example
   * ```ts
   * const ref = system.whereis(counterName); // ActorRef<CounterMsg> | undefined
   * ```
   */
  whereis<M>(name: Name<M>): ActorRef<M> | undefined;
  whereis<M = unknown>(name: string): ActorRef<M> | undefined;
  whereis<M>(name: string | Name<M>): ActorRef<M> | undefined {
    return this.#core.names.whereis(nameOf(name))?.ref as ActorRef<M> | undefined;
  }
}
