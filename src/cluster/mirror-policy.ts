/**
 * The decisions of a KV mirror (see `kv-mirror.ts`), as plain functions
 * over plain data: which event wins a key, when a snapshot is complete,
 * what a swapped-in snapshot changed, whether the mirror drifted from its
 * stream, and how long to wait before a failed watch is made again.
 *
 * @module
 */

/** One key as the mirror holds it: its last revision, and its value unless deleted. */
export interface MirrorSlot {
  readonly revision: number;
  /** The value, or undefined for a delete or purge (a tombstone keeps the revision). */
  readonly value: Uint8Array | undefined;
}

/** A change the mirror applied, as its listener hears it. */
export interface MirrorChange {
  readonly key: string;
  readonly before: Uint8Array | undefined;
  readonly after: Uint8Array | undefined;
}

/**
 * Whether `incoming` replaces `current`: only a newer revision does, so a
 * late or repeated watch event never undoes a newer write or delete. This
 * node's own delete is noted at the revision it deleted (the server does not
 * return the delete's own), so a tombstone also replaces a value of the same
 * revision: that is read your writes for `unregister`.
 *
 * @example
 * ```ts
 * supersedes({ revision: 5, value: v }, { revision: 4, value: w }); // false: a late event
 * supersedes({ revision: 5, value: v }, { revision: 5, value: undefined }); // true: our delete
 * ```
 */
export function supersedes(current: MirrorSlot | undefined, incoming: MirrorSlot): boolean {
  if (current === undefined || incoming.revision > current.revision) return true;
  return (
    incoming.revision === current.revision &&
    incoming.value === undefined &&
    current.value !== undefined
  );
}

/** What the reconcile found; `behindAt` carries over to the next one. */
export interface ReconcileVerdict {
  readonly action: 'ok' | 'rebuild';
  readonly why?: string;
  /** The watched revision when the mirror was first seen behind the stream. */
  readonly behindAt?: number;
}

/**
 * The reconcile decision. `seen` is the highest revision the watch
 * delivered, `size` the keys (tombstones included) the mirror holds,
 * `stream` the bucket stream's state, `behindAt` the previous verdict's.
 *
 * @example
 * ```ts
 * reconcileVerdict(7, 3, { lastSeq: 9, subjects: 3 }, 7).action; // 'rebuild': stalled at 7
 * ```
 */
export function reconcileVerdict(
  seen: number,
  size: number,
  stream: { readonly lastSeq: number; readonly subjects: number | undefined },
  behindAt: number | undefined,
): ReconcileVerdict {
  if (stream.lastSeq < seen)
    return { action: 'rebuild', why: 'the stream went back (recreated or lost data)' };
  if (stream.lastSeq > seen) {
    // Behind once is normal (events in flight); behind twice without progress is a stalled watch.
    if (behindAt !== undefined && behindAt === seen) {
      return {
        action: 'rebuild',
        why: `the watch stalled at revision ${seen} of ${stream.lastSeq}`,
      };
    }
    return { action: 'ok', behindAt: seen };
  }
  if (stream.subjects !== undefined && stream.subjects !== size) {
    return { action: 'rebuild', why: `${size} keys mirrored, the stream holds ${stream.subjects}` };
  }
  return { action: 'ok' };
}

/**
 * Whether two values hold the same bytes (undefined for deleted).
 *
 * @example
 * ```ts
 * sameBytes(new Uint8Array([1]), new Uint8Array([1])); // true
 * ```
 */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether a watch entry completes the snapshot a rebuild is filling: the
 * watch says its initial values are over (`isUpdate`), or the entry is at or
 * past the stream's last revision when the rebuild began.
 *
 * @example
 * ```ts
 * snapshotComplete({ isUpdate: false, revision: 12 }, 12); // true
 * ```
 */
export function snapshotComplete(
  entry: { readonly isUpdate: boolean; readonly revision: number },
  snapshotEnd: number,
): boolean {
  return entry.isUpdate || entry.revision >= snapshotEnd;
}

/**
 * The revision a mirror has seen once a snapshot that began at the stream's
 * last revision `snapshotEnd` is complete, having delivered up to
 * `delivered`: at least `snapshotEnd`. The snapshot holds every message up
 * to there that still exists (the watch was made after the status was
 * read), and the stream keeps its last revision when its newest messages
 * are removed (a message deleted, a subject purged, the stream purged): a
 * mirror that kept `delivered` would read as behind the stream for good and
 * rebuild every other reconcile.
 *
 * @example
 * ```ts
 * snapshotSeen(2, 3); // 3: message 3 was removed, the snapshot is complete
 * snapshotSeen(5, 3); // 5: a write after the status arrived in the snapshot
 * ```
 */
export function snapshotSeen(delivered: number, snapshotEnd: number): number {
  return Math.max(delivered, snapshotEnd);
}

/**
 * The changes a listener hears when `after` (a completed snapshot) replaces
 * `before`: one per key whose live value differs, deletes included.
 *
 * @example
 * ```ts
 * mirrorDiff(new Map([['k', { revision: 1, value: v }]]), new Map()); // [{ key: 'k', before: v, after: undefined }]
 * ```
 */
export function mirrorDiff(
  before: ReadonlyMap<string, MirrorSlot>,
  after: ReadonlyMap<string, MirrorSlot>,
): MirrorChange[] {
  const changes: MirrorChange[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(key)?.value;
    const is = after.get(key)?.value;
    if (!sameBytes(was, is)) changes.push({ key, before: was, after: is });
  }
  return changes;
}

/** The first wait before a failed watch is made again. */
export const RETRY_FIRST_MS = 50;
/** The longest wait between attempts. */
export const RETRY_MAX_MS = 2_000;

/**
 * The wait after one more failure, given the last wait: doubling up to
 * {@link RETRY_MAX_MS}.
 *
 * @example
 * ```ts
 * nextRetryMs(50); // 100
 * nextRetryMs(1_500); // 2000
 * ```
 */
export function nextRetryMs(previous: number): number {
  return Math.min(previous * 2, RETRY_MAX_MS);
}

/** How many times a mirror tries its first snapshot before its open rejects. */
export const OPEN_ATTEMPTS = 6;

/**
 * Whether an open gives up after `failures` failed first snapshots (the
 * waits between them are {@link nextRetryMs}'s: 50 ms doubling, 1.55 s in
 * all before the sixth fails).
 *
 * @example
 * ```ts
 * openGivesUp(1); // false: try again
 * openGivesUp(OPEN_ATTEMPTS); // true
 * ```
 */
export function openGivesUp(failures: number): boolean {
  return failures >= OPEN_ATTEMPTS;
}
