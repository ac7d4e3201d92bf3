import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from '@nats-io/nats-core';
import type { ActorSystem, ClusterNode } from '../../src/index.js';
import { LIMITS } from '../support/guard.js';
import { APP_USER, NatsTestCluster, natsUnavailable } from '../support/nats/index.js';
import { FAST, LIMIT_MS, nextEvent, startNode, untilUp } from './node-helpers.js';
import { ProbeChild } from './probe-runner.js';

/**
 * Outside probe of docs/semantics.md §25 (membership and failure detection; peer input is
 * untrusted): a killed node must be declared down even while some other client keeps
 * publishing heartbeats under its id. A heartbeat names its node only in its subject
 * (`<root>.<cluster>.hb.<node>`), which any user allowed to publish `<root>.<cluster>.>` —
 * every node, in the documented permissions — can use.
 */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the heartbeat-spoofing probe: ${why}`);

type Node = ActorSystem & { cluster: ClusterNode };

describe('forged heartbeats (child process, one server)', { skip: why }, () => {
  let nats: NatsTestCluster;
  let observer: Node;
  let nc: NatsConnection;
  let victim: ProbeChild | undefined;
  before(async () => {
    nats = await NatsTestCluster.start();
    observer = await startNode(nats, 'observer', { fenceAfter: LIMIT_MS });
    nc = await nats.connect();
  });
  after(async () => {
    await victim?.stop();
    await observer?.shutdown();
    await nats?.stop();
  });

  it('a killed node is declared down although a raw client keeps publishing its heartbeat', {
    timeout: LIMITS.test,
  }, async () => {
    victim = await ProbeChild.start({
      servers: nats.urls,
      name: 'spoofed',
      connectOptions: APP_USER,
      ...FAST,
    });
    await untilUp(observer.cluster, victim.id);
    const subject = `airssys.airssys.hb.${victim.id}`;
    const beat = setInterval(() => nc.publish(subject, new TextEncoder().encode('{}')), 50);
    try {
      const nodedown = nextEvent(
        observer.cluster,
        (e) => e.type === 'nodedown' && e.node === victim?.id,
      );
      victim.signal('SIGKILL');
      await victim.exited;
      // The hang guard (30 s) is fifty acceptable pauses.
      const event = await nodedown.catch((e: Error) => e.message);
      assert.notEqual(
        typeof event,
        'string',
        `a dead node stays up while its heartbeat is forged: ${String(event)}; isUp=${observer.cluster.isUp(victim.id)}`,
      );
    } finally {
      clearInterval(beat);
    }
  });
});
