import type { ExitReason, Pid } from '../process/index.js';

/**
 * Why a message was not handled. Every message that is not handled ends
 * here, with one of these reasons: nothing vanishes.
 * - `noproc`: the target did not exist or had exited;
 * - `expired`: its TTL passed before it was handled;
 * - `dropped-newest` / `dropped-oldest`: a full mailbox's overflow policy;
 * - `late-reply`: a reply to an ask that had already timed out or ended;
 * - `stopped`: still queued when its process exited;
 * - `sender-exited`: sent by a handler whose process had already been killed;
 * - `unexpected`: a message its receiver does not understand (a supervisor
 *   given something that is not one of its requests);
 * - `unregistered`: sent to a name, service key, pool or topic with nobody
 *   behind it;
 * - `not-granted`: a placed body addressed a pid it was never given a ref
 *   to (semantics §23);
 * - `noconnection`: to a process on a node that is not up (declared down,
 *   gone, or without interest on NATS: no responders);
 * - `bad-frame`: a frame from a peer that does not decode (unknown version,
 *   tag or shape) — dropped, never a crash;
 * - `fenced`: from or to a node incarnation that was declared down;
 * - `denied`: the NATS server denied this node a publish or subscription
 *   (its user's permissions; the message is the denial, `{ operation,
 *   subject }`, and `address` is `node:<peer>` when the subject was a peer's);
 *
 * @example
 * ```ts
 * system.deadLetters.subscribe((d) => { if (d.reason === 'expired') metrics.expired++; });
 * ```
 */
export type DeadLetterReason =
  | 'noproc'
  | 'expired'
  | 'dropped-newest'
  | 'dropped-oldest'
  | 'late-reply'
  | 'stopped'
  | 'sender-exited'
  | 'unexpected'
  /** A placed body addressed a pid it was never given a ref to (semantics §23). */
  | 'not-granted'
  | 'unregistered'
  | 'noconnection'
  | 'bad-frame'
  | 'fenced'
  | 'denied';

/**
 * One message that was not handled.
 *
 * @example
 * ```ts
 * system.deadLetters.subscribe((d) => console.warn(d.reason, d.target, d.message));
 * ```
 */
export interface DeadLetter {
  /** The message (for a late reply: the reply value). */
  readonly message: unknown;
  /** The pid it was sent to. */
  readonly target: Pid | undefined;
  /** The sending process, when known. */
  readonly sender: Pid | undefined;
  readonly reason: DeadLetterReason;
  /** Clock time, in ms. */
  readonly at: number;
  /** What was addressed when no pid was (`name:db`, `service:users/42`, `pool:resize`). */
  readonly address?: string;
  /** For a `late-reply`: the correlation id of the ask it answered. */
  readonly correlationId?: number;
}

/**
 * What the system reports about itself: the inspection stream that tests,
 * health checks and (later) the observer subscribe to.
 *
 * @example
 * ```ts
 * system.events.subscribe((e) => { if (e.type === 'exited') log(e.pid, e.reason); }, ['exited']);
 * ```
 */
export type SystemEvent =
  | {
      readonly type: 'spawned';
      readonly pid: Pid;
      readonly parent: Pid | undefined;
      readonly at: number;
    }
  | { readonly type: 'exited'; readonly pid: Pid; readonly reason: ExitReason; readonly at: number }
  | {
      readonly type: 'restarted';
      readonly pid: Pid;
      readonly error: unknown;
      readonly restarts: number;
      readonly at: number;
    }
  | {
      readonly type: 'escalated';
      readonly pid: Pid;
      readonly parent: Pid | undefined;
      readonly error: unknown;
      readonly at: number;
    }
  | { readonly type: 'dead-letter'; readonly letter: DeadLetter; readonly at: number }
  | {
      readonly type: 'long-handler';
      /** The process whose turn was long; undefined when several turns shared one clock reading. */
      readonly pid: Pid | undefined;
      /** Every process that ran in the long interval (just `pid` when it is known). */
      readonly suspects: readonly Pid[];
      readonly elapsedMs: number;
      readonly messages: number;
      readonly at: number;
    }
  | {
      readonly type: 'mailbox-overflow';
      readonly pid: Pid;
      readonly decision: 'drop-newest' | 'drop-oldest' | 'reject';
      readonly capacity: number;
      readonly at: number;
    }
  | {
      readonly type: 'hook-failed';
      readonly pid: Pid;
      readonly hook: 'terminate' | 'onError';
      readonly error: unknown;
      readonly at: number;
    }
  | {
      /** A circuit breaker made by `system.circuitBreaker` changed state. */
      readonly type: 'circuit-state';
      readonly name: string;
      readonly from: 'closed' | 'open' | 'half-open';
      readonly to: 'closed' | 'open' | 'half-open';
      readonly at: number;
    }
  | {
      /** A process turned trapping exits on or off (hosts mirror it on a stand-in). */
      readonly type: 'trap-exit';
      readonly pid: Pid;
      readonly on: boolean;
      readonly at: number;
    }
  | {
      /**
       * What a sandboxed child process host wrote to its stdout or stderr,
       * captured instead of inherited: at most 4 KiB per event, a bounded
       * amount per host and stream, 256 KiB (`dropped` counts the bytes left out once
       * it is spent; a last event with empty `text` reports the total when the host ends).
       */
      readonly type: 'host-output';
      /** The placed process(es) the host runs (its stand-ins' pids). */
      readonly pids: readonly Pid[];
      readonly stream: 'stdout' | 'stderr';
      readonly text: string;
      readonly dropped: number;
      readonly at: number;
    }
  | SupervisionEvent
  | MessageEvent;

