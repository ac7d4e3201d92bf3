import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSystem, defineActor, type Reply, type SystemEvent } from '../../../src/index.js';
import { ManualClock } from '../../../src/testing/index.js';
import { failOnUnhandledRejections } from '../../support/guard.js';

describe('Scheduler', () => {
  failOnUnhandledRejections();

  it('a busy actor flooding itself does not starve another actor: turns interleave within the batch size', async () => {
    const batch = 4;
    const system = createSystem({ clock: new ManualClock(), scheduler: { batch } });
    const log: string[] = [];
    const flooder = defineActor<number>({
      handle(n, ctx) {
        log.push('A');
        if (n < 200) ctx.self.tell(n + 1);
      },
    });
    const other = defineActor<number>({
      handle() {
        log.push('B');
      },
    });
    const a = system.spawn(flooder);
    const b = system.spawn(other);
    a.tell(0);
    for (let i = 0; i < 10; i++) b.tell(i);
    await system.idle();

    assert.equal(log.filter((x) => x === 'B').length, 10);
    assert.equal(log.filter((x) => x === 'A').length, 201);
    const lastB = log.lastIndexOf('B');
    assert.ok(lastB < 40, `B finished within a few rounds of turns, at ${lastB}`);
    assert.ok(log.slice(lastB).includes('A'), 'the flood was still going when B finished');
    // Before B finished, A never ran more than one batch in a row.
    let run = 0;
    for (const who of log.slice(0, lastB)) {
      run = who === 'A' ? run + 1 : 0;
      assert.ok(run <= batch, `A ran ${run} messages in a row, more than the batch ${batch}`);
    }
    await system.shutdown();
  });

  it('yields to the event loop after each budget: a setImmediate callback runs while a self-sending actor storms', async () => {
    const budget = 100;
    const total = 5_000;
    const system = createSystem({ clock: new ManualClock(), scheduler: { budget } });
    let handled = 0;
    const storm = defineActor<number>({
      handle(n, ctx) {
        handled++;
        if (n < total) ctx.self.tell(n + 1);
      },
    });
    const ref = system.spawn(storm);
    ref.tell(1);
    let seenByImmediate = -1;
    setImmediate(() => {
      seenByImmediate = handled;
    });
    await system.idle();
    assert.equal(handled, total);
    assert.ok(seenByImmediate > 0, 'the storm had started');
    assert.ok(
      seenByImmediate <= budget,
      `the first round handled ${seenByImmediate} > budget ${budget}`,
    );
    assert.ok(system.stats().scheduler.rounds >= total / budget);
    await system.shutdown();
  });

  it('never starves the event loop: a real timer fires while a client outside any process awaits asks in a loop', async () => {
    const system = createSystem();
    const echo = system.spawn(
      defineActor<{ type: 'get'; reply: Reply<number> }>({
        handle(msg) {
          msg.reply.send(1);
        },
      }),
    );
    let fired = false;
    setTimeout(() => {
      fired = true;
    }, 1);
    // Without yielding, every round of this loop starts from a microtask and
    // the timer never fires: the cap only ends a loop that would be endless.
    let asks = 0;
    while (!fired && asks < 5_000_000) {
      await echo.ask({ type: 'get' });
      asks++;
    }
    assert.ok(fired, `the timer fired while the loop ran (${asks} asks)`);
    await system.shutdown();
  });

  it("never starves the event loop: an ask's own timeout fires while another client awaits asks in a loop", async () => {
    const system = createSystem();
    type Req = { type: 'get'; reply: Reply<number> } | { type: 'hold'; reply: Reply<number> };
    const server = system.spawn(
      defineActor<Req>({
        handle(msg) {
          if (msg.type === 'get') msg.reply.send(1);
        },
      }),
    );
    let timedOut = false;
    server.ask({ type: 'hold' }, { timeout: 50 }).catch((e: { code?: string }) => {
      timedOut = e.code === 'ERR_CALL_TIMEOUT';
    });
    let asks = 0;
    while (!timedOut && asks < 5_000_000) {
      await server.ask({ type: 'get' });
      asks++;
    }
    assert.ok(timedOut, `the held ask timed out while the loop ran (${asks} asks)`);
    await system.shutdown();
  });

  it('chained microtask rounds share one budget: under a ManualClock the loop yields after budget messages', async () => {
    const budget = 50;
    const system = createSystem({ clock: new ManualClock(), scheduler: { budget } });
    const echo = system.spawn(
      defineActor<{ type: 'get'; reply: Reply<number> }>({
        handle(msg) {
          msg.reply.send(1);
        },
      }),
    );
    await system.idle();
    let asksWhenImmediateRan = -1;
    let asks = 0;
    setImmediate(() => {
      asksWhenImmediateRan = asks;
    });
    while (asksWhenImmediateRan < 0 && asks < 100_000) {
      await echo.ask({ type: 'get' });
      asks++;
    }
    assert.ok(
      asksWhenImmediateRan > 0 && asksWhenImmediateRan <= budget + 1,
      `the immediate ran after ${asksWhenImmediateRan} asks, within one budget of ${budget}`,
    );
    await system.shutdown();
  });

  it('yields after sliceMs even when budget remains', async () => {
    const clock = new ManualClock();
    const system = createSystem({ clock, scheduler: { sliceMs: 10 } });
    let handled = 0;
    const slow = defineActor<number>({
      handle(n, ctx) {
        handled++;
        clock.advance(1); // each message "takes" 1 ms
        if (n < 100) ctx.self.tell(n + 1);
      },
    });
    system.spawn(slow).tell(1);
    let seenByImmediate = -1;
    setImmediate(() => {
      seenByImmediate = handled;
    });
    await system.idle();
    assert.equal(handled, 100);
    assert.ok(seenByImmediate > 0 && seenByImmediate < 100, `immediate saw ${seenByImmediate}`);
    await system.shutdown();
  });

  it("a handler running longer than longHandlerMs emits a 'long-handler' event naming its pid", async () => {
    const clock = new ManualClock();
    const system = createSystem({ clock, scheduler: { longHandlerMs: 20 } });
    const events: Extract<SystemEvent, { type: 'long-handler' }>[] = [];
    system.events.subscribe(
      (e) => {
        if (e.type === 'long-handler') events.push(e);
      },
      ['long-handler'],
    );
    const quick = system.spawn(defineActor<string>({ handle() {} }));
    const slow = system.spawn(
      defineActor<string>({
        handle() {
          clock.advance(25);
        },
      }),
    );
    quick.tell('x');
    await system.idle();
    assert.equal(events.length, 0, 'a quick handler is not reported');
    slow.tell('work');
    await system.idle();
    assert.equal(events.length, 1);
    assert.equal(events[0]?.pid, slow.pid);
    assert.deepEqual(events[0]?.suspects, [slow.pid]);
    assert.ok((events[0]?.elapsedMs ?? 0) >= 25);
    await system.shutdown();
  });

  it('idle() resolves at once when nothing is runnable, and after the work when something is', async () => {
    const system = createSystem({ clock: new ManualClock() });
    await system.idle();
    let handled = 0;
    const ref = system.spawn(
      defineActor<number>({
        handle() {
          handled++;
        },
      }),
    );
    for (let i = 0; i < 10; i++) ref.tell(i);
    await system.idle();
    assert.equal(handled, 10);
    assert.equal(system.stats().scheduler.runnable, 0);
    assert.equal(system.stats().scheduler.inFlight, 0);
    await system.shutdown();
  });
});
