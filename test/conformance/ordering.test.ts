/**
 * otp-rules.md §1.6: ordering, delivery and copying (R6.1–R6.5). R6.5's
 * supervisor part belongs to the supervisor tests; its core guarantee is
 * checked here with plain links and monitors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineActor, exitReason } from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { exitsIn, note, setup, texts } from './harness.js';

describe('conformance §1.6: ordering, delivery and copying', () => {
  failOnUnhandledRejections();

  it('R6.1 signals from one sender arrive in the order sent: messages and exit signals alike', async () => {
    const { system, probe } = setup();
    const receiver = await probe({ trap: true });
    const sender = await probe();
    sender.run((ctx) => {
      for (let i = 0; i < 100; i++) receiver.ref.tell(note(`m${i}`));
      ctx.exit(receiver.ref, exitReason.shutdown('in between'));
      receiver.ref.tell(note('last'));
    });
    await system.idle();
    const expected = Array.from({ length: 100 }, (_, i) => `m${i}`);
    assert.deepEqual(texts(receiver.inbox), [...expected, 'last']);
    assert.deepEqual(receiver.inbox[100], {
      type: 'EXIT',
      from: sender.pid,
      reason: exitReason.shutdown('in between'),
    });
    await system.shutdown();
  });

  it('R6.2 after m1, exit(B, R), m2 to a B that does not trap, B never handles m2 and a monitor on B reports R', async () => {
    const { system, letters, probe } = setup();
    const b = await probe();
    const a = await probe();
    const watcher = await probe();
    watcher.run((ctx) => {
      ctx.monitor(b.ref);
    });
    await system.idle();
    const exited = system.exited(b.ref);
    a.run((ctx) => {
      b.ref.tell(note('m1'));
      ctx.exit(b.ref, exitReason.shutdown('R'));
      b.ref.tell(note('m2'));
    });
    await system.idle();
    assert.equal(texts(b.inbox).includes('m2'), false);
    assert.deepEqual(await exited, exitReason.shutdown('R'));
    assert.deepEqual(
      watcher.inbox.map((m) => (m.type === 'DOWN' ? m.reason : m)),
      [exitReason.shutdown('R')],
    );
    assert.ok(
      letters.some((d) => (d.message as { text?: string }).text === 'm2'),
      'm2 is a dead letter',
    );
    await system.shutdown();
  });

  it('R6.3 messages, trapped EXITs and DOWNs all join the end of one mailbox, in the order received', async () => {
    const { system, probe } = setup();
    const receiver = await probe({ trap: true });
    const linked = await probe();
    const monitored = await probe();
    receiver.run((ctx) => {
      ctx.link(linked.ref);
      ctx.monitor(monitored.ref);
    });
    await system.idle();
    receiver.ref.tell(note('a'));
    system.exit(monitored.ref, exitReason.shutdown('m'));
    receiver.ref.tell(note('b'));
    system.exit(linked.ref, exitReason.shutdown('l'));
    receiver.ref.tell(note('c'));
    await system.idle();
    assert.deepEqual(
      receiver.inbox.map((m) => (m.type === 'note' ? m.text : m.type)),
      ['a', 'DOWN', 'b', 'EXIT', 'c'],
    );
    await system.shutdown();
  });

  it('R6.4 with copyOnSend, messages are copies: sender and receiver share no mutable state', async () => {
    const { system } = setup();
    type Box = { items: string[] };
    const seen: string[][] = [];
    let received: Box | undefined;
    const receiver = system.spawn(
      defineActor<Box>({
        handle(msg) {
          seen.push([...msg.items]);
          msg.items.push('receiver');
          received = msg;
        },
      }),
      { copyOnSend: true },
    );
    const sent: Box = { items: ['original'] };
    receiver.tell(sent);
    sent.items.push('sender, after the send');
    await system.idle();
    assert.deepEqual(seen, [['original']]);
    assert.notEqual(received, sent);
    assert.deepEqual(sent.items, ['original', 'sender, after the send']);
    await system.shutdown();
  });

  it('R6.5 a process counts as gone only after its EXIT and DOWN signals are queued', async () => {
    const { system, probe } = setup();
    const dying = await probe();
    const linked = await probe({ trap: true });
    const monitoring = await probe();
    linked.run((ctx) => ctx.link(dying.ref));
    monitoring.run((ctx) => {
      ctx.monitor(dying.ref);
    });
    await system.idle();
    const queuedWhenGone: [number | undefined, number | undefined][] = [];
    system.events.subscribe(
      (e) => {
        if (e.type === 'exited' && e.pid === dying.pid) {
          queuedWhenGone.push([
            system.info(linked.ref)?.mailbox.size,
            system.info(monitoring.ref)?.mailbox.size,
          ]);
        }
      },
      ['exited'],
    );
    dying.run((ctx) => ctx.stop(exitReason.shutdown('bye')));
    await system.idle();
    assert.deepEqual(queuedWhenGone, [[1, 1]]);
    await system.shutdown();
  });

  it('R6.5 whoever sees the DOWN and then sends to a linked process reaches it after that process has its EXIT', async () => {
    const { system, probe } = setup();
    const dying = await probe();
    const linked = await probe({ trap: true });
    const watcher = defineActor<{ type: 'DOWN' }>({
      init(ctx) {
        ctx.monitor(dying.ref);
      },
      handle() {
        linked.ref.tell(note('after the DOWN'));
      },
    });
    linked.run((ctx) => ctx.link(dying.ref));
    await system.idle();
    await system.start(watcher);
    system.exit(dying.ref, exitReason.error('crash'));
    await system.idle();
    assert.deepEqual(
      linked.inbox.map((m) => (m.type === 'note' ? m.text : m.type)),
      ['EXIT', 'after the DOWN'],
    );
    assert.deepEqual(exitsIn(linked.inbox), [[dying.pid, exitReason.error('crash')]]);
    await system.shutdown();
  });
});
