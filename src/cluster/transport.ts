import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { PayloadTooLargeError } from '../errors.js';
import { batchOverhead, encodeBatch } from './frames.js';
import { heartbeatSender, heartbeatSubject } from './heartbeat-subject.js';

/**
 * A node's use of NATS: one wildcard subscription for everything addressed
 * to it (`P.n.<node>.>`: frame batches, no-responder notices, system
 * requests), one for heartbeats (`P.hb.*.*`: `P.hb.<name>.<incarnation>`, so a
 * server's permissions can tie a user to the heartbeats of one node name), and an outbox per peer that
 * gathers the frames of one turn into publishes of about `BATCH_BYTES`,
 * in order. `P` is
 * `<root>.<cluster>`.
 *
 * Every batch is published with reply subject `P.n.<self>.nr.<peer>`: when
 * nothing subscribes to the peer's wildcard (its process is gone), the
 * server answers there with a 503 status, so the loss is known at once.
 * That subject is open to any client allowed to publish to this node, so a
 * 503 there is only a hint: the node asks the peer (`s.ping`, on a reply
 * subject of its own) and reports no responders only when the server
 * answers that request with its own 503.
 *
 * @module
 */

/** What the transport hands to its node. */
export interface TransportEvents {
  batch(data: Uint8Array): void;
  noResponders(node: string): void;
  heartbeat(node: string, data: Uint8Array): void;
  /** A system request (`hello`, `fence`, `audit`): answer with `msg.respond`. */
  system(op: string, msg: Msg): void;
  /** A publish failed (connection closed): the frames of a batch are lost. */
  lost(node: string, frames: readonly string[]): void;
}

const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
/** How long a peer may take to answer the ping that confirms a 503 (a hang guard: a live peer answers at once). */
const CONFIRM_TIMEOUT_MS = 5_000;

/**
 * Whether a request's failure is the server's own no-responders status:
 * nothing subscribes for the peer any more. A timeout, or anything else,
 * confirms nothing.
 *
 * @example
 * ```ts
 * confirmsNoResponders(new NoRespondersError('airssys.x.n.b_1.s.ping')); // true
 * ```
 */
export function confirmsNoResponders(error: unknown): boolean {
  return (
    isNoRespondersStatus(error) || (error instanceof Error && isNoRespondersStatus(error.cause))
  );
}

/**
 * nats-core's `NoRespondersError` (its own, or a `RequestError`'s cause), known
 * by its name: importing the class would load the NATS client into every
 * system, clustered or not, and a loaded client cost local asks a p99 of ~12 µs
 * instead of ~1 µs (bench `ask`, Node 20).
 */
function isNoRespondersStatus(error: unknown): boolean {
  return error instanceof Error && error.name === 'NoResponders';
}

/**
 * The size a batch is published at (a larger frame still goes alone, up to
 * `max_payload`). A message that fits one socket read reaches the
 * receiver's subscription as a view of that read; a megabyte-sized one is
 * gathered by copying across dozens of reads, and leaves the receiver idle
 * until the sender has encoded all of it.
 *
 * @example
 * ```ts
 * if (box.bytes + size > Math.min(limit, BATCH_BYTES)) publish(box);
 * ```
 */
export const BATCH_BYTES = 16 * 1024;

class Outbox {
  frames: string[] = [];
  bytes = 0;
  /** In this turn's list of outboxes to flush (a mid-turn publish leaves it there). */
  listed = false;
}

/** The NATS side of one node. */
export class NodeTransport {
  readonly nc: NatsConnection;
  readonly prefix: string;
  readonly self: string;
  readonly #events: TransportEvents;
  readonly #heartbeatSubject: string;
  readonly #outboxes = new Map<string, Outbox>();
  readonly #dirty: Outbox[] = [];
  readonly #dirtyNodes: string[] = [];
  #flushScheduled = false;
  #subs: Subscription[] = [];
  #closed = false;
  /** Peers whose 503 is being confirmed (one ping each at a time, however many notices come). */
  readonly #confirming = new Set<string>();
  readonly #flush = (): void => this.flush();

  constructor(nc: NatsConnection, prefix: string, self: string, events: TransportEvents) {
    this.nc = nc;
    this.prefix = prefix;
    this.self = self;
    this.#events = events;
    this.#heartbeatSubject = heartbeatSubject(prefix, self);
  }

  /** The server's `max_payload`: no publish may be larger. */
  get maxPayload(): number {
    return this.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
  }

  /** The subject of `op` on `node`. */
  subject(node: string, op: string): string {
    return `${this.prefix}.n.${node}.${op}`;
  }

