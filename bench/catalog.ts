/**
 * What the harness runs: each benchmark's program, problem size, Erlang
 * counterpart and metrics, with the goals of perf-anchors.md §4. Keeping
 * this table in one place lets run.ts stay generic.
 */

/** How a metric's value is printed. */
export type Unit = 'rate' | 'bytes' | 'MiB' | 'ms' | 'us' | 'count' | 'ratio' | 'pct';

/** A target for the airssys figure; `max` goals are upper bounds, `min` lower bounds. */
export interface Goal {
  readonly kind: 'min' | 'max';
  readonly value: number;
  /** Where the goal comes from, when not perf-anchors.md §4. */
  readonly note?: string;
}

export interface MetricSpec {
  /** Key in the program's RESULT line. */
  readonly key: string;
  /** What the table shows in its metric column. */
  readonly label: string;
  readonly unit: Unit;
  /** Whether a higher value is better (rates) or a lower one (time, latency, memory). */
  readonly higherIsBetter: boolean;
  readonly goal?: Goal;
}

export interface BenchSpec {
  /** Name for --only, and the table's first column. */
  readonly name: string;
  readonly title: string;
  /** Compiled program under build/bench/. */
  readonly script: string;
  /** Problem size passed as --n (and as the Erlang program's argument). */
  readonly n: number;
  /** The Erlang module with a main/1, or why there is none. */
  readonly erlang: { readonly module: string } | { readonly skip: string };
  readonly metrics: readonly MetricSpec[];
  /** Per child process, in seconds. */
  readonly timeoutSec: number;
}

const spawnMetrics = (memoryGoals: boolean): MetricSpec[] => [
  {
    key: 'actorsPerSec',
    label: 'actors/s ↑',
    unit: 'rate',
    higherIsBetter: true,
    goal: { kind: 'min', value: 2e6 },
  },
  {
    key: 'heapBytesPerActor',
    label: 'heap bytes/actor ↓',
    unit: 'bytes',
    higherIsBetter: false,
    ...(memoryGoals ? { goal: { kind: 'max', value: 300 } as const } : {}),
  },
  {
    key: 'rssBytesPerActor',
    label: 'RSS bytes/actor ↓',
    unit: 'bytes',
    higherIsBetter: false,
    ...(memoryGoals ? { goal: { kind: 'max', value: 400 } as const } : {}),
  },
];

/** A rate and its ratio to a direct send measured alongside it (addressing). */
const vsDirect = (key: string, what: string, counted = 'sends/s'): MetricSpec[] => [
  { key: `${key}PerSec`, label: `${what}: ${counted} ↑`, unit: 'rate', higherIsBetter: true },
  {
    key: `${key}VsDirect`,
    label: `${what}: ÷ direct send ↑`,
    unit: 'ratio',
    higherIsBetter: true,
  },
];

/** The same for a send that reaches several processes: sends/s, deliveries/s, and the ratio. */
const fanOut = (key: string, what: string, sends: string): MetricSpec[] => [
  { key: `${key}PerSec`, label: `${what}: ${sends}/s ↑`, unit: 'rate', higherIsBetter: true },
  {
    key: `${key}DeliveriesPerSec`,
    label: `${what}: deliveries/s ↑`,
    unit: 'rate',
    higherIsBetter: true,
  },
  {
    key: `${key}VsDirect`,
    label: `${what}: deliveries ÷ direct send ↑`,
    unit: 'ratio',
    higherIsBetter: true,
  },
];

/** The cost of one kind of inspector on counting: its msgs/s, ÷ no listener, and its extra time. */
const inspected = (key: string, what: string, maxPct: number, note: string): MetricSpec[] => [
  { key: `${key}MsgsPerSec`, label: `${what}: msgs/s ↑`, unit: 'rate', higherIsBetter: true },
  {
    key: `${key}VsNone`,
    label: `${what}: ÷ no listener ↑`,
    unit: 'ratio',
    higherIsBetter: true,
  },
  {
    key: `${key}OverheadPct`,
    label: `${what}: extra time per message vs no listener ↓`,
    unit: 'pct',
    higherIsBetter: false,
    goal: { kind: 'max', value: maxPct, note },
  },
];

