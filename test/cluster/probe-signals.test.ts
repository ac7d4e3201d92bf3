import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type ActorRef,
  type ActorSystem,
  type ClusterNode,
  type DownMessage,
  defineActor,
  type ExitMessage,
  type ExitReason,
  exitReason,
  type Reply,
} from '../../src/index.js';
import { LIMITS } from '../support/guard.js';
import { NatsTestCluster, natsUnavailable } from '../support/nats/index.js';
import { Inbox, LIMIT_MS, STEADY, startNode, untilUp } from './node-helpers.js';

/**
 * Outside probe of docs/semantics.md §11–12 across nodes (§25 "Monitors and links then fire
 * locally, exactly as for a local process"; "An explicit ctx.exit(ref, reason) goes to the
 * process's node"): OTP's exit-signal decision table with the receiver on another node, unlink
 * and demonitor taking effect, and a non-trapping link to a pid that is gone.
 */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the signal probes: ${why}`);

type Node = ActorSystem & { cluster: ClusterNode };
type Target =
  | ExitMessage
  | { readonly type: 'seen'; readonly reply: Reply<string[]> }
  | { readonly type: 'crash' };

/** Records the EXIT messages it gets (when trapping), answers `seen`, crashes on demand. */
const target = defineActor<Target, string[], boolean>({
  init(ctx, trap) {
    if (trap) ctx.trapExit(true);
    return [];
  },
  handle(msg, ctx) {
    if (msg.type === 'EXIT') ctx.state.push(`EXIT ${msg.reason.kind}`);
    else if (msg.type === 'seen') msg.reply.send(ctx.state);
    else throw new Error('crash on demand');
  },
});

type Cmd =
  | { type: 'exit'; to: ActorRef<Target>; reason: ExitReason; reply: Reply<string[] | string> }
  | { type: 'unlink'; to: ActorRef<never>; reply: Reply<true> }
  | { type: 'demonitor'; reply: Reply<boolean> };

describe('exit signals, unlink and demonitor across nodes (one server)', { skip: why }, () => {
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

  /**
   * A process on a that sends an exit signal from itself (`ctx.exit`), then asks the target
   * what it has seen: the same sender–receiver pair, so the ask is handled after the signal.
   */
  function signaller(): ActorRef<Cmd> {
    return a.spawn(
      defineActor<Cmd>({
        async handle(msg, ctx) {
          if (msg.type !== 'exit') return;
          ctx.exit(msg.to, msg.reason);
          msg.reply.send(
            await msg.to
              .ask({ type: 'seen' }, { timeout: LIMIT_MS })
              .catch((e: { code?: string }) => e.code ?? 'failed'),
          );
        },
      }),
    );
  }

  const signal = (from: ActorRef<Cmd>, to: ActorRef<Target>, reason: ExitReason) =>
    from.ask({ type: 'exit', to, reason }, { timeout: LIMIT_MS });

  const remoteOf = (ref: ActorRef<Target>): ActorRef<Target> =>
    a.cluster.refOf<Target>(b.cluster.pidOf(ref));

  it('OTP decision table with the receiver on another node: normal ignored untrapped, kill kills a trapping one, others arrive as EXIT', {
    timeout: LIMITS.test,
  }, async () => {
    const from = signaller();
    const plain = b.spawn(target, { args: false });
    assert.deepEqual(await signal(from, remoteOf(plain), exitReason.normal), []);
    assert.ok(b.isAlive(plain), 'normal from another process is ignored when not trapping');

    const trapping = b.spawn(target, { args: true });
    assert.deepEqual(await signal(from, remoteOf(trapping), exitReason.shutdown('x')), [
      'EXIT shutdown',
    ]);
    assert.deepEqual(await signal(from, remoteOf(trapping), exitReason.normal), [
      'EXIT shutdown',
      'EXIT normal',
    ]);
    const ended = b.exited(trapping);
    await signal(from, remoteOf(trapping), exitReason.kill);
    assert.equal((await ended).kind, 'killed', 'kill ends even a trapping process, as killed');

    const victim = b.spawn(target, { args: false });
    const gone = b.exited(victim);
    await signal(from, remoteOf(victim), exitReason.shutdown('y'));
    assert.equal((await gone).kind, 'shutdown');
  });

  it('a non-trapping process linking to a remote pid that is gone ends with noproc', {
    timeout: LIMITS.test,
  }, async () => {
    const dead = b.spawn(target, { args: false });
    const pid = b.cluster.pidOf(dead);
    await b.stop(dead);
    const missing = a.cluster.refOf<never>(pid);
    const linker = a.spawn(
      defineActor<never>({
        init(ctx) {
          ctx.link(missing);
        },
        handle() {},
      }),
    );
    const reason = await a.exited(linker);
    assert.equal(reason.kind, 'noproc');
  });

  it('after unlink and demonitor, a remote crash sends neither EXIT nor DOWN', {
    timeout: LIMITS.test,
  }, async () => {
    const there = b.spawn(target, { args: false });
    const remote = remoteOf(there);
    const got = new Inbox<string>();
    const watcher = a.spawn(
      defineActor<Cmd | ExitMessage | DownMessage, { ref?: unknown }>({
        init(ctx) {
          ctx.trapExit(true);
          ctx.link(remote);
          return { ref: ctx.monitor(remote) };
        },
        handle(msg, ctx) {
          if (msg.type === 'EXIT' || msg.type === 'DOWN')
            got.push(`${msg.type} ${msg.reason.kind}`);
          else if (msg.type === 'unlink') {
            ctx.unlink(msg.to);
            msg.reply.send(true);
          } else if (msg.type === 'demonitor') {
            msg.reply.send(ctx.demonitor(ctx.state.ref as never));
          }
        },
      }),
    );
    await remote.ask({ type: 'seen' }, { timeout: LIMIT_MS });
    await watcher.ask({ type: 'unlink', to: remote as never }, { timeout: LIMIT_MS });
    assert.equal(await watcher.ask({ type: 'demonitor' }, { timeout: LIMIT_MS }), true);
    // A second watcher sees the crash: once its DOWN is here, the first would have had its own.
    const witness = new Inbox<string>();
    a.spawn(
      defineActor<DownMessage>({
        init(ctx) {
          ctx.monitor(remote);
        },
        handle(msg) {
          witness.push(msg.reason.kind);
        },
      }),
    );
    await remote.ask({ type: 'seen' }, { timeout: LIMIT_MS });
    remote.tell({ type: 'crash' });
    assert.equal(await witness.next(), 'error');
    await a.idle();
    assert.ok(a.isAlive(watcher));
    const none = await Promise.race([got.next(50).catch(() => 'none'), Promise.resolve('none')]);
    assert.equal(none, 'none');
  });
});
