import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type ActorSystem,
  type ClusterNode,
  defineActor,
  type Reply,
  type RuntimeError,
} from '../../src/index.js';
import { LIMITS } from '../support/guard.js';
import { NatsTestCluster, natsUnavailable } from '../support/nats/index.js';
import { LIMIT_MS, nextDeadLetter, STEADY, startNode, untilUp } from './node-helpers.js';

/**
 * Outside probe of location transparency (docs/semantics.md §25 "Every address works the
 * same whether its target is local or remote", §5 Asking): an ask to a remote pid fails the
 * way a local one does — ERR_PROCESS_EXITED when the target exits before replying, ERR_NOPROC
 * when it is dead or unknown, ERR_CALL_TIMEOUT with a late reply a dead letter `late-reply` —
 * and never waits out a long timeout for an answer that cannot come.
 */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the ask probes: ${why}`);

type Node = ActorSystem & { cluster: ClusterNode };
type Req = { readonly type: 'crash' | 'stop' | 'slow'; readonly reply: Reply<string> };

/**
 * How late a 'slow' request is answered: far past the 50 ms ask timeout it is
 * sent with, so that on a busy machine the timeout still comes first (the gap
 * is a margin, not a speed check).
 */
const LATE_REPLY_MS = 5_000;

/** Crashes or stops without replying, or replies after {@link LATE_REPLY_MS}. */
const victim = defineActor<Req>({
  handle(msg, ctx) {
    if (msg.type === 'crash') throw new Error('died mid-ask');
    if (msg.type === 'stop') {
      ctx.stop();
      return;
    }
    setTimeout(() => msg.reply.send('late'), LATE_REPLY_MS);
  },
});

/** The code an ask ends with, or 'hung' when it has not settled within the hang guard. */
function settle(p: Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(
      () => 'answered',
      (e: RuntimeError) => e.code ?? String(e),
    ),
    new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve('hung'), LIMIT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

const LONG = { timeout: 600_000 };

describe('asks to remote pids fail as local ones do (one server)', { skip: why }, () => {
  let nats: NatsTestCluster;
  let a: Node;
  let b: Node;
  before(async () => {
    nats = await NatsTestCluster.start();
    a = await startNode(nats, 'a', STEADY);
    b = await startNode(nats, 'b', STEADY);
    await untilUp(a.cluster, b.cluster.id);
  });
  after(async () => {
    await Promise.all([a?.shutdown(), b?.shutdown()]);
    await nats?.stop();
  });

  it('the local baseline: exits before replying are ERR_PROCESS_EXITED, a dead target ERR_NOPROC', {
    timeout: LIMITS.test,
  }, async () => {
    assert.equal(await settle(a.spawn(victim).ask({ type: 'crash' }, LONG)), 'ERR_PROCESS_EXITED');
    assert.equal(await settle(a.spawn(victim).ask({ type: 'stop' }, LONG)), 'ERR_PROCESS_EXITED');
    const dead = a.spawn(victim);
    await a.stop(dead);
    assert.equal(await settle(dead.ask({ type: 'slow' }, LONG)), 'ERR_NOPROC');
  });

  it('a remote target that crashes before replying: ERR_PROCESS_EXITED, not a wait for the timeout', {
    timeout: LIMITS.test,
  }, async () => {
    const ref = a.cluster.refOf<Req>(b.cluster.pidOf(b.spawn(victim)));
    assert.equal(await settle(ref.ask({ type: 'crash' }, LONG)), 'ERR_PROCESS_EXITED');
  });

  it('a remote target that stops before replying: ERR_PROCESS_EXITED', {
    timeout: LIMITS.test,
  }, async () => {
    const ref = a.cluster.refOf<Req>(b.cluster.pidOf(b.spawn(victim)));
    assert.equal(await settle(ref.ask({ type: 'stop' }, LONG)), 'ERR_PROCESS_EXITED');
  });

  it('a remote pid that has exited, or never existed on a live node: ERR_NOPROC', {
    timeout: LIMITS.test,
  }, async () => {
    const dead = b.spawn(victim);
    const pid = b.cluster.pidOf(dead);
    await b.stop(dead);
    assert.equal(await settle(a.cluster.refOf<Req>(pid).ask({ type: 'slow' }, LONG)), 'ERR_NOPROC');
    const unknown = a.cluster.refOf<Req>({ node: b.cluster.id, id: 987_654 });
    assert.equal(await settle(unknown.ask({ type: 'slow' }, LONG)), 'ERR_NOPROC');
  });

  it('a remote ask that times out is ERR_CALL_TIMEOUT, and its late reply a dead letter late-reply', {
    timeout: LIMITS.test,
  }, async () => {
    const ref = a.cluster.refOf<Req>(b.cluster.pidOf(b.spawn(victim)));
    const late = nextDeadLetter(a, (d) => d.reason === 'late-reply');
    assert.equal(await settle(ref.ask({ type: 'slow' }, { timeout: 50 })), 'ERR_CALL_TIMEOUT');
    const letter = await late;
    assert.equal(letter.message, 'late');
  });

  it('a monitor or a trapped link of a remote pid that does not exist: DOWN and EXIT noproc', {
    timeout: LIMITS.test,
  }, async () => {
    const missing = a.cluster.refOf<never>({ node: b.cluster.id, id: 876_543 });
    const signals: string[] = [];
    const got = new Promise<void>((resolve) => {
      a.spawn(
        defineActor<{ type: string; reason: { kind: string } }>({
          init(ctx) {
            ctx.trapExit(true);
            ctx.monitor(missing);
            ctx.link(missing);
          },
          handle(msg) {
            signals.push(`${msg.type} ${msg.reason.kind}`);
            if (signals.length === 2) resolve();
          },
        }),
      );
    });
    assert.equal(await settle(got), 'answered');
    assert.deepEqual(signals.sort(), ['DOWN noproc', 'EXIT noproc']);
  });
});
