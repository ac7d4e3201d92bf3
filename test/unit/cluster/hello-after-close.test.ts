import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KV } from '@nats-io/kv';
import type { Msg } from '@nats-io/nats-core';
import { Membership, type MembershipEvents } from '../../../src/cluster/membership.js';
import type { ResolvedClusterOptions } from '../../../src/cluster/options.js';
import type { NodeTransport } from '../../../src/cluster/transport.js';

// docs/semantics.md §25, Down retention: a `hello` from a node without a record is answered `down`.
/** Membership events nobody listens to (these tests look at the hello's answer only). */
const NO_EVENTS: MembershipEvents = {
  up() {},
  down() {},
  unreachable() {},
  reachable() {},
  fenced() {},
  connectionClosed() {},
};

describe('a hello from a node without a record', () => {
  it('answered after the connection closed meanwhile does not reject (no unhandled rejection)', async () => {
    let closed = false;
    let answers = 0;
    const transport = {
      nc: { closed: () => new Promise<void>(() => undefined) },
      heartbeat: () => 0,
    } as unknown as NodeTransport;
    // The table read takes a moment; the connection closes meanwhile (a shutdown).
    const kv = {
      get: async () => {
        await new Promise((r) => setTimeout(r, 20));
        return null;
      },
    } as unknown as KV;
    const options = {
      heartbeatInterval: 100,
      acceptablePause: 300,
      fenceAfter: 1_000,
      joinTimeout: 1_000,
      downRetention: 1_000,
    } as ResolvedClusterOptions;
    const membership = new Membership('a_1', 'a', kv, transport, options, NO_EVENTS);
    const respond = (): boolean => {
      if (closed) throw new Error('CONNECTION_CLOSED');
      answers++;
      return true;
    };
    const msg = { data: new TextEncoder().encode(JSON.stringify({ id: 'ghost_1' })), respond };
    const answering = membership.onHello(msg as unknown as Msg);
    closed = true;
    await assert.doesNotReject(answering);
    assert.equal(answers, 0);
  });

  it('whose reply cannot be sent (draining) does not reject either', async () => {
    const transport = {
      nc: { closed: () => new Promise<void>(() => undefined) },
      heartbeat: () => 0,
    } as unknown as NodeTransport;
    const kv = { get: async () => null } as unknown as KV;
    const options = { downRetention: 1_000 } as ResolvedClusterOptions;
    const membership = new Membership('a_1', 'a', kv, transport, options, NO_EVENTS);
    let tried = 0;
    const respond = (): boolean => {
      tried++;
      throw new Error('DrainingConnectionError');
    };
    const msg = { data: new TextEncoder().encode(JSON.stringify({ id: 'ghost_1' })), respond };
    await assert.doesNotReject(membership.onHello(msg as unknown as Msg));
    assert.equal(tried, 1);
  });
});
