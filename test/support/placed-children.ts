/**
 * Children for the supervision conformance suite that can run in this
 * thread or be placed in a worker (test/conformance/shared). Functions do
 * not cross threads, so the `child` is portable and driven only by its
 * args and messages; what it does is reported to a `recorder`, an actor of
 * the main system whose ref travels in the args (the codec turns it into a
 * remote ref in a worker).
 *
 * This module is imported by the worker hosts too: it has no side effects
 * beyond defining the actors.
 */
import { threadId } from 'node:worker_threads';
import {
  type ActorDefinition,
  type ActorRef,
  defineActor,
  type ExitMessage,
  type ExitReason,
  exitReason,
  type Pid,
  portable,
  type Reply,
} from '../../src/index.js';

/** What a child reports: it started, its terminate ran, it handled a message. */
export type RecordKind = 'started' | 'terminated' | 'handled';

/** A report from a child to the recorder. */
export interface Report {
  readonly type: 'record';
  readonly kind: RecordKind;
  /** The child's id in its supervisor. */
  readonly id: string;
  /** The child's own ref (`ctx.self`): in a worker, the ref of its stand-in. */
  readonly self: ActorRef<never>;
  /** For `terminated`: the reason's kind; for `handled`: the message type. */
  readonly detail?: string;
}

/** One entry of the recorder's log, in arrival order. */
export interface RecordEntry {
  readonly kind: RecordKind;
  readonly id: string;
  readonly pid: Pid;
  readonly detail: string | undefined;
}

/**
 * A main-side recorder writing what children report to `log`. It is not
 * portable: it closes over `log` and stays in the main thread.
 */
export function recorder(log: RecordEntry[]): ActorDefinition<Report, undefined, undefined> {
  return defineActor<Report>({
    label: 'recorder',
    handle(msg) {
      log.push({ kind: msg.kind, id: msg.id, pid: msg.self.pid, detail: msg.detail });
    },
  });
}

/** How one child behaves: everything is data, so it can cross to a worker. */
export interface ChildArgs {
  readonly id: string;
  readonly recorder: ActorRef<Report>;
  /** init throws. */
  readonly failInit?: boolean;
  /** init stops the child with `normal` (OTP `ignore`). */
  readonly ignore?: boolean;
  /** terminate awaits a promise that never resolves (it ignores shutdown). */
  readonly hang?: boolean;
  /** init turns trapping exits on. */
  readonly trap?: boolean;
}

/** What a ping answers: how the child sees itself. */
export interface Identity {
  /** `ctx.self`: in a worker, the ref of its stand-in once it has crossed. */
  readonly self: ActorRef<never>;
  /** `ctx.pid`. */
  readonly pid: Pid;
  /** `ctx.parent`. */
  readonly parent: Pid | undefined;
  /** The thread it runs in (0: the main thread). */
  readonly threadId: number;
}

export type ChildMsg =
  /** The handler throws an error with this code. */
  | { readonly type: 'crash'; readonly code: string }
  /** The handler stops the child with `normal`. */
  | { readonly type: 'stop' }
  /** The handler stops the child with `shutdown`. */
  | { readonly type: 'shutdown' }
  /** The handler records `handled` and awaits a promise that never resolves (stuck in async work). */
  | { readonly type: 'block' }
  /** Replies with how the child sees itself (and records `handled`). */
  | { readonly type: 'ping'; readonly reply: Reply<Identity> }
  | ExitMessage;

interface ChildState {
  readonly args: ChildArgs;
}

const NEVER = new Promise<void>(() => {});

function record(state: ChildState, kind: RecordKind, self: ActorRef<never>, detail?: string) {
  const { id, recorder: to } = state.args;
  to.tell(
    detail === undefined
      ? { type: 'record', kind, id, self }
      : { type: 'record', kind, id, self, detail },
  );
}

/** The child of the suite; portable, so a spec may place it in a worker. */
export const child = portable(
  import.meta.url,
  'child',
  defineActor<ChildMsg, ChildState, ChildArgs>({
    label: 'child',
    init(ctx, args) {
      const state: ChildState = { args };
      if (args.trap === true) ctx.trapExit(true);
      if (args.failInit === true) {
        throw Object.assign(new Error(`${args.id} init failed`), { code: 'E_INIT' });
      }
      if (args.ignore === true) {
        ctx.stop();
        return state;
      }
      record(state, 'started', ctx.self as ActorRef<never>);
      return state;
    },
    handle(msg, ctx) {
      const self = ctx.self as ActorRef<never>;
      switch (msg.type) {
        case 'crash':
          throw Object.assign(new Error(`${ctx.state.args.id} crashed`), { code: msg.code });
        case 'stop':
          ctx.stop();
          return;
        case 'shutdown':
          ctx.stop(exitReason.shutdown());
          return;
        case 'block':
          record(ctx.state, 'handled', self, 'block');
          return NEVER;
        case 'ping':
          record(ctx.state, 'handled', self, 'ping');
          msg.reply.send({ self, pid: ctx.pid, parent: ctx.parent, threadId });
          return;
        case 'EXIT':
          record(ctx.state, 'handled', self, 'EXIT');
          return;
      }
    },
    terminate(reason: ExitReason, ctx) {
      // A child whose init was ignored or failed has no state to report with.
      if (ctx.state === undefined) return undefined;
      record(ctx.state, 'terminated', ctx.self as ActorRef<never>, reason.kind);
      if (ctx.state.args.hang === true) return NEVER;
      return undefined;
    },
  }),
);
