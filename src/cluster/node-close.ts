import type { NatsConnection } from '@nats-io/nats-core';
import type { Membership } from './membership.js';
import { drainWithin } from './node-connect.js';
import type { StatusWatch } from './node-permissions.js';
import type { RemoteTable } from './remote-table.js';
import type { NodeTransport } from './transport.js';

/**
 * The order a node closes in. Every NATS handle it holds must end before
 * its connection drains (a KV watch made or finished during a drain leaves
 * the client's heartbeat timer running forever), and peers must learn it
 * left (its record deleted) rather than find it silent:
 *
 * 1. pending frames flush; the `beforeClose` hooks (the registry's and
 *    groups' watches) end;
 * 2. the membership leaves (a fenced node's only stops);
 * 3. the member-table watch has returned (a fenced node's too);
 * 4. the transport and the remote records close, the status watch stops;
 * 5. a connection the runtime opened drains (a fenced one closes outright:
 *    it may be cut off, and a drain would wait on a server it cannot reach).
 *
 * @module
 */

/** What closes, as the node holds it (what it never made is undefined). */
export interface ClosingParts {
  readonly fenced: boolean;
  readonly transport: NodeTransport | undefined;
  readonly membership: Membership | undefined;
  readonly table: RemoteTable | undefined;
  readonly status: StatusWatch | undefined;
  /** The connection, when the runtime opened it (the user's lives on). */
  readonly ownConnection: NatsConnection | undefined;
  readonly drainMs: number;
}

/**
 * Hooks that run once when the node closes, before its connection drains.
 *
 * @example
 * ```ts
 * const hooks = new CloseHooks();
 * const cancel = hooks.add(() => registry.close());
 * await hooks.runAll();
 * ```
 */
export class CloseHooks {
  readonly #hooks = new Set<() => Promise<void>>();

  /** Adds `hook`; returns the cancel. */
  add(hook: () => Promise<void>): () => void {
    this.#hooks.add(hook);
    return () => {
      this.#hooks.delete(hook);
    };
  }

  /** Runs every hook (a failing one does not stop the others) and forgets them. */
  async runAll(): Promise<void> {
    const running = [...this.#hooks].map((hook) => hook().catch(() => undefined));
    this.#hooks.clear();
    await Promise.all(running);
  }
}

/**
 * Closes the parts of a node in order (see the module comment).
 *
 * @example
 * ```ts
 * await closeInOrder(hooks, { fenced: false, transport, membership, table, status, ownConnection: nc, drainMs: 2_000 });
 * ```
 */
export async function closeInOrder(hooks: CloseHooks, parts: ClosingParts): Promise<void> {
  parts.transport?.flush();
  await hooks.runAll();
  if (parts.fenced) parts.membership?.stop();
  else await parts.membership?.leave();
  // Every watch made, and stopped, before the connection drains or closes (Membership.settled),
  // a fenced node's too: a watch whose consumer was made just before an outright close builds
  // its heartbeat monitor (a 30 s interval), then fails to subscribe, and nothing cancels it.
  // It waits at most the JetStream request timeout (a watch being made on a cut-off connection).
  await parts.membership?.settled();
  parts.transport?.close();
  parts.table?.closeAll();
  // The user's connection lives on: the shut-down node must not react to its status any more.
  parts.status?.stop();
  const nc = parts.ownConnection;
  if (nc === undefined || nc.isClosed()) return;
  if (parts.fenced) await nc.close().catch(() => {});
  else await drainWithin(nc, parts.drainMs);
}
