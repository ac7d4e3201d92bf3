import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KV } from '@nats-io/kv';
import {
  headers,
  type Msg,
  type NatsConnection,
  NoRespondersError,
  RequestError,
  TimeoutError,
} from '@nats-io/nats-core';
import { Membership } from '../../../src/cluster/membership.js';
import { beatCounts } from '../../../src/cluster/membership-policy.js';
import type { ResolvedClusterOptions } from '../../../src/cluster/options.js';
import { confirmsNoResponders, NodeTransport } from '../../../src/cluster/transport.js';

// docs/semantics.md §25: control messages travel on shared subjects any client allowed to publish
// there can forge; each is acted on only once checked (the member table, a ping, a beat number).

const text = new TextEncoder();

/** A membership of node `a_1` whose member table answers every read with `read()`. */
function membershipOver(read: () => Promise<unknown>): {
  membership: Membership;
  fenced: string[];
} {
  const transport = {
    nc: { closed: () => new Promise<void>(() => undefined) },
    heartbeat: () => 0,
  } as unknown as NodeTransport;
  const kv = { get: read } as unknown as KV;
  const options = { downRetention: 1_000 } as ResolvedClusterOptions;
  const fenced: string[] = [];
  const events = {
    up() {},
    down() {},
    unreachable() {},
    reachable() {},
    fenced: (why: string) => fenced.push(why),
    connectionClosed() {},
  };
  return { membership: new Membership('a_1', 'a', kv, transport, options, events), fenced };
}

/** A KV entry holding a member record of `status`. */
function entry(status: 'up' | 'down'): unknown {
  const record = { name: 'a', status, suspects: [], at: 0 };
  return { operation: 'PUT', string: () => JSON.stringify(record) };
}

describe('a fence notice counts once the member table confirms it', () => {
  it('a notice while its own record is up does not fence the node', async () => {
    const { membership, fenced } = membershipOver(async () => entry('up'));
    await membership.onFenceNotice('forger_1');
    assert.deepEqual(fenced, []);
  });

  it('a notice while its own record is down fences the node', async () => {
    const { membership, fenced } = membershipOver(async () => entry('down'));
    await membership.onFenceNotice('b_2');
    assert.deepEqual(fenced, ['b_2 says this node was declared down']);
  });

  it('a notice while it has no record (pruned) fences the node', async () => {
    const { membership, fenced } = membershipOver(async () => null);
    await membership.onFenceNotice('b_2');
    assert.equal(fenced.length, 1);
  });

  it('a notice while the table cannot be read confirms nothing (no fence)', async () => {
    const { membership, fenced } = membershipOver(async () => {
      throw new Error('JetStream unavailable');
    });
    await membership.onFenceNotice('b_2');
    assert.deepEqual(fenced, []);
  });
});

describe('a heartbeat counts when it is numbered above the last one counted', () => {
  it('a well-formed beat numbered above the last counts, with its number', () => {
    assert.equal(beatCounts(text.encode('{"seq":8,"at":1}'), 7), 8);
  });

  it('a replay, an older beat, junk or a beat without a number does not count', () => {
    assert.equal(beatCounts(text.encode('{"seq":7,"at":1}'), 7), undefined);
    assert.equal(beatCounts(text.encode('{"seq":3,"at":1}'), 7), undefined);
    assert.equal(beatCounts(text.encode('{}'), 0), undefined);
    assert.equal(beatCounts(text.encode('not json'), 0), undefined);
    assert.equal(beatCounts(text.encode('null'), 0), undefined);
    assert.equal(beatCounts(text.encode('{"seq":"9"}'), 0), undefined);
    assert.equal(beatCounts(text.encode('{"seq":1e300}'), 0), undefined);
  });
});

describe('a no-responders notice counts once the server says the same to a ping', () => {
  it('the server’s no-responders status to the ping confirms it', () => {
    const status = new NoRespondersError('airssys.airssys.n.b_2.s.ping');
    assert.equal(confirmsNoResponders(status), true);
    assert.equal(confirmsNoResponders(new RequestError('no responders', { cause: status })), true);
  });

  it('an answer’s absence for another reason confirms nothing', () => {
    assert.equal(confirmsNoResponders(new TimeoutError()), false);
    assert.equal(confirmsNoResponders(new RequestError('connection closed')), false);
    assert.equal(confirmsNoResponders(new Error('anything')), false);
    assert.equal(confirmsNoResponders(undefined), false);
  });
});

/**
 * A transport of node `a_1` on a fake connection: `notice()` delivers a 503 on its notice
 * subject for `b_2`; each ping it sends is answered by `ping()`. Resolves the no-responders
 * events it reported once every ping has settled.
 */
async function afterNotices(count: number, ping: () => Promise<Msg>): Promise<string[]> {
  const callbacks: ((error: Error | null, msg: Msg) => void)[] = [];
  const pings: Promise<unknown>[] = [];
  const nc = {
    subscribe: (_subject: string, opts: { callback: (error: Error | null, msg: Msg) => void }) => {
      callbacks.push(opts.callback);
      return { unsubscribe() {} };
    },
    flush: async () => undefined,
    request: () => {
      const answer = ping();
      pings.push(answer.catch(() => undefined));
      return answer;
    },
  } as unknown as NatsConnection;
  const reported: string[] = [];
  const transport = new NodeTransport(nc, 'airssys.airssys', 'a_1', {
    batch() {},
    noResponders: (node) => reported.push(node),
    heartbeat() {},
    system() {},
    lost() {},
  });
  await transport.start();
  const status = {
    subject: 'airssys.airssys.n.a_1.nr.b_2',
    data: new Uint8Array(0),
    headers: headers(503, 'No Responders'),
  } as unknown as Msg;
  for (let i = 0; i < count; i++) callbacks[0]?.(null, status);
  // The ping is sent a microtask later; its outcome is handled a few after it settles.
  for (let i = 0; i < 4; i++) await Promise.resolve();
  await Promise.all(pings);
  for (let i = 0; i < 4; i++) await Promise.resolve();
  return reported;
}

describe('a no-responders notice is confirmed by a ping before asks fail', () => {
  it('a 503 whose ping the peer answers is not reported (a forged notice)', async () => {
    const reported = await afterNotices(1, async () => ({}) as Msg);
    assert.deepEqual(reported, []);
  });

  it('a 503 whose ping gets the server’s own 503 is reported once, however many notices came', async () => {
    const reported = await afterNotices(3, async () => {
      throw new NoRespondersError('airssys.airssys.n.b_2.s.ping');
    });
    assert.deepEqual(reported, ['b_2']);
  });
});
