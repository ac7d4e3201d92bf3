import { type Attributes, type Meter, metrics, type ObservableResult } from '@opentelemetry/api';
import type { Listener, SystemEvent, SystemEventType } from '../broker/index.js';
import type { InspectOptions } from '../system/index.js';

/**
 * Metrics from inspection: `instrumentSystem` subscribes to a system's
 * inspection stream and turns its events into OpenTelemetry instruments.
 * Without a registered SDK the API's meter is a no-op, so this costs one
 * listener call per lifecycle event and records nothing.
 *
 * @module
 */

/** Name of the default meter (the instrumentation scope). */
const METER_NAME = 'airssys-rt';

/** Attribute keys this module records. */
const METRIC_ATTRIBUTES = {
  /** `kind` of the exit reason: `normal`, `shutdown`, `error`, `killed`, ... */
  exitReason: 'airssys.exit.reason',
  /** Why a message was not handled: `noproc`, `expired`, `dropped-newest`, ... */
  deadLetterReason: 'airssys.dead_letter.reason',
  /** What a full mailbox did: `drop-newest`, `drop-oldest` or `reject`. */
  overflowDecision: 'airssys.mailbox.overflow.decision',
  /** Whether the sampled handler threw or rejected. */
  messageFailed: 'airssys.message.failed',
} as const;

/** Bucket bounds (ms) of the handle-duration histogram: most handlers take microseconds. */
const DURATION_BUCKETS_MS = [
  0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000,
];

/** The event kinds the instruments need; others never reach the listener. */
const EVENT_TYPES: readonly SystemEventType[] = [
  'spawned',
  'exited',
  'restarted',
  'child-restarted',
  'dead-letter',
  'mailbox-overflow',
  'message-handled',
];

/**
 * What `instrumentSystem` needs of a system: its inspection hook and its
 * counters. An `ActorSystem` is one.
 *
 * @example
 * ```ts
 * const target: InstrumentedSystem = createSystem();
 * ```
 */
export interface InstrumentedSystem {
  inspect(listener: Listener<SystemEvent>, options?: InspectOptions): () => void;
  stats(): { readonly processes: number };
}

/**
 * Options of {@link instrumentSystem}.
 *
 * @example
 * ```ts
 * instrumentSystem(system, { meter: provider.getMeter('my-app'), messages: 0.01 });
 * ```
 */
export interface InstrumentOptions {
  /** The meter to create instruments on; default `metrics.getMeter('airssys-rt')` (the global provider). */
  readonly meter?: Meter;
  /**
   * Fraction of messages (0..1) whose handling time feeds
   * `airssys.message.handle.duration`, passed to `system.inspect` as its
   * `messages` sampling rate. Default 0: no message events, no histogram.
   */
  readonly messages?: number;
}

/**
 * Records a system's lifecycle as OpenTelemetry metrics until the returned
 * function is called:
 *
 * | instrument | kind | unit | attributes |
 * | --- | --- | --- | --- |
 * | `airssys.process.spawned` | counter | `{process}` | |
 * | `airssys.process.exited` | counter | `{process}` | `airssys.exit.reason` |
 * | `airssys.process.restarts` | counter | `{restart}` | (in-place restarts by `onError`) |
 * | `airssys.supervisor.restarts` | counter | `{restart}` | |
 * | `airssys.dead_letters` | counter | `{message}` | `airssys.dead_letter.reason` |
 * | `airssys.mailbox.overflow` | counter | `{message}` | `airssys.mailbox.overflow.decision` |
 * | `airssys.message.handle.duration` | histogram | `ms` | `airssys.message.failed` (sampled) |
 * | `airssys.processes` | observable gauge | `{process}` | |
 *
 * @example
 * ```ts
 * import { instrumentSystem } from 'airssys-rt/otel';
 * const stop = instrumentSystem(system, { messages: 0.01 });
 * // ... later
 * stop();
 * ```
 */
export function instrumentSystem(
  system: InstrumentedSystem,
  options?: InstrumentOptions,
): () => void {
  const meter = options?.meter ?? metrics.getMeter(METER_NAME);
  const spawned = meter.createCounter('airssys.process.spawned', {
    description: 'Processes spawned',
    unit: '{process}',
  });
  const exited = meter.createCounter('airssys.process.exited', {
    description: 'Processes exited, by exit reason kind',
    unit: '{process}',
  });
  const restarted = meter.createCounter('airssys.process.restarts', {
    description: 'Processes restarted in place by their onError hook',
    unit: '{restart}',
  });
  const supervisorRestarts = meter.createCounter('airssys.supervisor.restarts', {
    description: 'Children restarted by their supervisor',
    unit: '{restart}',
  });
  const deadLetters = meter.createCounter('airssys.dead_letters', {
    description: 'Messages that were not handled, by reason',
    unit: '{message}',
  });
  const overflow = meter.createCounter('airssys.mailbox.overflow', {
    description: 'Sends that found a full mailbox, by the decision taken',
    unit: '{message}',
  });
  const duration = meter.createHistogram('airssys.message.handle.duration', {
    description: 'Time a handler took for one sampled message (until an async handler settled)',
    unit: 'ms',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS_MS },
  });
  const processes = meter.createObservableGauge('airssys.processes', {
    description: 'Live processes in the system',
    unit: '{process}',
  });

  const observe = (result: ObservableResult<Attributes>): void => {
    result.observe(system.stats().processes);
  };
  processes.addCallback(observe);

  const listener = (event: SystemEvent): void => {
    switch (event.type) {
      case 'spawned':
        spawned.add(1);
        return;
      case 'exited':
        exited.add(1, { [METRIC_ATTRIBUTES.exitReason]: event.reason.kind });
        return;
      case 'restarted':
        restarted.add(1);
        return;
      case 'child-restarted':
        supervisorRestarts.add(1);
        return;
      case 'dead-letter':
        deadLetters.add(1, { [METRIC_ATTRIBUTES.deadLetterReason]: event.letter.reason });
        return;
      case 'mailbox-overflow':
        overflow.add(1, { [METRIC_ATTRIBUTES.overflowDecision]: event.decision });
        return;
      case 'message-handled':
        duration.record(event.durationMs, { [METRIC_ATTRIBUTES.messageFailed]: event.failed });
        return;
      default:
        return;
    }
  };
  const inspectOptions: InspectOptions =
    options?.messages === undefined
      ? { types: EVENT_TYPES }
      : { types: EVENT_TYPES, messages: options.messages };
  let unsubscribe: () => void;
  try {
    unsubscribe = system.inspect(listener, inspectOptions);
  } catch (error) {
    processes.removeCallback(observe);
    throw error;
  }

  let active = true;
  return () => {
    if (!active) return;
    active = false;
    unsubscribe();
    processes.removeCallback(observe);
  };
}
