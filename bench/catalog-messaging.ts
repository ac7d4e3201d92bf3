/**
 * The first part of the benchmark table, in the order the harness prints it:
 * message passing, spawn, skynet, the cluster messaging runs, ask, the
 * scheduler's fairness runs and restarts. bench/catalog.ts appends the rest.
 */

import { atLeast, atMost, type BenchSpec, higher, lower, type MetricSpec } from './metric-spec.js';

const spawnMetrics = (memoryGoals: boolean): MetricSpec[] => [
  higher('actorsPerSec', 'actors/s ↑', 'rate', atLeast(2e6)),
  lower('heapBytesPerActor', 'heap bytes/actor ↓', 'bytes', memoryGoals ? atMost(300) : undefined),
  lower('rssBytesPerActor', 'RSS bytes/actor ↓', 'bytes', memoryGoals ? atMost(400) : undefined),
];

/** A goal of ours for the storm; perf-anchors.md sets none (the default sliceMs is 10). */
const PROPOSED = 'proposed: sliceMs 10 + one turn';

/**
 * Timers under a load that could starve them: the worst setTimeout(1)
 * delay (at most `maxMs`, our proposal), how many fired, and the load's rate.
 */
const timerFairness = (maxMs: number, rate: MetricSpec): MetricSpec[] => [
  lower('worstTimerDelayMs', 'worst setTimeout(1) delay ↓', 'ms', atMost(maxMs, PROPOSED)),
  higher('timersFired', 'timers fired ↑', 'count'),
  rate,
];

const FAN_IN_METRICS: readonly MetricSpec[] = [
  higher('asksPerSec', 'asks/s ↑', 'rate'),
  lower('p50Us', 'p50 per ask ↓', 'us'),
  lower('p99Us', 'p99 per ask ↓', 'us'),
  lower('cpuUsPerAsk', 'CPU per ask ↓', 'us'),
];

/**
 * pingpong … restart-storm: the rows bench/catalog.ts lists first.
 *
 * @example
 * MESSAGING_BENCHMARKS[0].name; // 'pingpong'
 */
