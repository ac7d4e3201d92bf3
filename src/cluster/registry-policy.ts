import type { MirrorSlot } from './mirror-policy.js';
import type { ClusterPid } from './registry-port.js';

/**
 * The cluster registry's decisions about the names it sees in its mirror,
 * as plain functions over plain data: whether a holder is known dead,
 * whether this node still holds a name, and what to do with a name it sees
 * (hold it, release it, or leave it). The registry's loop (`registry.ts`)
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

/** What this node knows of one name it sees in its mirror. */
export interface NameSighting {
  /** The revision of the name's live registration. */
  readonly revision: number;
  /** Whether the holder is a process of this node. */
  readonly local: boolean;
  /** Whether the holder is known dead ({@link holderGone}). */
  readonly gone: boolean;
  /** The revision this node holds the name at, if it does. */
  readonly heldRevision: number | undefined;
  /** The revision a release this node could not yet write is waiting to delete, if any. */
  readonly pendingRevision: number | undefined;
}

/**
 * What to do with a name seen in the mirror (on a change, at open, and in
 * every reconcile): `hold` a live local holder's name this node does not
 * hold yet at that revision (so its exit releases it — a register whose
 * answer timed out, or another node's registration of this node's
 * process), `release` a known-dead holder's name, else `none`. A name whose
 * release is pending at that revision is left to the pending release: it
 * was unregistered (or its process ended) and holding it again would drop
 * the release, leaving the name registered for good.
 *
 * @example
 * ```ts
 * nameAction({ revision: 5, local: true, gone: false, heldRevision: undefined, pendingRevision: 5 }); // 'none'
 * nameAction({ revision: 5, local: true, gone: false, heldRevision: undefined, pendingRevision: undefined }); // 'hold'
 * ```
 */
export function nameAction(sighting: NameSighting): 'hold' | 'release' | 'none' {
  if (sighting.pendingRevision === sighting.revision) return 'none';
  if (sighting.gone) return 'release';
  if (sighting.local && sighting.heldRevision !== sighting.revision) return 'hold';
  return 'none';
}
