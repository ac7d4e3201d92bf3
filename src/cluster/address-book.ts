import type { ActorProcess, ActorRef, Address, Current } from '../actor/index.js';
import { answerPort, monitor, PendingAsk, processOf } from '../actor/index.js';
import { InvalidArgumentError, NoProcError } from '../errors.js';
import { NamedRef, ServiceRef } from '../registry/index.js';
import { Pool } from '../routing/index.js';
import {
  type AddressSender,
  type AddressSide,
  GlobalAddress,
  GroupAddress,
  type GroupDirectory,
  type NameDirectory,
  RemoteAddress,
  UnboundAddress,
} from './cluster-addresses.js';
import { nodeName } from './options.js';
import { answerRemotePort, RemoteReplyPort } from './reply-port.js';
import {
  checkAddress,
  describeAddress,
  type NodeAddress,
  type WireAddress,
} from './wire-address.js';
import { WireError, type WirePid } from './wire-value.js';

/**
 * How addresses cross nodes. Encoding: a local name, service key or pool of
 * this node travels as what it names with this node's id; a cluster name
 * or group as itself. Decoding: an address of this node is its local
 * address again; one of another node is a {@link RemoteAddress} (sends go
 * to that node, which resolves it at receipt); cluster names and groups
 * resolve through this node's registry and groups. A pool is remembered
 * while its supervisor lives, so the node can route to it when asked.
 *
 * @module
 */

/** What the book needs of the node's system and table. */
export interface BookHost {
  readonly self: string;
  /** The runtime the system runs (current sender, dead letters). */
  readonly runtime: ActorProcess['runtime'];
  /** A local name of this system as an address. */
  named(name: string): Address<unknown>;
  /** A service key of this system as an address (throws for a service not defined). */
  serviceAddress(service: string, key: string): Address<unknown>;
  /** A working ref of a cluster pid. */
  refAt(pid: WirePid): ActorRef<unknown>;
  /** Sends and asks to addresses of other nodes. */
  readonly sender: AddressSender;
  /** A ref that ends when the holder of local name `name` on `node` now does (for monitors). */
  holderOf(node: string, name: string): ActorRef<unknown>;
}

/** The addresses of one node. */
export class AddressBook implements AddressSide {
  names: NameDirectory | undefined;
  groups: GroupDirectory | undefined;
  readonly #host: BookHost;
  /** This node's stable name: an address naming it by name is this node's. */
  readonly #selfName: string;
  /** Pools that were sent to other nodes, by their supervisor's pid, while it lives. */
  readonly #pools = new Map<number, Pool<unknown>>();

  constructor(host: BookHost) {
    this.#host = host;
    this.#selfName = nodeName(host.self);
  }

  refAt(pid: WirePid): ActorRef<unknown> {
    return this.#host.refAt(pid);
  }

  unregistered(message: unknown, address: string): void {
    const runtime = this.#host.runtime;
    runtime.deadLetter(message, undefined, runtime.current?.pid, 'unregistered', address);
  }

  /** A local name of `node` (this one or another; a node id, or a node name followed at every send) as an address. */
  named(name: string, node: string): Address<unknown> {
    return this.#resolve({ k: 'n', node, name });
  }

  /** A cluster name as an address. */
  global(name: string): GlobalAddress {
    return new GlobalAddress(name, this);
  }

  /** A cluster group as an address. */
  group(group: string): GroupAddress {
    return new GroupAddress(group, this);
  }

  // ---- the wire ------------------------------------------------------------

  /** The wire form of an address that is not a ref, or undefined. */
  addressOf(value: object): WireAddress | undefined {
    const self = this.#host.self;
    if (value instanceof RemoteAddress || value instanceof UnboundAddress) return value.wire;
    if (value instanceof GlobalAddress || value instanceof GroupAddress) return value.wire;
    if (value instanceof NamedRef || value instanceof ServiceRef) {
      if (value.owner !== this.#host.runtime) {
        // Another system's name would resolve on this node, to the wrong process or none.
        throw new InvalidArgumentError(
          'message',
          'cannot cross to another node: a name or service key of another system',
        );
      }
      return value instanceof NamedRef
        ? { k: 'n', node: self, name: value.name }
        : { k: 's', node: self, service: value.service, key: value.key };
    }
    if (value instanceof Pool) return this.#exportPool(value as Pool<unknown>);
    return undefined;
  }

  /** A working address for a wire address a peer sent; throws `WireError` when malformed. */
  addressRef(raw: unknown): Address<unknown> {
    return this.#resolve(checkAddress(raw));
  }

