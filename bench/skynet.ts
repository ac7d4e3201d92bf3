/**
 * Skynet (atemerev/skynet): a 10-ary tree of actors with 1M leaves (1,111,111
 * actors). Each leaf sends its number to its parent; each parent sums its
 * ten children's replies and sends the sum up. Measures spawn, init with
 * arguments, child tracking, messaging and exit, at a million live actors.
 *
 * The airssys version is the idiomatic one: children are spawned with
 * `ctx.spawn` (so they are supervised), get their arguments through `init`,
 * and stop themselves once they have replied, like the Erlang processes.
 *
 * Prints `RESULT {"totalMs": …, "leftAlive": …}`.
 */
import type { ActorDefinition, ActorRef } from '../src/index.js';
import { defineActor } from '../src/index.js';
import { airssysSkynet, type SkyState, skynetMain } from './skynet-baseline.js';

interface SkyArgs {
  readonly num: number;
  readonly size: number;
  readonly parent: ActorRef<number>;
}

const skynet: ActorDefinition<number, SkyState, SkyArgs> = defineActor<number, SkyState, SkyArgs>({
  label: 'skynet',
  init(ctx, { num, size, parent }) {
    if (size === 1) {
      parent.tell(num);
      ctx.stop();
      return { parent, sum: 0, pending: 0 };
    }
    const step = size / 10;
    for (let i = 0; i < 10; i++) {
      ctx.spawn(skynet, { args: { num: num + i * step, size: step, parent: ctx.self } });
    }
    return { parent, sum: 0, pending: 10 };
  },
  handle(n, ctx) {
    const s = ctx.state;
    s.sum += n;
    if (--s.pending === 0) {
      s.parent.tell(s.sum);
      ctx.stop();
    }
  },
});

skynetMain((leaves) =>
  airssysSkynet('skynet', leaves, (system, collector) => {
    system.spawn(skynet, { args: { num: 0, size: leaves, parent: collector } });
  }),
);
