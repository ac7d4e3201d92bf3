/**
 * Addressing: what it costs to send through a registered name, a pool
 * (each routing strategy) and a topic, compared with a direct `ref.tell`
 * measured in the same process, interleaved with it.
 *
 * Every variant sends small integers (no allocation) from outside the
 * system to counting actors whose handler only increments their state.
 * Sends go in batches of about 4,000 deliveries; only the synchronous send
 * loop is timed, then `system.idle()` drains the mailboxes untimed. So the
 * figures are the send path (address resolution, routing, enqueue and the
 * first-message wake-up), not the scheduler or the handlers. Each variant
 * has its own send loop, so no call site in the benchmark sees two kinds
 * of address.
 *
 * - direct: `ref.tell(m)` to one counter (the reference for every ratio);
 * - name: `system.named('target')`, made once, `.tell(m)` to that same counter;
 * - name, fresh: `system.named('target').tell(m)`, a new address per send;
 * - pool: 4 workers per strategy; consistent-hash takes its key (1,024
 *   keys) from the pool's `routingKey` function, and once more from a
 *   per-send `{ routingKey }` option (a send option makes an envelope);
 * - broadcast: every tell reaches the 4 workers of a pool;
 * - topic: `system.topics.publish` to 1, 10 and 1,000 subscribed counters.
 *
 * The variants take turns in 20 slices, the order rotated each slice, so
 * drift and noise fall on all of them alike. A rate is the median over
 * slices (a rare slow slice, a deopt or a major GC, does not move it); a
 * ratio is the median of same-slice ratios, variant deliveries/s ÷ direct
 * sends/s, so 1 means a delivery costs what a direct send does. The
 * plain-JS baseline measures only the direct send, batched the same way.
 *
 * Prints `RESULT {"directPerSec": …, "namedPerSec": …, "nameOverheadPct": …, …}`.
 */
import type { ActorRef, Address, Pool, RoutingStrategy, Topic } from '../src/index.js';
import { createSystem, defineActor, topic } from '../src/index.js';
import { BaseRuntime } from './baseline.js';
import {
  type ChildOptions,
  childOptions,
  emit,
  fullGc,
  type Metrics,
  median,
  now,
  runMain,
} from './common.js';

/** Deliveries per variant in the measured run. */
const DEFAULT_DELIVERIES = 4_000_000;
/** Deliveries per timed batch; mailboxes are drained (untimed) between batches. */
const BATCH = 4_000;
/** Interleaved slices per variant. */
const SLICES = 20;
const POOL_SIZE = 4;
/** Counters subscribed to the topics: the first 1, the first 10, all 1,000. */
const SUBSCRIBERS = 1_000;
/** Messages are `i & KEY_MASK`; consistent-hash routes them by `KEYS[message]`. */
const KEY_MASK = 1023;
const KEYS: readonly string[] = Array.from({ length: KEY_MASK + 1 }, (_, i) => `user-${i}`);

const counter = defineActor<number, number>({
  label: 'counter',
  init: () => 0,
  handle(_msg, ctx) {
    ctx.state++;
  },
});

/** One way of addressing: its own send loop and what it measured, per slice. */
interface Variant {
  readonly key: string;
  /** Deliveries per send (broadcast: the pool size; topic: its subscribers). */
  readonly fanout: number;
  /** Sends `count` messages; the hot loop, timed. */
  readonly send: (count: number) => void;
  /** Per slice: ms spent in `send` and the sends made. */
  readonly ms: number[];
  readonly sends: number[];
}

function variant(key: string, fanout: number, send: (count: number) => void): Variant {
  return { key, fanout, send, ms: [], sends: [] };
}

/** Deliveries made by `measure` since reset, to check against the handled count. */
const delivered = { count: 0 };

/**
 * Runs every variant for `deliveries` deliveries, interleaved in slices
 * (the order rotated each slice), timing only the send loops; `drain`
 * empties every mailbox between batches.
 */
async function measure(
  variants: readonly Variant[],
  deliveries: number,
  drain: () => Promise<void>,
): Promise<void> {
  const n = variants.length;
  for (let slice = 0; slice < SLICES; slice++) {
    for (let k = 0; k < n; k++) {
      const v = variants[(slice + k) % n] as Variant;
      const perBatch = Math.max(1, Math.floor(BATCH / v.fanout));
      const total = Math.max(1, Math.round(deliveries / SLICES / v.fanout));
      let ms = 0;
      for (let left = total; left > 0; ) {
        const count = Math.min(left, perBatch);
        const t0 = now();
        v.send(count);
        ms += now() - t0;
        left -= count;
        delivered.count += count * v.fanout;
        await drain();
      }
      v.ms.push(ms);
      v.sends.push(total);
    }
  }
}

/** Deliveries per second of `v` in slice `s`. */
function sliceRate(v: Variant, s: number): number {
  return ((v.sends[s] as number) * v.fanout) / ((v.ms[s] as number) / 1000);
}

/**
 * Sends/s of `v`: the median over slices, so that a rare slow slice (a
 * deopt, a major GC) does not move it.
 */
function rate(v: Variant): number {
  return median(v.ms.map((_, s) => sliceRate(v, s) / v.fanout));
}

/** Deliveries/s of `v` ÷ sends/s of `direct`: the median of same-slice ratios. */
function vsDirect(v: Variant, direct: Variant): number {
  return median(v.ms.map((_, s) => sliceRate(v, s) / sliceRate(direct, s)));
}

/** Warms `variants` up at a tenth of the size (unless disabled), then measures them afresh. */
async function warmThenMeasure(
  options: ChildOptions,
  make: () => Variant[],
  deliveries: number,
  drain: () => Promise<void>,
): Promise<Variant[]> {
  if (!options.noWarmup) {
    await measure(make(), Math.max(SLICES, Math.floor(deliveries / 10)), drain);
    fullGc();
  }
  const variants = make();
  await measure(variants, deliveries, drain);
  return variants;
}

