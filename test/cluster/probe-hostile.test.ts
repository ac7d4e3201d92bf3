import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  type ActorSystem,
  type ClusterNode,
  type DeadLetter,
  defineActor,
} from '../../src/index.js';
import { LIMITS } from '../support/guard.js';
import { NatsTestCluster, natsUnavailable } from '../support/nats/index.js';
import { type EchoMsg, echo } from './actors.js';
import { Inbox, LIMIT_MS, nextDeadLetter, STEADY, startNode, untilUp } from './node-helpers.js';

/**
 * Outside probes of docs/semantics.md §25 (wire format, fencing): a raw NATS client publishes
 * hostile bytes onto a node's subjects. Each batch that does not decode, each frame of a wrong
 * shape, an unknown op or marker, a nesting too deep, a sender that is no member: a dead letter
 * with a reason, never a crash — the node answers asks afterwards.
 */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the hostile-input probes: ${why}`);

type Node = ActorSystem & { cluster: ClusterNode };
const P = 'airssys.airssys';
const text = new TextEncoder();
const batch = (json: string): Uint8Array => text.encode(`${String.fromCharCode(1, 1)}${json}`);

describe('hostile peer input (raw NATS client, one server)', { skip: why }, () => {
  let nats: NatsTestCluster;
  let a: Node;
  let b: Node;
  let nc: NatsConnection;
  let echoId: number;
  before(async () => {
    nats = await NatsTestCluster.start();
    a = await startNode(nats, 'a', STEADY);
    b = await startNode(nats, 'b', STEADY);
    await untilUp(a.cluster, b.cluster.id);
    await untilUp(b.cluster, a.cluster.id);
    nc = await nats.connect();
    echoId = b.cluster.pidOf(b.spawn(echo, { args: 'b-echo' })).id;
  });
  after(async () => {
    await Promise.all([a?.shutdown(), b?.shutdown()]);
    await nats?.stop();
  });

  /** Publishes `data` onto b's frame subject; resolves with the dead letter b records for it. */
  async function refused(data: Uint8Array): Promise<DeadLetter> {
    const letter = nextDeadLetter(b, () => true);
    nc.publish(`${P}.n.${b.cluster.id}.m`, data);
    return letter;
  }

  it('batches that do not decode are dead letters bad-frame with the reason', {
    timeout: LIMITS.test,
  }, async () => {
    const aId = a.cluster.id;
    const cases: [string, Uint8Array, RegExp][] = [
      ['empty', new Uint8Array(0), /shorter than its header/],
      ['one byte', new Uint8Array([1]), /shorter than its header/],
      ['another codec', new Uint8Array([2, 1, 123, 125]), /unknown codec/],
      ['another version', new Uint8Array([1, 2, 123, 125]), /unknown version/],
      ['not JSON', batch('{"f":'), /not JSON/],
      ['invalid UTF-8', new Uint8Array([1, 1, 0xff, 0xfe, 0xfd]), /not JSON/],
      ['null', batch('null'), /not an object/],
      ['a list', batch('[1,2]'), /missing sender or frames/],
      ['frames not a list', batch(`{"f":"${aId}","b":"x"}`), /missing sender or frames/],
      ['sender not a node id', batch('{"f":"a b.c","b":[]}'), /bad sender/],
      ['sender not a string', batch('{"f":7,"b":[]}'), /missing sender/],
    ];
    for (const [what, data, reason] of cases) {
      const letter = await refused(data);
      assert.equal(letter.reason, 'bad-frame', what);
      assert.match(letter.address ?? '', reason, what);
    }
    const remote = a.cluster.refOf<EchoMsg>({ node: b.cluster.id, id: echoId });
    assert.equal(await remote.ask({ type: 'whoami' }, { timeout: LIMIT_MS }), 'b-echo');
  });

  it('frames of a wrong shape, unknown ops and markers, too deep a nesting: one dead letter each', {
    timeout: LIMITS.test,
  }, async () => {
    const f = a.cluster.id;
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const deepObject = `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`;
    const frames: [string, string][] = [
      ['not a list', '"x"'],
      ['empty list', '[]'],
      ['unknown op', '[99,1]'],
      ['op as a string', '["1",1,0,0,{}]'],
      ['wrong arity', `[1,${echoId}]`],
      ['negative id', '[1,-1,0,0,{}]'],
      ['fractional id', '[1,1.5,0,0,{}]'],
      ['huge id', '[1,1e300,0,0,{}]'],
      ['unknown marker', `[1,${echoId},0,1,{"$$airssys":"zz"}]`],
      ['pid marker with a number node', `[1,${echoId},0,1,{"$$airssys":"p","n":5,"i":1}]`],
      ['bad bigint', `[1,${echoId},0,1,{"$$airssys":"b","v":"1x"}]`],
      ['map of a non-list', `[1,${echoId},0,1,{"$$airssys":"m","v":5}]`],
      ['error without props', `[1,${echoId},0,1,{"$$airssys":"e","name":"E","message":"m"}]`],
      ['deeply nested list (marked)', `[1,${echoId},0,1,${deep}]`],
      ['deeply nested object (marked)', `[1,${echoId},0,1,${deepObject}]`],
      ['a group that is not a string', '[13,5,0,0,{}]'],
      ['whereis without a name', '[14,1,""]'],
    ];
    for (const [what, frame] of frames) {
      const letter = await refused(batch(`{"f":"${f}","b":[${frame}]}`));
      assert.equal(letter.reason, 'bad-frame', `${what}: ${letter.reason} ${letter.address}`);
    }
    const remote = a.cluster.refOf<EchoMsg>({ node: b.cluster.id, id: echoId });
    assert.equal(await remote.ask({ type: 'whoami' }, { timeout: LIMIT_MS }), 'b-echo');
  });

  it('a batch near max_payload of garbage is a dead letter; a payload over it is refused by the server, not delivered', {
    timeout: LIMITS.test,
  }, async () => {
    const max = nc.info?.max_payload ?? 1024 * 1024;
    const big = new Uint8Array(max - 16).fill(0x5b); // '[' repeated: not JSON
    big[0] = 1;
    big[1] = 1;
    const letter = await refused(big);
    assert.equal(letter.reason, 'bad-frame');
    const remote = a.cluster.refOf<EchoMsg>({ node: b.cluster.id, id: echoId });
    assert.equal(await remote.ask({ type: 'whoami' }, { timeout: LIMIT_MS }), 'b-echo');
  });

  it('well-formed frames that reach nothing here are dead letters with their reason', {
    timeout: LIMITS.test,
  }, async () => {
    const f = a.cluster.id;
    const cases: [string, string, string][] = [
      ['a tell to a pid that does not exist', '[1,987654,0,0,{"x":1}]', 'noproc'],
      ['a reply nobody waits for', '[2,424242,1,0,"x"]', 'late-reply'],
      [
        'a broadcast to a group with no member here',
        '[13,"nobody-here",0,0,{"x":1}]',
        'unregistered',
      ],
      ['an address that is not one', '[12,{"bogus":1},0,0,{"x":1}]', 'bad-frame'],
    ];
    for (const [what, frame, reason] of cases) {
      const letter = await refused(batch(`{"f":"${f}","b":[${frame}]}`));
      assert.equal(letter.reason, reason, `${what}: ${letter.reason} ${letter.address ?? ''}`);
    }
  });

  it('frames from a node id with no member record are dead letters fenced', {
    timeout: LIMITS.test,
  }, async () => {
    const letter = await refused(batch(`{"f":"stranger_0abc123","b":[[1,${echoId},0,0,{"x":1}]]}`));
    assert.equal(letter.reason, 'fenced');
    assert.match(letter.address ?? '', /stranger_0abc123/);
  });

  it('a __proto__ field crosses as data: it sets no prototype, in a message or in an error', {
    timeout: LIMITS.test,
  }, async () => {
    const inbox = new Inbox<Record<string, unknown>>();
    const sinkId = b.cluster.pidOf(
      b.spawn(defineActor<Record<string, unknown>>({ handle: (m) => inbox.push(m) })),
    ).id;
    const body =
      '{"__proto__":{"polluted":1},"d":{"$$airssys":"d","v":0},' +
      '"e":{"$$airssys":"e","name":"E","message":"m","stack":null,' +
      '"props":{"code":"ERR_X","__proto__":{"polluted":2},"toString":1}}}';
    nc.publish(
      `${P}.n.${b.cluster.id}.m`,
      batch(`{"f":"${a.cluster.id}","b":[[1,${sinkId},0,1,${body}]]}`),
    );
    const got = await inbox.next();
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(got), Object.prototype);
    assert.equal((got as { polluted?: unknown }).polluted, undefined);
    const error = got.e as Error & { code?: string; polluted?: unknown };
    assert.ok(error instanceof Error);
    assert.equal(error.code, 'ERR_X');
    assert.equal(error.polluted, undefined);
    assert.equal(typeof String(error), 'string');
    assert.ok(got.d instanceof Date);
  });

  it('a spawn request for a data: URL (or any URL but file:) is refused: no peer code runs', {
    timeout: LIMITS.test,
  }, async () => {
    const g = globalThis as { __probeRan?: number };
    const urls = [
      'data:text/javascript,globalThis.__probeRan=1;export const x={handle(){}};',
      'http://127.0.0.1:1/x.js',
      'node:child_process',
    ];
    // The spawned answer goes back to the sender the batch names (a); its frame is only read.
    for (const url of urls) {
      const frame = JSON.stringify([8, 777, url, 'x', 0, null]);
      nc.publish(`${P}.n.${b.cluster.id}.m`, batch(`{"f":"${a.cluster.id}","b":[${frame}]}`));
    }
    // A garbage batch after them: once its dead letter is seen, the spawns were handled.
    const letter = await refused(new Uint8Array([9, 9]));
    assert.equal(letter.reason, 'bad-frame');
    await b.idle();
    assert.equal(g.__probeRan, undefined);
    const remote = a.cluster.refOf<EchoMsg>({ node: b.cluster.id, id: echoId });
    assert.equal(await remote.ask({ type: 'whoami' }, { timeout: LIMIT_MS }), 'b-echo');
  });
});
