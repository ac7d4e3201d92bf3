/**
 * `airssys-rt/otel` tracing: trace context carried through envelopes from
 * a PRODUCER span (tracedTell / tracedAsk) to a CONSUMER span (traced), and
 * a pure no-op without an SDK. The SDK is registered globally for the
 * second suite only and disabled after it.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  type ActorRef,
  createSystem,
  defineActor,
  type Envelope,
  type Reply,
} from '../../src/index.js';
import { traced, tracedAsk, tracedTell } from '../../src/otel/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';

type Msg =
  | { type: 'get'; reply: Reply<number> }
  | { type: 'forward'; reply: Reply<number> }
  | { type: 'note' }
  | { type: 'boom' }
  | { type: 'boom-async' };

/** What a handler saw of one message: its envelope and whether a span was active. */
interface Seen {
  readonly type: Msg['type'];
  readonly envelope: Envelope<Msg> | undefined;
  readonly spanActive: boolean;
}

/**
 * A traced actor: `get` replies 7, `forward` asks `next` (traced) and
 * replies what it got plus one, `boom` throws, `boom-async` rejects.
 */
function actor(label: string, seen: Seen[], errors: unknown[], next?: () => ActorRef<Msg>) {
  return traced(
    defineActor<Msg>({
      label,
      async handle(msg, ctx) {
        seen.push({
          type: msg.type,
          envelope: ctx.envelope,
          spanActive: trace.getSpan(context.active()) !== undefined,
        });
        switch (msg.type) {
          case 'get':
            msg.reply.send(7);
            return;
          case 'forward': {
            if (next === undefined) throw new Error('nowhere to forward');
            msg.reply.send((await tracedAsk(next(), { type: 'get' })) + 1);
            return;
          }
          case 'note':
            return;
          case 'boom':
            throw new Error('sync boom');
          case 'boom-async':
            await Promise.resolve();
            throw new Error('async boom');
        }
      },
      onError(error) {
        errors.push(error);
        return 'resume';
      },
    }),
  );
}

describe('otel tracing without an SDK', () => {
  failOnUnhandledRejections();

  it('adds no headers and starts no span', async () => {
    const system = createSystem();
    const seen: Seen[] = [];
    const ref = system.spawn(actor('plain', seen, []));
    assert.equal(await tracedAsk(ref, { type: 'get' }), 7);
    tracedTell(ref, { type: 'note' }, { priority: 'high' });
    tracedTell(ref, { type: 'note' }, { headers: { tenant: 'a' } });
    await system.idle();
    assert.equal(seen[0]?.envelope, undefined, 'no options: no envelope forced');
    assert.equal(seen[1]?.envelope?.priority, 'high');
    assert.equal(seen[1]?.envelope?.headers, undefined, 'no-op propagator: no headers');
    assert.deepEqual(seen[2]?.envelope?.headers, { tenant: 'a' }, 'given headers kept as they are');
    assert.ok(
      seen.every((s) => !s.spanActive),
      'no span is active in the handler',
    );
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    assert.deepEqual(carrier, {}, 'the default propagator writes nothing');
    await system.shutdown();
  });
});

