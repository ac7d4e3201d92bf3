/**
 * The run-time side of `refs.test-d.ts`: the asks whose reply types are
 * checked there resolve to values of exactly those types.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSystem, defineActor, type Reply } from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';

type CounterMsg =
  | { readonly type: 'inc'; readonly by: number }
  | { readonly type: 'get'; readonly reply: Reply<number> }
  | { readonly type: 'name'; readonly upper: boolean; readonly reply: Reply<string> }
  | { readonly type: 'level'; readonly level: 1 | 2 | 3; readonly reply: Reply<boolean> };

const counter = defineActor<CounterMsg, number>({
  init: () => 0,
  handle(msg, ctx) {
    if (msg.type === 'inc') ctx.state += msg.by;
    else if (msg.type === 'get') msg.reply.send(ctx.state);
    else if (msg.type === 'name') msg.reply.send(msg.upper ? 'COUNTER' : 'counter');
    else msg.reply.send(ctx.state >= msg.level);
  },
});

describe('typed refs at run time', () => {
  failOnUnhandledRejections();

  it('each inferred-reply ask resolves to the value its handler sent, of the declared type', async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(counter);
    ref.tell({ type: 'inc', by: 2 });
    const n: number = await ref.ask({ type: 'get' });
    const s: string = await ref.ask({ type: 'name', upper: true });
    const atTwo: boolean = await ref.ask({ type: 'level', level: 2 });
    const atThree: boolean = await ref.ask({ type: 'level', level: 3 });
    assert.equal(n, 2);
    assert.equal(s, 'COUNTER');
    assert.equal(atTwo, true);
    assert.equal(atThree, false);
    assert.deepEqual([typeof n, typeof s, typeof atTwo], ['number', 'string', 'boolean']);
    await system.shutdown();
  });

  it("the reply port is the runtime's, even if the request brings a reply field", async () => {
    const system = createSystem({ clock: new ManualClock() });
    const ref = system.spawn(counter);
    const request = { type: 'get', reply: 'not a port' } as unknown as { type: 'get' };
    assert.equal(await ref.ask(request), 0);
    await system.shutdown();
  });
});
