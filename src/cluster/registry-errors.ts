import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { NameTakenError, RuntimeError } from '../errors.js';
import { type ClusterPid, formatClusterPid } from './registry-port.js';

/**
 * How cluster registry and group operations fail: a name held by another
 * process (naming it), or the cluster's key-value store out of reach within
 * the operation's deadline — an error, never a hang.
 *
 * @module
 */

/**
 * The cluster name is held by another live process; `owner` says which
 * (OTP `global:register_name` answers `no`).
 *
 * @example
 * ```ts
 * try { await registry.register('leader', pid); }
 * catch (e) { if (e instanceof ClusterNameTakenError) console.log(e.owner.node); }
 * ```
 */
export class ClusterNameTakenError extends NameTakenError {
  /** The process holding the name. */
  readonly owner: ClusterPid;

  constructor(name: string, owner: ClusterPid) {
    super(name, formatClusterPid(owner));
    this.owner = owner;
  }
}

/**
 * The cluster's key-value store could not be reached in time (no JetStream
 * quorum, disconnected, server gone). The operation may or may not have
 * taken effect; `operation` names it and `cause` is the client's error.
 *
 * @example
 * ```ts
 * await registry.register('leader', pid); // rejects ERR_CLUSTER_UNAVAILABLE with 2 of 3 servers down
 * ```
 */
export class ClusterUnavailableError extends RuntimeError {
  /** What was attempted, e.g. `register "leader"`. */
  readonly operation: string;

  constructor(operation: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super('ERR_CLUSTER_UNAVAILABLE', `${operation}: the cluster store is unavailable (${why})`, {
      cause,
    });
    this.operation = operation;
  }
}

/** Whether `error` is JetStream refusing a compare-and-set (the key's revision moved). */
export function isRevisionConflict(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence ||
      error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

/**
 * Runs a store operation within `ms`. A revision conflict passes through
 * (the caller decides); any other failure, and the deadline, become a
 * {@link ClusterUnavailableError}. A late settlement of `work` is ignored —
 * except that a value it still produces after the deadline is handed to
 * `discard`, so what it opened (a watch, a mirror) is closed rather than
 * left running with no owner.
 *
 * @example
 * ```ts
 * const mirror = await withinDeadline('open', 5_000, KvMirror.open(nc, kv), (late) => void late.close());
 * ```
 */
export async function withinDeadline<T>(
  operation: string,
  ms: number,
  work: Promise<T>,
  discard?: (late: T) => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let late = false;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      late = true;
      reject(new Error(`no answer within ${ms} ms`));
    }, ms);
  });
  work.then(
    (value) => {
      if (late) discard?.(value);
    },
    () => undefined,
  );
  try {
    return await Promise.race([work, deadline]);
  } catch (error) {
    if (isRevisionConflict(error)) throw error;
    throw new ClusterUnavailableError(operation, error);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether JetStream refused a stream because too few servers can hold its
 * replicas yet (`JSClusterNoPeersErr`, 10005): transient while a cluster forms.
 *
 * @example
 * ```ts
 * isPlacementPending(error); // true for "no suitable peers for placement"
 * ```
 */
export function isPlacementPending(error: unknown): boolean {
  const apiError = error as { code?: unknown; message?: unknown } | null;
  return (
    apiError?.code === 10005 ||
    (typeof apiError?.message === 'string' && /no suitable peers/i.test(apiError.message))
  );
}
