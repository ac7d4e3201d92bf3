import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSystem, defineActor, MailboxFullError } from '../../../src/index.js';
import { ManualClock } from '../../../src/testing/index.js';
import { failOnUnhandledRejections } from '../../support/guard.js';

const sink = defineActor<string>({ handle() {} });

describe('mailbox metrics', () => {
  failOnUnhandledRejections();

  it('count enqueued and handled messages and the high-water mark', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(sink);
    for (let i = 0; i < 5; i++) ref.tell(`m${i}`);
    assert.deepEqual(system.info(ref)?.mailbox, {
      size: 5,
      enqueued: 5,
      handled: 0,
      dropped: 0,
      rejected: 0,
      expired: 0,
      highWater: 5,
      capacity: Number.POSITIVE_INFINITY,
    });
    await system.idle();
    ref.tell('late');
    await system.idle();
    const m = system.info(ref)?.mailbox;
    assert.equal(m?.size, 0);
    assert.equal(m?.enqueued, 6);
    assert.equal(m?.handled, 6);
    assert.equal(m?.highWater, 5, 'the high-water mark keeps the largest size seen');
    await system.shutdown();
  });

  it('count dropped messages of a full drop-newest or drop-oldest mailbox', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const newest = system.spawn(sink, { mailbox: { capacity: 2, overflow: 'drop-newest' } });
    const oldest = system.spawn(sink, { mailbox: { capacity: 2, overflow: 'drop-oldest' } });
    for (const ref of [newest, oldest]) for (let i = 0; i < 5; i++) ref.tell(`m${i}`);
    await system.idle();
    for (const ref of [newest, oldest]) {
      const m = system.info(ref)?.mailbox;
      assert.equal(m?.dropped, 3);
      assert.equal(m?.handled, 2);
      assert.equal(m?.capacity, 2);
      assert.equal(m?.highWater, 2);
    }
    assert.equal(system.info(newest)?.mailbox.enqueued, 2);
    assert.equal(system.info(oldest)?.mailbox.enqueued, 5, 'drop-oldest queues every arrival');
    await system.shutdown();
  });

  it('count messages refused by a full reject mailbox', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(sink, { mailbox: { capacity: 1, overflow: 'reject' } });
    ref.tell('a');
    assert.throws(() => ref.tell('b'), MailboxFullError);
    assert.throws(() => ref.tell('c'), MailboxFullError);
    await system.idle();
    const m = system.info(ref)?.mailbox;
    assert.equal(m?.rejected, 2);
    assert.equal(m?.enqueued, 1);
    assert.equal(m?.handled, 1);
    assert.equal(m?.dropped, 0);
    await system.shutdown();
  });

  it('count expired messages apart from handled ones', async () => {
    const clock = new ManualClock();
    const system = createSystem({ clock });
    const ref = system.spawn(sink);
    ref.tell('short', { ttl: 5 });
    ref.tell('long', { ttl: 50 });
    clock.advance(10);
    await system.idle();
    const m = system.info(ref)?.mailbox;
    assert.equal(m?.expired, 1);
    assert.equal(m?.handled, 1);
    assert.equal(m?.enqueued, 2);
    await system.shutdown();
  });
});
