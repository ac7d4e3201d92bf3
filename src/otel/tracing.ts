import {
  type Attributes,
  type Context,
  context,
  type Exception,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type {
  ActorContext,
  ActorDefinition,
  Address,
  AskOptions,
  ReplyOf,
  RequestOf,
} from '../actor/index.js';
import { isAsyncFunction } from '../actor/index.js';
import type { SendOptions } from '../mailbox/index.js';
import { formatPid, type Pid } from '../process/index.js';

/**
 * Trace context through message envelopes: a PRODUCER span around each
 * traced send, its context injected into the envelope's `headers` with the
 * global propagator (W3C `traceparent` with the usual setup), and a
 * CONSUMER span, child of the extracted context, around the handling of
 * each message that carries one. Without a registered SDK the API's tracer
 * and propagator are no-ops: no span is recorded and no header is added.
 *
 * @module
 */

/** Name of the default tracer (the instrumentation scope). */
const TRACER_NAME = 'airssys-rt';
/** `messaging.system` of every span. */
const MESSAGING_SYSTEM = 'airssys';

/**
 * What a traced send adds to the send options: the tracer and the name
 * the span gives the destination.
 *
 * @example
 * ```ts
 * tracedTell(ref, { type: 'work' }, { priority: 'high', destination: 'workers' });
 * ```
 */
export interface TraceOptions {
  /** The tracer to start the PRODUCER span with; default `trace.getTracer('airssys-rt')`. */
  readonly tracer?: Tracer;
  /**
   * `messaging.destination.name` and the span name's target; default the
   * address's pid (`<0.42>`), registered name, or pool label.
   */
  readonly destination?: string;
}

/**
 * Options of {@link tracedTell}: the send options plus {@link TraceOptions}.
 *
 * @example
 * ```ts
 * tracedTell(ref, job, { ttl: 1_000, destination: 'jobs' });
 * ```
 */
export interface TracedSendOptions extends SendOptions, TraceOptions {}

/**
 * Options of {@link tracedAsk}: the ask options plus {@link TraceOptions}.
 *
 * @example
 * ```ts
 * await tracedAsk(ref, { type: 'get' }, { timeout: 250 });
 * ```
 */
export interface TracedAskOptions extends AskOptions, TraceOptions {}

/**
 * Options of {@link traced}.
 *
 * @example
 * ```ts
 * system.spawn(traced(worker, { name: 'worker', always: true }));
 * ```
 */
export interface TracedActorOptions {
  /** The name in `process <name>` span names; default the definition's `label`, else `actor`. */
  readonly name?: string;
  /** Start a (root) CONSUMER span for messages that carry no trace context too. Default false. */
  readonly always?: boolean;
  /** The tracer to start CONSUMER spans with; default `trace.getTracer('airssys-rt')`. */
  readonly tracer?: Tracer;
}

/**
 * Sends `message` to `address` inside a PRODUCER span `send <destination>`,
 * with the active trace context injected into the message's `headers`
 * (merged over `options.headers`). The span ends once the message is
 * handed over; a send that throws marks it ERROR and rethrows.
 *
 * @example
 * ```ts
 * import { tracedTell } from 'airssys-rt/otel';
 * tracedTell(system.named<Job>('jobs'), { type: 'resize', id: 7 });
 * ```
 */
export function tracedTell<M>(address: Address<M>, message: M, options?: TracedSendOptions): void {
  const { span, send } = startProducer(address, options);
  try {
    address.tell(message, send);
  } catch (error) {
    failSpan(span, error);
    span.end();
    throw error;
  }
  span.end();
}

/**
 * Asks `address` inside a PRODUCER span `send <destination>`, with the
 * active trace context injected into the request's `headers`. The span
 * ends when the reply settles; a rejection (timeout, `reply.fail`, exit)
 * marks it ERROR and is passed on.
 *
 * @example
 * ```ts
 * import { tracedAsk } from 'airssys-rt/otel';
 * const total: number = await tracedAsk(cart, { type: 'total' }, { timeout: 500 });
 * ```
 */
export function tracedAsk<M, Q extends RequestOf<M>>(
  address: Address<M>,
  request: Q,
  options?: TracedAskOptions,
): Promise<ReplyOf<M, Q>> {
  const { span, send } = startProducer(address, options);
  let reply: Promise<ReplyOf<M, Q>>;
  try {
    reply = address.ask(request, send);
  } catch (error) {
    failSpan(span, error);
    span.end();
    return Promise.reject(error);
  }
  return reply.then(
    (value) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      failSpan(span, error);
      span.end();
      throw error;
    },
  );
}

