import { randomBytes } from 'node:crypto';
import type { NatsConnection } from '@nats-io/nats-core';
import { InvalidArgumentError } from '../errors.js';

/**
 * How a system joins a cluster. Give `servers` (the runtime connects) or a
 * `connection` you already have (the runtime uses it and never closes it).
 *
 * @example
 * ```ts
 * const system = createSystem({ cluster: { servers: 'nats://127.0.0.1:4222', name: 'web-1' } });
 * await system.cluster?.ready;
 * ```
 */
export interface ClusterOptions {
  /** NATS server URL(s). */
  readonly servers?: string | readonly string[];
  /** A NATS connection to use instead of `servers`; the caller keeps ownership. */
  readonly connection?: NatsConnection;
  /** This node's stable name, `[a-zA-Z0-9-]+` (a host or pod name). */
  readonly name: string;
  /** The cluster's name (nodes of different clusters never meet). Default `airssys`. */
  readonly cluster?: string;
  /** The first subject token of everything the cluster sends. Default `airssys`. */
  readonly root?: string;
  /** How often a heartbeat is sent, ms. Default 1000. */
  readonly heartbeatInterval?: number;
  /** Silence after which a peer is unreachable (and suspected), ms. Default 3000 (Akka's). */
  readonly acceptablePause?: number;
  /** Cut off from NATS (own heartbeat not seen) this long, the node fences itself, ms. Default `acceptablePause`. */
  readonly fenceAfter?: number;
  /** How long the join handshake waits for each peer's hello, ms. Default 2000. */
  readonly joinTimeout?: number;
  /** How often outgoing monitors are audited even without a reconnect, ms. Default 30000. */
  readonly auditInterval?: number;
  /**
   * How long a `down` record stays in the member table (and a node remembers a departed
   * incarnation) before it is pruned, ms. Default 900000 (15 min). A pruned incarnation
   * stays fenced all the same: a node without a record counts as down.
   */
  readonly downRetention?: number;
  /** Connect options passed to the NATS client (user, pass, tls...), with `servers`. */
  readonly connectOptions?: Readonly<Record<string, unknown>>;
  /** Replicas of the cluster's KV buckets: 1 on a single server, 3 on a three-server cluster. Default 1. */
  readonly replicas?: number;
  /**
   * Which module URLs a peer may ask this node to load for `spawn(def, { node })`.
   * Default: `file:` URLs only. It is given the URL normalised as `import()` loads it (`..` and
   * `%2e%2e` resolved), and only a `true` answer loads. A `data:` URL (a peer's own code) and a
   * string that is not an absolute URL are refused before this is asked; a refused spawn fails
   * on the asking node with code `ERR_DENIED`.
   */
  readonly allowSpawn?: (url: string) => boolean;
}

/** Options with defaults applied. */
export interface ResolvedClusterOptions {
  readonly name: string;
  readonly cluster: string;
  readonly root: string;
  readonly heartbeatInterval: number;
  readonly acceptablePause: number;
  readonly fenceAfter: number;
  readonly joinTimeout: number;
  readonly auditInterval: number;
  readonly downRetention: number;
  readonly replicas: number;
}

const TOKEN = /^[a-zA-Z0-9-]+$/;

function ms(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`cluster.${option}`, 'must be a number of ms > 0');
  }
  return value;
}

function replicas(value: unknown): number {
  if (value === undefined) return 1;
  if (value !== 1 && value !== 3 && value !== 5) {
    throw new InvalidArgumentError('cluster.replicas', 'must be 1, 3 or 5');
  }
  return value;
}

function token(option: string, value: unknown, fallback?: string): string {
  const v = value ?? fallback;
  if (typeof v !== 'string' || !TOKEN.test(v)) {
    throw new InvalidArgumentError(`cluster.${option}`, 'must match [a-zA-Z0-9-]+');
  }
  return v;
}

