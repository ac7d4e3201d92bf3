import { WireError } from './wire-value.js';

/**
 * Addresses on the cluster wire. A ref travels as its pid; every other
 * address travels as what it names, and is resolved where it is used, at
 * every send:
 *
 * - `{ k: 'n', node, name }` — a local name on `node` (Erlang `{Name, Node}`),
 * - `{ k: 's', node, service, key }` — a service key on `node`,
 * - `{ k: 'p', node, id }` — the pool on `node` whose supervisor is `id`,
 * - `{ k: 'G', name }` — a name of the cluster registry (Erlang `global`),
 * - `{ k: 'g', group }` — a cluster process group (Erlang `pg`).
 *
 * Local names, services and pools are node-local, as Erlang's `register`
 * is: their owning node resolves them. Cluster names and groups are the
 * cluster's: every node resolves them through its own registry and groups.
 *
 * @module
 */

/** An address as it travels. */
export type WireAddress =
  | { readonly k: 'n'; readonly node: string; readonly name: string }
  | { readonly k: 's'; readonly node: string; readonly service: string; readonly key: string }
  | { readonly k: 'p'; readonly node: string; readonly id: number }
  | { readonly k: 'G'; readonly name: string }
  | { readonly k: 'g'; readonly group: string };

/** The addresses that belong to one node (resolved there). */
export type NodeAddress = Extract<WireAddress, { readonly node: string }>;

const NODE = /^[A-Za-z0-9_-]{1,200}$/;
const MAX_TEXT = 1024;

function text(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_TEXT) {
    throw new WireError(`${what} must be a string of 1 to ${MAX_TEXT} characters`);
  }
  return v;
}

function node(v: unknown): string {
  if (typeof v !== 'string' || !NODE.test(v))
    throw new WireError('an address node must be a node id');
  return v;
}

/**
 * Checks an address a peer sent and returns a clean copy; throws
 * `WireError` for anything else (a peer's bytes are not trusted).
 *
 * @example
 * ```ts
 * checkAddress({ k: 'n', node: 'a_1x', name: 'db' }); // { k: 'n', node: 'a_1x', name: 'db' }
 * ```
 */
export function checkAddress(value: unknown): WireAddress {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WireError('an address is an object');
  }
  const r = value as Record<string, unknown>;
  switch (r.k) {
    case 'n':
      return { k: 'n', node: node(r.node), name: text(r.name, 'a name') };
    case 's':
      return {
        k: 's',
        node: node(r.node),
        service: text(r.service, 'a service'),
        key: text(r.key, 'a service key'),
      };
    case 'p': {
      const id = r.id;
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
        throw new WireError('a pool id must be an integer > 0');
      }
      return { k: 'p', node: node(r.node), id };
    }
    case 'G':
      return { k: 'G', name: text(r.name, 'a cluster name') };
    case 'g':
      return { k: 'g', group: text(r.group, 'a group') };
    default:
      throw new WireError(`unknown address kind ${JSON.stringify(r.k)}`);
  }
}

/**
 * How an address is named in dead letters: `name:db`, `service:s/k`,
 * `pool:7`, each `@node` when it belongs to a node; `global:x`, `group:x`.
 *
 * @example
 * ```ts
 * describeAddress({ k: 'G', name: 'cart' }); // 'global:cart'
 * ```
 */
export function describeAddress(a: WireAddress): string {
  switch (a.k) {
    case 'n':
      return `name:${a.name}@${a.node}`;
    case 's':
      return `service:${a.service}/${a.key}@${a.node}`;
    case 'p':
      return `pool:${a.id}@${a.node}`;
    case 'G':
      return `global:${a.name}`;
    case 'g':
      return `group:${a.group}`;
  }
}
