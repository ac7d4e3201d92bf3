import { InvalidArgumentError, KeyTakenError, NoProcError } from '../errors.js';
import type { SendOptions } from '../mailbox/index.js';
import { formatPid, type Pid } from '../process/index.js';
import type { Undeliverable } from './named-ref.js';
import { type Holder, type Registration, tellOne } from './registration.js';

/**
 * Services: a keyed registry (Elixir `Registry`, OTP `via` names). A
 * service has a key mode: `unique` (a key maps to at most one process) or
 * `duplicate` (a key maps to any number, e.g. every subscriber of a room).
 * Entries belong to the process that holds them and vanish when it exits.
 *
 * @module
 */

/**
 * `unique`: one process per key (registering a taken key throws
 * `KeyTakenError`); `duplicate`: any number of processes per key.
 *
 * @example
 * ```ts
 * system.services.define('sessions', { keys: 'unique' });
 * ```
 */
export type KeyMode = 'unique' | 'duplicate';

/**
 * One entry of a lookup: the process and the value it registered with.
 *
 * @example
 * ```ts
 * for (const { pid, value } of system.services.lookup('rooms', 'lobby')) console.log(pid, value);
 * ```
 */
export interface ServiceEntry<P> {
  readonly holder: P;
  readonly value: unknown;
}

class Entry<P extends Holder> implements Registration, ServiceEntry<P> {
  readonly service: Service<P>;
  readonly key: string;
  readonly holder: P;
  readonly value: unknown;

  constructor(service: Service<P>, key: string, holder: P, value: unknown) {
    this.service = service;
    this.key = key;
    this.holder = holder;
    this.value = value;
  }

  release(): void {
    this.service.remove(this);
  }
}

class Service<P extends Holder> {
  readonly mode: KeyMode;
  readonly keys = new Map<string, Entry<P>[]>();

  constructor(mode: KeyMode) {
    this.mode = mode;
  }

  remove(entry: Entry<P>): void {
    const list = this.keys.get(entry.key);
    if (list === undefined) return;
    const i = list.indexOf(entry);
    if (i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.keys.delete(entry.key);
  }
}

function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidArgumentError('key', 'must be a non-empty string');
  }
}

/** Every service of one system, by name. */
export class ServiceTable<P extends Holder> {
  readonly #services = new Map<string, Service<P>>();

  /** Creates a service, or checks that an existing one has the same mode. */
  define(service: string, mode: KeyMode): void {
    if (typeof service !== 'string' || service.length === 0) {
      throw new InvalidArgumentError('service', 'must be a non-empty string');
    }
    if (mode !== 'unique' && mode !== 'duplicate') {
      throw new InvalidArgumentError('keys', "must be 'unique' or 'duplicate'");
    }
    const existing = this.#services.get(service);
    if (existing === undefined) this.#services.set(service, new Service(mode));
    else if (existing.mode !== mode) {
      throw new InvalidArgumentError(
        'keys',
        `service ${JSON.stringify(service)} already has ${existing.mode} keys`,
      );
    }
  }

  /** Registers `holder` under `key` with `value`; throws `KeyTakenError` for a taken unique key. */
  register(service: string, key: string, holder: P, value: unknown): void {
    const s = this.#service(service);
    checkKey(key);
    if (!holder.alive) throw new NoProcError(formatPid(holder.pid));
    const list = s.keys.get(key);
    if (s.mode === 'unique' && list !== undefined && list.length > 0) {
      const owner = (list[0] as Entry<P>).holder;
      throw new KeyTakenError(service, key, formatPid(owner.pid));
    }
    const entry = new Entry(s, key, holder, value);
    if (list === undefined) s.keys.set(key, [entry]);
    else list.push(entry);
    holder.hold(entry);
  }

  /** Removes `holder`'s entries under `key`; returns false when it had none. */
  unregister(service: string, key: string, holder: P): boolean {
    const s = this.#service(service);
    const list = s.keys.get(key);
    if (list === undefined) return false;
    const mine = list.filter((e) => e.holder === holder);
    for (const entry of mine) {
      s.remove(entry);
      holder.drop(entry);
    }
    return mine.length > 0;
  }

