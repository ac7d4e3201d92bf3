import type { ActorRef, AskOptions } from '../actor/index.js';
import { ADDRESS_GONE, CURRENT_HOLDER } from '../actor/index.js';
import { InvalidArgumentError, NoConnectionError, NoProcError } from '../errors.js';
import type { SendOptions } from '../mailbox/index.js';
import { describeAddress, type NodeAddress, type WireAddress } from './wire-address.js';
import type { WirePid } from './wire-value.js';

/**
 * The addresses a cluster adds to the local ones: a local name (or service
 * key, or pool) of another node, a cluster name (the registry, Erlang
 * `global`) and a cluster group (Erlang `pg`). Each is an `Address<M>`
 * with `tell`, `offer` and `ask`, resolved at every send, and travels
 * inside messages as what it names.
 *
 * @module
 */

/** The cluster registry as addresses see it: who holds a name now. */
export interface NameDirectory {
  whereis(name: string): WirePid | undefined;
}

/** The cluster groups as addresses and the node see them. */
export interface GroupDirectory {
  /** Every member, once per join, on nodes that are not gone. */
  members(group: string): WirePid[];
  /** This node's members, once per join. */
  localMembers(group: string): WirePid[];
  /** One message per hosting node; returns what it reached. */
  broadcast(group: string, message: unknown): { readonly local: number; readonly nodes: number };
  /** A broadcast that reached this node: delivers it to the local members; returns how many. */
  deliverLocal(group: string, message: unknown): number;
}

/** What the cluster addresses need of their node. */
export interface AddressSide {
  readonly names: NameDirectory | undefined;
  readonly groups: GroupDirectory | undefined;
  /** A working ref of a cluster pid. */
  refAt(pid: WirePid): ActorRef<unknown>;
  /** Nothing is behind `address`: a dead letter `unregistered`. */
  unregistered(message: unknown, address: string): void;
}

/** Sends to addresses of other nodes, through each node's outbox (no record per address). */
export interface AddressSender {
  /** Queues `message` for `address` from the current sender (a dead letter `noconnection` when its node is not up). */
  sendTo(address: NodeAddress, message: unknown): void;
  /** Asks `address`; the ask fails `ERR_NOCONNECTION` when its node is not up or goes. */
  askAddress(address: NodeAddress, request: unknown, options?: AskOptions): Promise<never>;
  /** Whether `node` is up as far as this node knows. */
  isUp(node: string): boolean;
  /** Whether `node` is gone (declared down or left): nothing of it is reached again. */
  isGone(node: string): boolean;
}

function checkMessage(message: unknown): void {
  if (message === undefined)
    throw new InvalidArgumentError('message', 'undefined is not a message');
}

/**
 * An address of another node — a local name there (Erlang `{Name, Node}`),
 * a service key, a pool — sent to that node, which resolves it at receipt.
 * A send to a node that is gone is a dead letter `noconnection`; an ask
 * fails with `ERR_NOCONNECTION` when the node goes, and with `ERR_NOPROC`
 * when nothing there is behind the address.
 *
 * @example
 * ```ts
 * const db = system.cluster!.named<DbMsg>('db', 'store-1');
 * await db.ask({ type: 'get', key: 'k' });
 * ```
 */
export class RemoteAddress {
  readonly wire: NodeAddress;
  readonly #sender: AddressSender;

  constructor(wire: NodeAddress, sender: AddressSender) {
    this.wire = wire;
    this.#sender = sender;
  }

  /** The node the address belongs to. */
  get node(): string {
    return this.wire.node;
  }

  /** What it names: `name:db@<node>`, `service:s/k@<node>`, `pool:7@<node>`. */
  get address(): string {
    return describeAddress(this.wire);
  }

  /**
   * Makes a name's address monitorable (Erlang `monitor(process, {Name,
   * Node})`): `holder` gives a ref that ends when whoever holds the name
   * there now does. Only a name has a holder to watch.
   */
  watchHolder(holder: () => ActorRef<never>): void {
    (this as unknown as Record<symbol, unknown>)[CURRENT_HOLDER] = holder;
  }

  /** Whether its node is gone: it reaches nothing again (a timer interval aimed at it stops). */
  [ADDRESS_GONE](): boolean {
    return this.#sender.isGone(this.wire.node);
  }

  tell(message: unknown, _options?: SendOptions): void {
    this.#sender.sendTo(this.wire, message);
  }