/**
 * Wraps an actor definition so that each message whose envelope carries a
 * trace context (in `ctx.envelope.headers`) is handled inside a CONSUMER
 * span `process <name>`, child of that context and active while the
 * handler runs: spans the handler starts, and its `tracedAsk`s, join the
 * trace. An async handler's span ends when its promise settles. A throw
 * or rejection marks the span ERROR, records the exception and is
 * rethrown, so `onError` and supervision see it as before. Other messages
 * are handled as before, without a span (unless `options.always`).
 *
 * @example
 * ```ts
 * import { traced } from 'airssys-rt/otel';
 * const ref = system.spawn(traced(defineActor<Msg>({ label: 'cart', handle })));
 * ```
 */
export function traced<M, S, A>(
  definition: ActorDefinition<M, S, A>,
  options?: TracedActorOptions,
): ActorDefinition<M, S, A> {
  const name = options?.name ?? definition.label ?? 'actor';
  const always = options?.always === true;
  const tracer = options?.tracer;
  const handle = (message: M, ctx: ActorContext<M, S>): void | Promise<void> => {
    const envelope = ctx.envelope;
    const headers = envelope?.headers;
    const parent: Context =
      headers === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, headers);
    if (parent === ROOT_CONTEXT && !always) {
      // Nothing extracted (no headers, none of the propagator's, or no SDK): no span, and
      // no context either, rather than whatever was active when the scheduler was woken.
      if (context.active() === ROOT_CONTEXT) return definition.handle(message, ctx);
      return context.with(ROOT_CONTEXT, () => definition.handle(message, ctx));
    }
    const attributes: Attributes = {
      'messaging.system': MESSAGING_SYSTEM,
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': formatPid(ctx.pid),
      'airssys.actor.name': name,
    };
    if (envelope !== undefined) {
      attributes['messaging.message.id'] = String(envelope.id);
      if (envelope.correlationId !== undefined) {
        attributes['messaging.message.conversation_id'] = String(envelope.correlationId);
      }
    }
    const span = (tracer ?? trace.getTracer(TRACER_NAME)).startSpan(
      `process ${name}`,
      { kind: SpanKind.CONSUMER, attributes },
      parent,
    );
    let result: void | Promise<void>;
    try {
      result = context.with(trace.setSpan(parent, span), () => definition.handle(message, ctx));
    } catch (error) {
      failSpan(span, error);
      span.end();
      throw error;
    }
    if (result === undefined || typeof result.then !== 'function') {
      span.end();
      return result;
    }
    return result.then(
      () => {
        span.end();
      },
      (error: unknown) => {
        failSpan(span, error);
        span.end();
        throw error;
      },
    );
  };
  // An async handler stays an async function, so it keeps its process's
  // async context (semantics §4: a killed process's later sends have no effect).
  if (isAsyncFunction(definition.handle)) {
    return Object.freeze({
      ...definition,
      handle: async (message: M, ctx: ActorContext<M, S>) => handle(message, ctx),
    });
  }
  return Object.freeze({ ...definition, handle });
}

/** Starts the PRODUCER span of a traced send and builds the send options that carry its context. */
function startProducer<O extends SendOptions & TraceOptions>(
  address: Address<never>,
  options: O | undefined,
): { span: Span; send: Omit<O, keyof TraceOptions> | undefined } {
  let send: Omit<O, keyof TraceOptions> | undefined;
  let tracer: Tracer | undefined;
  let destination: string | undefined;
  if (options !== undefined) {
    const { tracer: t, destination: d, ...rest } = options;
    tracer = t;
    destination = d;
    send = rest;
  }
  const target = destination ?? destinationOf(address);
  const parent = context.active();
  const span = (tracer ?? trace.getTracer(TRACER_NAME)).startSpan(
    `send ${target}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': MESSAGING_SYSTEM,
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'send',
        'messaging.destination.name': target,
      },
    },
    parent,
  );
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(parent, span), carrier);
  // The no-op propagator writes nothing: the options stay as given (no envelope is forced).
  if (Object.keys(carrier).length > 0) {
    const headers = { ...send?.headers, ...carrier };
    send = { ...send, headers } as Omit<O, keyof TraceOptions>;
  }
  return { span, send };
}

/** A readable destination name for an address: its pid, registered name, or label. */
function destinationOf(address: Address<never>): string {
  const { pid, name, label, service, key } = address as {
    pid?: unknown;
    name?: unknown;
    label?: unknown;
    service?: unknown;
    key?: unknown;
  };
  if (typeof pid === 'number') return formatPid(pid as Pid);
  if (typeof name === 'string') return name;
  if (typeof service === 'string' && typeof key === 'string') return `${service}/${key}`;
  if (typeof label === 'string') return label;
  return 'anonymous';
}

/** Marks `span` as failed by `error`. */
function failSpan(span: Span, error: unknown): void {
  const exception: Exception =
    error instanceof Error ? error : { name: 'NonError', message: String(error) };
  span.recordException(exception);
  span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message ?? String(error) });
}
