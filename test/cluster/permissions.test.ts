import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { denialOf, deniedPeer, isOwnDenial } from '../../src/cluster/node-permissions.js';
import {
  type ActorSystem,
  type ClusterNode,
  createSystem,
  type RuntimeError,
} from '../../src/index.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import {
  NatsTestCluster,
  NO_FRAMES_USER,
  NO_HEARTBEATS_USER,
  natsUnavailable,
} from '../support/nats/index.js';
import { type EchoMsg, echo } from './actors.js';
import { FAST, LIMIT_MS, nextDeadLetter, nextEvent, startNode, untilUp } from './node-helpers.js';

/**
 * docs/semantics.md §25, "Permissions denied after connect": a NATS user
 * admitted with limited publish or subscribe permissions is never silent.
 * A denial while the node joins fails the join with `ERR_CLUSTER_AUTH`
 * naming the subject; one after the node is up is a `denied` cluster
 * event and a dead letter `denied`, and asks on the peer whose subject was
 * denied fail `ERR_CLUSTER_AUTH`. On the user's connection only denials on
 * the node's own subjects are the node's; a join refused there goes no
 * further, and a shut-down node reacts to that connection no more. The
 * test server grants two limited users (test/support/nats/server.ts).
 */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the permission tests: ${why}`);

describe('what a permissions violation says (no server)', () => {
  it('a status error that is a PermissionViolationError is a denial; anything else is not', {
    timeout: LIMITS.test,
  }, () => {
    const violation = Object.assign(new Error('Permissions Violation for Publish to "a.b"'), {
      name: 'PermissionViolationError',
      operation: 'publish',
      subject: 'a.b',
    });
    assert.deepEqual(denialOf({ type: 'error', error: violation }), {
      operation: 'publish',
      subject: 'a.b',
    });
    assert.equal(denialOf({ type: 'error', error: new Error('stale') }), undefined);
    assert.equal(denialOf({ type: 'reconnect' }), undefined);
  });

  it('a denied subject of a peer names that peer; other subjects none', {
    timeout: LIMITS.test,
  }, () => {
    assert.equal(deniedPeer('airssys.c.n.web-2_k3v9.m', 'airssys.c'), 'web-2_k3v9');
    assert.equal(deniedPeer('airssys.c.n.web-2_k3v9.s.hello', 'airssys.c'), 'web-2_k3v9');
    assert.equal(deniedPeer('airssys.c.hb.web-2_k3v9', 'airssys.c'), undefined);
    assert.equal(deniedPeer('airssys.other.n.x_1.m', 'airssys.c'), undefined);
  });

  it("on the user's connection only a denial on the node's own subjects is the node's", {
    timeout: LIMITS.test,
  }, () => {
    const own = ['airssys.c.', '$KV.airssys-c-'];
    assert.equal(isOwnDenial('airssys.c.n.web-2_k3v9.m', own), true);
    assert.equal(isOwnDenial('$KV.airssys-c-members.web-2_k3v9', own), true);
    assert.equal(isOwnDenial('orders.new', own), false);
    assert.equal(isOwnDenial('airssys.other.n.x_1.m', own), false);
    assert.equal(isOwnDenial('orders.new', undefined), true);
  });
});

describe('permissions denied after connect (real nats-server)', { skip: why }, () => {
  failOnUnhandledRejections();
  let nats: NatsTestCluster;
  before(async () => {
    nats = await NatsTestCluster.start();
  });
  after(async () => {
    await nats?.stop();
  });

  it('a node whose user may not subscribe to heartbeats fails its join with ERR_CLUSTER_AUTH naming the subject', {
    timeout: LIMITS.test,
  }, async () => {
    const system = createSystem({
      cluster: { servers: nats.urls, name: 'deaf', connectOptions: NO_HEARTBEATS_USER, ...FAST },
    });
    const error = await system.cluster?.ready.then(
      () => undefined,
      (e: unknown) => e as RuntimeError,
    );
    assert.equal(error?.code, 'ERR_CLUSTER_AUTH');
    assert.match(
      error?.message ?? '',
      /denied node deaf_\w+ subscribing to airssys\.airssys\.hb\.\*\.\*/,
    );
    await system.shutdown();
  });

  it('a node whose user may not publish frames joins; each denied send is an event and a dead letter, asks fail ERR_CLUSTER_AUTH', {
    timeout: LIMITS.test,
  }, async () => {
    const full = await startNode(nats, 'full');
    let limited: (ActorSystem & { cluster: ClusterNode }) | undefined;
    try {
      limited = await startNode(nats, 'mute', { connectOptions: NO_FRAMES_USER });
      await untilUp(full.cluster, limited.cluster.id);
      await untilUp(limited.cluster, full.cluster.id);
      const target = full.cluster.pidOf(full.spawn(echo, { args: 'full' }));
      const remote = limited.cluster.refOf<EchoMsg>(target);
      const subject = `airssys.airssys.n.${full.cluster.id}.m`;

      const event = nextEvent(limited.cluster, (e) => e.type === 'denied');
      const letter = nextDeadLetter(limited, (d) => d.reason === 'denied');
      await assert.rejects(remote.ask({ type: 'whoami' }, { timeout: LIMIT_MS }), {
        code: 'ERR_CLUSTER_AUTH',
        message: new RegExp(`publishing to ${subject.replaceAll('.', '\\.')}`),
      });
      assert.deepEqual(
        { ...(await event), at: 0 },
        { type: 'denied', node: full.cluster.id, operation: 'publish', subject, at: 0 },
      );
      const dead = await letter;
      assert.equal(dead.address, `node:${full.cluster.id}`);
      assert.deepEqual(dead.message, { operation: 'publish', subject });

      // A later tell is denied again: reported again, not lost without a word.
      const again = nextDeadLetter(limited, (d) => d.reason === 'denied');
      remote.tell({ type: 'stop' });
      assert.equal((await again).address, `node:${full.cluster.id}`);
    } finally {
      if (limited !== undefined) await limited.shutdown();
      await full.shutdown();
    }
  });

  it("on the user's connection, the user's other denials are not the node's events; its own are", {
    timeout: LIMITS.test,
  }, async () => {
    const nc = await nats.connect({ ...NO_FRAMES_USER });
    const system = createSystem({
      cluster: { servers: nats.urls, name: 'given', connection: nc, ...FAST },
    });
    try {
      await system.cluster?.ready;
      const events: unknown[] = [];
      system.cluster?.events.subscribe((e) => {
        if (e.type === 'denied') events.push(e.subject);
      });
      const own = nextEvent(system.cluster as ClusterNode, (e) => e.type === 'denied');
      nc.publish('orders.new', new Uint8Array([1])); // the user's, denied
      const subject = 'airssys.airssys.n.zz_1.m';
      nc.publish(subject, new Uint8Array([1])); // the node's cluster, denied: reported, after the first
      assert.equal(((await own) as { subject: string }).subject, subject);
      assert.deepEqual(events, [subject]);
    } finally {
      await system.shutdown();
      await nc.close();
    }
  });

  it('a node shut down on a given connection no longer reacts to its status', {
    timeout: LIMITS.test,
  }, async () => {
    const nc = await nats.connect({ ...NO_FRAMES_USER });
    const system = createSystem({
      cluster: { servers: nats.urls, name: 'given', connection: nc, ...FAST },
    });
    try {
      await system.cluster?.ready;
      await system.shutdown();
      const heard: unknown[] = [];
      system.deadLetters.subscribe((l) => heard.push(l));
      system.cluster?.events.subscribe((e) => heard.push(e));
      // The user's own watch of the connection: once it hears the denial, the node's would have.
      const statuses = nc.status();
      const denied = (async () => {
        for await (const s of statuses) if (denialOf(s as { type: string }) !== undefined) return;
      })();
      nc.publish('airssys.airssys.n.zz_1.m', new Uint8Array([1]));
      await denied;
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(heard, []);
    } finally {
      await nc.close();
    }
  });

  it('a join refused on a given connection goes no further: no peer hears of it, it leaves no record', {
    timeout: LIMITS.test,
  }, async () => {
    const peer = await startNode(nats, 'peer');
    const nc = await nats.connect({ ...NO_HEARTBEATS_USER });
    try {
      const heard: unknown[] = [];
      peer.cluster.events.subscribe((e) => {
        if ('node' in e && String(e.node).startsWith('deaf2_')) heard.push(e);
      });
      const system = createSystem({
        cluster: { servers: nats.urls, name: 'deaf2', connection: nc, ...FAST },
      });
      const error = await system.cluster?.ready.then(
        () => undefined,
        (e: unknown) => e as RuntimeError,
      );
      assert.equal(error?.code, 'ERR_CLUSTER_AUTH');
      // A join carrying on would write its record, shake hands (nodeup) and be judged (nodedown)
      // within a few acceptable pauses: wait that long, then nothing of it may be anywhere.
      await new Promise((resolve) => setTimeout(resolve, 5 * FAST.acceptablePause));
      assert.deepEqual(heard, []);
      const members = await peer.cluster.bucket('members');
      const keys: string[] = [];
      for await (const key of await members.keys()) keys.push(key);
      assert.deepEqual(
        keys.filter((k) => k.startsWith('deaf2_')),
        [],
      );
      await system.shutdown();
    } finally {
      await nc.close();
      await peer.shutdown();
    }
  });
});
