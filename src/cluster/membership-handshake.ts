import type { KV } from '@nats-io/kv';
import type { Msg } from '@nats-io/nats-core';
import { parseHello } from './membership-policy.js';
import { json, tableSays } from './membership-table.js';
import type { NodeTransport } from './transport.js';

/**
 * The handshake: a node asks a member `hello` until it answers or the
 * join timeout passes. The answer makes it up here — or says this node was
 * declared down. A joining node waits for a silent member only while the
 * table still lists it (re-read every acceptable pause).
 *
 * @module
 */

/** How one handshake ended. */
export type Greeting =
  /** The member answered: it is up. */
  | { readonly outcome: 'answered' }
  /** The member says this node was declared down. */
  | { readonly outcome: 'told-down' }
  /** The table no longer lists the member (`left`), or says it is `down`. */
  | { readonly outcome: 'gone'; readonly where: 'left' | 'down' }
  /** No answer before the deadline (or a wrong one), or this node stopped meanwhile. */
  | { readonly outcome: 'silent' };

/** What a handshake needs of its membership. */
export interface HandshakeContext {
  readonly self: string;
  readonly kv: KV;
  readonly transport: NodeTransport;
  readonly joinTimeout: number;
  readonly acceptablePause: number;
  stopped(): boolean;
}

/**
 * Shakes hands with `node`. `joining`: the caller is joining and `node` is
 * a member it listed, so the table is re-read while it stays silent.
 *
 * @example
 * ```ts
 * const { outcome } = await greet(context, 'web-2_k3v9', true);
 * if (outcome === 'answered') book.add('web-2_k3v9', Date.now());
 * ```
 */
export async function greet(
  context: HandshakeContext,
  node: string,
  joining: boolean,
): Promise<Greeting> {
  const { joinTimeout, acceptablePause } = context;
  const deadline = Date.now() + joinTimeout;
  let recheck = Date.now() + acceptablePause;
  while (Date.now() < deadline && !context.stopped()) {
    if (joining && Date.now() >= recheck) {
      recheck = Date.now() + acceptablePause;
      const where = await tableSays(context.kv, node, false);
      if (where !== 'member') return { outcome: 'gone', where };
    }
    try {
      const reply = await context.transport.request(
        node,
        'hello',
        json({ id: context.self }),
        Math.max(50, deadline - Date.now()),
      );
      if (context.stopped()) return { outcome: 'silent' }; // stopped while asking
      const answer = parseHello(reply.data);
      if (answer.down) return { outcome: 'told-down' };
      return { outcome: answer.id === node ? 'answered' : 'silent' };
    } catch {
      // No responders yet (interest still propagating) or a timeout: retry until the deadline.
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { outcome: 'silent' };
}

/**
 * Answers a `hello`; the connection may have closed or begun draining since it came (a
 * shutdown), and then the asker hears nothing, as from a node that went.
 *
 * @example
 * ```ts
 * answerHello(msg, { id: 'a_1' });
 * ```
 */
export function answerHello(msg: Msg, body: { id?: string; down?: boolean }): void {
  try {
    msg.respond(json(body));
  } catch {
    // CONNECTION_CLOSED or DrainingConnectionError: nothing to answer on.
  }
}
