import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type createSystem,
  defineActor,
  exitReason,
  MailboxFullError,
  type MailboxOptions,
  type Priority,
  type SystemEvent,
} from '../../src/index.js';
import { deferred, failOnUnhandledRejections, turn } from '../support/guard.js';
import { manualSystem, recorder } from './fixture.js';

function setup() {
  const { clock, system, letters } = manualSystem();
  const events: SystemEvent[] = [];
  system.events.subscribe((e) => events.push(e), ['mailbox-overflow']);
  return { clock, system, letters, events };
}

/** An async recorder: on the message `held` its handler waits for `release`, so later ones queue. */
function holdingRecorder(
  system: ReturnType<typeof createSystem>,
  held: string,
  release: Promise<void>,
) {
  const handled: string[] = [];
  const ref = system.spawn(
    defineActor<string>({
      async handle(msg) {
        handled.push(msg);
        if (msg === held) await release;
      },
    }),
  );
  return { ref, handled };
}

describe('time to live', () => {
  failOnUnhandledRejections();

  it('an expired message is never handled and goes to dead letters as expired', async () => {
    const { clock, system, letters } = setup();
    const { ref, handled } = recorder(system);
    ref.tell('stale', { ttl: 10 });
    ref.tell('fresh', { ttl: 11 });
    ref.tell('forever');
    clock.advance(10);
    await system.idle();
    assert.deepEqual(handled, ['fresh', 'forever']);
    assert.deepEqual(
      letters.map((d) => [d.message, d.target, d.reason]),
      [['stale', ref.pid, 'expired']],
    );
    assert.equal(system.info(ref)?.mailbox.expired, 1);
    await system.shutdown();
  });

  it('a message expires while it waits behind a slow async handler', async () => {
    const { clock, system, letters } = setup();
    const release = deferred();
    const { ref, handled } = holdingRecorder(system, 'slow', release.promise);
    ref.tell('slow');
    ref.tell('short-lived', { ttl: 100 });
    ref.tell('patient', { ttl: 1_000 });
    await turn();
    clock.advance(500);
    release.resolve();
    await system.idle();
    assert.deepEqual(handled, ['slow', 'patient']);
    assert.deepEqual(
      letters.map((d) => [d.message, d.reason]),
      [['short-lived', 'expired']],
    );
    await system.shutdown();
  });

  it('a message handled before its ttl passes is handled normally', async () => {
    const { clock, system, letters } = setup();
    const { ref, handled } = recorder(system);
    ref.tell('quick', { ttl: 5 });
    await system.idle();
    clock.advance(100);
    assert.deepEqual(handled, ['quick']);
    assert.deepEqual(letters, []);
    await system.shutdown();
  });
});

describe('priority lanes', () => {
  failOnUnhandledRejections();

  it('handles critical before high before normal before low, FIFO within each lane', async () => {
    const { system } = setup();
    const { ref, handled } = recorder(system);
    const sends: [string, Priority | undefined][] = [
      ['low 1', 'low'],
      ['normal 1', undefined],
      ['high 1', 'high'],
      ['critical 1', 'critical'],
      ['normal 2', 'normal'],
      ['low 2', 'low'],
      ['high 2', 'high'],
      ['critical 2', 'critical'],
    ];
    for (const [m, priority] of sends)
      ref.tell(m, priority === undefined ? undefined : { priority });
    await system.idle();
    assert.deepEqual(handled, [
      'critical 1',
      'critical 2',
      'high 1',
      'high 2',
      'normal 1',
      'normal 2',
      'low 1',
      'low 2',
    ]);
    await system.shutdown();
  });

  it('a high-priority message overtakes normal ones already queued behind a busy handler', async () => {
    const { system } = setup();
    const release = deferred();
    const { ref, handled } = holdingRecorder(system, 'busy', release.promise);
    ref.tell('busy');
    await turn();
    ref.tell('n1');
    ref.tell('n2');
    ref.tell('urgent', { priority: 'high' });
    release.resolve();
    await system.idle();
    assert.deepEqual(handled, ['busy', 'urgent', 'n1', 'n2']);
    await system.shutdown();
  });

  it('with priorityLanes: false the mailbox is one FIFO', async () => {
    const { system } = setup();
    const { ref, handled } = recorder(system, { priorityLanes: false });
    ref.tell('low', { priority: 'low' });
    ref.tell('normal');
    ref.tell('critical', { priority: 'critical' });
    ref.tell('high', { priority: 'high' });
    await system.idle();
    assert.deepEqual(handled, ['low', 'normal', 'critical', 'high']);
    await system.shutdown();
  });
});

