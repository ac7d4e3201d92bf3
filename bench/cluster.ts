/**
 * Two cluster nodes over one local nats-server (started here, on a free
 * loopback port): one-way remote tell throughput (n messages to a counting
 * actor on the other node) and remote ask latency (sequential asks). The
 * `baseline` is raw NATS with the same client: pub/sub of a small payload
 * to a counting subscriber, and `nc.request` request-reply — what the
 * runtime adds on top of NATS is the ratio.
 *
 * A third figure is what resolving a `{ name, node }` address's node by
 * name at every send costs: the same one-way tells through
 * `cluster.named(name, nodeName)` ÷ through `cluster.named(name, nodeId)`
 * (both address frames, resolved by name on the receiving node), in
 * halves of the same run, id first then name first (raw NATS has no names: 1 by
 * definition).
 *
 * Prints `RESULT {"tellPerSec": …, "byNameVsById": …, "askP50Us": …, "askP99Us": …}`.
 */
import type { NatsConnection } from '@nats-io/nats-core';
import {
  type ActorRef,
  type Address,
  createSystem,
  defineActor,
  type Reply,
} from '../src/index.js';
import { APP_USER, NatsTestCluster, natsUnavailable } from '../test/support/nats/index.js';
import { childOptions, emit, now, quantile, runMain } from './common.js';

const ASKS = 5_000;
const PAYLOAD = { kind: 'sample', n: 0, text: 'x'.repeat(80) };

type CountMsg = { readonly n: number } | { readonly type: 'get'; readonly reply: Reply<number> };

function summary(tellPerSec: number, byNameVsById: number, samples: Float64Array): void {
  samples.sort();
  emit({
    tellPerSec,
    byNameVsById,
    askP50Us: quantile(samples, 0.5) * 1000,
    askP99Us: quantile(samples, 0.99) * 1000,
  });
}

async function airssys(nats: NatsTestCluster, n: number): Promise<void> {
  const opts = (name: string) => ({
    cluster: { servers: nats.urls, name, connectOptions: APP_USER },
  });
  const a = createSystem(opts('bench-a'));
  const b = createSystem(opts('bench-b'));
  await a.cluster?.ready;
  await b.cluster?.ready;
  let done: () => void = () => {};
  let target = 0;
  const counter = b.spawn(
    defineActor<CountMsg, number>({
      init: () => 0,
      handle(msg, ctx) {
        if ('type' in msg) {
          msg.reply.send(ctx.state);
          return;
        }
        if (++ctx.state === target) done();
      },
    }),
    { name: 'count' },
  );
  const remote = a.cluster?.refOf<CountMsg>(
    b.cluster?.pidOf(counter) as never,
  ) as ActorRef<CountMsg>;
  /** `count` tells to `to`, until the counter has them all: the seconds they took. */
  const oneWay = async (to: Address<CountMsg>, count: number): Promise<number> => {
    target += count;
    const finished = new Promise<void>((r) => {
      done = r;
    });
    const t0 = now();
    // Sent in slices so the client's buffer drains between them.
    for (let i = 0; i < count; i += 1_000) {
      for (let j = i; j < Math.min(count, i + 1_000); j++) to.tell({ ...PAYLOAD, n: j } as never);
      await new Promise((r) => setImmediate(r));
    }
    await finished;
    return (now() - t0) / 1000;
  };
  const tellPerSec = n / (await oneWay(remote, n));
  const byName = a.cluster?.named<CountMsg>('count', 'bench-b') as Address<CountMsg>;
  const byId = a.cluster?.named<CountMsg>('count', b.cluster?.id ?? '') as Address<CountMsg>;
  let nameSeconds = 0;
  let idSeconds = 0;
  const half = Math.max(1, Math.floor(n / 2));
  // Id first, then name first: neither always runs on the other's warmed-up path.
  idSeconds += await oneWay(byId, half);
  nameSeconds += await oneWay(byName, half);
  nameSeconds += await oneWay(byName, half);
  idSeconds += await oneWay(byId, half);
  const samples = new Float64Array(ASKS);
  for (let i = 0; i < ASKS; i++) {
    const s = now();
    await remote.ask({ type: 'get' });
    samples[i] = now() - s;
  }
  await a.shutdown();
  await b.shutdown();
  summary(tellPerSec, idSeconds / nameSeconds, samples);
}

async function rawNats(nats: NatsTestCluster, n: number): Promise<void> {
  const pub: NatsConnection = await nats.connect();
  const sub: NatsConnection = await nats.connect();
  const encoder = new TextEncoder();
  let count = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => {
    done = r;
  });
  sub.subscribe('bench.count', {
    callback: (_e, msg) => {
      JSON.parse(new TextDecoder().decode(msg.data));
      if (++count === n) done();
    },
  });
  sub.subscribe('bench.echo', {
    callback: (_e, msg) => {
      msg.respond(msg.data);
    },
  });
  await sub.flush();
  const t0 = now();
  for (let i = 0; i < n; i += 1_000) {
    for (let j = i; j < Math.min(n, i + 1_000); j++) {
      pub.publish('bench.count', encoder.encode(JSON.stringify({ ...PAYLOAD, n: j })));
    }
    await new Promise((r) => setImmediate(r));
  }
  await finished;
  const tellPerSec = n / ((now() - t0) / 1000);
  const samples = new Float64Array(ASKS);
  const body = encoder.encode('{"type":"get"}');
  for (let i = 0; i < ASKS; i++) {
    const s = now();
    await pub.request('bench.echo', body, { timeout: 5_000 });
    samples[i] = now() - s;
  }
  summary(tellPerSec, 1, samples);
}

runMain(async () => {
  const why = natsUnavailable();
  if (why !== undefined) {
    console.log(`skipping the cluster benchmark: ${why}`);
    emit({ tellPerSec: 0, byNameVsById: 0, askP50Us: 0, askP99Us: 0 });
    return;
  }
  const options = childOptions();
  const n = options.n ?? 200_000;
  const nats = await NatsTestCluster.start();
  try {
    if (options.impl === 'airssys') await airssys(nats, n);
    else await rawNats(nats, n);
  } finally {
    await nats.stop();
  }
});
