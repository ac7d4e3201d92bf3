/**
 * What the harness runs: each benchmark's program, problem size, Erlang
 * counterpart and metrics, with the goals of perf-anchors.md §4. Keeping
 * this table in one place (with its first part in catalog-messaging.ts and
 * its row constructors in metric-spec.ts) lets run.ts stay generic.
 */

import { MESSAGING_BENCHMARKS } from './catalog-messaging.js';
import { atLeast, atMost, type BenchSpec, higher, lower, type MetricSpec } from './metric-spec.js';

/** A rate and its ratio to a direct send measured alongside it (addressing). */
const vsDirect = (key: string, what: string, counted = 'sends/s'): MetricSpec[] => [
  higher(`${key}PerSec`, `${what}: ${counted} ↑`, 'rate'),
  higher(`${key}VsDirect`, `${what}: ÷ direct send ↑`, 'ratio'),
];

/** The same for a send that reaches several processes: sends/s, deliveries/s, and the ratio. */
const fanOut = (key: string, what: string, sends: string): MetricSpec[] => [
  higher(`${key}PerSec`, `${what}: ${sends}/s ↑`, 'rate'),
  higher(`${key}DeliveriesPerSec`, `${what}: deliveries/s ↑`, 'rate'),
  higher(`${key}VsDirect`, `${what}: deliveries ÷ direct send ↑`, 'ratio'),
];

/** The cost of one kind of inspector on counting: its msgs/s, ÷ no listener, and its extra time. */
const inspected = (key: string, what: string, maxPct: number, note: string): MetricSpec[] => [
  higher(`${key}MsgsPerSec`, `${what}: msgs/s ↑`, 'rate'),
  higher(`${key}VsNone`, `${what}: ÷ no listener ↑`, 'ratio'),
  lower(
    `${key}OverheadPct`,
    `${what}: extra time per message vs no listener ↓`,
    'pct',
    atMost(maxPct, note),
  ),
];

/** Ask round trips to a placed actor: p50 and p99 (`what` ends with its own separator). */
const askRoundTrip = (key: string, what: string): MetricSpec[] => [
  lower(`${key}AskP50Us`, `${what} ask round trip p50 ↓`, 'us'),
  lower(`${key}AskP99Us`, `${what} ask round trip p99 ↓`, 'us'),
];

/**
 * Every benchmark, in the order the harness runs and prints them.
 *
 * @example
 * BENCHMARKS.find((b) => b.name === 'ring')?.script; // 'ring.js'
 */