export const MESSAGING_BENCHMARKS: readonly BenchSpec[] = [
  {
    name: 'pingpong',
    title: 'ping-pong (1M round trips)',
    script: 'pingpong.js',
    n: 1_000_000,
    erlang: { module: 'pingpong' },
    metrics: [higher('msgsPerSec', 'msgs/s ↑', 'rate', atLeast(10e6))],
    timeoutSec: 120,
  },
  {
    name: 'pingpong-objects',
    title: 'ping-pong, object messages carrying the sender ref (1M round trips)',
    script: 'pingpong-objects.js',
    n: 1_000_000,
    erlang: { module: 'pingpong_objects' },
    metrics: [higher('objectMsgsPerSec', 'msgs/s ↑', 'rate')],
    timeoutSec: 120,
  },
  {
    name: 'ring',
    title: 'thread ring (1k actors, 1M hops)',
    script: 'ring.js',
    n: 1_000_000,
    erlang: { module: 'ring' },
    metrics: [higher('hopsPerSec', 'hops/s ↑', 'rate', atLeast(10e6))],
    timeoutSec: 120,
  },
  {
    name: 'counting',
    title: 'counting (1M msgs + ask)',
    script: 'counting.js',
    n: 1_000_000,
    erlang: { module: 'counting' },
    metrics: [higher('msgsPerSec', 'msgs/s ↑', 'rate', atLeast(15e6))],
    timeoutSec: 120,
  },
  {
    name: 'fan-in',
    title: 'fan-in (1k client actors × 100 asks to 10 servers)',
    script: 'fan-in.js',
    n: 1_000,
    erlang: { module: 'fan_in' },
    metrics: FAN_IN_METRICS,
    timeoutSec: 300,
  },
  {
    name: 'fan-in-young',
    title: 'fan-in, Node started with --min-semi-space-size=16',
    script: 'fan-in.js',
    n: 1_000,
    erlang: { module: 'fan_in' },
    metrics: FAN_IN_METRICS,
    timeoutSec: 300,
    nodeFlags: ['--min-semi-space-size=16'],
  },
  {
    name: 'burst',
    title: 'burst (10k actors × 100 msgs of 1 KiB, one producer)',
    script: 'burst.js',
    n: 10_000,
    erlang: { module: 'burst' },
    metrics: [
      higher('msgsPerSec', 'msgs/s ↑', 'rate'),
      lower('peakRssMiB', 'peak RSS ↓', 'MiB'),
      higher('yieldingMsgsPerSec', 'yielding producer (backlog > 8): msgs/s ↑', 'rate'),
      lower('yieldingPeakRssMiB', 'yielding producer: peak RSS ↓', 'MiB'),
      lower('mailboxQueuedMiB', 'mailbox memory, whole burst queued (runtime estimate) ↓', 'MiB'),
      lower('mailboxDrainedMiB', 'mailbox memory once handled ↓', 'MiB'),
    ],
    timeoutSec: 300,
  },
  {
    name: 'spawn-100k',
    title: 'spawn 100k idle',
    script: 'spawn.js',
    n: 100_000,
    erlang: { module: 'spawn' },
    metrics: spawnMetrics(false),
    timeoutSec: 120,
  },
  {
    name: 'spawn-1m',
    title: 'spawn 1M idle',
    script: 'spawn.js',
    n: 1_000_000,
    erlang: { module: 'spawn' },
    metrics: spawnMetrics(true),
    timeoutSec: 300,
  },
  {
    name: 'skynet',
    title: 'skynet (1M leaves)',
    script: 'skynet.js',
    n: 1_000_000,
    erlang: { module: 'skynet' },
    metrics: [
      lower('totalMs', 'total time ↓', 'ms', atMost(1500)),
      lower(
        'leftAlive',
        'actors left alive after ↓',
        'count',
        atMost(0, 'every actor stops itself after replying'),
      ),
    ],
    timeoutSec: 300,
  },
  {
    name: 'skynet-messages',
    title: 'skynet driven by messages (1M leaves; children spawned in handle)',
    script: 'skynet-messages.js',
    n: 1_000_000,
    erlang: { module: 'skynet_msg' },
    metrics: [
      lower('totalMs', 'total time ↓', 'ms'),
      lower(
        'leftAlive',
        'actors left alive after ↓',
        'count',
        atMost(0, 'every actor stops itself after replying'),
      ),
    ],
    timeoutSec: 300,
  },
  {
    name: 'cluster',
    title:
      'two nodes over one nats-server: remote tell (200k, by pid and by {name, nodeName}) and ask (5k); baseline = raw NATS pub/sub and request-reply',
    script: 'cluster.js',
    n: 200_000,
    erlang: { skip: 'Erlang distribution is measured by cluster-kv (two erl -sname nodes)' },
    metrics: [
      higher(
        'tellPerSec',
        'remote tell msgs/s ↑',
        'rate',
        atLeast(180_000, 'Erlang distribution one-way, issue 14'),
      ),
      higher(
        'byNameVsById',
        'remote tell via named(name, nodeName) ÷ via named(name, nodeId), same run ↑',
        'ratio',
        atLeast(0.9, 'issue 14: a node-name lookup per send under 10 %'),
      ),
      lower('askP50Us', 'remote ask p50 ↓', 'us'),
      lower('askP99Us', 'remote ask p99 ↓', 'us'),
    ],
    timeoutSec: 180,
  },
  {
    name: 'cluster-fanout',
    // baseline = the same fan-out to two plain child processes over IPC: what the machine gives now.
    title:
      'cluster fan-out: 200 CPU-bound chunks (10M trapezoid pieces) asked of a process group on 1 vs 2 worker nodes (OS processes)',
    script: 'cluster-fanout.js',
    n: 10_000_000,
    erlang: {
      skip: 'none: 1 vs 2 nodes of one program; baseline = plain child processes over IPC',
    },
    metrics: [
      lower('oneMs', 'one worker node ↓', 'ms'),
      lower('twoMs', 'two worker nodes ↓', 'ms'),
      higher(
        'speedup',
        'speedup 1 → 2 nodes, same run ↑',
        'ratio',
        atLeast(1.8, 'issue 14: ≥ 1.8× on 2 cores'),
      ),
    ],
    timeoutSec: 300,
  },
  {
    name: 'cluster-local',
    // baseline = the plain system on both sides: the spread of two identical runs.
    title:
      'local ping-pong (1M round trips) on a cluster node vs a plain system, 9 pairs, same run',
    script: 'cluster-local.js',
    n: 1_000_000,
    erlang: { skip: 'none: a cluster node vs a plain system of one program' },
    metrics: [
      higher('plainPerSec', 'plain system: msgs per CPU second ↑', 'rate'),
      higher('clusteredPerSec', 'cluster node: msgs per CPU second ↑', 'rate'),
      higher('clusteredWallX', 'cluster node ÷ plain, wall time, same run ↑', 'ratio'),
      higher(
        'clusteredX',
        'cluster node ÷ plain, CPU time, same run ↑',
        'ratio',
        atLeast(0.95, 'issue 14: clustering costs ≤ 5 % locally'),
      ),
    ],
    timeoutSec: 300,
  },
  {
    name: 'ask',
    title: 'ask, idle actor (100k calls)',
    script: 'ask.js',
    n: 100_000,
    erlang: { module: 'ask' },
    metrics: [lower('p50Us', 'p50 ↓', 'us', atMost(1)), lower('p99Us', 'p99 ↓', 'us', atMost(3))],
    timeoutSec: 120,
  },
  {
    name: 'ask-loop',
    title: 'timers under an ask loop from outside (1 s)',
    script: 'ask-loop.js',
    n: 1_000,
    erlang: { skip: 'no event loop to starve' },
    metrics: timerFairness(15, higher('asksPerSec', 'asks/s ↑', 'rate')),
    timeoutSec: 120,
  },
  {
    name: 'cpu-handlers',
    title: 'timers under CPU-bound handlers (100 × 20 ms, one actor)',
    script: 'cpu-handlers.js',
    n: 100,
    erlang: { skip: 'no event loop to starve; BEAM preempts by reductions' },
    metrics: timerFairness(30, higher('msgsPerSec', 'msgs/s ↑', 'rate')),
    timeoutSec: 120,
  },
  {
    name: 'storm',
    title: 'message storm (1k actors, 10k tokens, 1.5 s)',
    script: 'storm.js',
    n: 1_500,
    erlang: { skip: 'no event loop to starve' },
    metrics: [
      lower('loopMaxMs', 'event-loop delay max ↓', 'ms'),
      lower('loopP99Ms', 'event-loop delay p99 ↓', 'ms', atMost(15, PROPOSED)),
      lower('longestRoundMs', 'longest scheduler round ↓', 'ms', atMost(15, PROPOSED)),
      lower('immediateMaxMs', 'setImmediate fires within (max) ↓', 'ms', atMost(15, PROPOSED)),
      lower('timeoutMaxMs', 'setTimeout(0) fires within (max) ↓', 'ms', atMost(15, PROPOSED)),
      higher('msgsPerSec', 'msgs/s during storm ↑', 'rate'),
    ],
    timeoutSec: 120,
  },
  {
    name: 'restart-tell',
    title: "restart from the crashing tell to the replacement's init (1 child, 20k crashes)",
    script: 'restart-tell.js',
    n: 20_000,
    erlang: { module: 'restart_tell' },
    metrics: [
      lower('p50Us', 'p50, tell → new init ↓', 'us'),
      lower('p99Us', 'p99, tell → new init ↓', 'us'),
    ],
    timeoutSec: 180,
  },
  {
    name: 'restart',
    title: 'restart after crash (1 supervisor)',
    script: 'restart.js',
    n: 20_000,
    erlang: { module: 'restart' },
    metrics: [
      lower('p50Us', 'p50, one crash at a time ↓', 'us', atMost(10)),
      lower('p99Us', 'p99, one crash at a time ↓', 'us', atMost(30)),
      lower('burstP50Us', 'p50, burst: 10k children crashed one after another ↓', 'us', atMost(10)),
      lower('burstP99Us', 'p99, burst: 10k children crashed one after another ↓', 'us', atMost(30)),
      lower('burstLateP50Us', 'p50, burst: last 1k restarts (window ≥ 9k) ↓', 'us'),
      lower(
        'allAtOnceMs',
        'all 10k told to crash at once: first crash → last init (throughput) ↓',
        'ms',
      ),
    ],
    timeoutSec: 180,
  },
  {
    name: 'restart-storm',
    title: 'restart storm (root → 100 sups → 10k workers, 2 waves)',
    script: 'restart-storm.js',
    n: 10_000,
    erlang: { skip: 'no Erlang counterpart yet' },
    metrics: [
      lower('totalMs', 'total time ↓', 'ms'),
      lower('peakRssMB', 'peak RSS rise ↓', 'MiB'),
      lower('peakHeapMB', 'peak heapUsed rise ↓', 'MiB'),
      lower('processesAfter', 'processes after (10,101 before)', 'count'),
      lower('timersAfter', 'timers after (0 before)', 'count'),
    ],
    timeoutSec: 180,
  },
];
