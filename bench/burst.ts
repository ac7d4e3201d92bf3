/**
 * Burst: 10k actors × 100 messages of 1 KiB each (a fresh `Uint8Array` per
 * message), sent by one producer, message-major (round r sends one message
 * to every actor). Two figures per Node implementation: throughput from the
 * first send until every message is handled, and the process's peak RSS.
 * A single synchronous loop cannot be preempted in JavaScript, so the whole
 * burst queues before any actor runs; the airssys program also runs the
 * documented answer, a producer that yields with `system.backlog` /
 * `system.drained` once a target has 8 messages queued, and reports its
 * throughput and peak RSS. Peak RSS is of the whole program so far, so the
 * yielding run goes first. No warm-up run: it would raise the peak. The
 * loop that does not yield also reports the runtime's own mailbox memory
 * (`system.info(ref).memoryBytes` summed over the actors, minus their idle
 * records) with the whole burst queued and again once it is handled: the
 * segments a burst took are returned when the queues empty.
 *
 * Prints `RESULT {"msgsPerSec": …, "peakRssMiB": …, "yieldingMsgsPerSec": …,
 * "yieldingPeakRssMiB": …, "mailboxQueuedMiB": …, "mailboxDrainedMiB": …}`.
 */
import { resourceUsage } from 'node:process';
import type { ActorRef, ActorSystem } from '../src/index.js';
import { createSystem, defineActor } from '../src/index.js';
import { MEMORY_COSTS } from '../src/observe/index.js';
import { BaseRuntime } from './baseline.js';
import { childOptions, emit, fullGc, now, runMain } from './common.js';

const DEFAULT_ACTORS = 10_000;
const MESSAGES_PER_ACTOR = 100;
const PAYLOAD_BYTES = 1024;
/** Queued messages per target past which the yielding producer waits. */
const HIGH_WATER = 8;

type Chunk = { readonly type: 'chunk'; readonly bytes: Uint8Array };

const sink = defineActor<Chunk, number>({
  label: 'burst sink',
  init: () => 0,
  handle(msg, ctx) {
    ctx.state += msg.bytes.length;
  },
});

/** Peak resident set size of this process so far, in MiB. */
function peakRssMiB(): number {
  return resourceUsage().maxRSS / 1024;
}

/** Mailbox memory the runtime holds for `refs` (its estimate, the idle records left out), in MiB. */
function mailboxMiB(system: ActorSystem, refs: readonly ActorRef<Chunk>[]): number {
  let bytes = 0;
  for (const ref of refs) bytes += (system.info(ref)?.memoryBytes ?? 0) - MEMORY_COSTS.record;
  return bytes / 2 ** 20;
}

interface AirssysRun {
  readonly ms: number;
  /** Mailbox MiB with the whole burst queued (the loop that does not yield only). */
  readonly queuedMiB: number;
  /** Mailbox MiB once every message is handled. */
  readonly drainedMiB: number;
}

async function airssys(actors: number, yielding: boolean): Promise<AirssysRun> {
  const system = createSystem();
  const refs: ActorRef<Chunk>[] = Array.from({ length: actors }, () => system.spawn(sink));
  await system.idle();
  const t0 = now();
  for (let r = 0; r < MESSAGES_PER_ACTOR; r++) {
    for (const ref of refs) {
      ref.tell({ type: 'chunk', bytes: new Uint8Array(PAYLOAD_BYTES) });
      if (yielding && system.backlog(ref) > HIGH_WATER) await system.drained(ref);
    }
  }
  // Not timed: the sum walks 10k actors.
  const t1 = now();
  const queuedMiB = yielding ? 0 : mailboxMiB(system, refs);
  const t2 = now();
  await system.idle();
  const ms = now() - t0 - (t2 - t1);
  const drainedMiB = mailboxMiB(system, refs);
  const handled = system.stats().scheduler.handled;
  if (handled < actors * MESSAGES_PER_ACTOR) throw new Error(`handled only ${handled}`);
  await system.shutdown();
  return { ms, queuedMiB, drainedMiB };
}

async function baseline(actors: number): Promise<number> {
  const rt = new BaseRuntime();
  let handled = 0;
  const refs = Array.from({ length: actors }, () =>
    rt.spawn<Chunk, number>((msg, self) => {
      self.state += msg.bytes.length;
      handled++;
    }, 0),
  );
  const t0 = now();
  for (let r = 0; r < MESSAGES_PER_ACTOR; r++) {
    for (const ref of refs) ref.tell({ type: 'chunk', bytes: new Uint8Array(PAYLOAD_BYTES) });
  }
  await rt.idle();
  const ms = now() - t0;
  if (handled !== actors * MESSAGES_PER_ACTOR) throw new Error(`handled only ${handled}`);
  return ms;
}

runMain(async () => {
  const options = childOptions();
  const actors = options.n ?? DEFAULT_ACTORS;
  const messages = actors * MESSAGES_PER_ACTOR;
  if (options.impl === 'baseline') {
    const ms = await baseline(actors);
    emit({ msgsPerSec: messages / (ms / 1000), peakRssMiB: peakRssMiB() });
    return;
  }
  // The yielding producer first: its peak is then the program's peak so far.
  const yielding = await airssys(actors, true);
  const yieldingPeak = peakRssMiB();
  fullGc();
  const burst = await airssys(actors, false);
  emit({
    msgsPerSec: messages / (burst.ms / 1000),
    peakRssMiB: peakRssMiB(),
    yieldingMsgsPerSec: messages / (yielding.ms / 1000),
    yieldingPeakRssMiB: yieldingPeak,
    mailboxQueuedMiB: burst.queuedMiB,
    mailboxDrainedMiB: burst.drainedMiB,
  });
});
