import { judgeLiveness, type LivenessVerdict, severedFor } from './membership-policy.js';
import { json } from './membership-table.js';
import type { ResolvedClusterOptions } from './options.js';
import type { NodeTransport } from './transport.js';

/**
 * This node's own pulse: the heartbeats it numbers and publishes, the
 * echo of each from the server (proof that it is connected), and the
 * liveness checks judged from both. A node deaf to its own heartbeat past
 * the fence time was cut off, and a beat it sends must not hide that: the
 * echo of a beat sent on reconnecting would come back within milliseconds
 * and make the silence look over before any check measured it.
 *
 * @module
 */

type PulseOptions = Pick<
  ResolvedClusterOptions,
  'heartbeatInterval' | 'acceptablePause' | 'fenceAfter'
>;

/**
 * One node's heartbeats and its last sight of them.
 *
 * @example
 * ```ts
 * const pulse = new OwnPulse(transport, options, Date.now());
 * pulse.beat(); // published; its echo comes back through `heard`
 * pulse.heard(Date.now());
 * if (pulse.isCutOff(Date.now())) membership.fence('cut off');
 * ```
 */
export class OwnPulse {
  readonly #transport: Pick<NodeTransport, 'heartbeat'>;
  readonly #options: PulseOptions;
  #seq = 0;
  /** When this node last heard its own heartbeat. */
  #lastHeard: number;
  /** When the last liveness check ran (one far later than planned: this node was paused). */
  #lastCheck: number;

  constructor(transport: Pick<NodeTransport, 'heartbeat'>, options: PulseOptions, now: number) {
    this.#transport = transport;
    this.#options = options;
    this.#lastHeard = now;
    this.#lastCheck = now;
  }

  /** Publishes the next heartbeat. */
  beat(): void {
    this.#transport.heartbeat(json({ seq: ++this.#seq, at: Date.now() }));
  }

  /** Its own heartbeat came back at `now`: it is connected. */
  heard(now: number): void {
    this.#lastHeard = now;
  }

  /** Starts the clocks again at `now` (the node just came up: no silence before counts). */
  restart(now: number): void {
    this.#lastHeard = now;
    this.#lastCheck = now;
  }

  /** Whether, at `now`, this node has been deaf to its own heartbeat past the fence time. */
  isCutOff(now: number): boolean {
    return severedFor(now, this.#lastHeard, this.#options.fenceAfter);
  }

  /** Judges liveness at `now` from the peers' last sightings (see {@link judgeLiveness}). */
  check(now: number, peers: ReadonlyMap<string, number>): LivenessVerdict {
    const { heartbeatInterval, acceptablePause, fenceAfter } = this.#options;
    const lastCheck = this.#lastCheck;
    this.#lastCheck = now;
    const lastHeard = this.#lastHeard;
    return judgeLiveness(
      now,
      lastCheck,
      heartbeatInterval,
      acceptablePause,
      fenceAfter,
      lastHeard,
      peers,
    );
  }
}
