/**
 * What the OS sandbox of a `process` placement costs (semantics §20, §23):
 * for a plain child process host and a sandboxed one (bwrap namespaces,
 * `nobody`, Node's permission model), measured in the same run:
 *
 * - start-up: from `spawn` to the answer of its first ask (the host started,
 *   imported the actor, ran its init and handled one message), the median
 *   of `STARTS` fresh hosts, alternating plain and sandboxed;
 * - round trip: `n` sequential asks to an echo actor, each timed, p50/p99.
 *
 * The baseline is the bare channel (`isolation-baseline.ts`) in a plain
 * child process: its start-up (fork to first answer) and round trips; it
 * has no sandboxed twin, so the sandbox's figures are compared with the
 * plain placement of the same run (`sandboxStartX`, `sandboxAskP50X`).
 *
 * Prints `RESULT {"processStartMs", "sandboxStartMs", "processAskP50Us", …}`;
 * without a sandbox on the machine, only the plain figures (and the reason
 * on stderr).
 */
import type { ActorRef } from '../src/index.js';
import { createSystem } from '../src/index.js';
import { SandboxProbe } from '../src/isolation/sandbox.js';
import { childOptions, emit, fullGc, type Metrics, now, quantile, runMain } from './common.js';
import { type EchoMsg, echo } from './isolation-actors.js';
import { BaseChannel } from './isolation-baseline.js';

const STARTS = 7;
type Kind = 'process' | 'sandbox';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function trips(ask: (i: number) => Promise<number>, calls: number): Promise<Float64Array> {
  const samples = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const t0 = now();
    const value = await ask(i);
    samples[i] = now() - t0;
    if (value !== i) throw new Error(`echo gave ${value}, expected ${i}`);
  }
  return samples.sort();
}

async function airssys(calls: number, warm: boolean, kinds: readonly Kind[]): Promise<Metrics> {
  const system = createSystem();
  const spawnEcho = (kind: Kind): ActorRef<EchoMsg> =>
    system.spawn(echo, {
      placement: 'process',
      ...(kind === 'sandbox' ? { sandbox: {} } : {}),
    }) as ActorRef<EchoMsg>;
  const metrics: Metrics = {};
  const starts: Record<Kind, number[]> = { process: [], sandbox: [] };
  for (let i = 0; i < STARTS; i++) {
    for (const kind of kinds) {
      const t0 = now();
      const ref = spawnEcho(kind);
      await ref.ask({ type: 'echo', value: 0 });
      starts[kind].push(now() - t0);
      await system.stop(ref);
    }
  }
  for (const kind of kinds) {
    metrics[`${kind}StartMs`] = median(starts[kind]);
    const ref = spawnEcho(kind);
    const ask = (value: number): Promise<number> => ref.ask({ type: 'echo', value });
    if (warm) await trips(ask, Math.max(1, Math.floor(calls / 10)));
    fullGc();
    const samples = await trips(ask, calls);
    metrics[`${kind}AskP50Us`] = quantile(samples, 0.5) * 1000;
    metrics[`${kind}AskP99Us`] = quantile(samples, 0.99) * 1000;
    await system.stop(ref);
  }
  if (kinds.includes('sandbox')) {
    metrics.sandboxStartX = (metrics.sandboxStartMs as number) / (metrics.processStartMs as number);
    metrics.sandboxAskP50X =
      (metrics.sandboxAskP50Us as number) / (metrics.processAskP50Us as number);
  }
  await system.shutdown();
  return metrics;
}

async function baseline(calls: number, warm: boolean): Promise<Metrics> {
  const starts: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const t0 = now();
    const channel = new BaseChannel('process');
    await channel.ask({ op: 'echo', value: 0 });
    starts.push(now() - t0);
    channel.close();
  }
  const channel = new BaseChannel('process');
  const ask = (value: number): Promise<number> => channel.ask({ op: 'echo', value });
  if (warm) await trips(ask, Math.max(1, Math.floor(calls / 10)));
  fullGc();
  const samples = await trips(ask, calls);
  channel.close();
  return {
    processStartMs: median(starts),
    processAskP50Us: quantile(samples, 0.5) * 1000,
    processAskP99Us: quantile(samples, 0.99) * 1000,
  };
}

runMain(async () => {
  const options = childOptions();
  const calls = options.n ?? 5_000;
  const warm = !options.noWarmup;
  if (options.impl === 'baseline') {
    emit(await baseline(calls, warm));
    return;
  }
  const problem = new SandboxProbe().problem();
  if (problem !== undefined) console.error(`no sandbox on this machine: ${problem}`);
  emit(await airssys(calls, warm, problem === undefined ? ['process', 'sandbox'] : ['process']));
});
