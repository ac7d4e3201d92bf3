import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection, Status } from '@nats-io/nats-core';
import { heartbeatSubject } from '../../src/cluster/heartbeat-subject.js';
import type { ActorSystem, ClusterNode } from '../../src/index.js';
import { LIMITS } from '../support/guard.js';
import { NatsTestCluster, natsUnavailable, nodeUser } from '../support/nats/index.js';
import { FAST, LIMIT_MS, nextEvent, startNode, untilUp } from './node-helpers.js';
import { ProbeChild } from './probe-runner.js';

/**
 * docs/semantics.md §25, "Peer authentication": a heartbeat names its node only in its
 * subject (`<root>.<cluster>.hb.<name>.<incarnation>`), so who may beat for a node is the
 * server's permissions' to say. With the per-node-name users §25 recommends (each may
 * publish the heartbeats of its own name only, `…hb.<name>.*`), a credential holder cannot
 * keep a killed node up by beating for it: the server denies the forged beats, and the dead
 * node is declared down. Under one permission for every node (`<root>.<cluster>.>`) any
 * node can beat under any id: a trust-model limit §25 lists.
 */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the heartbeat-spoofing probe: ${why}`);

type Node = ActorSystem & { cluster: ClusterNode };

describe('forged heartbeats under per-node-name users (child process, one server)', {
  skip: why,
}, () => {
  let nats: NatsTestCluster;
  let observer: Node;
  let forger: NatsConnection;
  let victim: ProbeChild | undefined;
  before(async () => {
    nats = await NatsTestCluster.start();
    observer = await startNode(nats, 'observer', {
      fenceAfter: LIMIT_MS,
      connectOptions: nodeUser('observer'),
    });
    // Another node's credentials, in a raw client.
    forger = await nats.connect(nodeUser('forger'));
  });
  after(async () => {
    await victim?.stop();
    await observer?.shutdown();
    await nats?.stop();
  });

  it("a killed node is declared down although another node's user keeps publishing its heartbeat: the server denies every forged beat", {
    timeout: LIMITS.test,
  }, async () => {
    victim = await ProbeChild.start({
      servers: nats.urls,
      name: 'spoofed',
      connectOptions: nodeUser('spoofed'),
      ...FAST,
    });
    await untilUp(observer.cluster, victim.id);
    const subject = heartbeatSubject('airssys.airssys', victim.id);
    const denied = deniedPublish(forger, subject);
    const beat = setInterval(() => forger.publish(subject, new TextEncoder().encode('{}')), 50);
    try {
      const nodedown = nextEvent(
        observer.cluster,
        (e) => e.type === 'nodedown' && e.node === victim?.id,
      );
      assert.equal(await denied, subject, 'the server refused the forged heartbeat');
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

/** Resolves with the subject of the first publish on `nc` the server denies on `subject`. */
function deniedPublish(nc: NatsConnection, subject: string): Promise<string> {
  const statuses = nc.status() as AsyncIterable<Status> & { stop?: () => void };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      statuses.stop?.();
      reject(new Error(`no denial of ${subject} within ${LIMIT_MS} ms`));
    }, LIMIT_MS);
    void (async () => {
      for await (const status of statuses) {
        const error = (status as { error?: { operation?: string; subject?: string } }).error;
        if (status.type !== 'error' || error?.subject !== subject) continue;
        if (error.operation !== 'publish') continue;
        clearTimeout(timer);
        statuses.stop?.();
        resolve(error.subject);
        return;
      }
    })();
  });
}
