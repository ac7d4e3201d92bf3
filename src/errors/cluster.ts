// Errors of the cluster: no connection to a node, fenced nodes,
// payloads too large for the wire, cluster failures and refused
// authentication.
import { RuntimeError } from './base.js';

/**
 * The target's node is not up: declared down, gone, or unreachable by NATS
 * (Erlang's `noconnection`). An ask pending on a node fails with it at once
 * when the node is declared down, not at its timeout.
 *
 * @example
 * ```ts
 * try { await remote.ask({ type: 'get' }); }
 * catch (e) { if (e instanceof RuntimeError && e.code === 'ERR_NOCONNECTION') retryElsewhere(); }
 * ```
 */
export class NoConnectionError extends RuntimeError {
  readonly node: string;

  constructor(target: string, node: string) {
    super('ERR_NOCONNECTION', `no connection to ${target}: node ${node} is not up`);
    this.node = node;
  }
}

/**
 * This node was declared down by the cluster (or cut off past its fence
 * time, or its NATS connection closed for good while it was up) and ended
 * its cluster work; it never serves again under the same node id. The program may exit or start a new system (a new incarnation).
 *
 * @example
 * ```ts
 * system.cluster.events.subscribe((e) => { if (e.type === 'fenced') process.exit(1); });
 * ```
 */
export class FencedError extends RuntimeError {
  readonly node: string;

  constructor(node: string, why: string) {
    super('ERR_FENCED', `node ${node} is fenced: ${why}`);
    this.node = node;
  }
}

/**
 * A message too large for the NATS server's `max_payload`, refused at send.
 *
 * @example
 * ```ts
 * remote.tell({ blob: new Uint8Array(2 ** 21) }); // throws, code ERR_PAYLOAD_TOO_LARGE
 * ```
 */
export class PayloadTooLargeError extends RuntimeError {
  readonly size: number;
  readonly limit: number;

  constructor(size: number, limit: number) {
    super(
      'ERR_PAYLOAD_TOO_LARGE',
      `message of ${size} bytes exceeds the server's max_payload of ${limit} bytes`,
    );
    this.size = size;
    this.limit = limit;
  }
}

/**
 * A cluster operation failed: not joined, bad peer input, NATS or KV unavailable.
 *
 * @example
 * ```ts
 * await system.cluster.spawn(def, { node: 'gone_1' }); // may reject with code ERR_CLUSTER
 * ```
 */
export class ClusterError extends RuntimeError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_CLUSTER', message, options);
  }
}

/**
 * The NATS server refused this node: its credentials (user and password,
 * token, nkey, creds file, TLS client certificate) are missing, wrong or
 * expired, or its account does not permit what a node needs. Peer
 * authentication is the NATS server's (accounts and permissions): a node
 * that the server does not admit never joins.
 *
 * @example
 * ```ts
 * await system.cluster?.ready; // rejects with code ERR_CLUSTER_AUTH without credentials
 * ```
 */
export class ClusterAuthError extends RuntimeError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_CLUSTER_AUTH', message, options);
  }
}
