import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ActorRef, ActorSystem, ClusterNode, RuntimeError } from '../../src/index.js';
import { LIMITS } from '../support/guard.js';
import { natsUnavailable } from '../support/nats/index.js';
import { type EchoMsg, echo as echoDef } from './actors.js';
import { nextEvent } from './node-helpers.js';
import { probeCluster } from './probe-cluster.js';
import type { ProbeChild } from './probe-runner.js';

/**
 * Outside probe of docs/semantics.md §25 "Spawn across nodes" with "When a node is declared
 * down, every record of its processes ends with noconnection ... every ask pending on them
 * rejects with NoConnectionError": a spawn still in flight when its node is killed.
 */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the spawn probe: ${why}`);

type Node = ActorSystem & { cluster: ClusterNode };

describe('a spawn in flight to a killed node (child process, one server)', { skip: why }, () => {
  const probe = probeCluster();
  let observer: Node;
  const child = (name: string): Promise<ProbeChild> => probe.child(name);
  before(() => {
    ({ observer } = probe);
  });

  it('a spawn in flight to a node that is killed: its stand-in ends noconnection and the ask waiting on it fails ERR_NOCONNECTION', {
    timeout: LIMITS.test,
  }, async () => {
    const node = await child('spawn-target');
    const nodedown = nextEvent(
      observer.cluster,
      (e) => e.type === 'nodedown' && e.node === node.id,
    );
    node.signal('SIGSTOP');
    const standIn = observer.spawn(echoDef, {
      node: node.id,
      args: 'never',
    }) as unknown as ActorRef<EchoMsg>;
    const ended = observer.exited(standIn);
    const asked = standIn.ask({ type: 'whoami' }, { timeout: 600_000 }).then(
      () => 'answered',
      (e: RuntimeError) => e.code,
    );
    node.signal('SIGKILL');
    await nodedown;
    const reason = await ended;
    const detail = JSON.stringify({
      kind: reason.kind,
      error: (reason as { error?: { message?: string; code?: string } }).error?.message,
      code: (reason as { error?: { code?: string } }).error?.code,
    });
    assert.deepEqual(
      { standIn: reason.kind, ask: await asked },
      { standIn: 'noconnection', ask: 'ERR_NOCONNECTION' },
      `the stand-in ended with ${detail}`,
    );
  });
});
