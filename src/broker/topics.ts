import { InvalidArgumentError } from '../errors.js';
import type { SendOptions } from '../mailbox/index.js';
import { type Holder, type Registration, tellOne } from '../registry/index.js';

/**
 * Typed topics: publish once, reach every subscriber — processes (which
 * stop being subscribed when they exit) and plain callbacks.
 *
 * @module
 */

declare const TOPIC_TYPE: unique symbol;

/**
 * A typed topic handle: publishing checks the message type, subscribing
 * actors declare it in their own message type.
 *
 * @example
 * ```ts
 * const prices = topic<{ symbol: string; price: number }>('prices');
 * system.topics.subscribe(prices, ticker);
 * system.topics.publish(prices, { symbol: 'ACME', price: 12.5 });
 * ```
 */
export interface Topic<M> {
  readonly name: string;
  /** Phantom member carrying the message type; never present at run time. */
  readonly [TOPIC_TYPE]?: (message: M) => M;
}

/**
 * Declares a topic. Two handles with the same name are the same topic.
 *
 * @example
 * ```ts
 * export const orders = topic<OrderEvent>('orders');
 * ```
 */
export function topic<M>(name: string): Topic<M> {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError('topic', 'must be a non-empty string');
  }
  return Object.freeze({ name });
}

/** The name of a topic handle; throws `InvalidArgumentError` for anything else. */
export function topicName<T>(topic: Topic<T>): string {
  const name = (topic as { name?: unknown } | null)?.name;
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError('topic', 'must be a topic made by topic(name)');
  }
  return name;
}

/** One subscription: a process or a callback on one topic. */
export class Subscription<P extends Holder> implements Registration {
  /** Set once it has ended; a publish in progress skips it from then on. */
  released = false;
  readonly #table: TopicTable<P>;
  readonly topic: string;
  readonly holder: P | undefined;
  readonly listener: ((message: unknown) => void) | undefined;

  constructor(
    table: TopicTable<P>,
    topic: string,
    holder: P | undefined,
    listener: ((message: unknown) => void) | undefined,
  ) {
    this.#table = table;
    this.topic = topic;
    this.holder = holder;
    this.listener = listener;
  }

  /** Ends the subscription (also done when its process exits). */
  release(): void {
    this.#table.remove(this);
  }
}

/** Every topic of one system and its subscribers. */
export class TopicTable<P extends Holder> {
  readonly #topics = new Map<string, Subscription<P>[]>();
  readonly #refused: (message: unknown, holder: P) => void;

  /** `refused` records a message a subscriber's full mailbox refused (a dead letter). */
  constructor(refused: (message: unknown, holder: P) => void) {
    this.#refused = refused;
  }

  /** Subscribes a process (`holder`) or a callback to `topic`. */
  subscribe(
    topic: string,
    holder: P | undefined,
    listener?: (message: unknown) => void,
  ): Subscription<P> {
    const sub = new Subscription(this, topic, holder, listener);
    const list = this.#topics.get(topic);
    // Copy on write: a publish in progress keeps iterating the list it started with.
    this.#topics.set(topic, list === undefined ? [sub] : [...list, sub]);
    holder?.hold(sub);
    return sub;
  }

  /** Removes one subscription; false when it had already ended. */
  remove(sub: Subscription<P>): boolean {
    sub.released = true;
    const list = this.#topics.get(sub.topic);
    if (list === undefined || !list.includes(sub)) return false;
    const rest = list.filter((s) => s !== sub);
    if (rest.length === 0) this.#topics.delete(sub.topic);
    else this.#topics.set(sub.topic, rest);
    sub.holder?.drop(sub);
    return true;
  }

  /** Removes every subscription of `holder` to `topic`; returns how many. */
  unsubscribe(topic: string, holder: P): number {
    const mine = (this.#topics.get(topic) ?? []).filter((s) => s.holder === holder);
    for (const s of mine) this.remove(s);
    return mine.length;
  }

  /**
   * Delivers `message` to every subscriber, in subscription order; returns
   * how many it reached. A callback that throws does not stop the others;
   * the first such error is rethrown to the publisher afterwards. A subscriber whose mailbox refuses the message
   * (a full `reject` mailbox) is skipped; the refusal is counted there and
   * the message is a dead letter, like any refused send.
   */
  publish(topic: string, message: unknown, options?: SendOptions): number {
    if (message === undefined) {
      throw new InvalidArgumentError('message', 'undefined is not a message');
    }
    const list = this.#topics.get(topic);
    if (list === undefined) return 0;
    let reached = 0;
    let failure: { error: unknown } | undefined;
    for (const sub of list) {
      // Ended during this publish (its process killed by an earlier subscriber, say).
      if (sub.released) continue;
      const holder = sub.holder;
      if (holder === undefined) {
        try {
          (sub.listener as (message: unknown) => void)(message);
          reached++;
        } catch (error) {
          // Every subscriber still gets the message; the publisher then sees the first error.
          failure ??= { error };
        }
        continue;
      }
      if (tellOne(holder, message, options, this.#refused)) reached++;
    }
    if (failure !== undefined) throw failure.error;
    return reached;
  }

  /** How many subscribers `topic` has. */
  count(topic: string): number {
    return this.#topics.get(topic)?.length ?? 0;
  }

  /** Every topic that has subscribers. */
  names(): string[] {
    return [...this.#topics.keys()];
  }
}