  #resolve(address: WireAddress): Address<unknown> {
    switch (address.k) {
      case 'G':
        return this.global(address.name) as unknown as Address<unknown>;
      case 'g':
        return this.group(address.group) as unknown as Address<unknown>;
      default:
        if (address.node !== this.#host.self && address.node !== this.#selfName) {
          const remote = new RemoteAddress(address, this.#host.sender);
          if (address.k === 'n') {
            const name = address.name;
            // Resolved when the monitor is made: the holder on the node the address reaches then.
            remote.watchHolder(() => this.#host.holderOf(remote.node, name) as ActorRef<never>);
          }
          return remote as unknown as Address<unknown>;
        }
        return (
          this.local(address) ?? (new UnboundAddress(address, this) as unknown as Address<unknown>)
        );
    }
  }

  /** The local address an address of this node names; undefined for a pool that is gone. */
  local(address: NodeAddress): Address<unknown> | undefined {
    switch (address.k) {
      case 'n':
        return this.#host.named(address.name);
      case 's':
        try {
          return this.#host.serviceAddress(address.service, address.key);
        } catch {
          return undefined; // the service is not defined here (any more)
        }
      case 'p':
        return this.#pools.get(address.id) as Address<unknown> | undefined;
    }
  }

  #exportPool(pool: Pool<unknown>): WireAddress {
    const sup = processOf(pool.supervisor);
    if (sup === undefined || sup.runtime !== this.#host.runtime) {
      throw new InvalidArgumentError(
        'message',
        'cannot cross to another node: a pool of another system',
      );
    }
    if (!this.#pools.has(sup.pid) && sup.alive) {
      this.#pools.set(sup.pid, pool);
      monitor(sup.runtime, null, sup, sup.pid, undefined, () => this.#pools.delete(sup.pid));
    }
    return { k: 'p', node: this.#host.self, id: sup.pid };
  }

  // ---- frames from a peer --------------------------------------------------

  /**
   * A message a peer sent to an address of this node: resolved now. A
   * request (it carries a reply port) is asked of the address and the
   * answer — or `ERR_NOPROC` when nothing is behind it — goes back to the
   * port; anything else is told, a dead letter `unregistered` when nothing
   * is behind it.
   */
  receive(raw: unknown, message: unknown, sender: Current | null): void {
    const address = checkAddress(raw);
    if (!('node' in address) || address.node !== this.#host.self) {
      throw new WireError('an address frame names an address of another node');
    }
    actAs(this.#host.runtime, sender, this.#receiveAs, address, message);
  }

  /** {@link receive} with the sender current. */
  readonly #receiveAs = (address: NodeAddress, message: unknown): void => {
    const target = this.local(address);
    const reply = replyPortOf(message);
    if (reply !== undefined) {
      if (target === undefined) {
        const what = describeAddress(address);
        answerFor(reply, false, new NoProcError(what, `nothing is behind ${what}`));
        return;
      }
      const { reply: _port, ...request } = message as { reply: unknown };
      const left = reply.remaining();
      target.ask(request as never, { timeout: Math.max(0, left) }).then(
        (value) => answerFor(reply, true, value),
        (error: unknown) => answerFor(reply, false, error),
      );
      return;
    }
    if (target === undefined) {
      this.unregistered(message, describeAddress(address));
      return;
    }
    try {
      target.tell(message);
    } catch {
      const runtime = this.#host.runtime;
      const what = describeAddress(address);
      runtime.deadLetter(message, undefined, runtime.current?.pid, 'dropped-newest', what);
    }
  };

  /** A group broadcast that reached this node: its members of `group` get it. */
  receiveGroup(group: string, message: unknown, sender: Current | null): void {
    actAs(this.#host.runtime, sender, this.#receiveGroupAs, group, message);
  }

  /** {@link receiveGroup} with the sender current. */
  readonly #receiveGroupAs = (group: string, message: unknown): void => {
    const groups = this.groups;
    if (groups === undefined || groups.localMembers(group).length === 0) {
      this.unregistered(message, `group:${group}`);
      return;
    }
    groups.deliverLocal(group, message);
  };
}

/**
 * Runs `act(a, b)` with `sender` as the runtime's current process (what a
 * send inside records as its sender), then puts the previous one back,
 * whatever `act` throws. `act` takes its inputs as arguments, so a caller
 * on the hot path passes a function made once and allocates nothing.
 *
 * @example
 * ```ts
 * actAs(runtime, sender, deliverTo, target, message);
 * ```
 */
export function actAs<A, B>(
  runtime: { current: Current | null },
  sender: Current | null,
  act: (a: A, b: B) => void,
  a: A,
  b: B,
): void {
  const previous = runtime.current;
  runtime.current = sender;
  try {
    act(a, b);
  } finally {
    runtime.current = previous;
  }
}

/** The reply port of a request, when `message` is one (a port from any node). */
/**
 * Answers `reply` for the asker as the runtime: the ask this node made of
 * the address relays its outcome, which is no process's send — not the
 * sender's current here, which may be a remote process known to have
 * exited, nor an async step's (§4).
 */
function answerFor(reply: RemoteReplyPort | PendingAsk, ok: boolean, value: unknown): void {
  if (reply instanceof PendingAsk) answerPort(reply, ok, value);
  else answerRemotePort(reply, ok, value);
}

function replyPortOf(message: unknown): RemoteReplyPort | PendingAsk | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const reply = (message as { reply?: unknown }).reply;
  return reply instanceof RemoteReplyPort || reply instanceof PendingAsk ? reply : undefined;
}