/**
 * Sampled message events of inspection (`system.inspect(listener, {
 * messages })`): a send accepted into a mailbox, and a message handled with
 * the handler's duration (until its promise settled, for an async handler).
 *
 * @example
 * ```ts
 * system.inspect((e) => { if (e.type === 'message-handled') hist.record(e.durationMs); }, { messages: 0.01 });
 * ```
 */
export type MessageEvent =
  | {
      readonly type: 'message-sent';
      readonly from: Pid | undefined;
      readonly to: Pid;
      readonly message: unknown;
      readonly at: number;
    }
  | {
      readonly type: 'message-handled';
      readonly pid: Pid;
      readonly message: unknown;
      readonly durationMs: number;
      readonly failed: boolean;
      readonly at: number;
    };

/**
 * What supervisors report: a child started, exited (with its reason and
 * what the supervisor does about it), restarted with a new pid, failed to
 * start; the supervisor shut itself down (intensity exceeded, backoff
 * exhausted, a significant child ended, or a child failed to start at init).
 * `id` is undefined for children of a dynamic supervisor.
 *
 * @example
 * ```ts
 * system.events.subscribe((e) => console.log(e), ['child-restarted', 'supervisor-shutdown']);
 * ```
 */
export type SupervisionEvent =
  | {
      readonly type: 'child-started';
      readonly supervisor: Pid;
      readonly id: string | undefined;
      readonly pid: Pid;
      readonly at: number;
    }
  | {
      readonly type: 'child-exited';
      readonly supervisor: Pid;
      readonly id: string | undefined;
      readonly pid: Pid;
      readonly reason: ExitReason;
      /** `restart`, `keep` (spec kept, no process), `delete` (spec dropped) or `shutdown` (the supervisor stopped it). */
      readonly action: 'restart' | 'keep' | 'delete' | 'shutdown';
      readonly at: number;
    }
  | {
      readonly type: 'child-restarted';
      readonly supervisor: Pid;
      readonly id: string | undefined;
      readonly pid: Pid;
      readonly previous: Pid | undefined;
      readonly at: number;
    }
  | {
      readonly type: 'child-start-failed';
      readonly supervisor: Pid;
      readonly id: string | undefined;
      readonly reason: ExitReason;
      readonly at: number;
    }
  | {
      readonly type: 'supervisor-shutdown';
      readonly supervisor: Pid;
      readonly cause: 'intensity' | 'backoff' | 'significant' | 'start-failed';
      /** The child whose exit or failed start caused it. */
      readonly id: string | undefined;
      readonly at: number;
    };

/**
 * The `type` of every system event, for filtering subscriptions.
 *
 * @example
 * ```ts
 * const kinds: SystemEventType[] = ['exited', 'restarted'];
 * system.events.subscribe(console.log, kinds);
 * ```
 */
export type SystemEventType = SystemEvent['type'];

/** A subscriber; returning nothing. Its exceptions are reported as process warnings. */
export type Listener<T> = (item: T) => void;

/**
 * A synchronous fan-out of items to listeners, with an optional filter per
 * listener. Costs one length check when nobody listens.
 *
 * @example
 * ```ts
 * const off = system.events.subscribe(console.log, ['restarted']);
 * off();
 * ```
 */
export class Stream<T> {
  #listeners: { fn: Listener<T>; types: readonly string[] | undefined }[] = [];
  readonly #label: string;

  constructor(label: string) {
    this.#label = label;
  }

  /** True when at least one listener is subscribed. */
  get observed(): boolean {
    return this.#listeners.length > 0;
  }

  /**
   * Subscribes `listener`, optionally only to items whose `type` is in `types`.
   * Returns a function that unsubscribes.
   */
  subscribe(listener: Listener<T>, types?: readonly string[]): () => void {
    const entry = { fn: listener, types };
    this.#listeners = [...this.#listeners, entry];
    return () => {
      this.#listeners = this.#listeners.filter((e) => e !== entry);
    };
  }

  /** Delivers `item` to every matching listener. */
  emit(item: T): void {
    for (const { fn, types } of this.#listeners) {
      if (types !== undefined && !types.includes((item as { type?: string }).type ?? '')) continue;
      try {
        fn(item);
      } catch (error) {
        process.emitWarning(`a ${this.#label} listener threw: ${String(error)}`, 'AirssysWarning');
      }
    }
  }
}