  /** The entries under `key`, oldest first; empty when none. */
  lookup(service: string, key: string): ServiceEntry<P>[] {
    return [...(this.#service(service).keys.get(key) ?? [])];
  }

  /** The keys `holder` is registered under in `service`. */
  keysOf(service: string, holder: P): string[] {
    const out: string[] = [];
    for (const [key, list] of this.#service(service).keys) {
      if (list.some((e) => e.holder === holder)) out.push(key);
    }
    return out;
  }

  /** How many entries `service` has. */
  count(service: string): number {
    let n = 0;
    for (const list of this.#service(service).keys.values()) n += list.length;
    return n;
  }

  /** The names of every defined service. */
  names(): string[] {
    return [...this.#services.keys()];
  }

  /** The key mode of `service`. */
  mode(service: string): KeyMode {
    return this.#service(service).mode;
  }

  #service(service: string): Service<P> {
    const s = this.#services.get(service);
    if (s === undefined) {
      throw new InvalidArgumentError(
        'service',
        `no service ${JSON.stringify(service)}; define it first`,
      );
    }
    return s;
  }
}

/**
 * How a registry's address refuses a process that has exited (semantics
 * §4), which the registry layer cannot tell by itself: the system knows
 * which process is sending now.
 */
interface ExitedSenders {
  /** The pid of the process sending now, when it has exited. */
  now(): Pid | undefined;
  /** Its send, as a dead letter `sender-exited` naming `address`. */
  refuse(message: unknown, sender: Pid, address: string): void;
}

/**
 * An address by service and key, resolved at each send. For a unique key it
 * reaches the one holder; for a duplicate key `tell` reaches every holder
 * (Elixir `Registry.dispatch`) and `ask` the oldest. Nobody under the key:
 * `tell` is a dead letter with reason `unregistered`, `ask` rejects with
 * `NoProcError`.
 *
 * @example
 * ```ts
 * const session = system.services.ref<SessionMsg>('sessions', userId);
 * const state = await session.ask({ type: 'state' });
 * ```
 */
export class ServiceRef<P extends Holder> {
  readonly service: string;
  readonly key: string;
  readonly #table: ServiceTable<P>;
  readonly #undeliverable: Undeliverable;
  readonly #refused: (message: unknown, holder: P) => void;
  readonly #exited: ExitedSenders | undefined;
  /** `service:<service>/<key>`, what its dead letters name. */
  readonly #address: string;
  /** The runtime whose services it resolves in (so it never crosses as another system's key). */
  readonly owner: object | undefined;

  constructor(
    table: ServiceTable<P>,
    service: string,
    key: string,
    undeliverable: Undeliverable,
    refused: (message: unknown, holder: P) => void,
    owner?: object,
    exited?: ExitedSenders,
  ) {
    table.mode(service); // throws for an undefined service
    checkKey(key);
    this.#table = table;
    this.service = service;
    this.key = key;
    this.#undeliverable = undeliverable;
    this.#refused = refused;
    this.owner = owner;
    this.#exited = exited;
    this.#address = `service:${service}/${key}`;
  }

  /**
   * The pid of the process sending now when it has exited (and its send a
   * dead letter `sender-exited`): refused before the key is looked up, so
   * a dispatch to many is one dead letter (semantics §4).
   */
  #exitedSender(message: unknown): Pid | undefined {
    const zombie = this.#exited?.now();
    if (zombie === undefined) return undefined;
    if (message === undefined) {
      throw new InvalidArgumentError('message', 'undefined is not a message');
    }
    this.#exited?.refuse(message, zombie, this.#address);
    return zombie;
  }

  tell(message: unknown, options?: SendOptions): void {
    if (this.#exitedSender(message) !== undefined) return;
    const entries = this.#table.lookup(this.service, this.key);
    if (entries.length === 0) {
      if (message === undefined) {
        throw new InvalidArgumentError('message', 'undefined is not a message');
      }
      this.#undeliverable(message, this.#address);
      return;
    }
    if (entries.length === 1) {
      (entries[0] as ServiceEntry<P>).holder.deliver(message, options);
      return;
    }
    // A dispatch to many: one full mailbox refuses its copy, the rest still get theirs.
    for (const e of entries) tellOne(e.holder, message, options, this.#refused);
  }

  offer(message: unknown, options?: SendOptions): Promise<void> {
    const refused = this.#refuseExited(message);
    if (refused !== undefined) return refused;
    const first = this.#table.lookup(this.service, this.key)[0];
    return first === undefined ? this.#noproc() : first.holder.offerMessage(message, options);
  }

  ask(request: unknown, options?: SendOptions & { timeout?: number }): Promise<never> {
    const refused = this.#refuseExited(request);
    if (refused !== undefined) return refused;
    const first = this.#table.lookup(this.service, this.key)[0];
    return first === undefined
      ? (this.#noproc() as Promise<never>)
      : (first.holder.askMessage(request, options) as Promise<never>);
  }

  /** An exited sender's offer or ask: it fails at once, as the sender itself is gone. */
  #refuseExited(message: unknown): Promise<never> | undefined {
    let zombie: Pid | undefined;
    try {
      zombie = this.#exitedSender(message);
    } catch (error) {
      return Promise.reject(error);
    }
    if (zombie === undefined) return undefined;
    const pid = formatPid(zombie);
    return Promise.reject(
      new NoProcError(pid, `process ${pid} has exited: its sends have no effect`),
    );
  }

  #noproc(): Promise<void> {
    const what = `${this.service}/${this.key}`;
    return Promise.reject(new NoProcError(what, `no process is registered as ${what}`));
  }

  toString(): string {
    return `ServiceRef(${this.service}/${this.key})`;
  }
}
