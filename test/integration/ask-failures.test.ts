import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CallTimeoutError,
  createSystem,
  type DeadLetter,
  type Directive,
  defineActor,
  InvalidArgumentError,
  MailboxFullError,
  type Reply,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { failOnUnhandledRejections, track } from '../support/guard.js';

type Msg = { type: 'get'; reply: Reply<number> } | { type: 'boom'; reply: Reply<number> };

function server(directive: Directive) {
  return defineActor<Msg, number>({
    init: () => 7,
    handle(msg, ctx) {
      if (msg.type === 'boom') throw new Error('request failed');
      msg.reply.send(ctx.state);
    },
    onError: () => directive,
  });
}

describe('asks that cannot be answered fail at once, not at their timeout', () => {
  failOnUnhandledRejections();

  for (const directive of ['resume', 'restart'] as const) {
    it(`an ask whose handler fails under ${directive} rejects with the handler's error`, async () => {
      const clock = new ManualClock();
      const system = createSystem({ clock });
      const ref = system.spawn(server(directive));
      const failed = track(ref.ask({ type: 'boom' }, { timeout: 10_000 }));
      await system.idle();
      // No time passed: the rejection comes from the failure, not the timeout.
      assert.equal(failed.settled(), true);
      await assert.rejects(failed.promise, /request failed/);
      assert.equal(await ref.ask({ type: 'get' }), 7);
      await system.shutdown();
    });
  }

  it('an ask whose message expires rejects with CallTimeoutError when it is taken', async () => {
    const clock = new ManualClock();
    const system = createSystem({ clock });
    const letters: DeadLetter[] = [];
    system.deadLetters.subscribe((d) => letters.push(d));
    const gate = defineActor<{ type: 'block'; until: Promise<void> } | Msg>({
      handle(msg) {
        if (msg.type === 'block') return msg.until;
        if (msg.type === 'get') msg.reply.send(1);
      },
    });
    const ref = system.spawn(gate);
    let open = (): void => {};
    ref.tell({ type: 'block', until: new Promise<void>((r) => (open = r)) });
    const asked = track(ref.ask({ type: 'get' }, { ttl: 5, timeout: 10_000 }));
    clock.advance(6);
    open();
    await system.idle();
    assert.equal(asked.settled(), true);
    await assert.rejects(asked.promise, CallTimeoutError);
    assert.deepEqual(
      letters.map((d) => d.reason),
      ['expired'],
    );
    await system.shutdown();
  });

  it('an ask dropped by a full drop-newest mailbox rejects with MailboxFullError', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(server('resume'), {
      mailbox: { capacity: 1, overflow: 'drop-newest' },
    });
    const first = ref.ask({ type: 'get' });
    await assert.rejects(ref.ask({ type: 'get' }), MailboxFullError);
    assert.equal(await first, 7);
    await system.shutdown();
  });

  it('a null scheduler option is rejected naming scheduler', () => {
    assert.throws(
      () => createSystem({ scheduler: null as never }),
      (e: unknown) => e instanceof InvalidArgumentError && e.option === 'scheduler',
    );
  });
});
