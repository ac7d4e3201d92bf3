import type { AnyDefinition, AskOptions, Current } from '../actor/index.js';
import {
  ActorProcess,
  isRuntimeMessage,
  REMOTE,
  refuseExitedSend,
  rejectExitedSend,
} from '../actor/index.js';
import { InvalidArgumentError, NoConnectionError, NoProcError } from '../errors.js';
import type { SendOptions } from '../mailbox/index.js';
import type { ExitReason, Pid } from '../process/index.js';
import { DEAD, exitReason } from '../process/index.js';
import { describeAddress, type NodeAddress } from './wire-address.js';

/**
 * The local record of a process on another node. It is what a remote pid
 * decodes to: a ref whose `tell`, `offer` and `ask` encode the message
 * and queue it for that node at once (so a sender's messages and its exit
 * leave in the order they happened), and a process local links and
 * monitors attach to. It ends exactly when the remote process does, with
 * its reason (the node sends `down`), or with `noconnection` when its node
 * is declared down — so DOWN, EXIT, pending asks and supervisors all work
 * as for a local process. A spawn on another node has one as its stand-in.
 *
 * @module
 */

/** What a remote process needs of its node. */
export interface RemoteSide {
  /** Encodes `message` and queues it for `to`'s node; throws at send what cannot go. */
  tell(to: RemoteProcess, message: unknown, sender: Current | null): void;
  /** An explicit exit signal (`ctx.exit`) from a local process to `to`. */
  exit(to: RemoteProcess, from: ActorProcess | undefined, reason: ExitReason): void;
  /** A local process linked to or unlinked from `to`. */
  linkChanged(to: RemoteProcess, other: ActorProcess, linked: boolean): void;
  /** Sends to an address of another node (what waited behind a spawn in flight). */
  tellAddress(address: NodeAddress, message: unknown, sender: Current | null): void;
  /** Whether `node` is up as far as this node knows. */
  isUp(node: string): boolean;
}

/**
 * Why a send to something of `node` reached nothing: `noproc` while the
 * node is up (the process or name is gone), `noconnection` when it is not.
 *
 * @example
 * ```ts
 * unreachableReason(false); // 'noconnection'
 * ```
 */
export function unreachableReason(nodeUp: boolean): 'noproc' | 'noconnection' {
  return nodeUp ? 'noproc' : 'noconnection';
}

/** A message held behind a spawn in flight; `address` set when it goes to an address of the node. */
export interface HeldSend {
  readonly message: unknown;
  readonly sender: Current | null;
  readonly address?: NodeAddress;
}

/**
 * A process of another node, as seen here.
 *
 * @example
 * ```ts
 * const remote = system.spawn(worker, { node: 'b' }); // the ref of a RemoteProcess here
 * await remote.ask({ type: 'work', n: 42 }); // sent to b; rejects ERR_NOCONNECTION if b goes down
 * ```
 */
export class RemoteProcess extends ActorProcess {
  readonly side: RemoteSide;
  /** The node id. */
  node: string;
  /** Its pid there; 0 while a remote spawn has not answered yet. */
  remoteId: number;
  /** Messages sent before a remote spawn answered (and address sends behind it), in order. */
  held: HeldSend[] | null = null;
  /** Whether this is the stand-in of a spawn on another node (sends wait until it is bound). */
  standIn = false;
  /**
   * Set for the length of one ask made through an address of the node: the
   * request goes to that address, the ask waits on this node's record.
   */
  sendingTo: NodeAddress | undefined = undefined;

  constructor(
    runtime: ActorProcess['runtime'],
    pid: Pid,
    def: AnyDefinition,
    parent: ActorProcess | null,
    flags: number,
    side: RemoteSide,
    node: string,
    remoteId: number,
  ) {
    super(runtime, pid, def, parent, flags | REMOTE);
    this.side = side;
    this.node = node;
    this.remoteId = remoteId;
  }

  override deliver(message: unknown, _options: SendOptions | undefined, _copied = false): void {
    if (message === undefined) {
      throw new InvalidArgumentError('message', 'undefined is not a message');
    }
    const current = this.runtime.current;
    if (current !== null && (current.flags & DEAD) !== 0) {
      // A handler whose process ended sends nothing (semantics §4), not even to another node.
      refuseExitedSend(this.runtime, message, this.pid, current.pid);
      return;
    }
    if (!this.alive) {
      const reason = unreachableReason(this.side.isUp(this.node));
      const address = this.sendingTo === undefined ? undefined : describeAddress(this.sendingTo);
      this.runtime.deadLetter(message, this.pid, current?.pid, reason, address);
      return;
    }
    if (this.remoteId === 0 && this.standIn && this.sendingTo === undefined) {
      this.held ??= [];
      this.held.push({ message, sender: current });
      return;
    }
    this.side.tell(this, message, current);
  }

  override offerMessage(message: unknown, options?: SendOptions): Promise<void> {
    const current = this.runtime.current;
    if (current !== null && (current.flags & DEAD) !== 0) {
      return rejectExitedSend(this.runtime, message, this.pid, current.pid);
    }
    if (!this.alive) return Promise.reject(this.#unreachable());
    try {
      this.deliver(message, options);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  override askMessage(request: unknown, options?: AskOptions): Promise<never> {
    const current = this.runtime.current;
    if (current !== null && (current.flags & DEAD) !== 0) {
      return rejectExitedSend(this.runtime, request, this.pid, current.pid);
    }
    // A node that is not up: the ask fails with `noconnection`, as one pending on it does.
    if (!this.alive && !this.side.isUp(this.node)) return Promise.reject(this.#unreachable());
    return super.askMessage(request, options);
  }

  #unreachable(): Error {
    return unreachableReason(this.side.isUp(this.node)) === 'noproc'
      ? new NoProcError(`${this}`)
      : new NoConnectionError(`node ${this.node}`, this.node);
  }

  override forwardExit(from: ActorProcess | undefined, reason: ExitReason, linked: boolean): void {
    // A linked local process died: the remote node learns it from its own
    // monitor of that process, with the same reason — sending it here too
    // would deliver the EXIT twice.
    if (linked) return;
    this.side.exit(this, from, reason);
  }

  override linkChanged(other: ActorProcess, linked: boolean): void {
    this.side.linkChanged(this, other, linked);
  }

  /** Sends what was held while a remote spawn was pending. */
  release(): void {
    const held = this.held;
    this.held = null;
    if (held === null) return;
    for (const { message, sender, address } of held) {
      if (address === undefined) this.side.tell(this, message, sender);
      else this.side.tellAddress(address, message, sender);
    }
  }

  override goneReason(): ExitReason {
    return unreachableReason(this.side.isUp(this.node)) === 'noproc'
      ? exitReason.noproc
      : exitReason.noconnection(this.node);
  }

  override toString(): string {
    return `ActorRef<${this.node}.${this.remoteId}>`;
  }
}

/**
 * The definition of a remote process's record. It never handles user
 * messages (sends bypass its mailbox); anything that lands there is a
 * runtime message it has no use for.
 */
export const REMOTE_DEFINITION: AnyDefinition = Object.freeze({
  label: 'remote',
  handle(message: unknown, ctx: { self: unknown }) {
    const p = ctx as unknown as ActorProcess;
    if (!isRuntimeMessage(message)) {
      p.runtime.deadLetter(message, p.pid, undefined, 'unexpected');
    }
  },
}) as unknown as AnyDefinition;
