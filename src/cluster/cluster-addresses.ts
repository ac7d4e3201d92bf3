import type { ActorRef, AskOptions } from '../actor/index.js';
import { ADDRESS_GONE, CURRENT_HOLDER } from '../actor/index.js';
import { InvalidArgumentError, NoConnectionError, NoProcError } from '../errors.js';
import type { SendOptions } from '../mailbox/index.js';
import { isNodeId } from './options.js';
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
  /** The up incarnation (node id) of node name `name` — the one that started last — if any. */
  upNamed(name: string): string | undefined;
}

function checkMessage(message: unknown): void {
  if (message === undefined)
    throw new InvalidArgumentError('message', 'undefined is not a message');
}

/** An offer made of a tell that never waits: resolved, or rejected with what the tell threw. */
function offerByTell(address: { tell(message: unknown): void }, message: unknown): Promise<void> {
  try {
    address.tell(message);
    return Promise.resolve();
  } catch (error) {
    return Promise.reject(error);
  }
}

/** What every cluster address shares: its description. */
abstract class ClusterAddress {
  /** What it names, as dead letters and errors say it. */
  abstract get address(): string;

  toString(): string {
    return `Address(${this.address})`;
  }
}

/**
 * An address this node resolves through its own side (registry, groups,
 * its own addresses), and what a send meets when nothing is behind it: a
 * dead letter `unregistered` for a tell, `ERR_NOPROC` (saying why) for an
 * offer or an ask.
 */
abstract class ResolvedAddress extends ClusterAddress {
  protected readonly side: AddressSide;

  constructor(side: AddressSide) {
    super();
    this.side = side;
  }

  /** A tell that reached nothing: a dead letter `unregistered` (`undefined` is refused first). */
  protected unregistered(message: unknown): void {
    checkMessage(message);
    this.side.unregistered(message, this.address);
  }

  /** An offer or an ask that reached nothing: `ERR_NOPROC`, saying `why`. */
  protected noproc(why: string): Promise<never> {
    return Promise.reject(new NoProcError(this.address, why));
  }
}

/**
 * The node a send to `wire` — an address naming its node by name — goes to
 * now: the same address at that name's up incarnation (`at`, reused while
 * it is still the current one, so a send allocates nothing), or `wire`
 * itself when none is up (its send is then `noconnection`).
 *
 * @example
 * ```ts
 * const nodes = { upNamed: () => 'store_k3v9' };
 * sendTarget({ k: 'n', node: 'store', name: 'db' }, undefined, nodes).node; // 'store_k3v9'
 * ```
 */
export function sendTarget(
  wire: NodeAddress,
  at: NodeAddress | undefined,
  nodes: Pick<AddressSender, 'upNamed'>,
): NodeAddress {
  const id = nodes.upNamed(wire.node);
  if (id === undefined) return wire;
  return at?.node === id ? at : atNode(wire, id);
}

/** `wire` at node `id`, in the shape a decoded address has (one hidden class per kind). */
function atNode(wire: NodeAddress, id: string): NodeAddress {
  switch (wire.k) {
    case 'n':
      return { k: 'n', node: id, name: wire.name };
    case 's':
      return { k: 's', node: id, service: wire.service, key: wire.key };
    case 'p':
      return { k: 'p', node: id, id: wire.id };
  }
}

/**
 * An address of another node — a local name there (Erlang `{Name, Node}`),
 * a service key, a pool — sent to that node, which resolves it at receipt.
 * Given a node name (not an id), the node is resolved too, at every send,
 * to that name's up incarnation, as Erlang resolves `Node` by name: kept
 * across a restart of that node, it reaches the new incarnation. A send
 * when no such node is up is a dead letter `noconnection`; an ask fails
 * with `ERR_NOCONNECTION` when the node is not up or goes, and with
 * `ERR_NOPROC` when nothing there is behind the address.
 *
 * @example
 * ```ts
 * const db = system.cluster!.named<DbMsg>('db', 'store-1');
 * await db.ask({ type: 'get', key: 'k' });
 * ```
 */
export class RemoteAddress extends ClusterAddress {
  readonly wire: NodeAddress;
  readonly #sender: AddressSender;
  /** Whether `wire` names its node by name, resolved at every send. */
  readonly #follows: boolean;
  /** The address at the incarnation last resolved (`wire` until one is). */
  #at: NodeAddress;

  constructor(wire: NodeAddress, sender: AddressSender) {
    super();
    this.wire = wire;
    this.#sender = sender;
    this.#follows = !isNodeId(wire.node);
    this.#at = wire;
  }

