import type { NatsConnection, Status } from '@nats-io/nats-core';
import { ClusterAuthError } from '../errors.js';

/**
 * Permissions the NATS server denies a node after it connected. A server
 * that admits a user but limits what it may publish or subscribe to does
 * not fail the call: it reports a permissions violation on the connection,
 * which the client hands on as a status event (type `error`). This watches
 * those events: while the node joins, the first denial fails the join with
 * `ERR_CLUSTER_AUTH` naming the subject; once it is up, each one is
 * reported (an event, a dead letter `denied`, the asks on the peer the
 * subject belongs to failed `ERR_CLUSTER_AUTH`), never dropped silently.
 *
 * @module
 */

/** A publish or a subscription the NATS server denied. */
export interface Denial {
  readonly operation: 'publish' | 'subscription';
  readonly subject: string;
}

/** What the status watch reports to its node. */
export interface StatusEvents {
  /** A denial after the join (during it, the join fails instead). */
  denied(denial: Denial): void;
  /** The connection came back: control messages may have been lost. */
  reconnected(): void;
  /** The client dropped messages of a slow subscription. */
  slowConsumer(): void;
}

/**
 * The denial a connection status reports, if it is one: an `error` whose
 * error is the client's `PermissionViolationError`.
 *
 * @example
 * ```ts
 * denialOf({ type: 'error', error: violation }); // { operation: 'publish', subject: 'airssys.c.n.b_1.m' }
 * ```
 */
export function denialOf(status: {
  readonly type: string;
  readonly error?: unknown;
}): Denial | undefined {
  if (status.type !== 'error') return undefined;
  return denialOfError(status.error);
}

/**
 * The denial an error is, if it is the client's `PermissionViolationError`
 * (a request to a denied subject rejects with it).
 *
 * @example
 * ```ts
 * denialOfError(new Error('timeout')); // undefined
 * ```
 */
export function denialOfError(error: unknown): Denial | undefined {
  const e = error as { name?: unknown; operation?: unknown; subject?: unknown } | null;
  if (e?.name !== 'PermissionViolationError') return undefined;
  const operation = e.operation === 'subscription' ? 'subscription' : 'publish';
  return { operation, subject: typeof e.subject === 'string' ? e.subject : '' };
}

/**
 * The peer whose subject `subject` is (`<prefix>.n.<peer>.…`: its frames,
 * its system requests), or undefined for any other subject.
 *
 * @example
 * ```ts
 * deniedPeer('airssys.c.n.web-2_k3v9.m', 'airssys.c'); // 'web-2_k3v9'
 * ```
 */
export function deniedPeer(subject: string, prefix: string): string | undefined {
  const head = `${prefix}.n.`;
  if (!subject.startsWith(head)) return undefined;
  const end = subject.indexOf('.', head.length);
  return end < 0 ? undefined : subject.slice(head.length, end);
}

/**
 * Whether a denial on `subject` is this node's to report: on a connection
 * the runtime opened, every one is; on the user's (`ownSubjects` given),
 * only one on a subject of this node's cluster (`<root>.<cluster>.…`, its
 * KV buckets `$KV.<root>-<cluster>-…`) — the user's other denials are not
 * this node's.
 *
 * @example
 * ```ts
 * isOwnDenial('orders.new', ['airssys.c.', '$KV.airssys-c-']); // false
 * isOwnDenial('orders.new', undefined); // true
 * ```
 */
export function isOwnDenial(subject: string, ownSubjects: readonly string[] | undefined): boolean {
  return ownSubjects === undefined || ownSubjects.some((head) => subject.startsWith(head));
}

/**
 * The error a denial is reported as: `ERR_CLUSTER_AUTH`, naming what was
 * denied and on which subject.
 *
 * @example
 * ```ts
 * deniedError('a_1', { operation: 'publish', subject: 'x.y' }).message;
 * // 'the NATS server denied node a_1 publishing to x.y (permissions violation)'
 * ```
 */
export function deniedError(id: string, denial: Denial, cause?: unknown): ClusterAuthError {
  const what = denial.operation === 'publish' ? 'publishing to' : 'subscribing to';
  return new ClusterAuthError(
    `the NATS server denied node ${id} ${what} ${denial.subject || 'a subject'} (permissions violation)`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * A node's watch of its connection's status, from before its first
 * subscription until {@link StatusWatch.stop} (its node shut down, or its
 * join failed): denials (failing the join while it runs), reconnects and
 * slow consumers. On the user's connection only denials on `ownSubjects`
 * count (see {@link isOwnDenial}).
 *
 * @example
 * ```ts
 * const watch = new StatusWatch(nc, node.id, events);
 * await watch.guardJoin(nc, membership.join());
 * watch.stop();
 * ```
 */
export class StatusWatch {
  readonly #id: string;
  readonly #events: StatusEvents;
  #joining = true;
  /** The first denial while joining. */
  #first: Denial | undefined;
  #failJoin: (denial: Denial) => void = () => {};
  readonly #joinDenied: Promise<never>;
  readonly #ownSubjects: readonly string[] | undefined;
  readonly #statuses: AsyncIterable<Status> & { stop?: () => void };
  #stopped = false;

  constructor(
    nc: NatsConnection,
    id: string,
    events: StatusEvents,
    ownSubjects?: readonly string[],
  ) {
    this.#id = id;
    this.#events = events;
    this.#ownSubjects = ownSubjects;
    this.#joinDenied = new Promise<never>((_, reject) => {
      this.#failJoin = (denial) => reject(deniedError(id, denial));
    });
    this.#joinDenied.catch(() => {});
    this.#statuses = nc.status();
    void this.#watch(this.#statuses).catch(() => undefined);
  }

  /** Stops watching: the node reacts to its connection's status no more (the user's connection lives on). */
  stop(): void {
    this.#stopped = true;
    // nats.js status iterators have stop(); it ends the loop and drops the listener.
    this.#statuses.stop?.();
  }

  async #watch(statuses: AsyncIterable<Status>): Promise<void> {
    for await (const status of statuses) {
      if (this.#stopped) return;
      const denial = denialOf(status as { type: string; error?: unknown });
      if (denial !== undefined) {
        if (isOwnDenial(denial.subject, this.#ownSubjects)) this.#denied(denial);
      }
      // Control messages may have been lost while disconnected: audit outgoing monitors.
      else if (status.type === 'reconnect') this.#events.reconnected();
      else if (status.type === 'slowConsumer') this.#events.slowConsumer();
    }
  }

  #denied(denial: Denial): void {
    if (!this.#joining) {
      this.#events.denied(denial);
      return;
    }
    this.#first ??= denial;
    this.#failJoin(denial);
  }

  /**
   * Runs the join to its end and then a round trip to the server (every
   * denial of what the join did has arrived by then); rejects with
   * `ERR_CLUSTER_AUTH` naming the subject at the first denial before that.
   */
  async guardJoin(nc: NatsConnection, join: Promise<void>): Promise<void> {
    join.catch(() => {});
    try {
      await Promise.race([join, this.#joinDenied]);
      await Promise.race([nc.flush(), this.#joinDenied]);
    } catch (error) {
      await afterPendingEvents();
      const denial = this.#first ?? denialOfError(error);
      this.#joining = false;
      throw denial === undefined ? error : deniedError(this.#id, denial, error);
    }
    await afterPendingEvents();
    this.#joining = false;
    if (this.#first !== undefined) throw deniedError(this.#id, this.#first);
  }
}

/** Resolves once the status events already dispatched have been handled (they are handled asynchronously). */
function afterPendingEvents(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
