/**
 * Fan-in: 1,000 client actors each make 100 sequential asks to one of 10
 * servers (client i asks server i mod 10), all clients at once, so about
 * 100 asks are in flight per server. This is the shape of a service layer:
 * many callers, few owners of state. Each ask is timed on its own.
 *
 * Prints `RESULT {"asksPerSec": …, "p50Us": …, "p99Us": …, "cpuUsPerAsk": …}`: the last
 * is the process's CPU time (all threads, the collector's helpers too) per
 * ask, which a loaded machine disturbs far less than wall-clock time.
 */
import type { ActorRef, Reply } from '../src/index.js';
import { createSystem, defineActor } from '../src/index.js';
import { BaseRuntime } from './baseline.js';
import { childOptions, emit, fullGc, now, quantile, runMain } from './common.js';

const SERVERS = 10;
const ASKS_PER_CLIENT = 100;
const DEFAULT_CLIENTS = 1_000;

type ServerMsg = { readonly type: 'get'; readonly from: number; readonly reply: Reply<number> };
type ClientMsg = {
  readonly type: 'go';
  readonly server: ActorRef<ServerMsg>;
  readonly samples: Float64Array;
  readonly offset: number;
  readonly reply: Reply<number>;
};

const server = defineActor<ServerMsg, number>({
  label: 'fan-in server',
  init: () => 0,
  handle(msg, ctx) {
    ctx.state++;
    msg.reply.send(msg.from);
  },
});

const client = defineActor<ClientMsg>({
  label: 'fan-in client',
  async handle(msg, ctx) {
    const { server: to, samples, offset } = msg;
    const from = ctx.self.pid as unknown as number;
    for (let i = 0; i < ASKS_PER_CLIENT; i++) {
      const t0 = now();
      const got = await to.ask({ type: 'get', from });
      samples[offset + i] = now() - t0;
      if (got !== from) throw new Error('wrong reply');
    }
    msg.reply.send(ASKS_PER_CLIENT);
  },
});

interface Run {
  readonly ms: number;
  readonly cpuMs: number;
  readonly samples: Float64Array;
}

/** CPU ms (user + system, every thread) since `from`. */
function cpuMsSince(from: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1000;
}

async function airssys(clients: number): Promise<Run> {
  const system = createSystem();
  const servers = Array.from({ length: SERVERS }, () => system.spawn(server));
  const refs = Array.from({ length: clients }, () => system.spawn(client));
  await system.idle();
  const samples = new Float64Array(clients * ASKS_PER_CLIENT);
  const cpu0 = process.cpuUsage();
  const t0 = now();
  await Promise.all(
    refs.map((ref, i) =>
      ref.ask(
        {
          type: 'go',
          server: servers[i % SERVERS] as ActorRef<ServerMsg>,
          samples,
          offset: i * ASKS_PER_CLIENT,
        },
        { timeout: Number.POSITIVE_INFINITY },
      ),
    ),
  );
  const ms = now() - t0;
  const cpuMs = cpuMsSince(cpu0);
  await system.shutdown();
  return { ms, cpuMs, samples };
}

type BaseMsg = { readonly from: number; readonly reply: (value: number) => void };

async function baseline(clients: number): Promise<Run> {
  const rt = new BaseRuntime();
  const servers = Array.from({ length: SERVERS }, () =>
    rt.spawn<BaseMsg, number>((msg, self) => {
      self.state++;
      msg.reply(msg.from);
    }, 0),
  );
  const samples = new Float64Array(clients * ASKS_PER_CLIENT);
  // A baseline client is an async loop: the plain-JS runtime has no async handlers.
  const runClient = async (i: number): Promise<void> => {
    const to = servers[i % SERVERS] as (typeof servers)[number];
    for (let k = 0; k < ASKS_PER_CLIENT; k++) {
      const t0 = now();
      const got = await rt.ask<BaseMsg, number>(to, (reply) => ({ from: i, reply }));
      samples[i * ASKS_PER_CLIENT + k] = now() - t0;
      if (got !== i) throw new Error('wrong reply');
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = now();
  await Promise.all(Array.from({ length: clients }, (_, i) => runClient(i)));
  return { ms: now() - t0, cpuMs: cpuMsSince(cpu0), samples };
}

runMain(async () => {
  const options = childOptions();
  const clients = options.n ?? DEFAULT_CLIENTS;
  const run = options.impl === 'airssys' ? airssys : baseline;
  if (!options.noWarmup) {
    await run(Math.max(1, Math.floor(clients / 10)));
    fullGc();
  }
  const { ms, cpuMs, samples } = await run(clients);
  samples.sort();
  emit({
    asksPerSec: samples.length / (ms / 1000),
    p50Us: quantile(samples, 0.5) * 1000,
    p99Us: quantile(samples, 0.99) * 1000,
    cpuUsPerAsk: (cpuMs * 1000) / samples.length,
  });
});