export const BENCHMARKS: readonly BenchSpec[] = [
  ...MESSAGING_BENCHMARKS,
  {
    name: 'addressing',
    title: 'addressing: send path (4M deliveries per variant)',
    script: 'addressing.js',
    n: 4_000_000,
    erlang: { skip: 'none; ratios are to a direct send' },
    metrics: [
      higher('directPerSec', 'direct ref.tell: sends/s ↑', 'rate'),
      ...vsDirect('named', 'system.named, kept'),
      lower(
        'nameOverheadPct',
        'system.named, kept: extra time per send vs direct ↓',
        'pct',
        atMost(20, 'issue: a name lookup per send under 20 %'),
      ),
      ...vsDirect('namedFresh', 'system.named(name).tell, new address per send'),
      lower(
        'namedFreshOverheadPct',
        'system.named(name).tell, new address per send: extra time vs direct ↓',
        'pct',
      ),
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
      higher('noneMsgsPerSec', 'no listener: msgs/s ↑', 'rate'),
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
      higher(
        'workerTellPerSec',
        "placement 'worker', one way: msgs/s ↑",
        'rate',
        atLeast(1e6, 'issue: ≥ 1M msgs/s one way to a worker-hosted actor'),
      ),
      higher('processTellPerSec', "placement 'process', one way: msgs/s ↑", 'rate'),
      ...askRoundTrip('worker', "placement 'worker',"),
      ...askRoundTrip('process', "placement 'process',"),
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
      higher('copy1MiBPerSec', '1 MiB copied: MiB/s ↑', 'rate'),
      higher('move1MiBPerSec', '1 MiB moved: MiB/s ↑', 'rate'),
      higher('move1MiBRatio', '1 MiB: moved ÷ copied ↑', 'ratio'),
      higher('copy16MiBPerSec', '16 MiB copied: MiB/s ↑', 'rate'),
      higher('move16MiBPerSec', '16 MiB moved: MiB/s ↑', 'rate'),
      higher('move16MiBRatio', '16 MiB: moved ÷ copied ↑', 'ratio'),
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
      lower('processStartMs', "placement 'process': spawn to first answer ↓", 'ms'),
      lower(
        'sandboxStartMs',
        "placement 'process' + sandbox (bwrap): spawn to first answer ↓",
        'ms',
      ),
      lower('sandboxStartX', 'sandboxed / plain start-up, same run ↓', 'ratio'),
      ...askRoundTrip('process', "placement 'process':"),
      ...askRoundTrip('sandbox', "placement 'process' + sandbox:"),
      lower('sandboxAskP50X', 'sandboxed / plain ask p50, same run ↓', 'ratio'),
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
      lower('serialMs', 'plain JS in main, one chunk after another ↓', 'ms'),
      lower('oneMs', 'poolThreads 1 ↓', 'ms'),
      lower('twoMs', 'poolThreads 2, actors spawned in a loop ↓', 'ms'),
      higher(
        'speedup',
        'speedup 1 → 2 threads, actors spawned in a loop ↑',
        'ratio',
        atLeast(1.8, 'issue: ≥ 1.8× on 2 cores'),
      ),
      lower('balancedTwoMs', 'poolThreads 2, actors spawned one at a time ↓', 'ms'),
      higher(
        'balancedSpeedup',
        'speedup 1 → 2 threads, actors spawned one at a time ↑',
        'ratio',
        atLeast(1.8, 'issue: ≥ 1.8× on 2 cores'),
      ),
      higher('vsSerial', 'serial in main ÷ poolThreads 2 (loop) ↑', 'ratio'),
      lower('mainBusyUsPerChunk', 'main thread busy per chunk, poolThreads 2 ↓', 'us'),
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
      lower('p50Us', 'round trip p50 ↓', 'us'),
      lower('p99Us', 'round trip p99 ↓', 'us'),
      lower('meanUs', 'round trip mean ↓', 'us'),
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
      lower('pathAllowedUs', "checkPath('read'), allowed ↓", 'us'),
      lower('pathOutsideUs', "checkPath('read'), denied: outside the root ↓", 'us'),
      lower(
        'pathSymlinkUs',
        "checkPath('read'), denied: symlink under the root leading out (baseline allows it) ↓",
        'us',
      ),
      lower('pathChainUs', "checkPath('read'), allowed, 2-policy chain (system + actor) ↓", 'us'),
      lower('execAllowedUs', 'checkExec, allowed `cat <file>` with cwd (no baseline) ↓', 'us'),
      lower(
        'execStructuredUs',
        'checkExec, allowed `cat -n <file>`, structured rule (options, operands; no baseline) ↓',
        'us',
      ),
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
      higher('fileAppendsPerSec', 'record, to a file (writeSync per line): appends/s ↑', 'rate'),
      higher(
        'keyedFileAppendsPerSec',
        'record, to a file, HMAC-SHA-256 keyed chain (baseline: un-chained): appends/s ↑',
        'rate',
      ),
      higher('memoryAppendsPerSec', 'record, in memory only: appends/s ↑', 'rate'),
      higher(
        'verifyLinesPerSec',
        'verifyAuditText (baseline: JSON.parse + seq): lines/s ↑',
        'rate',
      ),
      higher(
        'keyedVerifyLinesPerSec',
        'verifyAuditText with the key (baseline: JSON.parse + seq): lines/s ↑',
        'rate',
      ),
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
      higher('onewayPerSec', 'one-way 128 B (tell / publish / !): msgs/s ↑', 'rate'),
      higher('pingpongPerSec', 'ping-pong, sequential: round trips/s ↑', 'rate'),
      lower('callP50Us', 'call (ask / nc.request / gen_server:call) p50 ↓', 'us'),
      lower('callP99Us', 'call p99 ↓', 'us'),
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
      lower('registerP50Us', 'register p50 ↓', 'us'),
      lower('registerP99Us', 'register p99 ↓', 'us'),
      lower('seenP50Us', 'seen by the other node p50 ↓', 'us'),
      lower('seenP99Us', 'seen p99 ↓', 'us'),
    ],
    timeoutSec: 300,
  },
];
