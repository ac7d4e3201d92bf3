/**
 * docs/semantics.md §6, bursts: `system.backlog` is the sender-side
 * high-water signal and `system.drained` the place a producer loop yields.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSystem, defineActor, InvalidArgumentError, type Reply } from '../../src/index.js';
import { deferred } from '../support/guard.js';

type Msg = number | { readonly type: 'get'; readonly reply: Reply<number> };

const counter = defineActor<Msg, number>({
  init: () => 0,
  handle(msg, ctx) {
    if (typeof msg === 'number') ctx.state += msg;
    else msg.reply.send(ctx.state);
  },
});

describe('bursts: the sender-side high-water signal', () => {
  it('backlog counts the messages queued now, and is 0 once handled or for an exited process', async () => {
    const system = createSystem();
    const ref = system.spawn(counter);
    for (let i = 0; i < 5; i++) ref.tell(1);
    assert.equal(system.backlog(ref), 5);
    await system.idle();
    assert.equal(system.backlog(ref), 0);
    for (let i = 0; i < 3; i++) ref.tell(1);
    system.kill(ref);
    assert.equal(system.backlog(ref), 0, 'an exited process has no backlog');
    await system.shutdown();
  });

  it('a producer loop that yields past a high-water mark keeps the queue under that mark', async () => {
    const system = createSystem();
    const ref = system.spawn(counter);
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      ref.tell(1);
      if (system.backlog(ref) > 1_000) await system.drained(ref, 100);
    }
    assert.equal(await ref.ask({ type: 'get' }), n, 'every message was handled, in order');
    const highWater = system.info(ref)?.mailbox?.highWater ?? Number.NaN;
    assert.ok(highWater <= 1_001, `queue peaked at ${highWater}, not at ${n}`);
    await system.shutdown();
  });

  it('drained resolves when the process exits with messages still queued', async () => {
    const system = createSystem();
    const gate = deferred();
    const ref = system.spawn(
      defineActor<number>({
        async handle() {
          await gate.promise;
        },
      }),
    );
    for (let i = 0; i < 10; i++) ref.tell(i);
    let resolved = false;
    const wait = system.drained(ref).then(() => {
      resolved = true;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(resolved, false, 'still queued: the wait goes on');
    system.kill(ref);
    await wait;
    assert.equal(resolved, true);
    gate.resolve();
    await system.shutdown();
  });

  it('drained rejects a below that is not a whole number of messages', async () => {
    const system = createSystem();
    const ref = system.spawn(counter);
    for (const below of [-1, 1.5, Number.NaN]) {
      await assert.rejects(system.drained(ref, below), (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentError);
        assert.equal(e.code, 'ERR_INVALID_ARG');
        return true;
      });
    }
    await system.shutdown();
  });
});