/**
 * Validates cluster options and applies defaults; throws `InvalidArgumentError` naming the option.
 *
 * @example
 * ```ts
 * const o = resolveClusterOptions({ servers: 'nats://127.0.0.1:4222', name: 'web-1' });
 * o.heartbeatInterval; // 1000
 * o.fenceAfter; // 3000: acceptablePause's default
 * ```
 */
export function resolveClusterOptions(o: ClusterOptions): ResolvedClusterOptions {
  if (typeof o !== 'object' || o === null) {
    throw new InvalidArgumentError('cluster', 'must be an object');
  }
  if (o.servers === undefined && o.connection === undefined) {
    throw new InvalidArgumentError('cluster', 'needs servers or a connection');
  }
  if (o.allowSpawn !== undefined && typeof o.allowSpawn !== 'function') {
    throw new InvalidArgumentError('cluster.allowSpawn', 'must be a function of a module URL');
  }
  const heartbeatInterval = ms('heartbeatInterval', o.heartbeatInterval, 1_000);
  const acceptablePause = ms('acceptablePause', o.acceptablePause, 3_000);
  if (acceptablePause < heartbeatInterval * 2) {
    throw new InvalidArgumentError(
      'cluster.acceptablePause',
      'must be at least twice the heartbeatInterval',
    );
  }
  return {
    name: token('name', o.name),
    cluster: token('cluster', o.cluster, 'airssys'),
    root: token('root', o.root, 'airssys'),
    heartbeatInterval,
    acceptablePause,
    fenceAfter: ms('fenceAfter', o.fenceAfter, acceptablePause),
    joinTimeout: ms('joinTimeout', o.joinTimeout, 2_000),
    auditInterval: ms('auditInterval', o.auditInterval, 30_000),
    downRetention: ms('downRetention', o.downRetention, 900_000),
    replicas: replicas(o.replicas),
  };
}

/**
 * A node id: the stable name, `_`, and an incarnation — the start time in
 * milliseconds (9 base-36 digits) then 64 random bits (13 base-36 digits) —
 * fresh at every start and never reused, so a restarted node is never
 * mistaken for its previous life. Incarnations of one name order by when
 * they started (see {@link startedLast}). Valid as a subject token and a KV key.
 *
 * @example
 * ```ts
 * newNodeId('web-1'); // "web-1_0mift3kq83k9x0q2m1zv7a"
 * ```
 */
export function newNodeId(name: string): string {
  const started = Date.now().toString(36).padStart(9, '0');
  const random = randomBytes(8).readBigUInt64BE().toString(36).padStart(13, '0');
  return `${name}_${started}${random}`;
}

/**
 * Of incarnations (node ids) of one node name, the one that started last: the
 * greatest incarnation (its start time leads it, fixed width, so the string
 * order is the start order; the random rest breaks a tie). Every node
 * picks the same one, whatever order it saw them come up in.
 *
 * @example
 * ```ts
 * startedLast(['b_0mift3kq8aaaa', 'b_0mift3kq9aaaa']); // 'b_0mift3kq9aaaa'
 * ```
 */
export function startedLast(ids: readonly string[]): string | undefined {
  let last: string | undefined;
  for (const id of ids) {
    // One name, so the ids differ only in their incarnations: comparing them compares those.
    if (last === undefined || id > last) last = id;
  }
  return last;
}

/**
 * The stable name of a node id (`web-1` of `web-1_3k9x...`).
 *
 * @example
 * ```ts
 * nodeName('web-1_0mift3kq83k9x0q2m1zv7a'); // 'web-1'
 * ```
 */
export function nodeName(nodeId: string): string {
  const at = nodeId.lastIndexOf('_');
  return at < 0 ? nodeId : nodeId.slice(0, at);
}

/**
 * Whether `s` is shaped like a node id (safe as a subject token).
 *
 * @example
 * ```ts
 * isNodeId('web-1_0mift3kq83k9x0q2m1zv7a'); // true
 * isNodeId('web-1'); // false: a name, no incarnation
 * ```
 */
export function isNodeId(s: unknown): s is string {
  return typeof s === 'string' && /^[a-zA-Z0-9-]+_[a-z0-9]+$/.test(s);
}
