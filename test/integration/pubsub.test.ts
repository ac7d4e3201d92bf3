/**
 * Pub/sub through the public API: typed topics (publish, subscribe,
 * unsubscribe, subscriptions ending with their subscriber) and the system
 * event stream, for plain callbacks and for actors, filtered by kind.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ActorContext,
  type createSystem,
  defineActor,
  InvalidArgumentError,
  type Pid,
  type SystemEvent,
  type Topic,
  topic,
} from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { manualSystem } from './fixture.js';

interface Price {
  readonly type: 'price';
  readonly symbol: string;
  readonly price: number;
}

const prices = topic<Price>('prices');

type Msg =
  | Price
  | { readonly type: 'crash' }
  | { readonly type: 'run'; readonly fn: (ctx: ActorContext<Msg>) => void };

/** A subscriber that logs `pid:symbol` for each price and runs `setup` in init. */
function subscriber(log: string[], setup?: (ctx: ActorContext<Msg>) => void) {
  return defineActor<Msg>({
    init(ctx) {
      setup?.(ctx);
    },
    handle(msg, ctx) {
      switch (msg.type) {
        case 'price':
          log.push(`${ctx.pid}:${msg.symbol}`);
          return;
        case 'crash':
          throw new Error('crash');
        case 'run':
          msg.fn(ctx);
          return;
      }
    },
  });
}

const setup = () => manualSystem();

const acme = (price = 1): Price => ({ type: 'price', symbol: 'ACME', price });

/** Compile-time checks only: never called. */
export function typedTopics(system: ReturnType<typeof createSystem>): void {
  // @ts-expect-error a number is not a Price
  system.topics.publish(prices, 42);
  // @ts-expect-error a Price needs a symbol
  system.topics.publish(prices, { type: 'price', price: 1 });
  const other: Topic<string> = topic<string>('other');
  // @ts-expect-error a subscriber of strings does not take prices
  system.topics.subscribe(prices, (s: string) => s.length);
  system.topics.publish(other, 'fine');
}

describe('topics', () => {
  failOnUnhandledRejections();

  it('publish reaches every subscriber, actors and callbacks, and returns how many', async () => {
    const { system } = setup();
    const log: string[] = [];
    const a = system.spawn(subscriber(log));
    const b = system.spawn(subscriber(log, (ctx) => ctx.subscribe(prices)));
    await system.idle();
    system.topics.subscribe(prices, a);
    const heard: Price[] = [];
    system.topics.subscribe(prices, (p) => heard.push(p));
    assert.equal(system.topics.subscribers(prices), 3);
    assert.equal(system.topics.publish(prices, acme(12.5)), 3);
    assert.deepEqual(heard, [acme(12.5)], 'a callback hears it at once');
    await system.idle();
    assert.deepEqual(log.sort(), [`${a.pid}:ACME`, `${b.pid}:ACME`].sort());
    await system.shutdown();
  });

  it('subscribers hear messages in publication order', async () => {
    const { system } = setup();
    const log: string[] = [];
    const a = system.spawn(subscriber(log));
    system.topics.subscribe(prices, a);
    for (const symbol of ['A', 'B', 'C']) {
      const p: Price = { type: 'price', symbol, price: 1 };
      system.topics.publish(prices, p);
    }
    await system.idle();
    assert.deepEqual(log, [`${a.pid}:A`, `${a.pid}:B`, `${a.pid}:C`]);
    await system.shutdown();
  });

  it('two handles with one name are one topic; a topic needs a non-empty name', async () => {
    const { system } = setup();
    const heard: number[] = [];
    system.topics.subscribe(topic<Price>('prices'), (p) => heard.push(p.price));
    system.topics.publish(prices, acme(3));
    assert.deepEqual(heard, [3]);
    assert.throws(() => topic(''), InvalidArgumentError);
    assert.throws(
      () => system.topics.publish({ name: 7 } as unknown as Topic<Price>, acme()),
      InvalidArgumentError,
    );
    await system.shutdown();
  });

  it('unsubscribe: by the returned function, by topics.unsubscribe and by ctx.unsubscribe', async () => {
    const { system } = setup();
    const log: string[] = [];
    const heard: number[] = [];
    const stop = system.topics.subscribe(prices, (p) => heard.push(p.price));
    const a = system.spawn(subscriber(log));
    system.topics.subscribe(prices, a);
    system.topics.subscribe(prices, a);
    const b = system.spawn(subscriber(log, (ctx) => ctx.subscribe(prices)));
    await system.idle();
    assert.equal(system.topics.subscribers(prices), 4);
    stop();
    stop(); // a second call changes nothing
    assert.equal(system.topics.unsubscribe(prices, a), 2, 'both of its subscriptions');
    assert.equal(system.topics.unsubscribe(prices, a), 0);
    const counts: number[] = [];
    b.tell({
      type: 'run',
      fn: (ctx) => counts.push(ctx.unsubscribe(prices), ctx.unsubscribe(prices)),
    });
    await system.idle();
    assert.deepEqual(counts, [1, 0]);
    assert.equal(system.topics.subscribers(prices), 0);
    system.topics.publish(prices, acme());
    await system.idle();
    assert.deepEqual(heard, []);
    assert.deepEqual(log, []);
    await system.shutdown();
  });

  for (const how of ['crashes', 'stops', 'is killed'] as const) {
    it(`a subscription ends when its subscriber ${how}`, async () => {
      const { system, letters } = setup();
      const log: string[] = [];
      const doomed = system.spawn(subscriber(log, (ctx) => ctx.subscribe(prices)));
      const survivor = system.spawn(subscriber(log));
      system.topics.subscribe(prices, doomed); // a second one, made from outside
      system.topics.subscribe(prices, survivor);
      await system.idle();
      assert.equal(system.topics.subscribers(prices), 3);
      if (how === 'crashes') {
        doomed.tell({ type: 'crash' });
        await system.idle();
      } else if (how === 'stops') await system.stop(doomed);
      else system.kill(doomed);
      assert.equal(system.topics.subscribers(prices), 1);
      assert.equal(system.topics.publish(prices, acme()), 1);
      await system.idle();
      assert.deepEqual(log, [`${survivor.pid}:ACME`]);
      assert.deepEqual(
        letters.filter((d) => d.target === doomed.pid && d.reason === 'noproc'),
        [],
        'nothing is sent to the dead subscriber',
      );
      await system.shutdown();
    });
  }

  it('publishing to a topic nobody subscribes is a dead letter (unregistered, topic:name)', async () => {
    const { system, letters } = setup();
    assert.equal(system.topics.publish(prices, acme(9)), 0);
    assert.deepEqual(
      letters.map((d) => [d.reason, d.address, d.message]),
      [['unregistered', 'topic:prices', acme(9)]],
    );
    await system.shutdown();
  });

  it('a subscriber whose full mailbox refuses is skipped; the message is its dead letter', async () => {
    const { system, letters } = setup();
    const log: string[] = [];
    const full = system.spawn(subscriber(log), { mailbox: { capacity: 1, overflow: 'reject' } });
    const ok = system.spawn(subscriber(log));
    system.topics.subscribe(prices, full);
    system.topics.subscribe(prices, ok);
    assert.equal(system.topics.publish(prices, acme(1)), 2);
    assert.equal(system.topics.publish(prices, acme(2)), 1, 'the full mailbox refused');
    assert.deepEqual(
      letters.map((d) => [d.reason, d.target, (d.message as Price).price]),
      [['dropped-newest', full.pid, 2]],
    );
    await system.idle();
    assert.equal(log.filter((l) => l.startsWith(`${ok.pid}:`)).length, 2);
    assert.equal(log.filter((l) => l.startsWith(`${full.pid}:`)).length, 1);
    await system.shutdown();
  });
});

