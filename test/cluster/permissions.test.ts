import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { denialOf, deniedPeer } from '../../src/cluster/node-permissions.js';
import {
  type ActorSystem,
  type ClusterNode,
  createSystem,
  type RuntimeError,
} from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
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
 * denied fail `ERR_CLUSTER_AUTH`. The test server grants two limited users
 * (test/support/nats/server.ts).
 */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the permission tests: ${why}`);

describe('what a permissions violation says (no server)', () => {
  it('a status error that is a PermissionViolationError is a denial; anything else is not', () => {
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

  it('a denied subject of a peer names that peer; other subjects none', () => {
    assert.equal(deniedPeer('airssys.c.n.web-2_k3v9.m', 'airssys.c'), 'web-2_k3v9');
    assert.equal(deniedPeer('airssys.c.n.web-2_k3v9.s.hello', 'airssys.c'), 'web-2_k3v9');
    assert.equal(deniedPeer('airssys.c.hb.web-2_k3v9', 'airssys.c'), undefined);
    assert.equal(deniedPeer('airssys.other.n.x_1.m', 'airssys.c'), undefined);
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

  it('a node whose user may not subscribe to heartbeats fails its join with ERR_CLUSTER_AUTH naming the subject', async () => {
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
      /denied node deaf_\w+ subscribing to airssys\.airssys\.hb\.\*/,
    );
    await system.shutdown();
  });

  it('a node whose user may not publish frames joins; each denied send is an event and a dead letter, asks fail ERR_CLUSTER_AUTH', async () => {
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
});
