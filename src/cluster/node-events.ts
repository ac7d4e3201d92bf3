import type { ActorRef } from '../actor/index.js';
import { Stream } from '../broker/index.js';
import type { FencedError } from '../errors.js';
import type { MembershipEvents } from './membership.js';

/**
 * What a node tells about the other nodes: the cluster events stream and
 * the `monitorNode` watches, which both hear a node go down.
 *
 * @module
 */

/**
 * What the cluster reports (Erlang's `net_kernel:monitor_nodes` plus Akka's
 * reachability). `nodedown.reason` is `down` (declared down by the cluster)
 * or `left` (it left gracefully).
 *
 * @example
 * ```ts
 * system.cluster?.events.subscribe((e) => console.log(e.type, e.node));
 * ```
 */
export type ClusterEvent =
  | { readonly type: 'nodeup'; readonly node: string; readonly at: number }
  | {
      readonly type: 'nodedown';
      readonly node: string;
      readonly reason: 'down' | 'left';
      readonly at: number;
    }
  | { readonly type: 'unreachable'; readonly node: string; readonly at: number }
  | { readonly type: 'reachable'; readonly node: string; readonly at: number }
  | {
      readonly type: 'fenced';
      readonly node: string;
      readonly error: FencedError;
      readonly at: number;
    }
  | {
      /**
       * The NATS server denied this node a publish or a subscription (its
       * user's permissions): `node` is the peer whose subject it was (this
       * node's id for any other subject).
       */
      readonly type: 'denied';
      readonly node: string;
      readonly operation: 'publish' | 'subscription';
      readonly subject: string;
      readonly at: number;
    };

/**
 * A `monitorNode` message: the node went down (Erlang `{nodedown, Node}`).
 *
 * @example
 * ```ts
 * const m: NodeDownMessage = { type: 'nodedown', node: 'web-2_k3v9', reason: 'down' };
 * ```
 */
export interface NodeDownMessage {
  readonly type: 'nodedown';
  readonly node: string;
  readonly reason: 'down' | 'left' | 'fenced';
}

/** Where `monitorNode` watches stand when asked: decides whether it answers at once. */
export interface NodeWatchState {
  readonly self: string;
  readonly up: boolean;
  readonly gone: boolean;
  readonly fenced: boolean;
}

/**
 * The events of one node and its `monitorNode` watches.
 *
 * @example
 * ```ts
 * const events = new NodeEvents();
 * events.subscribe((e) => console.log(e.type));
 * ```
 */
export class NodeEvents {
  readonly #stream = new Stream<ClusterEvent>('cluster event');
  readonly #monitors = new Map<string, Set<(m: NodeDownMessage) => void>>();

  /** Calls `listener` with every event; returns the unsubscribe. */
  subscribe(listener: (event: ClusterEvent) => void): () => void {
    return this.#stream.subscribe(listener);
  }

  emit(event: ClusterEvent): void {
    this.#stream.emit(event);
  }

  /**
   * What membership reports, as this node's events: `nodeup`,
   * `unreachable` and `reachable` go out as they are (`up` is told first);
   * a node going and a fence are the node's to carry out.
   */
  fromMembership(node: {
    up(id: string): void;
    down(id: string, reason: 'down' | 'left'): void;
    fenced(why: string): void;
    connectionClosed(why: string): void;
  }): MembershipEvents {
    return {
      up: (id) => {
        node.up(id);
        this.emit({ type: 'nodeup', node: id, at: Date.now() });
      },
      down: (id, reason) => node.down(id, reason),
      unreachable: (id) => this.emit({ type: 'unreachable', node: id, at: Date.now() }),
      reachable: (id) => this.emit({ type: 'reachable', node: id, at: Date.now() }),
      fenced: (why) => node.fenced(why),
      connectionClosed: (why) => node.connectionClosed(why),
    };
  }

  /**
   * Erlang `monitor_node(Node, true)`: `target` hears `nodedown` once when
   * `node` goes — at once when it is not up. Returns the cancel.
   */
  monitor(
    node: string,
    target: ActorRef<NodeDownMessage> | ((message: NodeDownMessage) => void),
    state: NodeWatchState,
  ): () => void {
    const deliver = typeof target === 'function' ? target : (m: NodeDownMessage) => target.tell(m);
    if (!state.up || node === state.self) {
      if (node !== state.self || state.fenced) {
        queueMicrotask(() =>
          deliver({ type: 'nodedown', node, reason: state.gone ? 'down' : 'left' }),
        );
      }
      if (node !== state.self) return () => {};
    }
    let set = this.#monitors.get(node);
    if (set === undefined) {
      set = new Set();
      this.#monitors.set(node, set);
    }
    set.add(deliver);
    return () => {
      set.delete(deliver);
    };
  }

  /** `node` went down or left: its watches hear it, then the event goes out. */
  nodeDown(node: string, reason: 'down' | 'left'): void {
    const monitors = this.#monitors.get(node);
    this.#monitors.delete(node);
    for (const deliver of monitors ?? []) tellWatch(deliver, { type: 'nodedown', node, reason });
    this.emit({ type: 'nodedown', node, reason, at: Date.now() });
  }

  /** This node was fenced: every watch hears `fenced`, then the event goes out. */
  fenced(self: string, error: FencedError): void {
    for (const [node, monitors] of this.#monitors) {
      for (const deliver of monitors)
        tellWatch(deliver, { type: 'nodedown', node, reason: 'fenced' });
    }
    this.#monitors.clear();
    this.emit({ type: 'fenced', node: self, error, at: Date.now() });
  }
}

/** One watch told: a function target that throws is reported, and the others are still told. */
function tellWatch(deliver: (message: NodeDownMessage) => void, message: NodeDownMessage): void {
  try {
    deliver(message);
  } catch (error) {
    process.emitWarning(`a node watch threw: ${String(error)}`, 'AirssysWarning');
  }
}