describe('the system event stream', () => {
  failOnUnhandledRejections();

  it('a plain callback subscribed with a filter receives only those kinds', async () => {
    const { system } = setup();
    const kinds: string[] = [];
    const all: string[] = [];
    const off = system.events.subscribe((e) => kinds.push(e.type), ['exited']);
    system.events.subscribe((e) => all.push(e.type));
    const ref = system.spawn(subscriber([]));
    await system.idle();
    await system.stop(ref);
    assert.deepEqual(kinds, ['exited']);
    assert.ok(all.includes('spawned') && all.includes('exited'));
    off();
    await system.stop(system.spawn(subscriber([])));
    assert.deepEqual(kinds, ['exited'], 'nothing after unsubscribing');
    await system.shutdown();
  });

  it('an actor subscribed to system events with a filter receives only those kinds', async () => {
    const { system } = setup();
    const got: SystemEvent[] = [];
    const watcher = system.spawn(
      defineActor<SystemEvent>({
        handle(e) {
          got.push(e);
        },
      }),
    );
    system.subscribeEvents(watcher, ['exited', 'dead-letter']);
    const target = system.spawn(subscriber([]));
    await system.idle();
    system.named('nobody').tell('lost');
    await system.stop(target);
    await system.idle();
    assert.deepEqual(
      got.map((e) => e.type),
      ['dead-letter', 'exited'],
    );
    const exited = got[1] as Extract<SystemEvent, { type: 'exited' }>;
    assert.equal(exited.pid, target.pid);
    assert.equal(exited.reason.kind, 'normal');
    await system.shutdown();
  });

  it('an unfiltered actor subscription receives every kind', async () => {
    const { system } = setup();
    const kinds = new Set<string>();
    const watcher = system.spawn(
      defineActor<SystemEvent>({
        handle(e) {
          kinds.add(e.type);
        },
      }),
    );
    system.subscribeEvents(watcher);
    const target = system.spawn(subscriber([]));
    await system.idle();
    target.tell({ type: 'crash' });
    await system.idle();
    assert.ok(kinds.has('spawned') && kinds.has('exited'), [...kinds].join());
    await system.shutdown();
  });

  it("an actor's event subscription ends when it dies, or when its function is called", async () => {
    const { system, letters } = setup();
    const got: Pid[] = [];
    const watcher = (label: string) =>
      defineActor<SystemEvent>({
        handle(e) {
          if (e.type === 'exited') got.push(e.pid);
        },
        label,
      });
    const dies = system.spawn(watcher('dies'));
    const leaves = system.spawn(watcher('leaves'));
    system.subscribeEvents(dies, ['exited']);
    const off = system.subscribeEvents(leaves, ['exited']);
    const first = system.spawn(subscriber([]));
    await system.idle();
    await system.stop(first);
    await system.idle();
    assert.deepEqual(got, [first.pid, first.pid]);
    off();
    await system.stop(dies);
    const second = system.spawn(subscriber([]));
    await system.idle();
    await system.stop(second);
    await system.idle();
    assert.deepEqual(got, [first.pid, first.pid], 'neither heard of later exits');
    assert.deepEqual(letters, [], 'nothing was sent to the dead watcher');
    assert.equal(system.isAlive(leaves), true);
    await system.shutdown();
  });

  it('subscribing a dead actor to events fails', async () => {
    const { system } = setup();
    const ref = system.spawn(subscriber([]));
    await system.stop(ref);
    assert.throws(
      () => system.subscribeEvents(ref as never),
      (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'ERR_NOPROC',
    );
    await system.shutdown();
  });
});
