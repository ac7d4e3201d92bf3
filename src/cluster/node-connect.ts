import type { ConnectionOptions, NatsConnection } from '@nats-io/nats-core';
import { ClusterAuthError, ClusterError } from '../errors.js';
import type { ClusterOptions, ResolvedClusterOptions } from './options.js';

/**
 * How a node's NATS connection starts and ends: the refusal a failed
 * connect is reported as, and a drain bounded in time.
 *
 * @module
 */

/**
 * Drains `nc` (pending publishes go out), closing it outright after `ms`
 * (a server gone or cut off).
 *
 * @example
 * ```ts
 * await drainWithin(nc, 5_000);
 * ```
 */
export async function drainWithin(nc: NatsConnection, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  const outcome = await Promise.race([nc.drain().catch(() => undefined), late]);
  clearTimeout(timer);
  if (outcome === 'late') await nc.close().catch(() => {});
}

const REFUSALS = new Set([
  'AuthorizationError',
  'UserAuthenticationExpiredError',
  'PermissionViolationError',
]);

/**
 * Why the server did not let node `id` connect: refused credentials
 * (`ClusterAuthError`), or the connection itself (`ClusterError`), a login
 * the server timed out included.
 *
 * @example
 * ```ts
 * joinRefused('web-1_k3v9', error).code; // 'ERR_CLUSTER_AUTH' for a refused user
 * ```
 */
export function joinRefused(id: string, error: unknown): Error {
  const name = (error as { name?: unknown } | null)?.name;
  const message = (error as Error | null)?.message ?? String(error);
  // The client files the server's "Authentication Timeout" (a CONNECT sent too late, as on a
  // busy machine) with refusals; it is a timing failure: the credentials were never judged.
  const late = /authentication timeout/i.test(message);
  if (typeof name === 'string' && REFUSALS.has(name) && !late) {
    return new ClusterAuthError(`the NATS server refused node ${id}: ${message}`, {
      cause: error,
    });
  }
  return new ClusterError(`node ${id} could not connect: ${message}`, { cause: error });
}

/**
 * Opens node `id`'s own connection with `connect` (the NATS client, loaded
 * on join): pings often enough that a dead link is noticed well within the
 * fence time, reconnects forever; a refusal is reported by `joinRefused`.
 *
 * @example
 * ```ts
 * const { connect } = await import('@nats-io/transport-node');
 * const nc = await connectNode(connect, node.id, given, node.options);
 * ```
 */
export async function connectNode(
  connect: (options: ConnectionOptions) => Promise<NatsConnection>,
  id: string,
  given: ClusterOptions,
  options: ResolvedClusterOptions,
): Promise<NatsConnection> {
  try {
    return await connect({
      servers: given.servers as string | string[],
      name: id,
      pingInterval: Math.max(500, Math.floor(options.fenceAfter / 2)),
      maxPingOut: 2,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      ...given.connectOptions,
    });
  } catch (error) {
    throw joinRefused(id, error);
  }
}
