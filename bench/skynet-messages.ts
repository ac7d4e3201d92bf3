/**
 * Skynet driven by messages: the same 10-ary tree of 1,111,111 actors as
 * `skynet.ts`, but each actor is spawned knowing only its parent and learns
 * its number and subtree size from its first message, then spawns its ten
 * children from that handler (`ctx.spawn` in `handle`, not in `init`) and
 * tells each its part. This is the shape users write when work arrives as
 * messages; the Erlang twin (`skynet_msg.erl`) does the same with a
 * `{start, Num, Size}` message. The baseline is skynet.ts's (message-driven
 * already).
 *
 * Prints `RESULT {"totalMs": …, "leftAlive": …}`.
 */
import type { ActorDefinition, ActorRef } from '../src/index.js';
import { defineActor } from '../src/index.js';
import { airssysSkynet, type SkyState, skynetMain } from './skynet-baseline.js';

/** The first message: this actor's number and subtree size; then its children's sums. */
type SkyMsg = { readonly num: number; readonly size: number } | number;

const skynet: ActorDefinition<SkyMsg, SkyState, ActorRef<number>> = defineActor<
  SkyMsg,
  SkyState,
  ActorRef<number>
>({
  label: 'skynet-msg',
  init: (_ctx, parent) => ({ parent, sum: 0, pending: 0 }),
  handle(msg, ctx) {
    const s = ctx.state;
    if (typeof msg !== 'number') {
      if (msg.size === 1) {
        s.parent.tell(msg.num);
        ctx.stop();
        return;
      }
      const step = msg.size / 10;
      const self = ctx.self as ActorRef<number>;
      for (let i = 0; i < 10; i++) {
        ctx.spawn(skynet, { args: self }).tell({ num: msg.num + i * step, size: step });
      }
      s.pending = 10;
      return;
    }
    s.sum += msg;
    if (--s.pending === 0) {
      s.parent.tell(s.sum);
      ctx.stop();
    }
  },
});

skynetMain((leaves) =>
  airssysSkynet('skynet-messages', leaves, (system, collector) => {
    system.spawn(skynet, { args: collector }).tell({ num: 0, size: leaves });
  }),
);