describe('bounded mailboxes', () => {
  failOnUnhandledRejections();

  it('drop-newest sends the arriving message to dead letters', async () => {
    const { system, letters, events } = setup();
    const { ref, handled } = recorder(system, {
      mailbox: { capacity: 2, overflow: 'drop-newest' },
    });
    for (const m of ['a', 'b', 'c', 'd']) ref.tell(m);
    await system.idle();
    assert.deepEqual(handled, ['a', 'b']);
    assert.deepEqual(
      letters.map((d) => [d.message, d.reason]),
      [
        ['c', 'dropped-newest'],
        ['d', 'dropped-newest'],
      ],
    );
    assert.deepEqual(
      events.map((e) => e.type === 'mailbox-overflow' && [e.pid, e.decision, e.capacity]),
      [
        [ref.pid, 'drop-newest', 2],
        [ref.pid, 'drop-newest', 2],
      ],
    );
    await system.shutdown();
  });

  it('drop-newest is the default policy of a bounded mailbox', async () => {
    const { system, letters } = setup();
    const { ref, handled } = recorder(system, { mailbox: { capacity: 1 } });
    ref.tell('a');
    ref.tell('b');
    await system.idle();
    assert.deepEqual(handled, ['a']);
    assert.equal(letters[0]?.reason, 'dropped-newest');
    await system.shutdown();
  });

  it('drop-oldest sends the oldest queued message to dead letters and queues the new one', async () => {
    const { system, letters } = setup();
    const { ref, handled } = recorder(system, {
      mailbox: { capacity: 2, overflow: 'drop-oldest' },
    });
    for (const m of ['a', 'b', 'c', 'd']) ref.tell(m);
    await system.idle();
    assert.deepEqual(handled, ['c', 'd']);
    assert.deepEqual(
      letters.map((d) => [d.message, d.reason]),
      [
        ['a', 'dropped-oldest'],
        ['b', 'dropped-oldest'],
      ],
    );
    await system.shutdown();
  });

  it('drop-oldest evicts from the lowest non-empty lane first', async () => {
    const { system, letters } = setup();
    const { ref, handled } = recorder(system, {
      mailbox: { capacity: 2, overflow: 'drop-oldest' },
    });
    ref.tell('high', { priority: 'high' });
    ref.tell('low', { priority: 'low' });
    ref.tell('normal');
    await system.idle();
    assert.deepEqual(handled, ['high', 'normal']);
    assert.deepEqual(
      letters.map((d) => d.message),
      ['low'],
    );
    await system.shutdown();
  });

  it('reject throws MailboxFullError (ERR_MAILBOX_FULL) to the sender and queues nothing', async () => {
    const { system, letters } = setup();
    const { ref, handled } = recorder(system, { mailbox: { capacity: 2, overflow: 'reject' } });
    ref.tell('a');
    ref.tell('b');
    assert.throws(
      () => ref.tell('c'),
      (e: unknown) =>
        e instanceof MailboxFullError && e.code === 'ERR_MAILBOX_FULL' && e.capacity === 2,
    );
    await system.idle();
    ref.tell('d');
    await system.idle();
    assert.deepEqual(handled, ['a', 'b', 'd']);
    assert.deepEqual(
      letters,
      [],
      'a rejected message is the sender’s to handle, not a dead letter',
    );
    await system.shutdown();
  });

  it('a full reject mailbox throws to a sending handler, which may catch it', async () => {
    const { system } = setup();
    const { ref: target } = recorder(system, { mailbox: { capacity: 1, overflow: 'reject' } });
    const caught: unknown[] = [];
    const sender = system.spawn(
      defineActor<string>({
        handle() {
          for (let i = 0; i < 3; i++) {
            try {
              target.tell(`m${i}`);
            } catch (e) {
              caught.push(e);
            }
          }
        },
      }),
    );
    sender.tell('go');
    await system.idle();
    assert.equal(caught.length, 2);
    assert.ok(caught.every((e) => e instanceof MailboxFullError));
    assert.equal(system.isAlive(sender), true);
    await system.shutdown();
  });

  it('backpressure: offer waits until there is room and waiting senders are admitted in order', async () => {
    const { system } = setup();
    const gates = [deferred(), deferred(), deferred()];
    const log: string[] = [];
    const ref = system.spawn(
      defineActor<number>({
        async handle(n) {
          log.push(`handle ${n}`);
          await gates[n]?.promise;
        },
      }),
      { mailbox: { capacity: 1, overflow: 'backpressure' } },
    );
    await ref.offer(0);
    const offers = [1, 2].map((n) =>
      ref.offer(n).then(() => {
        log.push(`offered ${n}`);
      }),
    );
    await turn();
    // 0 is being handled, so there was room for 1 (and only for 1).
    assert.deepEqual(log, ['handle 0', 'offered 1']);
    gates[0]?.resolve();
    await turn();
    assert.deepEqual(log, ['handle 0', 'offered 1', 'handle 1', 'offered 2']);
    gates[1]?.resolve();
    gates[2]?.resolve();
    await Promise.all(offers);
    await system.idle();
    assert.deepEqual(log, ['handle 0', 'offered 1', 'handle 1', 'offered 2', 'handle 2']);
    await system.shutdown();
  });

  it('backpressure: tell to a full mailbox throws MailboxFullError instead of waiting', async () => {
    const { system } = setup();
    const mailbox: MailboxOptions = { capacity: 1, overflow: 'backpressure' };
    const { ref, handled } = recorder(system, { mailbox });
    ref.tell('a');
    assert.throws(() => ref.tell('b'), MailboxFullError);
    await system.idle();
    assert.deepEqual(handled, ['a']);
    await system.shutdown();
  });

  it('offer to a mailbox with room resolves at once, like tell', async () => {
    const { system } = setup();
    const { ref, handled } = recorder(system, {
      mailbox: { capacity: 10, overflow: 'backpressure' },
    });
    const a = ref.offer('a');
    const b = ref.offer('b', { priority: 'high' });
    assert.equal(system.info(ref)?.mailbox.size, 2, 'both are queued synchronously');
    await Promise.all([a, b]);
    await system.idle();
    assert.deepEqual(handled, ['b', 'a']);
    await system.shutdown();
  });

  it('an unbounded mailbox never drops or rejects', async () => {
    const { system, letters } = setup();
    const { ref, handled } = recorder(system);
    for (let i = 0; i < 10_000; i++) ref.tell(`m${i}`);
    await system.idle();
    assert.equal(handled.length, 10_000);
    assert.deepEqual(letters, []);
    await system.shutdown();
  });
});

