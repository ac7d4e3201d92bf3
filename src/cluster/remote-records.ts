import { finish } from '../actor/index.js';
import { exitReason } from '../process/index.js';
import type { RemoteProcess } from './remote-process.js';

/**
 * The records of remote processes grouped by their node: what ends when a
 * node goes, what fails at once when nothing there listens, and what the
 * audit after a reconnect watches again. A record counts from `track`
 * until it ends.
 *
 * @module
 */

/**
 * Remote records by node.
 *
 * @example
 * ```ts
 * const records = new RecordsByNode();
 * records.track(p, () => remotes.delete(key));
 * records.nodeLost('web-2_k3v9'); // p ends noconnection
 * ```
 */
export class RecordsByNode {
  readonly #byNode = new Map<string, Set<RemoteProcess>>();

  /**
   * Counts `p` among `p.node`'s records until it ends, when `forget` runs. A stand-in counts
   * from its spawn on and is tracked again when bound: that adds only its `forget`.
   */
  track(p: RemoteProcess, forget: () => void): void {
    let set = this.#byNode.get(p.node);
    if (set === undefined) {
      set = new Set();
      this.#byNode.set(p.node, set);
    }
    if (set.has(p)) {
      p.hold({ release: forget });
      return;
    }
    set.add(p);
    p.hold({
      release: () => {
        forget();
        this.#byNode.get(p.node)?.delete(p);
      },
    });
  }

  /** Every record of `node` ends with `noconnection` (asks on them fail at once). */
  nodeLost(node: string): void {
    const reason = exitReason.noconnection(node);
    const set = this.#byNode.get(node);
    this.#byNode.delete(node);
    for (const p of set ?? []) finish(p, reason);
  }

  /**
   * Asks waiting on `node`'s records fail at once: with `error` when given
   * (the server denied this node the node's subject), else `noconnection`
   * (nothing on `node` listens: no responders).
   */
  failAsks(node: string, error?: Error): void {
    const reason = exitReason.noconnection(node);
    for (const p of this.#byNode.get(node) ?? []) {
      // A record something ended meanwhile may already serve another target's ask (pooled).
      for (const ask of p.ext?.takeAsks() ?? []) {
        if (ask.target !== p) continue;
        if (error === undefined) ask.abandon(reason);
        else ask.rejectWith(error);
      }
    }
  }

  /** The bound, live remote ids of each node (what the audit watches again). */
  *liveIds(): Generator<[node: string, ids: number[]]> {
    for (const [node, set] of this.#byNode) {
      const ids: number[] = [];
      for (const p of set) if (p.remoteId !== 0 && p.alive) ids.push(p.remoteId);
      if (ids.length > 0) yield [node, ids];
    }
  }

  /** The nodes that have records. */
  nodes(): string[] {
    return [...this.#byNode.keys()];
  }
}