  /** The node the address reaches now: its node id (the name when it follows one and none is up). */
  get node(): string {
    return this.#target().node;
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

  /** Whether it reaches nothing again (a timer interval aimed at it stops): its node id is gone; a name never is. */
  [ADDRESS_GONE](): boolean {
    return !this.#follows && this.#sender.isGone(this.wire.node);
  }

  #target(): NodeAddress {
    if (!this.#follows) return this.wire;
    const at = sendTarget(this.wire, this.#at, this.#sender);
    this.#at = at;
    return at;
  }

  tell(message: unknown, _options?: SendOptions): void {
    this.#sender.sendTo(this.#target(), message);
  }

  offer(message: unknown, _options?: SendOptions): Promise<void> {
    const at = this.#target();
    if (!this.#sender.isUp(at.node)) {
      return Promise.reject(new NoConnectionError(`node ${at.node}`, at.node));
    }
    return offerByTell(this, message);
  }

  ask(request: unknown, options?: AskOptions): Promise<never> {
    return this.#sender.askAddress(this.#target(), request, options);
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
export class UnboundAddress extends ResolvedAddress {
  readonly wire: NodeAddress;

  constructor(wire: NodeAddress, side: AddressSide) {
    super(side);
    this.wire = wire;
  }

  get address(): string {
    return describeAddress(this.wire);
  }

  tell(message: unknown, _options?: SendOptions): void {
    this.unregistered(message);
  }

  offer(_message: unknown, _options?: SendOptions): Promise<void> {
    return this.noproc(`nothing is behind ${this.address}`);
  }

  ask(_request: unknown, _options?: AskOptions): Promise<never> {
    return this.noproc(`nothing is behind ${this.address}`);
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
export class GlobalAddress extends ResolvedAddress {
  readonly name: string;

  constructor(name: string, side: AddressSide) {
    super(side);
    this.name = name;
  }

  get address(): string {
    return `global:${this.name}`;
  }

  get wire(): WireAddress {
    return { k: 'G', name: this.name };
  }

  [CURRENT_HOLDER](): ActorRef<never> | undefined {
    const pid = this.side.names?.whereis(this.name);
    return pid === undefined ? undefined : (this.side.refAt(pid) as ActorRef<never>);
  }

  tell(message: unknown, options?: SendOptions): void {
    const holder = this[CURRENT_HOLDER]() as ActorRef<unknown> | undefined;
    if (holder === undefined) this.unregistered(message);
    else holder.tell(message, options);
  }

  offer(message: unknown, options?: SendOptions): Promise<void> {
    const holder = this[CURRENT_HOLDER]() as ActorRef<unknown> | undefined;
    return holder === undefined ? this.noproc(this.#why()) : holder.offer(message, options);
  }

  ask(request: unknown, options?: AskOptions): Promise<never> {
    const holder = this[CURRENT_HOLDER]() as ActorRef<unknown> | undefined;
    return holder === undefined
      ? this.noproc(this.#why())
      : (holder.ask(request as never, options) as Promise<never>);
  }

  #why(): string {
    return this.side.names === undefined
      ? 'the cluster registry is not open on this node'
      : `no process holds the cluster name ${JSON.stringify(this.name)}`;
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
export class GroupAddress extends ResolvedAddress {
  readonly group: string;
  #turn = 0;

  constructor(group: string, side: AddressSide) {
    super(side);
    this.group = group;
  }

  get address(): string {
    return `group:${this.group}`;
  }

  get wire(): WireAddress {
    return { k: 'g', group: this.group };
  }

  /** The groups, when the group has a member now. */
  #reached(): GroupDirectory | undefined {
    const groups = this.side.groups;
    return groups !== undefined && groups.members(this.group).length > 0 ? groups : undefined;
  }

  tell(message: unknown, _options?: SendOptions): void {
    const groups = this.#reached();
    if (groups === undefined) {
      this.unregistered(message);
      return;
    }
    checkMessage(message);
    groups.broadcast(this.group, message);
  }

  offer(message: unknown, _options?: SendOptions): Promise<void> {
    return this.#reached() === undefined ? this.noproc(this.#why()) : offerByTell(this, message);
  }

  ask(request: unknown, options?: AskOptions): Promise<never> {
    const groups = this.side.groups;
    const local = groups?.localMembers(this.group) ?? [];
    const all = local.length > 0 ? local : (groups?.members(this.group) ?? []);
    // Round robin over the chosen members, so asks spread rather than all reach the first.
    const pid = all[this.#turn++ % Math.max(1, all.length)];
    if (pid === undefined) return this.noproc(this.#why());
    return this.side.refAt(pid).ask(request as never, options) as Promise<never>;
  }

  #why(): string {
    return this.side.groups === undefined
      ? 'the cluster groups are not open on this node'
      : `the group ${JSON.stringify(this.group)} has no member`;
  }
}