describe('mailboxes at exit and under drop-oldest', () => {
  failOnUnhandledRejections();

  it('messages waiting in every priority lane become dead letters with reason stopped when the process exits', async () => {
    const { system, letters } = setup();
    const busy = deferred<void>();
    const { ref: slow, handled } = holdingRecorder(system, 'first', busy.promise);
    slow.tell('first');
    await turn(); // 'first' is being handled, and waits
    slow.tell('c', { priority: 'critical' });
    slow.tell('h', { priority: 'high' });
    slow.tell('n');
    slow.tell('l', { priority: 'low' });
    system.kill(slow);
    busy.resolve();
    await system.idle();
    assert.deepEqual(handled, ['first']);
    assert.deepEqual(
      letters
        .filter((d) => d.target === slow.pid)
        .map((d) => [d.message, d.reason])
        .sort(),
      [
        ['c', 'stopped'],
        ['h', 'stopped'],
        ['l', 'stopped'],
        ['n', 'stopped'],
      ],
    );
    await system.shutdown();
  });

  it('drop-oldest keeps an EXIT at the head of a full mailbox and evicts the oldest other message', async () => {
    const { system, letters } = setup();
    const handled: unknown[] = [];
    const gate = deferred<void>();
    const trapper = system.spawn(
      defineActor<string | { type: 'EXIT' }>({
        init(ctx) {
          ctx.trapExit(true);
        },
        async handle(msg) {
          handled.push(typeof msg === 'string' ? msg : msg.type);
          if (msg === 'block') await gate.promise;
        },
      }),
      { mailbox: { capacity: 2, overflow: 'drop-oldest' } },
    );
    trapper.tell('block');
    await turn(); // 'block' is being handled, and waits
    const linked = system.spawn(
      defineActor<'go'>({
        handle(_m, ctx) {
          ctx.link(trapper);
          ctx.stop(exitReason.error('gone'));
        },
      }),
    );
    linked.tell('go');
    await turn(); // the EXIT is now queued in trapper's mailbox, behind nothing
    trapper.tell('a');
    trapper.tell('b'); // full: the EXIT is protected, so 'a' goes
    gate.resolve();
    await system.idle();
    assert.deepEqual(handled, ['block', 'EXIT', 'b']);
    assert.deepEqual(
      letters.filter((d) => d.reason === 'dropped-oldest').map((d) => d.message),
      ['a'],
    );
    await system.shutdown();
  });
});
