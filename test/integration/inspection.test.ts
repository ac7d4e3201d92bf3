import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createSystem,
  defineActor,
  InvalidArgumentError,
  type SystemEvent,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { deferred, failOnUnhandledRejections } from '../support/guard.js';

failOnUnhandledRejections();

type Msg = { type: 'n'; n: number } | { type: 'boom' } | { type: 'slow' };

function kinds(events: readonly SystemEvent[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) out[e.type] = (out[e.type] ?? 0) + 1;
  return out;
}

describe('inspection (semantics §9)', () => {
  it('message events are sampled every n-th message, n = 1 / fraction, and off by default', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const plain: SystemEvent[] = [];
    const sampled: SystemEvent[] = [];
    const stopPlain = system.inspect((e) => plain.push(e));
    const ref = system.spawn(defineActor<Msg>({ handle() {} }));
    for (let n = 0; n < 100; n++) ref.tell({ type: 'n', n });
    await system.idle();
    assert.equal(kinds(plain)['message-sent'], undefined, 'no sampling unless asked');
    const stopSampled = system.inspect((e) => sampled.push(e), { messages: 0.1 });
    for (let n = 0; n < 100; n++) ref.tell({ type: 'n', n });
    await system.idle();
    assert.equal(kinds(sampled)['message-sent'], 10);
    assert.equal(kinds(sampled)['message-handled'], 10);
    const sentAt = sampled.flatMap((e) => (e.type === 'message-sent' ? [e.message] : []));
    assert.deepEqual(
      sentAt.map((m) => (m as { n: number }).n),
      [9, 19, 29, 39, 49, 59, 69, 79, 89, 99],
      'every 10th send, deterministically',
    );
    stopSampled();
    const before = sampled.length;
    for (let n = 0; n < 100; n++) ref.tell({ type: 'n', n });
    await system.idle();
    assert.equal(sampled.length, before, 'a stopped inspector hears nothing');
    assert.equal(
      plain.filter((e) => e.type === 'message-sent').length,
      10,
      'sampling is off again once the sampling inspector stopped',
    );
    stopPlain();
    await system.shutdown();
  });

  it('message-handled carries the duration until an async handler settled, and whether it failed', async () => {
    const clock = new ManualClock();
    const system = createSystem({ clock });
    const events: SystemEvent[] = [];
    system.inspect((e) => events.push(e), { messages: 1, types: ['message-handled'] });
    const gate = deferred();
    const ref = system.spawn(
      defineActor<Msg>({
        async handle(msg) {
          if (msg.type === 'slow') await gate.promise;
          if (msg.type === 'boom') throw new Error('boom');
        },
        onError: () => 'resume',
      }),
    );
    ref.tell({ type: 'slow' });
    await Promise.resolve();
    clock.advance(250);
    gate.resolve();
    await system.idle();
    ref.tell({ type: 'boom' });
    await system.idle();
    const handled = events.flatMap((e) => (e.type === 'message-handled' ? [e] : []));
    assert.equal(handled.length, 2);
    assert.equal(handled[0]?.durationMs, 250);
    assert.equal(handled[0]?.failed, false);
    assert.equal(handled[1]?.failed, true);
    assert.ok(
      events.every((e) => e.type === 'message-handled'),
      'types filters the kinds',
    );
    await system.shutdown();
  });

  it('the inspect option of createSystem sees the very first spawn', async () => {
    const events: SystemEvent[] = [];
    const system = createSystem({ inspect: (e) => events.push(e) });
    const ref = system.spawn(defineActor<Msg>({ handle() {} }));
    assert.deepEqual(
      events.map((e) => e.type),
      ['spawned'],
    );
    assert.equal(events[0]?.type === 'spawned' && events[0].pid, ref.pid);
    await system.shutdown();
  });

  it('a bad listener or sampling fraction throws InvalidArgumentError naming it', () => {
    const system = createSystem();
    assert.throws(
      () => system.inspect(42 as never),
      (e: unknown) => e instanceof InvalidArgumentError && e.option === 'listener',
    );
    for (const messages of [-0.1, 1.5, Number.NaN]) {
      assert.throws(
        () => system.inspect(() => {}, { messages }),
        (e: unknown) => e instanceof InvalidArgumentError && e.option === 'messages',
      );
    }
  });
});
