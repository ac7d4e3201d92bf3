/**
 * Portable actor definitions for the cluster tests: spawned on other nodes
 * by module URL, so they hold no closures over test state. They report to
 * refs they are given.
 */
import {
  type ActorRef,
  defineActor,
  type ExitReason,
  portable,
  type Reply,
  RuntimeError,
} from '../../src/index.js';

/** What the echo actor understands. */
export type EchoMsg =
  | { readonly type: 'echo'; readonly value: unknown; readonly reply: Reply<unknown> }
  | { readonly type: 'whoami'; readonly reply: Reply<string> }
  | { readonly type: 'fail'; readonly code: string; readonly reply: Reply<never> }
  | { readonly type: 'crash'; readonly message: string }
  | { readonly type: 'stop' }
  | {
      readonly type: 'forward';
      readonly to: ActorRef<EchoMsg>;
      readonly value: unknown;
      readonly reply: Reply<unknown>;
    }
  | { readonly type: 'tell-back'; readonly to: ActorRef<unknown>; readonly value: unknown }
  | { readonly type: 'seq'; readonly n: number };

class TestFailure extends RuntimeError {
  constructor(code: string) {
    super('ERR_CLUSTER', `asked to fail with ${code}`);
    (this as unknown as { detail: string }).detail = code;
  }
}

/** Echoes, forwards reply ports, fails with a code, crashes on demand; `args` is a label. */
export const echo = portable(
  import.meta.url,
  'echo',
  defineActor<EchoMsg, { label: string; seq: number; outOfOrder: number }, string | undefined>({
    init: (_ctx, label) => ({ label: label ?? 'echo', seq: 0, outOfOrder: 0 }),
    handle(msg, ctx) {
      switch (msg.type) {
        case 'echo':
          msg.reply.send(msg.value);
          return;
        case 'whoami':
          msg.reply.send(ctx.state.label);
          return;
        case 'fail':
          msg.reply.fail(new TestFailure(msg.code));
          return;
        case 'crash':
          throw new Error(msg.message);
        case 'stop':
          ctx.stop();
          return;
        case 'forward':
          // The reply port goes on to another node; whoever gets it answers the original asker.
          msg.to.tell({ type: 'echo', value: msg.value, reply: msg.reply } as never);
          return;
        case 'tell-back':
          msg.to.tell({ from: ctx.self, value: msg.value });
          return;
        case 'seq':
          ctx.state.seq++;
          return;
      }
    },
  }),
);

/** Counts messages `{ n }` from one sender and reports the first gap or reordering to `args`. */
export const sequenceChecker = portable(
  import.meta.url,
  'sequenceChecker',
  defineActor<
    | { readonly n: number }
    | { readonly type: 'report'; readonly reply: Reply<{ count: number; errors: number }> },
    { next: number; count: number; errors: number }
  >({
    init: () => ({ next: 0, count: 0, errors: 0 }),
    handle(msg, ctx) {
      if ('type' in msg) {
        msg.reply.send({ count: ctx.state.count, errors: ctx.state.errors });
        return;
      }
      if (msg.n !== ctx.state.next) ctx.state.errors++;
      ctx.state.next = msg.n + 1;
      ctx.state.count++;
    },
  }),
);

/** Reports its own exit reason to the ref it was given. */
export const reporter = portable(
  import.meta.url,
  'reporter',
  defineActor<
    { readonly type: 'crash' },
    ActorRef<{ type: 'terminated'; reason: ExitReason }>,
    ActorRef<{ type: 'terminated'; reason: ExitReason }>
  >({
    init: (_ctx, to) => to,
    handle() {
      throw new Error('crash on demand');
    },
    terminate(reason, ctx) {
      ctx.state.tell({ type: 'terminated', reason });
    },
  }),
);

/** Holds service key `args` of service 'keyed' on its node and answers `whoami` with it. */
export const keyed = portable(
  import.meta.url,
  'keyed',
  defineActor<{ readonly type: 'whoami'; readonly reply: Reply<string> }, string, string>({
    init(ctx, key) {
      ctx.registerService('keyed', key);
      return key;
    },
    handle(msg, ctx) {
      msg.reply.send(ctx.state);
    },
  }),
);
