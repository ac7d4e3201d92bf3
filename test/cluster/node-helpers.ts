import {
  type ActorSystem,
  type ClusterEvent,
  type ClusterNode,
  type ClusterOptions,
  createSystem,
  type DeadLetter,
} from '../../src/index.js';
import { APP_USER, type NatsTestCluster } from '../support/nats/index.js';

/**
 * In-process cluster nodes for the tests, with fast timings, and waits on
 * cluster events (never sleeps). The limit only guards a hang.
 */

/**
 * The hang guard of one wait on an event (a message, a DOWN, a cluster event,
 * an ask's answer): 30 s, far above what any of them takes on a busy 2-core
 * machine, so reaching it means the event is not coming.
 */
export const LIMIT_MS = 30_000;

/** Fast timings for tests (the defaults are 1 s / 3 s); joinTimeout only guards a hang. */
export const FAST = {
  heartbeatInterval: 100,
  acceptablePause: 600,
  fenceAfter: 2_000,
  joinTimeout: 30_000,
} as const;

/**
 * Timings for tests whose subject is not failure detection: silence is
 * judged only after 15 s, and a node deaf to its own heartbeat fences only
 * after 15 s, so a stall of a busy machine (a megabyte of JSON encoded next
 * to busy loops has held the event loop past `FAST`'s 2 s fence time)
 * cannot declare a node down or fence it mid-test. `fenceAfter` is set
 * here, not left to its default: `startNode` spreads `FAST` first.
 */
export const STEADY = {
  heartbeatInterval: 250,
  acceptablePause: 15_000,
  fenceAfter: 15_000,
  joinTimeout: 30_000,
} as const;

/** A system joined to `nats` as node `name` (`FAST` timings unless `extra` says otherwise); resolves once it is up. */
export async function startNode(
  nats: NatsTestCluster,
  name: string,
  extra: Partial<ClusterOptions> = {},
): Promise<ActorSystem & { cluster: ClusterNode }> {
  const system = createSystem({
    cluster: { servers: nats.urls, name, connectOptions: APP_USER, ...FAST, ...extra },
  });
  // A node fenced mid-test fails the tests after it in ways that do not say why: this does.
  system.cluster?.events.subscribe((e) => {
    if (e.type === 'fenced') console.log(`# node ${name} fenced: ${e.error.message}`);
  });
  await system.cluster?.ready;
  return system as ActorSystem & { cluster: ClusterNode };
}

/** Resolves with the first cluster event of `system` that `match` accepts. */
export function nextEvent(
  node: ClusterNode,
  match: (event: ClusterEvent) => boolean,
  limitMs = LIMIT_MS,
): Promise<ClusterEvent> {
  // Made here, not in the timer: its stack then names the test line that waited.
  const timeout = new Error(`no matching cluster event within ${limitMs} ms`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(timeout);
    }, limitMs);
    const off = node.events.subscribe((event) => {
      if (!match(event)) return;
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}

/** Resolves once `node` sees `peer` up (at once when it already does). */
export async function untilUp(node: ClusterNode, peer: string): Promise<void> {
  // Checked first: a wait made for a peer already up would hold its hang-guard timer open.
  if (node.isUp(peer)) return;
  await nextEvent(node, (e) => e.type === 'nodeup' && e.node === peer);
}

/** Resolves with the first dead letter of `system` that `match` accepts. */
export function nextDeadLetter(
  system: ActorSystem,
  match: (letter: DeadLetter) => boolean,
  limitMs = LIMIT_MS,
): Promise<DeadLetter> {
  const timeout = new Error(`no matching dead letter within ${limitMs} ms`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(timeout);
    }, limitMs);
    const off = system.deadLetters.subscribe((letter) => {
      if (!match(letter)) return;
      clearTimeout(timer);
      off();
      resolve(letter);
    });
  });
}

/** A mailbox for the test: a promise per expected message. */
export class Inbox<T> {
  readonly #items: T[] = [];
  readonly #waiters: ((item: T) => void)[] = [];

  push = (item: T): void => {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter(item);
    else this.#items.push(item);
  };

  next(limitMs = LIMIT_MS): Promise<T> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve(item);
    const timeout = new Error(`nothing arrived within ${limitMs} ms`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(timeout), limitMs);
      this.#waiters.push((value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
  }
}
