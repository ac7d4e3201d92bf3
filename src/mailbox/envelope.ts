import type { Pid } from '../process/index.js';

/**
 * Message priority. Within a mailbox, higher lanes are handled first and each
 * lane is FIFO; system signals go ahead of `critical`.
 *
 * @example
 * ```ts
 * ref.tell({ type: 'reload' }, { priority: 'high' });
 * ```
 */
export type Priority = 'low' | 'normal' | 'high' | 'critical';

/** Lane indexes, highest first. Lane 0 carries system signals. */
export const LANE_SYSTEM = 0;
/** Lane index of `normal` messages, the default lane. */
export const LANE_NORMAL = 3;
/** Number of lanes. */
export const LANE_COUNT = 5;

/** Maps a priority to its lane index; `undefined` means an invalid priority. */
export function laneOf(priority: Priority): number | undefined {
  switch (priority) {
    case 'critical':
      return 1;
    case 'high':
      return 2;
    case 'normal':
      return 3;
    case 'low':
      return 4;
    default:
      return undefined;
  }
}

/**
 * Options a sender may attach to one message. Any of them makes the message
 * travel in an {@link Envelope}; without them a message costs no allocation.
 *
 * @example
 * ```ts
 * ref.tell(job, { ttl: 1_000, priority: 'high', routingKey: job.userId });
 * ```
 */
export interface SendOptions {
  /** Time to live in ms: if not handled by then, the message goes to dead letters as `expired`. */
  readonly ttl?: number;
  /** Lane of the message; default `normal`. */
  readonly priority?: Priority;
  /** Correlation id to carry with the message. */
  readonly correlationId?: string | number;
  /** Where replies should go, when not the sender. */
  readonly replyTo?: Pid;
  /** A key for routing (consistent hashing in pools). */
  readonly routingKey?: string;
  /**
   * String headers that travel with the message, e.g. W3C trace context
   * (`traceparent`) injected by `airssys-rt/otel`.
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Buffers to move, not copy, to an actor in a worker thread or pool thread:
   * `ArrayBuffer`s, or typed arrays and `DataView`s (their whole buffer
   * moves). The sender loses access: each buffer is detached once the
   * message leaves this thread. To a child process the bytes are copied
   * (a socket cannot move memory) and the buffers still detached; in the
   * same thread the message passes by reference and nothing is detached
   * (semantics §7). A `SharedArrayBuffer` is never listed: it is shared.
   */
  readonly transfer?: readonly (ArrayBuffer | ArrayBufferView)[];
}

/**
 * Metadata about one message, available to a handler as `ctx.envelope` when
 * the sender attached options or the receiver was spawned with
 * `envelopes: true`.
 *
 * @example
 * ```ts
 * handle(msg, ctx) { if (ctx.envelope?.priority === 'critical') alert(msg); }
 * ```
 */
export class Envelope<M = unknown> {
  /** Unique id of this message within the system. */
  readonly id: number;
  /** The message itself. */
  readonly message: M;
  /** Pid of the sending process, when sent from inside a handler. */
  readonly sender: Pid | undefined;
  /** Clock time at which the message was sent, in ms. */
  readonly timestamp: number;
  /** Lane of the message. */
  readonly priority: Priority;
  /** Time to live in ms, when given. */
  readonly ttl: number | undefined;
  /** Clock time after which the message is expired; `Infinity` without a TTL. */
  readonly expiresAt: number;
  /** Correlation id, when given (an ask's correlation id for requests). */
  readonly correlationId: string | number | undefined;
  /** Where replies should go, when given. */
  readonly replyTo: Pid | undefined;
  /** Routing key, when given. */
  readonly routingKey: string | undefined;
  /** Headers, when given (trace context and the like). */
  readonly headers: Readonly<Record<string, string>> | undefined;
  /** Buffers the sender moves with the message (checked, one per buffer), when given. */
  readonly transfer: readonly ArrayBuffer[] | undefined;

  constructor(
    id: number,
    message: M,
    sender: Pid | undefined,
    timestamp: number,
    options: SendOptions | undefined,
  ) {
    this.id = id;
    this.message = message;
    this.sender = sender;
    this.timestamp = timestamp;
    this.priority = options?.priority ?? 'normal';
    this.ttl = options?.ttl;
    this.expiresAt =
      options?.ttl === undefined ? Number.POSITIVE_INFINITY : timestamp + options.ttl;
    this.correlationId = options?.correlationId;
    this.replyTo = options?.replyTo;
    this.routingKey = options?.routingKey;
    this.headers = options?.headers;
    // Checked and reduced to distinct ArrayBuffers by the sender (send-checks).
    this.transfer = options?.transfer as readonly ArrayBuffer[] | undefined;
  }
}
