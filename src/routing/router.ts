import { InvalidArgumentError } from '../errors.js';
import type { SendOptions } from '../mailbox/index.js';
import { HashRing } from './hash-ring.js';

/**
 * How a pool picks the worker for a message:
 * - `round-robin`: each worker in turn;
 * - `random`: any worker, uniformly;
 * - `least-loaded`: the worker with the shortest mailbox (ties: the next in turn);
 * - `consistent-hash`: the worker that owns the message's routing key on a
 *   hash ring, so one key always reaches one worker and resizing moves
 *   about 1/N of the keys;
 * - `broadcast`: every worker (`ask` takes the first reply).
 *
 * @example
 * ```ts
 * const strategy: RoutingStrategy = 'consistent-hash';
 * ```
 */
export type RoutingStrategy =
  | 'round-robin'
  | 'random'
  | 'least-loaded'
  | 'consistent-hash'
  | 'broadcast';

export const ROUTING_STRATEGIES: readonly RoutingStrategy[] = [
  'round-robin',
  'random',
  'least-loaded',
  'consistent-hash',
  'broadcast',
];

/** A worker slot as the router sees it: a stable id and the process in it, if any. */
export interface Slot<W> {
  readonly spec: { readonly id: string };
  readonly process: W | null;
}

/**
 * Picks workers by strategy. Only slots with a process are candidates; a
 * slot whose worker is restarting is skipped (consistent-hash walks on to
 * the key's next owner on the ring, so the key comes back when it returns).
 */
export class Router<W> {
  readonly strategy: RoutingStrategy;
  readonly #available: (worker: W) => boolean;
  readonly #load: (worker: W) => number;
  readonly #random: () => number;
  readonly #keyOf: ((message: unknown) => string | undefined) | undefined;
  #next = 0;
  #ring: HashRing | null = null;
  #ringVersion = -1;
  #byId = new Map<string, Slot<W>>();

  constructor(
    strategy: RoutingStrategy,
    available: (worker: W) => boolean,
    load: (worker: W) => number,
    random: () => number,
    keyOf: ((message: unknown) => string | undefined) | undefined,
  ) {
    if (!ROUTING_STRATEGIES.includes(strategy)) {
      throw new InvalidArgumentError('strategy', `must be one of ${ROUTING_STRATEGIES.join(', ')}`);
    }
    this.strategy = strategy;
    this.#available = available;
    this.#load = load;
    this.#random = random;
    this.#keyOf = keyOf;
  }

  /**
   * The worker for one message among `slots` (whose membership changes bump
   * `version`), or undefined when no worker is available.
   */
  pick(
    slots: readonly Slot<W>[],
    version: number,
    message: unknown,
    options: SendOptions | undefined,
  ): W | undefined {
    const n = slots.length;
    if (n === 0) return undefined;
    switch (this.strategy) {
      case 'round-robin':
      case 'broadcast':
        return this.#inTurn(slots);
      case 'random': {
        const start = Math.floor(this.#random() * n) % n;
        for (let k = 0; k < n; k++) {
          const w = this.#usable(slots[(start + k) % n]);
          if (w !== null) return w;
        }
        return undefined;
      }
      case 'least-loaded':
        return this.#leastLoaded(slots);
      case 'consistent-hash':
        return this.#owner(slots, version, this.#keyFor(message, options));
    }
  }

  /** Every available worker (broadcast). */
  all(slots: readonly Slot<W>[]): W[] {
    const out: W[] = [];
    for (const s of slots) {
      const w = this.#usable(s);
      if (w !== null) out.push(w);
    }
    return out;
  }

  /**
   * The slot's worker if it can take a message now. A worker that has died
   * but whose supervisor has not yet handled its exit is not usable.
   */
  #usable(slot: Slot<W> | undefined): W | null {
    const w = slot?.process ?? null;
    return w !== null && this.#available(w) ? w : null;
  }

  #inTurn(slots: readonly Slot<W>[]): W | undefined {
    const n = slots.length;
    for (let k = 0; k < n; k++) {
      const i = this.#next % n;
      this.#next = i + 1;
      const w = this.#usable(slots[i]);
      if (w !== null) return w;
    }
    return undefined;
  }

  #leastLoaded(slots: readonly Slot<W>[]): W | undefined {
    const n = slots.length;
    const start = this.#next % n;
    this.#next = start + 1;
    let best: W | undefined;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (let k = 0; k < n; k++) {
      const w = this.#usable(slots[(start + k) % n]);
      if (w === null) continue;
      const load = this.#load(w);
      if (load < bestLoad) {
        best = w;
        bestLoad = load;
        if (load === 0) break;
      }
    }
    return best;
  }

  #keyFor(message: unknown, options: SendOptions | undefined): string {
    const key = options?.routingKey ?? this.#keyOf?.(message);
    if (typeof key !== 'string') {
      throw new InvalidArgumentError(
        'routingKey',
        'a consistent-hash pool needs a routing key: pass { routingKey } or set the pool routingKey option',
      );
    }
    return key;
  }

  #owner(slots: readonly Slot<W>[], version: number, key: string): W | undefined {
    if (this.#ring === null || this.#ringVersion !== version) {
      this.#ring = new HashRing(slots.map((s) => s.spec.id));
      this.#byId = new Map(slots.map((s) => [s.spec.id, s]));
      this.#ringVersion = version;
    }
    const owner = this.#usable(this.#byId.get(this.#ring.lookup(key) as string));
    if (owner !== null) return owner;
    for (const id of this.#ring.walk(key)) {
      const w = this.#usable(this.#byId.get(id));
      if (w !== null) return w;
    }
    return undefined;
  }
}
