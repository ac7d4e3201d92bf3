/**
 * The airssys side of bench/remote.ts: the same traffic between two runtime
 * nodes (`createSystem({ cluster })`) in two OS processes — remote tell for
 * one-way, tell/tell round trips for ping-pong, remote ask for call. The
 * peer spawns the sink and the echo server and hands their cluster pids to
 * the parent over IPC; the parent turns them into refs.
 */
import type { ActorRef, Reply } from '../src/index.js';
import { createSystem, defineActor } from '../src/index.js';
import { APP_USER } from '../test/support/nats/index.js';
import { fullGc, now, quantile } from './common.js';
import type { RemoteFigures } from './remote.js';

const DATA = 'x'.repeat(128);

type SinkMsg =
  | { readonly type: 'expect'; readonly n: number; readonly notify: ActorRef<DoneMsg> }
  | { readonly type: 'm'; readonly data: string };
type DoneMsg = { readonly type: 'done'; readonly n: number };
type EchoMsg =
  | { readonly type: 'ping'; readonly from: ActorRef<PongMsg> }
  | { readonly type: 'get'; readonly reply: Reply<number> };
type PongMsg = { readonly type: 'pong' };

interface PeerPids {
  readonly sink: { node: string; id: number };
  readonly echo: { node: string; id: number };
}

const sink = defineActor<
  SinkMsg,
  { expected: number; received: number; notify?: ActorRef<DoneMsg> }
>({
  label: 'remote sink',
  init: () => ({ expected: 0, received: 0 }),
  handle(msg, ctx) {
    const s = ctx.state;
    if (msg.type === 'expect') {
      s.expected = msg.n;
      s.received = 0;
      s.notify = msg.notify;
      return;
    }
    if (++s.received === s.expected) s.notify?.tell({ type: 'done', n: s.received });
  },
});

const echo = defineActor<EchoMsg>({
  label: 'remote echo',
  handle(msg) {
    if (msg.type === 'ping') msg.from.tell({ type: 'pong' });
    else msg.reply.send(42);
  },
});

/**
 * A node's heartbeats travel behind its frames on the same connection: a
 * receiver with seconds of one-way backlog (a loaded machine) reads them
 * late and would declare the sender down mid-run, so the bench allows the
 * pause Erlang's default `net_ticktime` (60 s) allows.
 */
const ACCEPTABLE_PAUSE_MS = 60_000;

function clusterOptions(url: string, name: string) {
  return {
    servers: url,
    name,
    acceptablePause: ACCEPTABLE_PAUSE_MS,
    connectOptions: { ...APP_USER },
  };
}

/** The peer: a node with the sink and the echo server, until the parent disconnects. */
export async function remoteAirssysPeer(url: string): Promise<void> {
  const system = createSystem({ cluster: clusterOptions(url, 'bench-peer') });
  const cluster = system.cluster;
  if (cluster === undefined) throw new Error('no cluster');
  await cluster.ready;
  const pids: PeerPids = {
    sink: cluster.pidOf(system.spawn(sink) as unknown as ActorRef<unknown>),
    echo: cluster.pidOf(system.spawn(echo) as unknown as ActorRef<unknown>),
  };
  process.send?.(pids);
  await new Promise<void>((resolve) => process.once('disconnect', resolve));
  await system.shutdown();
}

/** The parent's measurements against the peer's processes. */
export async function remoteAirssys(
  url: string,
  n: number,
  warm: boolean,
  pidsFromPeer: Promise<unknown>,
): Promise<RemoteFigures> {
  const system = createSystem({ cluster: clusterOptions(url, 'bench-main') });
  const cluster = system.cluster;
  if (cluster === undefined) throw new Error('no cluster');
  await cluster.ready;
  const pids = (await pidsFromPeer) as PeerPids;
  if (!cluster.isUp(pids.sink.node)) {
    await new Promise<void>((resolve) => {
      const stop = cluster.events.subscribe((e) => {
        if (e.type === 'nodeup' && e.node === pids.sink.node) {
          stop();
          resolve();
        }
      });
    });
  }
  const sinkRef = cluster.refOf<SinkMsg>(pids.sink);
  const echoRef = cluster.refOf<EchoMsg>(pids.echo);

  let onDone: (n: number) => void = () => {};
  const done = system.spawn(
    defineActor<DoneMsg>({
      handle(msg) {
        onDone(msg.n);
      },
    }),
  );
  const oneway = async (count: number): Promise<number> => {
    const finished = new Promise<number>((resolve) => {
      onDone = resolve;
    });
    sinkRef.tell({ type: 'expect', n: count, notify: done });
    const t0 = now();
    for (let i = 0; i < count; i++) sinkRef.tell({ type: 'm', data: DATA });
    await finished;
    return count / ((now() - t0) / 1000);
  };

  let onPong: () => void = () => {};
  const pinger = system.spawn(
    defineActor<PongMsg>({
      handle() {
        onPong();
      },
    }),
  );
  const pingpong = async (rounds: number): Promise<number> => {
    const t0 = now();
    for (let i = 0; i < rounds; i++) {
      const answered = new Promise<void>((resolve) => {
        onPong = resolve;
      });
      echoRef.tell({ type: 'ping', from: pinger });
      await answered;
    }
    return rounds / ((now() - t0) / 1000);
  };

  const calls = async (count: number): Promise<Float64Array> => {
    const samples = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const t0 = now();
      const value = (await echoRef.ask({ type: 'get' }, { timeout: 30_000 })) as number;
      samples[i] = now() - t0;
      if (value !== 42) throw new Error(`got ${value}`);
    }
    return samples;
  };

  const rounds = Math.max(1, Math.floor(n / 10));
  if (warm) {
    await oneway(Math.max(1, Math.floor(n / 10)));
    await pingpong(Math.max(1, Math.floor(rounds / 10)));
    await calls(Math.max(1, Math.floor(rounds / 10)));
    fullGc();
  }
  const onewayPerSec = await oneway(n);
  const pingpongPerSec = await pingpong(rounds);
  const samples = (await calls(rounds)).sort();
  await system.shutdown();
  return {
    onewayPerSec,
    pingpongPerSec,
    callP50Us: quantile(samples, 0.5) * 1000,
    callP99Us: quantile(samples, 0.99) * 1000,
  };
}