  /** Subscribes and waits until the server has the interest. */
  async start(): Promise<void> {
    const own = `${this.prefix}.n.${this.self}.`;
    this.#subs.push(
      this.nc.subscribe(`${own}>`, {
        callback: (error, msg) => {
          if (error !== null) return;
          this.#receive(msg.subject.slice(own.length), msg);
        },
      }),
    );
    const hb = `${this.prefix}.hb.`;
    this.#subs.push(
      this.nc.subscribe(`${hb}*.*`, {
        callback: (error, msg) => {
          if (error !== null) return;
          const node = heartbeatSender(msg.subject.slice(hb.length));
          if (node !== undefined) this.#events.heartbeat(node, msg.data);
        },
      }),
    );
    await this.nc.flush();
  }

  #receive(rest: string, msg: Msg): void {
    if (rest === 'm') {
      this.#events.batch(msg.data);
    } else if (rest.startsWith('nr.')) {
      if (msg.headers?.code === 503) this.#confirmNoResponders(rest.slice(3));
    } else if (rest === 's.ping') {
      this.#answerPing(msg);
    } else if (rest.startsWith('s.')) {
      this.#events.system(rest.slice(2), msg);
    }
  }

  /** A peer confirming a 503 of ours: any answer says this node still subscribes. */
  #answerPing(msg: Msg): void {
    try {
      if (msg.reply !== undefined) msg.respond();
    } catch {
      // Closing or draining: the peer's ping times out, which confirms nothing.
    }
  }

  /** A 503 on `node`'s notice subject: reported once the server says the same to a ping of ours. */
  #confirmNoResponders(node: string): void {
    if (this.#closed || this.#confirming.has(node)) return;
    this.#confirming.add(node);
    const ping = (): Promise<Msg> =>
      this.request(node, 'ping', new Uint8Array(0), CONFIRM_TIMEOUT_MS);
    void Promise.resolve()
      .then(ping)
      .then(
        () => false,
        (error: unknown) => confirmsNoResponders(error),
      )
      .then((confirmed) => {
        this.#confirming.delete(node);
        if (confirmed && !this.#closed) this.#events.noResponders(node);
      });
  }

  /**
   * Queues one frame (JSON text) for `node`; it leaves with the rest of this
   * turn's frames. Throws `PayloadTooLargeError` when it could never fit.
   */
  send(node: string, frame: string): void {
    const limit = this.maxPayload - batchOverhead(this.self);
    // A char is at most 3 UTF-8 bytes: count chars only where a batch of them, tripled, still
    // fits (a max_payload of 48 KB and more); else count bytes.
    const size =
      frame.length * 3 > limit || BATCH_BYTES * 3 > limit ? Buffer.byteLength(frame) : frame.length;
    if (size > limit) throw new PayloadTooLargeError(size, this.maxPayload);
    let box = this.#outboxes.get(node);
    if (box === undefined) {
      box = new Outbox();
      this.#outboxes.set(node, box);
    }
    if (box.bytes + size + 1 > Math.min(limit, BATCH_BYTES) && box.frames.length > 0) {
      this.#publish(node, box);
    }
    if (!box.listed) {
      box.listed = true;
      this.#dirty.push(box);
      this.#dirtyNodes.push(node);
    }
    box.frames.push(frame);
    box.bytes += size + 1;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(this.#flush);
    }
  }

  /** Publishes every queued frame now. */
  flush(): void {
    this.#flushScheduled = false;
    const boxes = this.#dirty;
    const nodes = this.#dirtyNodes;
    for (let i = 0; i < boxes.length; i++) {
      const box = boxes[i] as Outbox;
      box.listed = false;
      if (box.frames.length > 0) this.#publish(nodes[i] as string, box);
    }
    boxes.length = 0;
    nodes.length = 0;
  }

  #publish(node: string, box: Outbox): void {
    const frames = box.frames;
    box.frames = [];
    box.bytes = 0;
    if (this.#closed) {
      this.#events.lost(node, frames);
      return;
    }
    try {
      this.nc.publish(this.subject(node, 'm'), encodeBatch(this.self, frames), {
        reply: this.subject(this.self, `nr.${node}`),
      });
    } catch {
      this.#events.lost(node, frames);
    }
  }

  /** Publishes this node's heartbeat. */
  heartbeat(data: Uint8Array): void {
    if (this.#closed) return;
    try {
      this.nc.publish(this.#heartbeatSubject, data);
    } catch {
      // A closed connection: the fence timer deals with being cut off.
    }
  }

  /** A system request to `node` (the join handshake). */
  request(node: string, op: string, data: Uint8Array, timeout: number): Promise<Msg> {
    return this.nc.request(this.subject(node, `s.${op}`), data, { timeout });
  }

  /** A one-way system message to `node` (`fence`). */
  notify(node: string, op: string, data: Uint8Array): void {
    if (this.#closed) return;
    try {
      this.nc.publish(this.subject(node, `s.${op}`), data);
    } catch {
      // Nothing to tell a node we cannot reach.
    }
  }

  /** Flushes, then drops the subscriptions; later sends are lost frames. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    for (const sub of this.#subs) sub.unsubscribe();
    this.#subs = [];
    this.#outboxes.clear();
  }
}
