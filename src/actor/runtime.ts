import type { DeadLetterReason, Stream, SystemEvent } from '../broker/index.js';
import type { Pid } from '../process/index.js';
import type { Clock, Scheduler, TimerQueue } from '../scheduler/index.js';
import type { AuditSink, SecurityContext } from '../security/index.js';
import type { AskRecord, AskRecordPool } from './ask-record.js';
import type { AsyncSenders } from './async-senders.js';

/**
 * The sampling countdowns' start when message sampling is off: so far
 * away that the per-message decrement reaches 0 (and is reloaded) once in
 * about a billion messages, and the check costs the same on or off.
 */
export const UNSAMPLED_COUNTDOWN = 2 ** 30;

/** A process that asks can be aimed at; it tracks them to fail them when it exits. */
export interface AskTarget {
  readonly pid: Pid;
  forgetAsk(ask: AskRecord): void;
}

/** The running process as seen by a sender: its pid, to record as sender. */
export interface Current {
  readonly pid: Pid;
  /** Its flags: a sender that has exited (killed mid-handler) sends nothing. */
  readonly flags: number;
}

/**
 * What a process needs from the system that owns it. The system implements
 * this; processes never reach for module-level state.
 */
export interface Runtime {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly timers: TimerQueue;
  readonly events: Stream<SystemEvent>;
  /** Default timeout for `ask`, in ms. */
  readonly askTimeout: number;
  /** Ended ask records, reused by the next asks. */
  readonly askRecords: AskRecordPool;
  /** The system's own security context (its policy, or none: deny everything). */
  readonly security: SecurityContext;
  /** Where operations under a security policy are recorded, when the system has a log. */
  readonly audit: AuditSink | undefined;
  /** The process whose handler or hook is running now, if any. */
  current: Current | null;
  /**
   * The async context of processes with an `async` handle or init, created
   * when the first such process runs (semantics §4): until then null, and a
   * send with no handler running costs one check more.
   */
  asyncSenders: AsyncSenders | null;
  /**
   * Message inspection: every `sampleEvery`-th send and handled message is
   * reported (0: off, the default). The countdowns below are decremented
   * per message whether sampling is on or off, so the check costs the same
   * either way; with sampling off they start at 2^30 and are just reloaded.
   */
  readonly sampleEvery: number;
  sentLeft: number;
  handledLeft: number;
  /**
   * Emits the event `build(at)` makes, with `at` the clock's time, when
   * someone listens to `events`; when no one does, nothing is built and the
   * clock is not read. The one way the runtime reports an event. (The
   * builder is a closure that does not escape: V8 removes it once the
   * caller is optimized, so an unobserved report costs a length check.)
   */
  report(build: (at: number) => SystemEvent): void;
  reportSent(from: Pid | undefined, to: Pid, message: unknown): void;
  reportHandled(pid: Pid, message: unknown, durationMs: number, failed: boolean, at: number): void;
  /** Reloads a countdown that reached 0; true when the message is to be sampled. */
  sampleDue(): boolean;
  nextMessageId(): number;
  deadLetter(
    message: unknown,
    target: Pid | undefined,
    sender: Pid | undefined,
    reason: DeadLetterReason,
    address?: string,
    correlationId?: number,
  ): void;
}
