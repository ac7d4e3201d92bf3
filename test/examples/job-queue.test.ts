/**
 * A supervised job queue with backpressure, written from the docs alone:
 * a pool of workers with bounded mailboxes, callers that wait for room and
 * then for the result, and a worker restart that keeps its queue so a
 * poison job loses only itself. No type assertion anywhere (no-casts.test.ts
 * checks this file).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSystem, defineActor, type Reply } from '../../src/index.js';

type JobMsg = {
  readonly type: 'resize';
  readonly width: number;
  readonly reply: Reply<{ readonly width: number; readonly thumb: number }>;
};

const resizer = defineActor<JobMsg, { readonly done: number }>({
  init: () => ({ done: 0 }),
  async handle(msg, ctx) {
    if (msg.width <= 0) throw new Error(`bad width ${msg.width}`);
    await new Promise((resolve) => setImmediate(resolve)); // some I/O
    ctx.state = { done: ctx.state.done + 1 };
    msg.reply.send({ width: msg.width, thumb: Math.ceil(msg.width / 4) });
  },
});

describe('example: a supervised job queue with backpressure', () => {
  it('every caller waits for room and then its result; a poison job loses only itself', async () => {
    const system = createSystem();
    const queue = await system.startPool(resizer, {
      size: 2,
      strategy: 'least-loaded',
      options: { mailbox: { capacity: 4, overflow: 'backpressure' } },
      keepMailbox: true,
    });
    const widths = Array.from({ length: 24 }, (_, i) => (i === 5 ? -1 : 100 + i));
    const results = await Promise.all(
      widths.map((width) =>
        queue.ask({ type: 'resize', width }, { waitForRoom: true, timeout: 60_000 }).then(
          (r) => r.thumb,
          (error: unknown) => (error instanceof Error ? error.message : String(error)),
        ),
      ),
    );
    assert.equal(results[5], 'bad width -1');
    const thumbs = results.filter((r) => typeof r === 'number');
    assert.equal(thumbs.length, 23, '23 of 24 answered: only the poison job is lost');
    await system.shutdown();
  });
});
