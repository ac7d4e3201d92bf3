/**
 * A portable actor that keeps the reply port of an ask instead of
 * answering it, and later passes it on or answers it: what a slow ledger
 * does with a request whose asker has long given up. It holds no closures
 * over test state (it runs in worker and pool threads).
 */
import { type ActorRef, defineActor, portable, type Reply } from '../../src/index.js';

export type HolderMsg =
  /** Keeps `reply` unanswered. */
  | { readonly type: 'hold'; readonly reply: Reply<unknown> }
  /** Answers at once. */
  | { readonly type: 'ping'; readonly reply: Reply<string> }
  /** Tells `to` `{ type: 'held', port }` with the kept port. */
  | { readonly type: 'pass-held'; readonly to: ActorRef<{ type: 'held'; port: Reply<unknown> }> }
  /** Answers the kept port with `value`. */
  | { readonly type: 'answer-held'; readonly value: unknown };

export const holder = portable(
  import.meta.url,
  'holder',
  defineActor<HolderMsg, { held: Reply<unknown> | undefined }>({
    label: 'holder',
    init: () => ({ held: undefined }),
    handle(msg, ctx) {
      switch (msg.type) {
        case 'hold':
          ctx.state.held = msg.reply;
          return;
        case 'ping':
          msg.reply.send('pong');
          return;
        case 'pass-held':
          if (ctx.state.held !== undefined) msg.to.tell({ type: 'held', port: ctx.state.held });
          return;
        case 'answer-held':
          ctx.state.held?.send(msg.value);
          return;
      }
    },
  }),
);
