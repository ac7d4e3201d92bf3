/**
 * A portable actor that reads files through a file actor of its own, so a
 * test can check that a placed body runs under its stand-in's policy and
 * that what it attempts reaches the main system's audit log.
 */
import { defineActor, fileActor, portable, type Reply } from '../../src/index.js';

export type ReaderMsg = { type: 'read'; path: string; reply: Reply<string> };

export const reader = portable(
  import.meta.url,
  'reader',
  defineActor<ReaderMsg>({
    async handle(msg, ctx) {
      const files = ctx.spawn(fileActor());
      try {
        msg.reply.send(await files.ask({ type: 'read', path: msg.path }));
      } catch (error) {
        msg.reply.fail(error);
      }
    },
  }),
);
