import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type ActorRef,
  type ActorSystem,
  type ClusterNode,
  defineActor,
  portable,
  type RuntimeError,
} from '../../src/index.js';
import { LIMITS } from '../support/guard.js';
import { NatsTestCluster, natsUnavailable } from '../support/nats/index.js';
import { type EchoMsg, echo } from './actors.js';
import { LIMIT_MS, STEADY, startNode, untilUp } from './node-helpers.js';

/**
 * docs/semantics.md §25, "Spawn across nodes": a node loads only `file:` module URLs for
 * peers by default, `allowSpawn` changes which — but never a `data:` URL, which is the
 * peer's own code: it is refused before `allowSpawn` is asked, and the spawn fails on the
 * asking node with `ERR_DENIED`.
 */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the spawn policy tests: ${why}`);

type Node = ActorSystem & { cluster: ClusterNode };
type Ran = { __spawnPolicyRan?: number };

describe('what a peer may make a node load (one server)', { skip: why }, () => {
  let nats: NatsTestCluster;
  let a: Node;
  let open: Node;
  const asked: string[] = [];
  before(async () => {
    nats = await NatsTestCluster.start();
    a = await startNode(nats, 'a', STEADY);
    open = await startNode(nats, 'open', {
      ...STEADY,
      allowSpawn: (url) => {
        asked.push(url);
        return true;
      },
    });
    await untilUp(a.cluster, open.cluster.id);
  });
  after(async () => {
    await Promise.all([a?.shutdown(), open?.shutdown()]);
    await nats?.stop();
  });

  it('never data:, even where allowSpawn allows every URL: ERR_DENIED, no peer code runs', {
    timeout: LIMITS.test,
  }, async () => {
    const url = 'data:text/javascript,globalThis.__spawnPolicyRan=1;export const x={handle(){}};';
    const def = portable(url, 'x', defineActor<unknown>({ handle() {} }));
    const ref = a.spawn(def, { node: open.cluster.id });
    const reason = await a.exited(ref);
    assert.equal(reason.kind, 'error');
    const error = (reason as { error?: RuntimeError }).error;
    assert.equal(error?.code, 'ERR_DENIED');
    assert.match(error?.message ?? '', /data: URL/);
    assert.equal((globalThis as Ran).__spawnPolicyRan, undefined);
    assert.deepEqual(asked, [], 'allowSpawn was asked about a data: URL');
  });

  it('allowSpawn decides the rest: a file: definition it allows runs there', {
    timeout: LIMITS.test,
  }, async () => {
    const ref = a.spawn(echo, { node: open.cluster.id, args: 'allowed' }) as ActorRef<EchoMsg>;
    assert.equal(await ref.ask({ type: 'whoami' }, { timeout: LIMIT_MS }), 'allowed');
    assert.deepEqual(asked, [new URL('./actors.js', import.meta.url).href]);
    await a.stop(ref);
  });
});
