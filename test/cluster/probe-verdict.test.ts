import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ActorSystem, ClusterNode } from '../../src/index.js';
import { LIMITS } from '../support/guard.js';
import { natsUnavailable } from '../support/nats/index.js';
import { LIMIT_MS, nextEvent } from './node-helpers.js';
import { probeCluster } from './probe-cluster.js';
import type { ProbeChild } from './probe-runner.js';

/**
 * Outside probe of docs/semantics.md §25 "Membership and failure detection" and "Fencing" with
 * four nodes: a verdict is applied by every node (each hears `nodedown` with reason `down`),
 * nobody else is declared down, and two nodes paused at once are both declared down by the two
 * that remain and both end with ERR_FENCED when they resume.
 */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the verdict probes: ${why}`);

type Node = ActorSystem & { cluster: ClusterNode };

describe('verdicts among four nodes (child processes, one server)', { skip: why }, () => {
  const probe = probeCluster();
  let observer: Node;
  const start = (name: string): Promise<ProbeChild> => probe.child(name);
  before(() => {
    ({ observer } = probe);
  });

  /** Resolves once `child` reports an event `type` about `node`. */
  const heard = (child: ProbeChild, type: string, node: string) =>
    child.next((r) => {
      const e = r.event as { type?: string; node?: string } | undefined;
      return r.type === 'event' && e?.type === type && e.node === node;
    });

  it('a killed node: every other node hears nodedown, and nobody else is declared down', {
    timeout: LIMITS.test,
  }, async () => {
    const [x, y, z] = [await start('vx'), await start('vy'), await start('vz')] as [
      ProbeChild,
      ProbeChild,
      ProbeChild,
    ];
    for (const c of [x, y])
      for (const o of [x, y, z]) if (c !== o) await heard(c, 'nodeup', o.id).catch(() => undefined);
    const downs: string[] = [];
    const off = observer.cluster.events.subscribe((e) => {
      if (e.type === 'nodedown') downs.push(e.node);
    });
    const atObserver = nextEvent(observer.cluster, (e) => e.type === 'nodedown' && e.node === z.id);
    const atX = heard(x, 'nodedown', z.id);
    const atY = heard(y, 'nodedown', z.id);
    z.signal('SIGKILL');
    await Promise.all([atObserver, atX, atY]);
    // One more verdict-free round trip on every survivor before counting.
    for (const c of [x, y]) {
      assert.equal(
        await observer.cluster
          .refOf(c.echo)
          .ask({ type: 'whoami' } as never, { timeout: LIMIT_MS }),
        c.id,
      );
    }
    off();
    assert.deepEqual(downs, [z.id]);
    assert.ok(observer.cluster.isUp(x.id) && observer.cluster.isUp(y.id));
  });

  it('two of four nodes paused at once: both declared down by the two that remain; both fenced on waking', {
    timeout: LIMITS.test,
  }, async () => {
    const [p, q, r] = [await start('pp'), await start('pq'), await start('pr')] as [
      ProbeChild,
      ProbeChild,
      ProbeChild,
    ];
    await heard(r, 'nodeup', p.id).catch(() => undefined);
    await heard(r, 'nodeup', q.id).catch(() => undefined);
    const downP = nextEvent(observer.cluster, (e) => e.type === 'nodedown' && e.node === p.id);
    const downQ = nextEvent(observer.cluster, (e) => e.type === 'nodedown' && e.node === q.id);
    const atR = Promise.all([heard(r, 'nodedown', p.id), heard(r, 'nodedown', q.id)]);
    p.signal('SIGSTOP');
    q.signal('SIGSTOP');
    await Promise.all([downP, downQ, atR]);
    p.signal('SIGCONT');
    q.signal('SIGCONT');
    const ended = await Promise.all([p, q].map((c) => c.next((m) => m.type === 'ended')));
    assert.deepEqual(
      ended.map((e) => e.fenced),
      ['ERR_FENCED', 'ERR_FENCED'],
    );
    assert.ok(observer.cluster.isUp(r.id));
  });
});
