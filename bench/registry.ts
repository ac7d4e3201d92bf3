/**
 * The cluster registry: N sequential registrations of fresh names on one
 * node, each timed until it resolves (`register`) and until another node's
 * `whereis` sees it (propagation through the KV watch). Both nodes share one
 * local nats-server (started here, test/support/nats).
 *
 * `--impl airssys`: two cluster nodes (`createSystem({ cluster })`) with
 * `openClusterRegistry`. `--impl baseline`: raw KV `create` on one
 * connection and a KV watch on another (what the registry is built on).
 * The Erlang twin (bench/erlang/registry.erl) times `global:register_name`
 * between two nodes, which returns once every node knows the name, so its
 * "seen" figure is its register figure.
 *
 * Prints `RESULT {"registerP50Us":…,"registerP99Us":…,"seenP50Us":…,"seenP99Us":…}`.
 */
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { openClusterRegistry } from '../src/cluster/registry-node.js';
import { createSystem, defineActor } from '../src/index.js';
import { APP_USER, NatsTestCluster } from '../test/support/nats/index.js';
import { childOptions, emit, fullGc, now, quantile, runMain } from './common.js';

const DEFAULT_NAMES = 2_000;

interface Samples {
  readonly register: Float64Array;
  readonly seen: Float64Array;
}

/** Times `count` registrations: `register(i)` resolves, then `waitSeen(i)` resolves on the other side. */
async function timeNames(
  count: number,
  register: (i: number) => Promise<void>,
  seen: (i: number) => Promise<void>,
): Promise<Samples> {
  const out = { register: new Float64Array(count), seen: new Float64Array(count) };
  for (let i = 0; i < count; i++) {
    const observed = seen(i);
    const t0 = now();
    await register(i);
    out.register[i] = now() - t0;
    await observed;
    out.seen[i] = now() - t0;
  }
  return out;
}

/** A promise per key that resolves when `notice(key)` is called. */
function notices(): { wait(key: string): Promise<void>; notice(key: string): void } {
  const waiting = new Map<string, () => void>();
  const early = new Set<string>();
  return {
    wait: (key) =>
      early.delete(key)
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            waiting.set(key, resolve);
          }),
    notice: (key) => {
      const resolve = waiting.get(key);
      if (resolve === undefined) early.add(key);
      else {
        waiting.delete(key);
        resolve();
      }
    },
  };
}

async function airssys(url: string, count: number, warm: number, round: string): Promise<Samples> {
  const node = (name: string) =>
    createSystem({ cluster: { servers: url, name, connectOptions: { ...APP_USER } } });
  const a = node('bench-a');
  const b = node('bench-b');
  await Promise.all([a.cluster?.ready, b.cluster?.ready]);
  const ra = await openClusterRegistry(a);
  const rb = await openClusterRegistry(b);
  const seen = notices();
  rb.watch((name, owner) => {
    if (owner !== undefined) seen.notice(name);
  });
  const ref = a.spawn(defineActor<unknown>({ handle() {} }));
  const pid = a.cluster?.pidOf(ref as never);
  if (pid === undefined) throw new Error('no pid');
  const run = (n: number, prefix: string) =>
    timeNames(
      n,
      (i) => ra.register(`${prefix}${i}`, pid),
      (i) => seen.wait(`${prefix}${i}`),
    );
  await run(warm, `w${round}-`);
  fullGc();
  const samples = await run(count, `m${round}-`);
  await ra.close();
  await rb.close();
  await a.shutdown();
  await b.shutdown();
  return samples;
}

async function baseline(url: string, count: number, warm: number, round: string): Promise<Samples> {
  const writer = await connect({ servers: url, ...APP_USER });
  const reader = await connect({ servers: url, ...APP_USER });
  const kv = await new Kvm(writer).create('bench_names', { history: 1 });
  const watched = await new Kvm(reader).open('bench_names');
  const seen = notices();
  const iterator = await watched.watch({ include: 'updates' });
  void (async () => {
    for await (const entry of iterator) if (entry.operation === 'PUT') seen.notice(entry.key);
  })();
  const value = JSON.stringify({ node: 'bench-a_x', id: 1, at: Date.now() });
  const run = (n: number, prefix: string) =>
    timeNames(
      n,
      async (i) => {
        await kv.create(`n.${prefix}${i}`, value);
      },
      (i) => seen.wait(`n.${prefix}${i}`),
    );
  await run(warm, `w${round}-`);
  fullGc();
  const samples = await run(count, `m${round}-`);
  iterator.stop();
  await writer.close();
  await reader.close();
  return samples;
}

runMain(async () => {
  const options = childOptions();
  const count = options.n ?? DEFAULT_NAMES;
  const warm = options.noWarmup ? 0 : Math.max(1, Math.floor(count / 10));
  const nats = await NatsTestCluster.start();
  const round = Date.now().toString(36);
  try {
    const url = nats.server(0).url;
    const run = options.impl === 'airssys' ? airssys : baseline;
    const { register, seen } = await run(url, count, warm, round);
    register.sort();
    seen.sort();
    emit({
      registerP50Us: quantile(register, 0.5) * 1000,
      registerP99Us: quantile(register, 0.99) * 1000,
      seenP50Us: quantile(seen, 0.5) * 1000,
      seenP99Us: quantile(seen, 0.99) * 1000,
    });
  } finally {
    await nats.stop();
  }
});
