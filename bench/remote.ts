/**
 * Messaging between two OS processes through a NATS server — the anchors
 * the cluster's remote figures are read against, in the same run as Erlang
 * distribution (bench/erlang/remote.erl):
 *  - one-way: N messages of 128 bytes to the other process, timed until it
 *    has received them all;
 *  - ping-pong: N/10 sequential round trips;
 *  - call: N/10 sequential request-replies, each timed on its own.
 *
 * `--impl baseline` is raw NATS with the runtime's client (`@nats-io`
 * v3): publish to the peer's subject, the peer counts; ping-pong replies to
 * this process's own subscription (the runtime's own-correlation ask);
 * call is `nc.request`. `--impl airssys` is the same traffic between two
 * runtime nodes (`createSystem({ cluster })`): remote tell, remote ask. The
 * program starts its own nats-server (test/support/nats) on free loopback
 * ports, and the peer as a child process.
 *
 * Prints `RESULT {"onewayPerSec":…,"pingpongPerSec":…,"callP50Us":…,"callP99Us":…}`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { APP_USER, NatsTestCluster } from '../test/support/nats/index.js';
import { childOptions, emit, fullGc, now, quantile, runMain } from './common.js';
import { remoteAirssys, remoteAirssysPeer } from './remote-airssys.js';

const DEFAULT_MESSAGES = 200_000;
const PAYLOAD = new Uint8Array(128).fill(7);
const PEER_ENV = 'AIRSSYS_BENCH_REMOTE_PEER';

/** What one run measured. */
export interface RemoteFigures {
  readonly onewayPerSec: number;
  readonly pingpongPerSec: number;
  readonly callP50Us: number;
  readonly callP99Us: number;
}

/** The peer process: the other end of every measurement, on its own connection. */
async function rawPeer(url: string): Promise<void> {
  const nc = await connect({ servers: url, ...APP_USER });
  let expected = 0;
  let received = 0;
  nc.subscribe('bench.expect', {
    callback: (_e, msg) => {
      expected = Number(msg.string());
      received = 0;
      msg.respond('ok');
    },
  });
  nc.subscribe('bench.sink', {
    callback: () => {
      if (++received === expected) nc.publish('bench.done', String(received));
    },
  });
  nc.subscribe('bench.echo', {
    callback: (_e, msg) => {
      msg.respond(msg.data);
    },
  });
  await nc.flush();
  process.send?.('ready');
  await new Promise<void>((resolve) => process.once('disconnect', resolve));
  await nc.close();
}

async function rawOneway(nc: NatsConnection, n: number): Promise<number> {
  await nc.request('bench.expect', String(n), { timeout: 30_000 });
  const done = new Promise<void>((resolve) => {
    const sub = nc.subscribe('bench.done', { max: 1, callback: () => resolve() });
    void sub;
  });
  await nc.flush();
  const t0 = now();
  for (let i = 0; i < n; i++) nc.publish('bench.sink', PAYLOAD);
  await done;
  return n / ((now() - t0) / 1000);
}

async function rawPingpong(nc: NatsConnection, rounds: number): Promise<number> {
  const inbox = `bench.pong.${process.pid}`;
  let wake: () => void = () => {};
  const sub = nc.subscribe(inbox, { callback: () => wake() });
  await nc.flush();
  const t0 = now();
  for (let i = 0; i < rounds; i++) {
    const answered = new Promise<void>((resolve) => {
      wake = resolve;
    });
    nc.publish('bench.echo', PAYLOAD, { reply: inbox });
    await answered;
  }
  const rate = rounds / ((now() - t0) / 1000);
  sub.unsubscribe();
  return rate;
}

async function rawCalls(nc: NatsConnection, calls: number): Promise<Float64Array> {
  const samples = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t0 = now();
    await nc.request('bench.echo', PAYLOAD, { timeout: 30_000 });
    samples[i] = now() - t0;
  }
  return samples;
}

async function raw(url: string, n: number, warm: boolean): Promise<RemoteFigures> {
  const nc = await connect({ servers: url, ...APP_USER });
  const rounds = Math.max(1, Math.floor(n / 10));
  if (warm) {
    await rawOneway(nc, Math.max(1, Math.floor(n / 10)));
    await rawPingpong(nc, Math.max(1, Math.floor(rounds / 10)));
    await rawCalls(nc, Math.max(1, Math.floor(rounds / 10)));
    fullGc();
  }
  const onewayPerSec = await rawOneway(nc, n);
  const pingpongPerSec = await rawPingpong(nc, rounds);
  const samples = (await rawCalls(nc, rounds)).sort();
  await nc.close();
  return {
    onewayPerSec,
    pingpongPerSec,
    callP50Us: quantile(samples, 0.5) * 1000,
    callP99Us: quantile(samples, 0.99) * 1000,
  };
}

/** Starts this program again as the peer; resolves with it and its first message once it is ready. */
async function startPeer(
  url: string,
  impl: string,
): Promise<{ child: ChildProcess; hello: unknown }> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [script, '--impl', impl], {
    env: { ...process.env, [PEER_ENV]: url },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const hello = await new Promise<unknown>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) =>
      reject(new Error(`the peer exited (${code}) before it was ready`)),
    );
  });
  return { child, hello };
}

const peerUrl = process.env[PEER_ENV];
runMain(async () => {
  const options = childOptions();
  if (peerUrl !== undefined) {
    await (options.impl === 'airssys' ? remoteAirssysPeer(peerUrl) : rawPeer(peerUrl));
    return;
  }
  const n = options.n ?? DEFAULT_MESSAGES;
  const nats = await NatsTestCluster.start();
  const url = nats.server(0).url;
  const { child: peer, hello } = await startPeer(url, options.impl);
  try {
    const figures =
      options.impl === 'airssys'
        ? await remoteAirssys(url, n, !options.noWarmup, Promise.resolve(hello))
        : await raw(url, n, !options.noWarmup);
    emit({ ...figures });
  } finally {
    peer.disconnect();
    await new Promise((resolve) => peer.once('exit', resolve));
    await nats.stop();
  }
});
