/**
 * OpenTelemetry for airssys-rt: `airssys-rt/otel`. Metrics from the
 * inspection stream (`instrumentSystem`) and trace context carried through
 * message envelopes (`tracedTell`, `tracedAsk`, `traced`). Imports only
 * `@opentelemetry/api` (an optional peer, `^1.9.0`); without a registered
 * SDK everything here is a no-op.
 *
 * @module
 */
export type { InstrumentedSystem, InstrumentOptions } from './metrics.js';
export { instrumentSystem } from './metrics.js';
export type {
  TracedActorOptions,
  TracedAskOptions,
  TracedSendOptions,
  TraceOptions,
} from './tracing.js';
export { traced, tracedAsk, tracedTell } from './tracing.js';