describe('otel tracing with an SDK', () => {
  failOnUnhandledRejections();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });

  before(() => {
    const manager = new AsyncLocalStorageContextManager();
    manager.enable();
    assert.ok(context.setGlobalContextManager(manager));
    assert.ok(propagation.setGlobalPropagator(new W3CTraceContextPropagator()));
    assert.ok(trace.setGlobalTracerProvider(provider));
  });
  after(async () => {
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  });
  afterEach(() => {
    exporter.reset();
  });

  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  const named = (name: string): ReadableSpan => {
    const span = spans().find((s) => s.name === name);
    assert.ok(span !== undefined, `a span named ${name} (got ${spans().map((s) => s.name)})`);
    return span;
  };
  const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

  it('links an ask: PRODUCER span, then a CONSUMER span child of it', async () => {
    const system = createSystem();
    const seen: Seen[] = [];
    const ref = system.spawn(actor('counter', seen, []), { name: 'counter' });
    assert.equal(await tracedAsk(ref, { type: 'get' }), 7);
    await system.idle();
    const producer = named(`send <0.${ref.pid}>`);
    const consumer = named('process counter');
    assert.equal(producer.kind, SpanKind.PRODUCER);
    assert.equal(consumer.kind, SpanKind.CONSUMER);
    assert.equal(consumer.spanContext().traceId, producer.spanContext().traceId);
    assert.equal(parentOf(consumer), producer.spanContext().spanId);
    assert.equal(parentOf(producer), undefined, 'a root span: nothing was active');
    assert.deepEqual(
      {
        system: producer.attributes['messaging.system'],
        operation: producer.attributes['messaging.operation.type'],
        destination: producer.attributes['messaging.destination.name'],
      },
      { system: 'airssys', operation: 'send', destination: `<0.${ref.pid}>` },
    );
    assert.equal(consumer.attributes['messaging.operation.type'], 'process');
    assert.equal(consumer.attributes['airssys.actor.name'], 'counter');
    assert.equal(
      consumer.attributes['messaging.message.conversation_id'],
      String(seen[0]?.envelope?.correlationId),
    );
    const traceparent = seen[0]?.envelope?.headers?.traceparent;
    assert.match(traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.ok(traceparent?.includes(producer.spanContext().spanId));
    assert.equal(seen[0]?.spanActive, true);
    // A name as the address gives the name as the destination.
    await tracedAsk(system.named<Msg>('counter'), { type: 'get' });
    assert.equal(named('send counter').attributes['messaging.destination.name'], 'counter');
    await system.shutdown();
  });

  it('continues the trace through a nested tracedAsk made by the handler', async () => {
    const system = createSystem();
    const seen: Seen[] = [];
    const back = system.spawn(actor('back', seen, []));
    const front = system.spawn(actor('front', seen, [], () => back));
    const parent = trace.getTracer('test').startSpan('request');
    const reply = await context.with(trace.setSpan(context.active(), parent), () =>
      tracedAsk(front, { type: 'forward' }),
    );
    parent.end();
    assert.equal(reply, 8);
    await system.idle();
    const chain = [
      parent.spanContext().spanId,
      named(`send <0.${front.pid}>`),
      named('process front'),
      named(`send <0.${back.pid}>`),
      named('process back'),
    ];
    for (let i = 1; i < chain.length; i++) {
      const span = chain[i] as ReadableSpan;
      const previous = chain[i - 1];
      const expected = typeof previous === 'string' ? previous : previous?.spanContext().spanId;
      assert.equal(parentOf(span), expected, `${span.name} is a child of the span before it`);
      assert.equal(span.spanContext().traceId, parent.spanContext().traceId, 'one trace');
    }
    await system.shutdown();
  });

  it('marks the CONSUMER span ERROR when the handler throws or rejects', async () => {
    const system = createSystem();
    const errors: unknown[] = [];
    const ref = system.spawn(actor('faulty', [], errors));
    tracedTell(ref, { type: 'boom' });
    tracedTell(ref, { type: 'boom-async' });
    await system.idle();
    assert.deepEqual(
      errors.map((e) => (e as Error).message),
      ['sync boom', 'async boom'],
      'onError still sees each error',
    );
    const consumers = spans().filter((s) => s.kind === SpanKind.CONSUMER);
    assert.equal(consumers.length, 2);
    for (const span of consumers) {
      assert.equal(span.status.code, SpanStatusCode.ERROR);
      assert.ok(
        span.events.some((e) => e.name === 'exception'),
        'the exception is recorded',
      );
    }
    const producers = spans().filter((s) => s.kind === SpanKind.PRODUCER);
    assert.ok(producers.every((s) => s.status.code !== SpanStatusCode.ERROR));
    await system.shutdown();
  });

  it('marks an ask PRODUCER span ERROR when the ask rejects', async () => {
    const system = createSystem();
    const ref = system.spawn(actor('gone', [], []));
    await system.stop(ref);
    await assert.rejects(tracedAsk(ref, { type: 'get' }));
    const producer = named(`send <0.${ref.pid}>`);
    assert.equal(producer.status.code, SpanStatusCode.ERROR);
    await system.shutdown();
  });

  it('merges trace headers over given ones, and spans untraced messages only with always', async () => {
    const system = createSystem();
    const seen: Seen[] = [];
    const ref = system.spawn(actor('merge', seen, []));
    tracedTell(ref, { type: 'note' }, { headers: { tenant: 'a' }, priority: 'high' });
    // Sent with a span active but no headers: the handler must not inherit whatever was
    // active when the scheduler was woken.
    const outer = trace.getTracer('test').startSpan('outer');
    context.with(trace.setSpan(context.active(), outer), () => ref.tell({ type: 'note' }));
    outer.end();
    await system.idle();
    assert.equal(seen[0]?.envelope?.headers?.tenant, 'a');
    assert.ok(seen[0]?.envelope?.headers?.traceparent !== undefined);
    assert.equal(seen[0]?.envelope?.priority, 'high');
    assert.equal(seen[1]?.spanActive, false, 'a plain tell is handled without a span');
    assert.equal(spans().filter((s) => s.kind === SpanKind.CONSUMER).length, 1);
    exporter.reset();

    const always = system.spawn(
      traced(defineActor<Msg>({ handle: () => {} }), { name: 'always', always: true }),
    );
    always.tell({ type: 'note' });
    await system.idle();
    const root = named('process always');
    assert.equal(parentOf(root), undefined, 'a root CONSUMER span');
    await system.shutdown();
  });
});

/** Compile-time checks only (never called): the traced API keeps the ref's types. */
export async function typeChecks(ref: ActorRef<Msg>): Promise<void> {
  const n: number = await tracedAsk(ref, { type: 'get' }, { timeout: 10, destination: 'x' });
  // @ts-expect-error `note` carries no reply port: it cannot be asked
  await tracedAsk(ref, { type: 'note' });
  // @ts-expect-error not a message of `Msg`
  tracedTell(ref, { type: 'other' });
  const def = traced(defineActor<Msg, number, string>({ init: (_, a) => a.length, handle() {} }));
  // @ts-expect-error the args type is kept: a string
  createSystem().spawn(def, { args: 1 });
  void n;
}