async function airssys(options: ChildOptions, deliveries: number): Promise<Metrics> {
  const system = createSystem();
  const target = system.spawn(counter, { name: 'target' });
  const named = system.named<number>('target');

  const pool = (strategy: RoutingStrategy): Promise<Pool<number> & Address<number>> =>
    system.startPool(counter, {
      size: POOL_SIZE,
      strategy,
      routingKey: (m: number) => KEYS[m & KEY_MASK],
      label: strategy,
    });
  const roundRobin = await pool('round-robin');
  const random = await pool('random');
  const leastLoaded = await pool('least-loaded');
  const hashed = await pool('consistent-hash');
  const broadcast = await pool('broadcast');

  const subscribers: ActorRef<number>[] = [];
  for (let i = 0; i < SUBSCRIBERS; i++) subscribers.push(system.spawn(counter));
  const subscribed = (size: number): Topic<number> => {
    const t = topic<number>(`t${size}`);
    for (let i = 0; i < size; i++) system.topics.subscribe(t, subscribers[i] as ActorRef<number>);
    return t;
  };
  const t1 = subscribed(1);
  const t10 = subscribed(10);
  const t1000 = subscribed(SUBSCRIBERS);
  const pubsub = system.topics;
  await system.idle();

  // One literal loop per variant, so that each call site sees one kind of address.
  const variants = (): Variant[] => [
    variant('direct', 1, (count) => {
      for (let i = 0; i < count; i++) target.tell(i & KEY_MASK);
    }),
    variant('named', 1, (count) => {
      for (let i = 0; i < count; i++) named.tell(i & KEY_MASK);
    }),
    variant('namedFresh', 1, (count) => {
      for (let i = 0; i < count; i++) system.named<number>('target').tell(i & KEY_MASK);
    }),
    variant('roundRobin', 1, (count) => {
      for (let i = 0; i < count; i++) roundRobin.tell(i & KEY_MASK);
    }),
    variant('random', 1, (count) => {
      for (let i = 0; i < count; i++) random.tell(i & KEY_MASK);
    }),
    variant('leastLoaded', 1, (count) => {
      for (let i = 0; i < count; i++) leastLoaded.tell(i & KEY_MASK);
    }),
    variant('hash', 1, (count) => {
      for (let i = 0; i < count; i++) hashed.tell(i & KEY_MASK);
    }),
    variant('hashSendOption', 1, (count) => {
      for (let i = 0; i < count; i++) {
        const m = i & KEY_MASK;
        hashed.tell(m, { routingKey: KEYS[m] as string });
      }
    }),
    variant('broadcast', POOL_SIZE, (count) => {
      for (let i = 0; i < count; i++) broadcast.tell(i & KEY_MASK);
    }),
    variant('topic1', 1, (count) => {
      for (let i = 0; i < count; i++) pubsub.publish(t1, i & KEY_MASK);
    }),
    variant('topic10', 10, (count) => {
      for (let i = 0; i < count; i++) pubsub.publish(t10, i & KEY_MASK);
    }),
    variant('topic1000', SUBSCRIBERS, (count) => {
      for (let i = 0; i < count; i++) pubsub.publish(t1000, i & KEY_MASK);
    }),
  ];
  const before = system.stats();
  delivered.count = 0;
  const drain = () => system.idle();
  const measured = await warmThenMeasure(options, variants, deliveries, drain);
  const after = system.stats();
  if (after.deadLetters !== before.deadLetters) {
    throw new Error(`${after.deadLetters - before.deadLetters} dead letters`);
  }
  const handled = after.scheduler.handled - before.scheduler.handled;
  if (handled !== delivered.count) {
    throw new Error(`handled ${handled}, expected ${delivered.count}`);
  }
  await system.shutdown();

  const d = measured[0] as Variant;
  const metrics: Metrics = { directPerSec: rate(d) };
  for (const v of measured) {
    if (v === d) continue;
    metrics[`${v.key}PerSec`] = rate(v);
    if (v.fanout > 1) metrics[`${v.key}DeliveriesPerSec`] = rate(v) * v.fanout;
    metrics[`${v.key}VsDirect`] = vsDirect(v, d);
  }
  // Extra time per send through a name, as a share of a direct send's time.
  metrics.nameOverheadPct = (1 / (metrics.namedVsDirect as number) - 1) * 100;
  metrics.namedFreshOverheadPct = (1 / (metrics.namedFreshVsDirect as number) - 1) * 100;
  return metrics;
}

/** The plain-JS runtime: the direct send only, batched and timed the same way. */
async function baseline(options: ChildOptions, deliveries: number): Promise<Metrics> {
  const rt = new BaseRuntime();
  let handled = 0;
  const target = rt.spawn<number, number>((_msg, self) => {
    self.state++;
    handled++;
  }, 0);
  const make = (): Variant[] => [
    variant('direct', 1, (count) => {
      for (let i = 0; i < count; i++) target.tell(i & KEY_MASK);
    }),
  ];
  delivered.count = 0;
  const [direct] = (await warmThenMeasure(options, make, deliveries, () => rt.idle())) as [Variant];
  if (handled !== delivered.count) {
    throw new Error(`handled ${handled}, expected ${delivered.count}`);
  }
  return { directPerSec: rate(direct) };
}

runMain(async () => {
  const options = childOptions();
  const deliveries = options.n ?? DEFAULT_DELIVERIES;
  const run = options.impl === 'airssys' ? airssys : baseline;
  emit(await run(options, deliveries));
});
