/**
 * `airssys-rt/otel` metrics: `instrumentSystem` turns inspection events
 * into counters, a sampled handle-duration histogram and a process gauge,
 * read here through a pull MetricReader of the metrics SDK.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Attributes } from '@opentelemetry/api';
import {
  DataPointType,
  MeterProvider,
  type MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  type ActorRef,
  createSystem,
  defineActor,
  InvalidArgumentError,
  type Reply,
  supervisor,
  whichChildren,
} from '../../src/index.js';
import { instrumentSystem } from '../../src/otel/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';

/** A reader that exports nothing: the test pulls with `collect()`. */
class PullReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

type Msg = { type: 'crash' } | { type: 'get'; reply: Reply<number> } | { type: 'note' };

const worker = defineActor<Msg>({
  label: 'worker',
  handle(msg) {
    if (msg.type === 'crash') throw new Error('crash');
    if (msg.type === 'get') msg.reply.send(1);
  },
});

/** A meter on a fresh provider, and a function that collects what it recorded, by name. */
function setupMeter() {
  const reader = new PullReader();
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('test');
  const collect = async (): Promise<Map<string, MetricData>> => {
    const { resourceMetrics, errors } = await reader.collect();
    assert.deepEqual(errors, []);
    const out = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) out.set(metric.descriptor.name, metric);
    }
    return out;
  };
  return { meter, collect, provider };
}

/** The value of the data point of `metric` whose attributes include `attributes`; 0 when none. */
function value(metric: MetricData | undefined, attributes: Attributes = {}): number {
  const point = metric?.dataPoints.find((p) =>
    Object.entries(attributes).every(([k, v]) => p.attributes[k] === v),
  );
  return typeof point?.value === 'number' ? point.value : 0;
}

describe('otel metrics', () => {
  failOnUnhandledRejections();

  it('counts spawns, exits, restarts, dead letters, overflow; gauges processes', async () => {
    const { meter, collect, provider } = setupMeter();
    const system = createSystem();
    const stop = instrumentSystem(system, { meter, messages: 1 });

    const sup = await system.start(
      supervisor({ intensity: 5, children: [{ id: 'w', actor: worker }] }),
    );
    const child = async (): Promise<ActorRef<Msg>> =>
      (await whichChildren(sup)).find((c) => c.id === 'w')?.ref as ActorRef<Msg>;
    const first = await child();
    assert.equal(await first.ask({ type: 'get' }), 1);
    first.tell({ type: 'crash' });
    await system.idle();
    assert.notEqual((await child()).pid, first.pid, 'restarted with a new pid');

    const gone = system.spawn(worker);
    await system.stop(gone);
    gone.tell({ type: 'note' }); // a dead letter: noproc

    const small = system.spawn(worker, { mailbox: { capacity: 1 } });
    small.tell({ type: 'note' });
    small.tell({ type: 'note' }); // dropped
    small.tell({ type: 'note' }); // dropped
    await system.idle();

    const metrics = await collect();
    assert.equal(value(metrics.get('airssys.process.spawned')), 5, 'sup, worker, restart, 2 more');
    const exited = metrics.get('airssys.process.exited');
    assert.equal(value(exited, { 'airssys.exit.reason': 'error' }), 1);
    assert.equal(value(exited, { 'airssys.exit.reason': 'normal' }), 1);
    assert.equal(value(metrics.get('airssys.supervisor.restarts')), 1);
    const dead = metrics.get('airssys.dead_letters');
    assert.equal(value(dead, { 'airssys.dead_letter.reason': 'noproc' }), 1);
    assert.equal(value(dead, { 'airssys.dead_letter.reason': 'dropped-newest' }), 2);
    const overflow = metrics.get('airssys.mailbox.overflow');
    assert.equal(value(overflow, { 'airssys.mailbox.overflow.decision': 'drop-newest' }), 2);
    assert.equal(value(metrics.get('airssys.processes')), system.stats().processes);
    assert.equal(system.stats().processes, 3, 'sup, its worker, small');

    const duration = metrics.get('airssys.message.handle.duration');
    assert.equal(duration?.dataPointType, DataPointType.HISTOGRAM);
    assert.equal(duration?.descriptor.unit, 'ms');
    const counts = new Map(
      (duration?.dataPoints ?? []).map((p) => [
        p.attributes['airssys.message.failed'],
        (p.value as { count: number }).count,
      ]),
    );
    assert.ok((counts.get(false) ?? 0) > 0, 'handled messages were sampled');
    assert.equal(counts.get(true), 1, 'the crash was sampled as failed');

    stop();
    stop(); // idempotent
    system.spawn(worker);
    await system.idle();
    const later = await collect();
    assert.equal(value(later.get('airssys.process.spawned')), 5, 'nothing recorded after stop');
    await system.shutdown();
    await provider.shutdown();
  });

  it('records no message events unless asked to sample them', async () => {
    const { meter, collect, provider } = setupMeter();
    const system = createSystem();
    const stop = instrumentSystem(system, { meter });
    const ref = system.spawn(worker);
    assert.equal(await ref.ask({ type: 'get' }), 1);
    const metrics = await collect();
    assert.equal(metrics.get('airssys.message.handle.duration')?.dataPoints.length ?? 0, 0);
    assert.equal(value(metrics.get('airssys.process.spawned')), 1);
    stop();
    await system.shutdown();
    await provider.shutdown();
  });

  it('rejects a sampling rate outside 0..1 and is a no-op without an SDK', async () => {
    const system = createSystem();
    assert.throws(() => instrumentSystem(system, { messages: 2 }), InvalidArgumentError);
    const stop = instrumentSystem(system, { messages: 1 }); // the API's no-op meter
    const ref = system.spawn(worker);
    ref.tell({ type: 'crash' });
    await system.idle();
    stop();
    await system.shutdown();
  });
});