  offer(message: unknown, options?: SendOptions): Promise<void> {
    if (!this.#sender.isUp(this.wire.node)) {
      return Promise.reject(new NoConnectionError(`node ${this.wire.node}`, this.wire.node));
    }
    try {
      this.tell(message, options);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  ask(request: unknown, options?: AskOptions): Promise<never> {
    return this.#sender.askAddress(this.wire, request, options);
  }

  toString(): string {
    return `Address(${this.address})`;
  }
}

/**
 * An address of this node that nothing is behind any more (a pool whose
 * supervisor ended, a service no longer defined), as a peer sent it back:
 * `tell` is a dead letter `unregistered`, `offer` and `ask` reject with
 * `ERR_NOPROC`. It travels on as what it names.
 *
 * @example
 * ```ts
 * String(address); // 'Address(pool:7@a_1x)'
 * ```
 */
export class UnboundAddress {
  readonly wire: NodeAddress;
  readonly #side: AddressSide;

  constructor(wire: NodeAddress, side: AddressSide) {
    this.wire = wire;
    this.#side = side;
  }

  get address(): string {
    return describeAddress(this.wire);
  }

  tell(message: unknown, _options?: SendOptions): void {
    checkMessage(message);
    this.#side.unregistered(message, this.address);
  }

  offer(_message: unknown, _options?: SendOptions): Promise<void> {
    return Promise.reject(new NoProcError(this.address, `nothing is behind ${this.address}`));
  }

  ask(_request: unknown, _options?: AskOptions): Promise<never> {
    return Promise.reject(new NoProcError(this.address, `nothing is behind ${this.address}`));
  }

  toString(): string {
    return `Address(${this.address})`;
  }
}

/**
 * A name of the cluster registry (Erlang `{global, Name}`), resolved
 * through this node's registry mirror at every send. Nothing holding it (or
 * no registry open on this node): `tell` is a dead letter `unregistered`
 * (`global:<name>`), `offer` and `ask` reject with `ERR_NOPROC`. A monitor
 * resolves it once, as a local name.
 *
 * @example
 * ```ts
 * const cart = system.cluster!.global<CartMsg>('cart');
 * cart.tell({ type: 'add', item });
 * ctx.monitor(cart);
 * ```
 */
export class GlobalAddress {
  readonly name: string;
  readonly #side: AddressSide;

  constructor(name: string, side: AddressSide) {
    this.name = name;
    this.#side = side;
  }

  get address(): string {
    return `global:${this.name}`;
  }

  get wire(): WireAddress {
    return { k: 'G', name: this.name };
  }

  [CURRENT_HOLDER](): ActorRef<never> | undefined {
    const pid = this.#side.names?.whereis(this.name);
    return pid === undefined ? undefined : (this.#side.refAt(pid) as ActorRef<never>);
  }

  tell(message: unknown, options?: SendOptions): void {
    const holder = this[CURRENT_HOLDER]() as ActorRef<unknown> | undefined;
    if (holder !== undefined) {
      holder.tell(message, options);
      return;
    }
    checkMessage(message);
    this.#side.unregistered(message, this.address);
  }

  offer(message: unknown, options?: SendOptions): Promise<void> {
    const holder = this[CURRENT_HOLDER]() as ActorRef<unknown> | undefined;
    return holder === undefined ? this.#noproc() : holder.offer(message, options);
  }

  ask(request: unknown, options?: AskOptions): Promise<never> {
    const holder = this[CURRENT_HOLDER]() as ActorRef<unknown> | undefined;
    return holder === undefined
      ? this.#noproc()
      : (holder.ask(request as never, options) as Promise<never>);
  }

  #noproc(): Promise<never> {
    const why =
      this.#side.names === undefined
        ? 'the cluster registry is not open on this node'
        : `no process holds the cluster name ${JSON.stringify(this.name)}`;
    return Promise.reject(new NoProcError(this.address, why));
  }

  toString(): string {
    return `Address(${this.address})`;
  }
}

/**
 * A cluster process group as an address: `tell` broadcasts (one message per
 * hosting node, each member once), `offer` does too and rejects with
 * `ERR_NOPROC` when the group has no member, `ask` asks one member — the
 * local ones first, as `pg:get_local_members` is preferred in OTP practice,
 * taken in turn (round robin per address) — and resolves with its reply. No member: `tell` is a dead letter
 * `unregistered` (`group:<name>`).
 *
 * @example
 * ```ts
 * const workers = system.cluster!.group<Job>('workers');
 * workers.tell({ type: 'reload' });
 * ```
 */
export class GroupAddress {
  readonly group: string;
  readonly #side: AddressSide;
  #turn = 0;

  constructor(group: string, side: AddressSide) {
    this.group = group;
    this.#side = side;
  }

  get address(): string {
    return `group:${this.group}`;
  }

  get wire(): WireAddress {
    return { k: 'g', group: this.group };
  }

  tell(message: unknown, _options?: SendOptions): void {
    checkMessage(message);
    const groups = this.#side.groups;
    if (groups === undefined || groups.members(this.group).length === 0) {
      this.#side.unregistered(message, this.address);
      return;
    }
    groups.broadcast(this.group, message);
  }

  offer(message: unknown, options?: SendOptions): Promise<void> {
    const groups = this.#side.groups;
    if (groups === undefined || groups.members(this.group).length === 0) return this.#noproc();
    try {
      this.tell(message, options);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  ask(request: unknown, options?: AskOptions): Promise<never> {
    const groups = this.#side.groups;
    const local = groups?.localMembers(this.group) ?? [];
    const all = local.length > 0 ? local : (groups?.members(this.group) ?? []);
    // Round robin over the chosen members, so asks spread rather than all reach the first.
    const pid = all[this.#turn++ % Math.max(1, all.length)];
    if (pid === undefined) return this.#noproc();
    return this.#side.refAt(pid).ask(request as never, options) as Promise<never>;
  }

  #noproc(): Promise<never> {
    const why =
      this.#side.groups === undefined
        ? 'the cluster groups are not open on this node'
        : `the group ${JSON.stringify(this.group)} has no member`;
    return Promise.reject(new NoProcError(this.address, why));
  }

  toString(): string {
    return `Address(${this.address})`;
  }
}
