import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { ClusterGroups } from '../../src/cluster/groups.js';
import type { ClusterRegistry } from '../../src/cluster/registry.js';
import {
  type ActorSystem,
  type ClusterNode,
  defineActor,
  type RuntimeError,
} from '../../src/index.js';
import { LIMITS } from '../support/guard.js';
import { natsUnavailable, waitUntil } from '../support/nats/index.js';
import type { EchoMsg } from './actors.js';
import { nextEvent } from './node-helpers.js';
import { probeCluster } from './probe-cluster.js';
import type { ProbeChild } from './probe-runner.js';

/**
 * Outside probes of docs/semantics.md §25 "Fencing" against a node in a child process paused
 * (SIGSTOP) past the acceptable pause: declared down, on SIGCONT it ends with ERR_FENCED, and it
 * never serves again — what it sends when it wakes is dropped, its old pids fail at once, and a
 * registration or group join it makes on waking takes effect nowhere.
 */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the cluster fault probes: ${why}`);

type Node = ActorSystem & { cluster: ClusterNode };

describe('a fenced node never serves again (child processes, one server)', { skip: why }, () => {
  const probe = probeCluster({ services: true });
  let observer: Node;
  let registry: ClusterRegistry;
  let groups: ClusterGroups;
  const child = (name: string): Promise<ProbeChild> => probe.child(name);
  before(() => {
    ({ observer, registry, groups } = probe);
  });

  it('a node paused past the acceptable pause never serves again: what it sends on SIGCONT is dropped, its old pids fail at once', {
    timeout: LIMITS.test,
  }, async () => {
    const node = await child('zombie');
    const got: { n: number; at: number }[] = [];
    const collector = observer.spawn(
      defineActor<{ n: number; from: string }>({
        handle(msg) {
          got.push({ n: msg.n, at: Date.now() });
        },
      }),
    );
    await node.call({ type: 'tick', to: observer.cluster.pidOf(collector), every: 20 });
    await waitUntil(() => got.length >= 5, 'ticks to arrive');
    const echo = observer.cluster.refOf<EchoMsg>(node.echo);
    const nodedown = nextEvent(
      observer.cluster,
      (e) => e.type === 'nodedown' && e.node === node.id,
    );
    node.signal('SIGSTOP');
    // An ask queued while it is stopped: it fails at the verdict, and the answer the zombie
    // may send on waking must not be taken.
    const queued = echo.ask({ type: 'whoami' }, { timeout: 600_000 }).then(
      () => 'answered',
      (e: RuntimeError) => e.code,
    );
    const verdict = await nodedown;
    const verdictAt = verdict.at;
    assert.equal(await queued, 'ERR_NOCONNECTION');
    const countAtVerdict = got.length;
    const dropped: string[] = [];
    const offLetters = observer.deadLetters.subscribe((d) => {
      if (d.address === `node:${node.id}`) dropped.push(d.reason);
    });
    node.signal('SIGCONT');
    const ended = await node.next((r) => r.type === 'ended');
    assert.equal(ended.fenced, 'ERR_FENCED');
    await node.exited;
    // The old pid fails at once; nothing the zombie sent after the verdict was delivered.
    await assert.rejects(echo.ask({ type: 'whoami' }, { timeout: 600_000 }), {
      code: 'ERR_NOCONNECTION',
    });
    await observer.idle();
    const afterVerdict = got.filter((g) => g.at > verdictAt);
    assert.deepEqual(afterVerdict, [], `delivered from the fenced incarnation after the verdict`);
    assert.equal(got.length, countAtVerdict);
    offLetters();
    console.log(
      `# the fenced incarnation's frames dropped after SIGCONT: ${dropped.length} (${[...new Set(dropped)].join(', ')})`,
    );
  });

  it('a paused node past the verdict: a registration and a group join it makes on waking do not take effect anywhere', {
    timeout: LIMITS.test,
  }, async () => {
    const node = await child('late-writer');
    const nodedown = nextEvent(
      observer.cluster,
      (e) => e.type === 'nodedown' && e.node === node.id,
    );
    node.signal('SIGSTOP');
    await nodedown;
    // Queued while it is stopped: the first things it does when it wakes.
    const reg = node.call({ type: 'register', name: 'zombie-name' });
    const join = node.call({ type: 'join', group: 'zombie-group', count: 1 });
    node.signal('SIGCONT');
    const ended = await node.next((r) => r.type === 'ended');
    assert.equal(ended.fenced, 'ERR_FENCED');
    const outcomes = await Promise.race([
      Promise.all([reg, join]).then((r) => r.map((x) => `${x.ok}${x.code ? ` ${x.code}` : ''}`)),
      node.exited.then(() => ['no answer before it exited']),
    ]);
    console.log(`# the zombie's register / join on waking: ${JSON.stringify(outcomes)}`);
    await node.exited;
    assert.equal(registry.whereis('zombie-name'), undefined);
    assert.deepEqual(groups.members('zombie-group'), []);
    // Nothing of it is in the store either, once the reconcile had its chance: a name the
    // zombie wrote would be owned by a down node (§25.R releases it at the reconcile).
    await waitUntil(
      async () => (await registry.whereisStrict('zombie-name')) === undefined,
      'the store to hold no name of the zombie',
    );
    const mine = observer.spawn(defineActor<never>({ handle() {} }));
    await registry.register('zombie-name', observer.cluster.pidOf(mine));
  });
});