/** A goal of ours for the storm; perf-anchors.md sets none (the default sliceMs is 10). */
const PROPOSED = 'proposed: sliceMs 10 + one turn';

export const BENCHMARKS: readonly BenchSpec[] = [
  {
    name: 'pingpong',
    title: 'ping-pong (1M round trips)',
    script: 'pingpong.js',
    n: 1_000_000,
    erlang: { module: 'pingpong' },
    metrics: [
      {
        key: 'msgsPerSec',
        label: 'msgs/s ↑',
        unit: 'rate',
        higherIsBetter: true,
        goal: { kind: 'min', value: 10e6 },
      },
    ],
    timeoutSec: 120,
  },
  {
    name: 'pingpong-objects',
    title: 'ping-pong, object messages carrying the sender ref (1M round trips)',
    script: 'pingpong-objects.js',
    n: 1_000_000,
    erlang: { module: 'pingpong_objects' },
    metrics: [{ key: 'objectMsgsPerSec', label: 'msgs/s ↑', unit: 'rate', higherIsBetter: true }],
    timeoutSec: 120,
  },
  {
    name: 'ring',
    title: 'thread ring (1k actors, 1M hops)',
    script: 'ring.js',
    n: 1_000_000,
    erlang: { module: 'ring' },
    metrics: [
      {
        key: 'hopsPerSec',
        label: 'hops/s ↑',
        unit: 'rate',
        higherIsBetter: true,
        goal: { kind: 'min', value: 10e6 },
      },
    ],
    timeoutSec: 120,
  },
  {
    name: 'counting',
    title: 'counting (1M msgs + ask)',
    script: 'counting.js',
    n: 1_000_000,
    erlang: { module: 'counting' },
    metrics: [
      {
        key: 'msgsPerSec',
        label: 'msgs/s ↑',
        unit: 'rate',
        higherIsBetter: true,
        goal: { kind: 'min', value: 15e6 },
      },
    ],
    timeoutSec: 120,
  },
  {
    name: 'fan-in',
    title: 'fan-in (1k client actors × 100 asks to 10 servers)',
    script: 'fan-in.js',
    n: 1_000,
    erlang: { module: 'fan_in' },
    metrics: [
      { key: 'asksPerSec', label: 'asks/s ↑', unit: 'rate', higherIsBetter: true },
      { key: 'p50Us', label: 'p50 per ask ↓', unit: 'us', higherIsBetter: false },
      { key: 'p99Us', label: 'p99 per ask ↓', unit: 'us', higherIsBetter: false },
    ],
    timeoutSec: 300,
  },
  {
    name: 'burst',
    title: 'burst (10k actors × 100 msgs of 1 KiB, one producer)',
    script: 'burst.js',
    n: 10_000,
    erlang: { module: 'burst' },
    metrics: [
      { key: 'msgsPerSec', label: 'msgs/s ↑', unit: 'rate', higherIsBetter: true },
      { key: 'peakRssMiB', label: 'peak RSS ↓', unit: 'MiB', higherIsBetter: false },
      {
        key: 'yieldingMsgsPerSec',
        label: 'yielding producer (backlog > 8): msgs/s ↑',
        unit: 'rate',
        higherIsBetter: true,
      },
      {
        key: 'yieldingPeakRssMiB',
        label: 'yielding producer: peak RSS ↓',
        unit: 'MiB',
        higherIsBetter: false,
      },
      {
        key: 'mailboxQueuedMiB',
        label: 'mailbox memory, whole burst queued (runtime estimate) ↓',
        unit: 'MiB',
        higherIsBetter: false,
      },
      {
        key: 'mailboxDrainedMiB',
        label: 'mailbox memory once handled ↓',
        unit: 'MiB',
        higherIsBetter: false,
      },
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
      {
        key: 'totalMs',
        label: 'total time ↓',
        unit: 'ms',
        higherIsBetter: false,
        goal: { kind: 'max', value: 1500 },
      },
      {
        key: 'leftAlive',
        label: 'actors left alive after ↓',
        unit: 'count',
        higherIsBetter: false,
        goal: { kind: 'max', value: 0, note: 'every actor stops itself after replying' },
      },
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
      { key: 'totalMs', label: 'total time ↓', unit: 'ms', higherIsBetter: false },
      {
        key: 'leftAlive',
        label: 'actors left alive after ↓',
        unit: 'count',
        higherIsBetter: false,
        goal: { kind: 'max', value: 0, note: 'every actor stops itself after replying' },
      },
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
      {
        key: 'tellPerSec',
        label: 'remote tell msgs/s ↑',
        unit: 'rate',
        higherIsBetter: true,
        goal: { kind: 'min', value: 180_000, note: 'Erlang distribution one-way, issue 14' },
      },
      {
        key: 'byNameVsById',
        label: 'remote tell via named(name, nodeName) ÷ via named(name, nodeId), same run ↑',
        unit: 'ratio',
        higherIsBetter: true,
        goal: { kind: 'min', value: 0.9, note: 'issue 14: a node-name lookup per send under 10 %' },
      },
      {
        key: 'askP50Us',
        label: 'remote ask p50 ↓',
        unit: 'us',
        higherIsBetter: false,
      },
      {
        key: 'askP99Us',
        label: 'remote ask p99 ↓',
        unit: 'us',
        higherIsBetter: false,
      },
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
      { key: 'oneMs', label: 'one worker node ↓', unit: 'ms', higherIsBetter: false },
      { key: 'twoMs', label: 'two worker nodes ↓', unit: 'ms', higherIsBetter: false },
      {
        key: 'speedup',
        label: 'speedup 1 → 2 nodes, same run ↑',
        unit: 'ratio',
        higherIsBetter: true,
        goal: { kind: 'min', value: 1.8, note: 'issue 14: ≥ 1.8× on 2 cores' },
      },
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
      {
        key: 'plainPerSec',
        label: 'plain system: msgs per CPU second ↑',
        unit: 'rate',
        higherIsBetter: true,
      },
      {
        key: 'clusteredPerSec',
        label: 'cluster node: msgs per CPU second ↑',
        unit: 'rate',
        higherIsBetter: true,
      },
      {
        key: 'clusteredWallX',
        label: 'cluster node ÷ plain, wall time, same run ↑',
        unit: 'ratio',
        higherIsBetter: true,
      },
      {
        key: 'clusteredX',
        label: 'cluster node ÷ plain, CPU time, same run ↑',
        unit: 'ratio',
        higherIsBetter: true,
        goal: { kind: 'min', value: 0.95, note: 'issue 14: clustering costs ≤ 5 % locally' },
      },
    ],
    timeoutSec: 300,
  },
  {
    name: 'ask',
    title: 'ask, idle actor (100k calls)',
    script: 'ask.js',
    n: 100_000,
    erlang: { module: 'ask' },
    metrics: [
      {
        key: 'p50Us',
        label: 'p50 ↓',
        unit: 'us',
        higherIsBetter: false,
        goal: { kind: 'max', value: 1 },
      },
      {
        key: 'p99Us',
        label: 'p99 ↓',
        unit: 'us',
        higherIsBetter: false,
        goal: { kind: 'max', value: 3 },
      },
    ],
    timeoutSec: 120,
  },
  {
    name: 'ask-loop',
    title: 'timers under an ask loop from outside (1 s)',
    script: 'ask-loop.js',
    n: 1_000,
    erlang: { skip: 'no event loop to starve' },
    metrics: [
      {
        key: 'worstTimerDelayMs',
        label: 'worst setTimeout(1) delay ↓',
        unit: 'ms',
        higherIsBetter: false,
        goal: { kind: 'max', value: 15, note: PROPOSED },
      },
      { key: 'timersFired', label: 'timers fired ↑', unit: 'count', higherIsBetter: true },
      { key: 'asksPerSec', label: 'asks/s ↑', unit: 'rate', higherIsBetter: true },
    ],
    timeoutSec: 120,
  },
  {
    name: 'cpu-handlers',
    title: 'timers under CPU-bound handlers (100 × 20 ms, one actor)',
    script: 'cpu-handlers.js',
    n: 100,
    erlang: { skip: 'no event loop to starve; BEAM preempts by reductions' },
    metrics: [
      {
        key: 'worstTimerDelayMs',
        label: 'worst setTimeout(1) delay ↓',
        unit: 'ms',
        higherIsBetter: false,
        goal: { kind: 'max', value: 30, note: PROPOSED },
      },
      { key: 'timersFired', label: 'timers fired ↑', unit: 'count', higherIsBetter: true },
      { key: 'msgsPerSec', label: 'msgs/s ↑', unit: 'rate', higherIsBetter: true },
    ],
    timeoutSec: 120,
  },
  {
    name: 'storm',
    title: 'message storm (1k actors, 10k tokens, 1.5 s)',
    script: 'storm.js',
    n: 1_500,
    erlang: { skip: 'no event loop to starve' },
    metrics: [
      { key: 'loopMaxMs', label: 'event-loop delay max ↓', unit: 'ms', higherIsBetter: false },
      {
        key: 'loopP99Ms',
        label: 'event-loop delay p99 ↓',
        unit: 'ms',
        higherIsBetter: false,
        goal: { kind: 'max', value: 15, note: PROPOSED },
      },
      {
        key: 'longestRoundMs',
        label: 'longest scheduler round ↓',
        unit: 'ms',
        higherIsBetter: false,
        goal: { kind: 'max', value: 15, note: PROPOSED },
      },
      {
        key: 'immediateMaxMs',
        label: 'setImmediate fires within (max) ↓',
        unit: 'ms',
        higherIsBetter: false,
        goal: { kind: 'max', value: 15, note: PROPOSED },
      },
      {
        key: 'timeoutMaxMs',
        label: 'setTimeout(0) fires within (max) ↓',
        unit: 'ms',
        higherIsBetter: false,
        goal: { kind: 'max', value: 15, note: PROPOSED },
      },
      { key: 'msgsPerSec', label: 'msgs/s during storm ↑', unit: 'rate', higherIsBetter: true },
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
      { key: 'p50Us', label: 'p50, tell → new init ↓', unit: 'us', higherIsBetter: false },
      { key: 'p99Us', label: 'p99, tell → new init ↓', unit: 'us', higherIsBetter: false },
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
      {
        key: 'p50Us',
        label: 'p50, one crash at a time ↓',
        unit: 'us',
        higherIsBetter: false,
        goal: { kind: 'max', value: 10 },
      },
      {
        key: 'p99Us',
        label: 'p99, one crash at a time ↓',
        unit: 'us',
        higherIsBetter: false,
        goal: { kind: 'max', value: 30 },
      },
      {
        key: 'burstP50Us',
        label: 'p50, burst: 10k children crashed one after another ↓',
        unit: 'us',
        higherIsBetter: false,
        goal: { kind: 'max', value: 10 },
      },
      {
        key: 'burstP99Us',
        label: 'p99, burst: 10k children crashed one after another ↓',
        unit: 'us',
        higherIsBetter: false,
        goal: { kind: 'max', value: 30 },
      },
      {
        key: 'burstLateP50Us',
        label: 'p50, burst: last 1k restarts (window ≥ 9k) ↓',
        unit: 'us',
        higherIsBetter: false,
      },
      {
        key: 'allAtOnceMs',
        label: 'all 10k told to crash at once: first crash → last init (throughput) ↓',
        unit: 'ms',
        higherIsBetter: false,
      },
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
      { key: 'totalMs', label: 'total time ↓', unit: 'ms', higherIsBetter: false },
      { key: 'peakRssMB', label: 'peak RSS rise ↓', unit: 'MiB', higherIsBetter: false },
      { key: 'peakHeapMB', label: 'peak heapUsed rise ↓', unit: 'MiB', higherIsBetter: false },
      {
        key: 'processesAfter',
        label: 'processes after (10,101 before)',
        unit: 'count',
        higherIsBetter: false,
      },
      {
        key: 'timersAfter',
        label: 'timers after (0 before)',
        unit: 'count',
        higherIsBetter: false,
      },
    ],
    timeoutSec: 180,
  },
  {
    name: 'addressing',
    title: 'addressing: send path (4M deliveries per variant)',
    script: 'addressing.js',
    n: 4_000_000,
    erlang: { skip: 'none; ratios are to a direct send' },
    metrics: [
      {
        key: 'directPerSec',
        label: 'direct ref.tell: sends/s ↑',
        unit: 'rate',
        higherIsBetter: true,
      },
      ...vsDirect('named', 'system.named, kept'),
      {
        key: 'nameOverheadPct',
        label: 'system.named, kept: extra time per send vs direct ↓',
        unit: 'pct',
        higherIsBetter: false,
        goal: { kind: 'max', value: 20, note: 'issue: a name lookup per send under 20 %' },
      },
      ...vsDirect('namedFresh', 'system.named(name).tell, new address per send'),
      {
        key: 'namedFreshOverheadPct',
        label: 'system.named(name).tell, new address per send: extra time vs direct ↓',
        unit: 'pct',
        higherIsBetter: false,
      },
      ...vsDirect('roundRobin', 'pool ×4 round-robin'),
      ...vsDirect('random', 'pool ×4 random'),
      ...vsDirect('leastLoaded', 'pool ×4 least-loaded'),
      ...vsDirect('hash', 'pool ×4 consistent-hash, routingKey function'),
      ...vsDirect('hashSendOption', 'pool ×4 consistent-hash, { routingKey } per send'),
      ...fanOut('broadcast', 'pool ×4 broadcast', 'tells'),
      ...vsDirect('topic1', 'topic, 1 subscriber', 'publishes/s'),
      ...fanOut('topic10', 'topic, 10 subscribers', 'publishes'),
      ...fanOut('topic1000', 'topic, 1,000 subscribers', 'publishes'),
    ],
    timeoutSec: 180,
  },
  {
    name: 'inspection',
    title: 'inspection: counting (1M msgs + ask), 15 runs per variant',
    script: 'inspection.js',
    n: 1_000_000,
    erlang: { skip: 'none; ratios are to no listener' },
    metrics: [
      {
        key: 'noneMsgsPerSec',
        label: 'no listener: msgs/s ↑',
        unit: 'rate',
        higherIsBetter: true,
      },
      ...inspected(
        'lifecycle',
        'system.inspect, lifecycle + supervision kinds only',
        2,
        'ours: a lifecycle-only listener costs ≤ 2 %',
      ),
      ...inspected(
        'sampled',
        'system.inspect, { messages: 0.01 }',
        10,
        'ours: sampling 1 % of messages costs ≤ 10 %',
      ),
    ],
    timeoutSec: 180,
  },
  {
    name: 'isolation',
    title: 'isolation: worker / process boundary (1M tells + ask; 10k sequential asks)',
    script: 'isolation.js',
    n: 1_000_000,
    erlang: {
      skip: 'none: one BEAM has no such boundary; baseline = bare channel',
    },
    metrics: [
      {
        key: 'workerTellPerSec',
        label: "placement 'worker', one way: msgs/s ↑",
        unit: 'rate',
        higherIsBetter: true,
        goal: {
          kind: 'min',
          value: 1e6,
          note: 'issue: ≥ 1M msgs/s one way to a worker-hosted actor',
        },
      },
      {
        key: 'processTellPerSec',
        label: "placement 'process', one way: msgs/s ↑",
        unit: 'rate',
        higherIsBetter: true,
      },
      {
        key: 'workerAskP50Us',
        label: "placement 'worker', ask round trip p50 ↓",
        unit: 'us',
        higherIsBetter: false,
      },
      {
        key: 'workerAskP99Us',
        label: "placement 'worker', ask round trip p99 ↓",
        unit: 'us',
        higherIsBetter: false,
      },
      {
        key: 'processAskP50Us',
        label: "placement 'process', ask round trip p50 ↓",
        unit: 'us',
        higherIsBetter: false,
      },
      {
        key: 'processAskP99Us',
        label: "placement 'process', ask round trip p99 ↓",
        unit: 'us',
        higherIsBetter: false,
      },
    ],
    timeoutSec: 180,
  },
  {
    name: 'transfer',
    title:
      "zero-copy: 1 MiB and 16 MiB payloads one way to a 'worker' actor, copied vs moved (256 MiB each)",
    script: 'transfer.js',
    n: 256,
    erlang: {
      skip: 'none: one BEAM shares a heap for large binaries; baseline = bare postMessage',
    },
    metrics: [
      { key: 'copy1MiBPerSec', label: '1 MiB copied: MiB/s ↑', unit: 'rate', higherIsBetter: true },
      { key: 'move1MiBPerSec', label: '1 MiB moved: MiB/s ↑', unit: 'rate', higherIsBetter: true },
      {
        key: 'move1MiBRatio',
        label: '1 MiB: moved ÷ copied ↑',
        unit: 'ratio',
        higherIsBetter: true,
      },
      {
        key: 'copy16MiBPerSec',
        label: '16 MiB copied: MiB/s ↑',
        unit: 'rate',
        higherIsBetter: true,
      },
      {
        key: 'move16MiBPerSec',
        label: '16 MiB moved: MiB/s ↑',
        unit: 'rate',
        higherIsBetter: true,
      },
      {
        key: 'move16MiBRatio',
        label: '16 MiB: moved ÷ copied ↑',
        unit: 'ratio',
        higherIsBetter: true,
      },
    ],
    timeoutSec: 180,
  },
  {
    name: 'isolation-sandbox',
    title: "isolation: sandboxed vs plain 'process' placement (start-up; 5k sequential asks)",
    script: 'isolation-sandbox.js',
    n: 5_000,
    erlang: {
      skip: 'none: no OS sandbox in one BEAM; baseline = bare channel in a plain child process',
    },
    metrics: [
      {
        key: 'processStartMs',
        label: "placement 'process': spawn to first answer ↓",
        unit: 'ms',
        higherIsBetter: false,
      },
      {
        key: 'sandboxStartMs',
        label: "placement 'process' + sandbox (bwrap): spawn to first answer ↓",
        unit: 'ms',
        higherIsBetter: false,
      },
      {
        key: 'sandboxStartX',
        label: 'sandboxed / plain start-up, same run ↓',
        unit: 'ratio',
        higherIsBetter: false,
      },
      {
        key: 'processAskP50Us',
        label: "placement 'process': ask round trip p50 ↓",
        unit: 'us',
        higherIsBetter: false,
      },
      {
        key: 'processAskP99Us',
        label: "placement 'process': ask round trip p99 ↓",
        unit: 'us',
        higherIsBetter: false,
      },
      {
        key: 'sandboxAskP50Us',
        label: "placement 'process' + sandbox: ask round trip p50 ↓",
        unit: 'us',
        higherIsBetter: false,
      },
      {
        key: 'sandboxAskP99Us',
        label: "placement 'process' + sandbox: ask round trip p99 ↓",
        unit: 'us',
        higherIsBetter: false,
      },
      {
        key: 'sandboxAskP50X',
        label: 'sandboxed / plain ask p50, same run ↓',
        unit: 'ratio',
        higherIsBetter: false,
      },
    ],
    timeoutSec: 180,
  },
  {
    name: 'scaling',
    title: 'scaling: trapezoid (10M pieces, 250 chunks, 8 actors), pool 1 vs 2 threads',
    script: 'scaling.js',
    n: 10_000_000,
    erlang: {
      skip: 'none: 1 vs 2 threads of one program; baseline = bare workers',
    },
    metrics: [
      {
        key: 'serialMs',
        label: 'plain JS in main, one chunk after another ↓',
        unit: 'ms',
        higherIsBetter: false,
      },
      { key: 'oneMs', label: 'poolThreads 1 ↓', unit: 'ms', higherIsBetter: false },
      {
        key: 'twoMs',
        label: 'poolThreads 2, actors spawned in a loop ↓',
        unit: 'ms',
        higherIsBetter: false,
      },
      {
        key: 'speedup',
        label: 'speedup 1 → 2 threads, actors spawned in a loop ↑',
        unit: 'ratio',
        higherIsBetter: true,
        goal: { kind: 'min', value: 1.8, note: 'issue: ≥ 1.8× on 2 cores' },
      },
      {
        key: 'balancedTwoMs',
        label: 'poolThreads 2, actors spawned one at a time ↓',
        unit: 'ms',
        higherIsBetter: false,
      },
      {
        key: 'balancedSpeedup',
        label: 'speedup 1 → 2 threads, actors spawned one at a time ↑',
        unit: 'ratio',
        higherIsBetter: true,
        goal: { kind: 'min', value: 1.8, note: 'issue: ≥ 1.8× on 2 cores' },
      },
      {
        key: 'vsSerial',
        label: 'serial in main ÷ poolThreads 2 (loop) ↑',
        unit: 'ratio',
        higherIsBetter: true,
      },
      {
        key: 'mainBusyUsPerChunk',
        label: 'main thread busy per chunk, poolThreads 2 ↓',
        unit: 'us',
        higherIsBetter: false,
      },
    ],
    timeoutSec: 180,
  },
  {
    name: 'os-port',
    title: "os: port round trip (a line to `cat` and back, 10k sequential, mode 'lines')",
    script: 'os-port.js',
    n: 10_000,
    erlang: {
      skip: 'no OS-process port comparison in the brief; baseline = bare spawn("cat")',
    },
    metrics: [
      { key: 'p50Us', label: 'round trip p50 ↓', unit: 'us', higherIsBetter: false },
      { key: 'p99Us', label: 'round trip p99 ↓', unit: 'us', higherIsBetter: false },
      { key: 'meanUs', label: 'round trip mean ↓', unit: 'us', higherIsBetter: false },
    ],
    timeoutSec: 120,
  },
  {
    name: 'os-policy',
    title: 'os: security policy checks (100k per kind)',
    script: 'os-policy.js',
    n: 100_000,
    erlang: { skip: 'none: no Erlang counterpart; baseline = path.resolve + startsWith' },
    metrics: [
      {
        key: 'pathAllowedUs',
        label: "checkPath('read'), allowed ↓",
        unit: 'us',
        higherIsBetter: false,
      },
      {
        key: 'pathOutsideUs',
        label: "checkPath('read'), denied: outside the root ↓",
        unit: 'us',
        higherIsBetter: false,
      },
      {
        key: 'pathSymlinkUs',
        label:
          "checkPath('read'), denied: symlink under the root leading out (baseline allows it) ↓",
        unit: 'us',
        higherIsBetter: false,
      },
      {
        key: 'pathChainUs',
        label: "checkPath('read'), allowed, 2-policy chain (system + actor) ↓",
        unit: 'us',
        higherIsBetter: false,
      },
      {
        key: 'execAllowedUs',
        label: 'checkExec, allowed `cat <file>` with cwd (no baseline) ↓',
        unit: 'us',
        higherIsBetter: false,
      },
      {
        key: 'execStructuredUs',
        label:
          'checkExec, allowed `cat -n <file>`, structured rule (options, operands; no baseline) ↓',
        unit: 'us',
        higherIsBetter: false,
      },
    ],
    timeoutSec: 120,
  },
  {
    name: 'os-audit',
    title: 'os: audit log (100k appends)',
    script: 'os-audit.js',
    n: 100_000,
    erlang: { skip: 'none: no Erlang counterpart; baseline = un-chained JSON lines' },
    metrics: [
      {
        key: 'fileAppendsPerSec',
        label: 'record, to a file (writeSync per line): appends/s ↑',
        unit: 'rate',
        higherIsBetter: true,
      },
      {
        key: 'keyedFileAppendsPerSec',
        label: 'record, to a file, HMAC-SHA-256 keyed chain (baseline: un-chained): appends/s ↑',
        unit: 'rate',
        higherIsBetter: true,
      },
      {
        key: 'memoryAppendsPerSec',
        label: 'record, in memory only: appends/s ↑',
        unit: 'rate',
        higherIsBetter: true,
      },
      {
        key: 'verifyLinesPerSec',
        label: 'verifyAuditText (baseline: JSON.parse + seq): lines/s ↑',
        unit: 'rate',
        higherIsBetter: true,
      },
      {
        key: 'keyedVerifyLinesPerSec',
        label: 'verifyAuditText with the key (baseline: JSON.parse + seq): lines/s ↑',
        unit: 'rate',
        higherIsBetter: true,
      },
    ],
    timeoutSec: 120,
  },
  {
    name: 'remote',
    // baseline = raw NATS with the runtime's client; erlang = distribution between two erl nodes.
    title: 'remote: 2 OS processes, local nats-server (200k one-way, 20k round trips, 20k calls)',
    script: 'remote.js',
    n: 200_000,
    erlang: { module: 'remote' },
    metrics: [
      {
        key: 'onewayPerSec',
        label: 'one-way 128 B (tell / publish / !): msgs/s ↑',
        unit: 'rate',
        higherIsBetter: true,
      },
      {
        key: 'pingpongPerSec',
        label: 'ping-pong, sequential: round trips/s ↑',
        unit: 'rate',
        higherIsBetter: true,
      },
      {
        key: 'callP50Us',
        label: 'call (ask / nc.request / gen_server:call) p50 ↓',
        unit: 'us',
        higherIsBetter: false,
      },
      {
        key: 'callP99Us',
        label: 'call p99 ↓',
        unit: 'us',
        higherIsBetter: false,
      },
    ],
    timeoutSec: 300,
  },
  {
    name: 'registry',
    // baseline = raw KV create + a KV watch on another connection; erlang = global:register_name
    // with a peer node connected (it returns once every node knows the name).
    title: 'cluster registry: 2k names, register → visible on another node',
    script: 'registry.js',
    n: 2_000,
    erlang: { module: 'registry' },
    metrics: [
      { key: 'registerP50Us', label: 'register p50 ↓', unit: 'us', higherIsBetter: false },
      { key: 'registerP99Us', label: 'register p99 ↓', unit: 'us', higherIsBetter: false },
      {
        key: 'seenP50Us',
        label: 'seen by the other node p50 ↓',
        unit: 'us',
        higherIsBetter: false,
      },
      { key: 'seenP99Us', label: 'seen p99 ↓', unit: 'us', higherIsBetter: false },
    ],
    timeoutSec: 300,
  },
];
