import { InvalidArgumentError, NoProcError } from '../errors.js';
import type { SendOptions } from '../mailbox/index.js';
import type { Holder } from './registration.js';

/**
 * Where a message with no receiver goes: the system's dead letters, with
 * `address` saying what was addressed (`name:db`, `service:users/42`, ...).
 */
export type Undeliverable = (message: unknown, address: string) => void;

/**
 * The process a named ref was made for (`ctx.named`): once it has exited,
 * what it sends through the ref has no effect (a zombie's async handler
 * runs on after a kill) and goes to `exited` instead.
 */
export interface NamedSender {
  readonly alive: boolean;
  readonly pid: number;
  readonly exited: Undeliverable;
}

/**
 * An address by registered name (OTP's `Name ! Msg`): the name is resolved
 * at every send, so it keeps reaching whoever holds the name now, across
 * restarts. The last holder is cached and checked (does it still hold the
 * name? an exited process holds none) before any table lookup, so a send
 * through a name costs one check more than a direct send. Nobody holding the name: `tell` is a dead letter
 * with reason `unregistered`; `ask` and `offer` reject with `NoProcError`.
 *
 * @example
 * ```ts
 * const db = system.named<DbMsg>('db');
 * db.tell({ type: 'flush' }); // reaches the current holder of 'db'
 * ```
 */
export class NamedRef<P extends Holder> {
  readonly name: string;
  readonly #lookup: (name: string) => P | undefined;
  readonly #undeliverable: Undeliverable;
  readonly #from: NamedSender | undefined;
  /** The runtime whose names it resolves in (so it never crosses as another system's name). */
  readonly owner: object | undefined;
  #holder: P | undefined = undefined;

  constructor(
    name: string,
    lookup: (name: string) => P | undefined,
    undeliverable: Undeliverable,
    from?: NamedSender,
    owner?: object,
  ) {
    if (typeof name !== 'string' || name.length === 0) {
      throw new InvalidArgumentError('name', 'must be a non-empty string');
    }
    this.name = name;
    this.#lookup = lookup;
    this.#undeliverable = undeliverable;
    this.#from = from;
    this.owner = owner;
  }

  /** True (and the message a dead letter) when the sender this ref was made for has exited. */
  #fromExited(message: unknown): boolean {
    const from = this.#from;
    if (from === undefined || from.alive) return false;
    if (message === undefined) {
      throw new InvalidArgumentError('message', 'undefined is not a message');
    }
    from.exited(message, `name:${this.name}`);
    return true;
  }

  /** The current holder of the name, if any. */
  #resolve(): P | undefined {
    const cached = this.#holder;
    // A process's name is cleared when it exits, so holding the name implies alive.
    if (cached?.registeredName === this.name) return cached;
    const found = this.#lookup(this.name);
    this.#holder = found;
    return found;
  }

  tell(message: unknown, options?: SendOptions): void {
    if (this.#fromExited(message)) return;
    const holder = this.#resolve();
    if (holder !== undefined) {
      holder.deliver(message, options);
      return;
    }
    if (message === undefined) {
      throw new InvalidArgumentError('message', 'undefined is not a message');
    }
    this.#undeliverable(message, `name:${this.name}`);
  }

  offer(message: unknown, options?: SendOptions): Promise<void> {
    try {
      if (this.#fromExited(message)) return this.#exitedSender();
    } catch (error) {
      return Promise.reject(error);
    }
    const holder = this.#resolve();
    return holder !== undefined ? holder.offerMessage(message, options) : this.#noproc();
  }

  ask(request: unknown, options?: SendOptions & { timeout?: number }): Promise<never> {
    try {
      if (this.#fromExited(request)) return this.#exitedSender() as Promise<never>;
    } catch (error) {
      return Promise.reject(error);
    }
    const holder = this.#resolve();
    return holder !== undefined
      ? (holder.askMessage(request, options) as Promise<never>)
      : (this.#noproc() as Promise<never>);
  }

  /** A zombie's offer or ask: it fails at once, as the zombie itself is gone. */
  #exitedSender(): Promise<void> {
    const pid = `<0.${this.#from?.pid}>`;
    return Promise.reject(
      new NoProcError(pid, `process ${pid} has exited: its sends have no effect`),
    );
  }

  #noproc(): Promise<void> {
    const name = JSON.stringify(this.name);
    return Promise.reject(new NoProcError(name, `no process holds the name ${name}`));
  }

  toString(): string {
    return `NamedRef(${this.name})`;
  }
}
