/**
 * A portable actor that starts ports as its children, wherever it is
 * placed (main, a worker, a child process), and answers how each ended:
 * `normal`, or the code of the error its port exited with (`ERR_DENIED`).
 */
import {
  type DownMessage,
  defineActor,
  type MonitorRef,
  port,
  portable,
  type Reply,
} from '../../src/index.js';

export type StarterMsg =
  | { readonly type: 'start'; readonly argv: readonly string[]; readonly reply: Reply<string> }
  | DownMessage;

export const starter = portable(
  import.meta.url,
  'starter',
  defineActor<StarterMsg, Map<MonitorRef, Reply<string>>>({
    init: () => new Map(),
    handle(msg, ctx) {
      const waiting = ctx.state as Map<MonitorRef, Reply<string>>;
      if (msg.type === 'start') {
        const ref = ctx.spawn(port({ argv: [...msg.argv], label: 'started-port' }));
        waiting.set(ctx.monitor(ref as never), msg.reply);
        return;
      }
      if (msg.type !== 'DOWN') return;
      const reply = waiting.get(msg.ref);
      if (reply === undefined) return;
      waiting.delete(msg.ref);
      const reason = msg.reason;
      reply.send(
        reason.kind === 'error'
          ? String((reason.error as { code?: unknown } | null)?.code ?? 'error')
          : reason.kind,
      );
    },
  }),
);
