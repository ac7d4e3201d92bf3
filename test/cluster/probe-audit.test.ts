import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type ActorSystem,
  type ClusterNode,
  type DownMessage,
  defineActor,
} from '../../src/index.js';
import { LIMITS } from '../support/guard.js';
import { APP_USER, NatsTestCluster, natsUnavailable } from '../support/nats/index.js';
import { type EchoMsg, echo } from './actors.js';
import { Inbox, LIMIT_MS, startNode, untilUp } from './node-helpers.js';

/**
 * Outside chaos probe of docs/semantics.md §25 "Outgoing monitors are audited (re-sent; the
 * node answers down for what is gone) after every reconnect": the watcher's server is frozen
 * (SIGSTOP) while the watched process dies, so the `down` frame is routed into it, then killed
 * (SIGKILL), so that frame is lost. The watcher reconnects to another server, audits, and its
 * DOWN must still come.
 */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the monitor audit probe: ${why}`);

type Node = ActorSystem & { cluster: ClusterNode };
/** No verdict or fence while a server is frozen: this probe is about the audit. */
const CALM = { acceptablePause: 60_000, fenceAfter: 120_000, heartbeatInterval: 500, replicas: 3 };

describe('a DOWN lost with a server comes back through the audit (three servers)', {
  skip: why,
}, () => {
  let nats: NatsTestCluster;
  let a: Node;
  let b: Node;
  before(async () => {
    nats = await NatsTestCluster.start({ size: 3 });
    const [s1, s2, s3] = nats.urls as [string, string, string];
    a = await startNode(nats, 'a', {
      servers: [s1, s2, s3],
      connectOptions: { ...APP_USER, noRandomize: true },
      ...CALM,
    });
    b = await startNode(nats, 'b', {
      servers: [s2, s3],
      connectOptions: { ...APP_USER, noRandomize: true, ignoreClusterUpdates: true },
      ...CALM,
    });
    await untilUp(a.cluster, b.cluster.id);
  });
  after(async () => {
    await Promise.all([a?.shutdown(), b?.shutdown()]);
    await nats?.stop();
  });

  it("the watched process dies while the watcher's server is frozen, then that server is killed: DOWN still arrives", {
    timeout: LIMITS.test,
  }, async () => {
    const target = b.spawn(echo);
    const remote = a.cluster.refOf<EchoMsg>(b.cluster.pidOf(target));
    const downs = new Inbox<DownMessage>();
    a.spawn(
      defineActor<DownMessage>({
        init(ctx) {
          ctx.monitor(remote);
        },
        handle(msg) {
          downs.push(msg);
        },
      }),
    );
    // The monitor is in place there once an ask on the same connection is answered.
    assert.equal(await remote.ask({ type: 'whoami' }, { timeout: LIMIT_MS }), 'echo');
    nats.pause(0);
    const ended = b.exited(target);
    b.exit(target, { kind: 'shutdown' } as never);
    await ended;
    await b.idle();
    // Give b's `down` frame time to be routed into the frozen server (not a wait on an event
    // of the runtime: nothing can be observed while the server is frozen).
    await new Promise((r) => setTimeout(r, 300));
    await nats.kill(0);
    const down = await downs.next(LIMIT_MS * 2);
    console.log(`# DOWN after the lost frame: ${down.reason.kind}`);
    assert.ok(['shutdown', 'noproc'].includes(down.reason.kind));
  });
});
