import type { MirrorSlot } from './mirror-policy.js';
import type { ClusterPid } from './registry-port.js';

/**
 * The cluster registry's decisions about the names it sees in its mirror,
 * as plain functions over plain data: whether a holder is known dead,
 * whether this node still holds a name, and what to do with a name it sees
 * (hold it, release it, or leave it) — an owner nobody knows included. The registry's loop (`registry.ts`)
 * gathers the facts and carries the decision out.
 *
 * @module
 */

/**
 * Whether the process `pid` is known dead as `self` sees it: a local
 * process that is not alive, or any process of a node that is gone.
 *
 * @example
 * ```ts
 * holderGone({ node: 'a_1', id: 7 }, 'a_1', (id) => id !== 7, () => false); // true: 7 exited
 * ```
 */
export function holderGone(
  pid: ClusterPid,
  self: string,
  isAlive: (id: number) => boolean,
  isNodeGone: (node: string) => boolean,
): boolean {
  return pid.node === self ? !isAlive(pid.id) : isNodeGone(pid.node);
}

/**
 * Whether a hold this node keeps at `heldRevision` is still the name's
 * registration: only while the mirror shows a live value at that very
 * revision. A delete (this node's own, noted at the revision it deleted, or
 * the watch's) or another revision (taken over elsewhere) ends it.
 *
 * @example
 * ```ts
 * stillHeld(5, { revision: 5, value: undefined }); // false: released at 5
 * ```
 */
export function stillHeld(heldRevision: number, slot: MirrorSlot | undefined): boolean {
  return slot !== undefined && slot.value !== undefined && slot.revision === heldRevision;
}

/**
 * Where a name's owner stands as this node knows it: `live` (alive, or not
 * known dead), `gone` (known dead: {@link holderGone}), `no-record` (its
 * node is not up here and the member table has no record of it, or a
 * `down` one: a stale or made-up owner, asked in a reconcile), `malformed`
 * (the value names no owner at all: not JSON, not `{ node, id }`).
 */
export type OwnerStanding = 'live' | 'gone' | 'no-record' | 'malformed';

/** What this node knows of one name it sees in its mirror. */
export interface NameSighting {
  /** The revision of the name's registration (its value, owner or not). */
  readonly revision: number;
  /** Whether the holder is a process of this node. */
  readonly local: boolean;
  /** Where the owner stands ({@link OwnerStanding}). */
  readonly standing: OwnerStanding;
  /**
   * How long this node's reconciles have seen the name at this revision with an owner nobody
   * knows (`no-record` or `malformed`): 0 on the first such pass ({@link UnknownOwners}).
   */
  readonly unknownForMs: number;
  /** The revision this node holds the name at, if it does. */
  readonly heldRevision: number | undefined;
  /** The revision a release this node could not yet write is waiting to delete, if any. */
  readonly pendingRevision: number | undefined;
}

/**
 * How long a name's owner must stay unknown (`no-record` or `malformed`) at
 * one revision before a reconcile releases it: one answer of the member
 * table, or one look at a value, never deletes a name by itself.
 */
export const UNKNOWN_OWNER_GRACE_MS = 10_000;

/**
 * What to do with a name seen in the mirror (on a change, at open, and in
 * every reconcile): `hold` a live local holder's name this node does not
 * hold yet at that revision (so its exit releases it — a register whose
 * answer timed out, or another node's registration of this node's
 * process); `release` a known-dead holder's name at once, and one whose
 * owner nobody knows (no member record, or no owner at all) once it has
 * stayed so for `graceMs` (nothing else would ever release it: no exit, no
 * node-down); else `none`. A name whose
 * release is pending at that revision is left to the pending release: it
 * was unregistered (or its process ended) and holding it again would drop
 * the release, leaving the name registered for good.
 *
 * @example
 * ```ts
 * const seen = { revision: 5, local: true, standing: 'live', unknownForMs: 0, heldRevision: undefined } as const;
 * nameAction({ ...seen, pendingRevision: 5 }); // 'none'
 * nameAction({ ...seen, pendingRevision: undefined }); // 'hold'
 * nameAction({ ...seen, local: false, standing: 'malformed', unknownForMs: 10_000, pendingRevision: undefined }); // 'release'
 * ```
 */
export function nameAction(
  sighting: NameSighting,
  graceMs = UNKNOWN_OWNER_GRACE_MS,
): 'hold' | 'release' | 'none' {
  if (sighting.pendingRevision === sighting.revision) return 'none';
  switch (sighting.standing) {
    case 'gone':
      return 'release';
    case 'no-record':
    case 'malformed':
      return sighting.unknownForMs >= graceMs ? 'release' : 'none';
    case 'live':
      return sighting.local && sighting.heldRevision !== sighting.revision ? 'hold' : 'none';
  }
}

/**
 * Since when this node's reconciles have seen each name with an owner
 * nobody knows, at which revision: the clock of {@link nameAction}'s grace.
 * A name seen otherwise, or not seen at all in a pass, starts again.
 *
 * @example
 * ```ts
 * const unknown = new UnknownOwners();
 * unknown.beginPass();
 * unknown.unknownFor('cart', 5, 1_000); // 0: first seen
 * unknown.endPass();
 * unknown.beginPass();
 * unknown.unknownFor('cart', 5, 11_000); // 10000
 * ```
 */
export class UnknownOwners {
  readonly #since = new Map<string, { readonly revision: number; readonly at: number }>();
  #seen = new Set<string>();

  /** Starts a reconcile pass: names not seen unknown in it are forgotten at its end. */
  beginPass(): void {
    this.#seen = new Set();
  }

  /** How long `name` has been seen unknown at `revision`, as of `now` (0 the first time). */
  unknownFor(name: string, revision: number, now: number): number {
    this.#seen.add(name);
    const since = this.#since.get(name);
    if (since !== undefined && since.revision === revision) return Math.max(0, now - since.at);
    this.#since.set(name, { revision, at: now });
    return 0;
  }

  /** Ends a pass: a name this pass saw live, released or absent starts again. */
  endPass(): void {
    for (const name of [...this.#since.keys()]) if (!this.#seen.has(name)) this.#since.delete(name);
  }

  /** How many names are being timed (bounded by the mirror's names). */
  get size(): number {
    return this.#since.size;
  }
}
