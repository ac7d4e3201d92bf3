/**
 * The membership decisions, as plain functions over plain data: when a
 * peer is unreachable, when this node is cut off, how a suspicion is
 * recorded and when suspicions make a verdict.
 *
 * @module
 */

/** A member's record in the KV member table (key = node id). */
export interface MemberRecord {
  readonly name: string;
  readonly status: 'joining' | 'up' | 'down';
  /** Who suspected it, when (clock ms since the epoch). */
  readonly suspects: readonly { readonly by: string; readonly at: number }[];
  /** The node that wrote the `down` verdict. */
  readonly downBy?: string;
  readonly at: number;
}

/** What one liveness check concludes. */
export interface LivenessVerdict {
  /** This node was stalled (a pause, SIGSTOP) or deaf (its own heartbeat missing): judge nobody this time. */
  readonly stalled: boolean;
  /** Peers silent past the acceptable pause. */
  readonly unreachable: readonly string[];
  /** This node has not heard its own heartbeat past the fence time: cut off. */
  readonly cutOff: boolean;
}

/**
 * Judges liveness at `now`. A check that comes far later than planned
 * means this node itself was paused: silence it measured is its own, so it
 * judges no peer (they are given a fresh start by the caller) — a paused
 * node must not declare healthy peers down when it resumes.
 */
export function judgeLiveness(
  now: number,
  lastCheck: number,
  interval: number,
  acceptablePause: number,
  fenceAfter: number,
  ownLastSeen: number,
  peers: ReadonlyMap<string, number>,
): LivenessVerdict {
  // Paused, or not hearing its own heartbeat (reconnecting to another
  // server): the silence it would measure is its own, not its peers'.
  const stalled =
    now - lastCheck > Math.max(interval * 3, acceptablePause / 2) ||
    now - ownLastSeen > interval * 3;
  const cutOff = severedFor(now, ownLastSeen, fenceAfter);
  if (stalled) return { stalled, unreachable: [], cutOff };
  const unreachable: string[] = [];
  for (const [id, lastSeen] of peers) if (now - lastSeen > acceptablePause) unreachable.push(id);
  return { stalled, unreachable, cutOff };
}

/**
 * Whether a node that last heard its own heartbeat at `ownLastSeen` is, at
 * `now`, cut off: deaf to it for longer than `fenceAfter`.
 *
 * @example
 * ```ts
 * severedFor(2_000, 400, 1_500); // true: 1600 ms without its own heartbeat
 * ```
 */
export function severedFor(now: number, ownLastSeen: number, fenceAfter: number): boolean {
  return now - ownLastSeen > fenceAfter;
}

/**
 * How many suspicions within the window make a verdict: two when two
 * voters can be had, else one. `voters` counts the members still
 * reachable from the suspecting node (itself included): unreachable
 * members do not vote, so two nodes dying together are both declared down
 * by the survivors.
 */
export function votesNeeded(voters: number): number {
  return Math.max(1, Math.min(2, voters));
}

/**
 * Who votes on a suspicion: this node and every peer it can reach whose
 * record says `up` — a peer still joining does not vote yet, and waiting
 * for its vote would hold the verdict until its join gives up.
 *
 * @example
 * ```ts
 * countVoters(new Map([['b', { reachable: true }]]), new Set(['b'])); // 2
 * ```
 */
export function countVoters(
  view: ReadonlyMap<string, { readonly reachable: boolean }>,
  upInTable: { has(id: string): boolean },
): number {
  let n = 1;
  for (const [id, peer] of view) if (peer.reachable && upInTable.has(id)) n++;
  return n;
}

/**
 * The record after `by` suspects the member at `now`: its suspicion is
 * added (older ones outside `window` dropped) and, with enough of them, the
 * status becomes `down` with `downBy`. Returns undefined when there is
 * nothing to write (already down, or this suspicion is already recorded).
 */
export function suspect(
  record: MemberRecord,
  by: string,
  now: number,
  window: number,
  voters: number,
): MemberRecord | undefined {
  if (record.status === 'down') return undefined;
  const recent = record.suspects.filter((s) => now - s.at <= window && s.by !== by);
  const suspects = [...recent, { by, at: now }];
  if (suspects.length >= votesNeeded(voters)) {
    return { ...record, status: 'down', suspects, downBy: by, at: now };
  }
  return { ...record, suspects, at: now };
}

/** Parses a member record from KV bytes; undefined when it is not one. */
export function parseMember(text: string): MemberRecord | undefined {
  try {
    const v = JSON.parse(text) as Partial<MemberRecord>;
    if (
      typeof v !== 'object' ||
      v === null ||
      typeof v.name !== 'string' ||
      (v.status !== 'joining' && v.status !== 'up' && v.status !== 'down') ||
      !Array.isArray(v.suspects)
    ) {
      return undefined;
    }
    return v as MemberRecord;
  } catch {
    return undefined;
  }
}

const decoder = new TextDecoder();

/**
 * A `hello` or its answer from a peer: the node id it names (undefined
 * when absent, not a string, or the bytes do not decode) and whether it
 * says this node was declared down.
 *
 * @example
 * ```ts
 * parseHello(new TextEncoder().encode('{"id":"web-2_k3v9"}')).id; // 'web-2_k3v9'
 * ```
 */
export function parseHello(data: Uint8Array): { id: string | undefined; down: boolean } {
  try {
    const value = JSON.parse(decoder.decode(data)) as { id?: unknown; down?: unknown } | null;
    const id = typeof value?.id === 'string' ? value.id : undefined;
    return { id, down: value?.down === true };
  } catch {
    return { id: undefined, down: false };
  }
}

/**
 * Whether a peer's heartbeat counts as a sign of life: only a well-formed beat
 * (`{ seq, at }`) numbered above the last one counted; returns its number, or
 * undefined for junk or a replay. Anyone allowed to publish `hb.<name>.<incarnation>` can
 * still forge well-formed beats: per-node publish permissions are the control.
 *
 * @example
 * ```ts
 * beatCounts(new TextEncoder().encode('{"seq":8,"at":1}'), 7); // 8
 * beatCounts(new TextEncoder().encode('{}'), 7); // undefined
 * ```
 */
export function beatCounts(data: Uint8Array, lastSeq: number): number | undefined {
  try {
    const seq = (JSON.parse(decoder.decode(data)) as { seq?: unknown } | null)?.seq;
    return typeof seq === 'number' && Number.isSafeInteger(seq) && seq > lastSeq ? seq : undefined;
  } catch {
    return undefined;
  }
}
