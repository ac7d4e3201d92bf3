/**
 * Portable actor definitions for the isolation tests. They run in worker
 * threads, child processes and pool threads, so they hold no closures over
 * test state: everything they do is driven by their messages and spawn
 * arguments, and everything they report goes to refs they were given.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import {
  type ActorRef,
  defineActor,
  type ExitMessage,
  type ExitReason,
  portable,
  type Reply,
} from '../../src/index.js';

/** Where a body runs: the OS process and the thread. */
export interface Whereabouts {
  readonly processId: number;
  readonly threadId: number;
}

/** What a body sends to the main refs it is given. */
export type Report =
  | { readonly type: 'note'; readonly text: string; readonly from: ActorRef<never> }
  | { readonly type: 'exit-seen'; readonly from: number | undefined; readonly reason: ExitReason }
  | { readonly type: 'terminated'; readonly reason: ExitReason }
  | {
      readonly type: 'relayed';
      readonly text: string;
      readonly by: ActorRef<never>;
      readonly from: ActorRef<never>;
    }
  | { readonly type: 'started'; readonly where: Whereabouts; readonly self: ActorRef<never> };

/** A question a body asks a main process. */
export interface Question {
  readonly type: 'question';
  readonly text: string;
  readonly reply: Reply<unknown>;
}

export interface EchoArgs {
  /** Told `started` from init, `terminated` from terminate and `exit-seen` for each EXIT. */
  readonly reportTo?: ActorRef<Report>;
  /** init turns trapping exits on. */
  readonly trap?: boolean;
  /** init throws an error with this code. */
  readonly failInit?: string;
  readonly tag?: string;
}

export interface EchoReply {
  readonly text: string;
  readonly tag: string | undefined;
  readonly self: ActorRef<EchoMsg>;
  readonly sender: number | undefined;
  readonly where: Whereabouts;
}

export type EchoMsg =
  /** Answers with the text, the tag, its own ref, the sender and where it runs. */
  | { readonly type: 'echo'; readonly text: string; readonly reply: Reply<EchoReply> }
  /** Answers with `value` itself (a copy made by the boundary). */
  | { readonly type: 'mirror'; readonly value: unknown; readonly reply: Reply<unknown> }
  /** A note from another body: relayed to `reportTo`. */
  | { readonly type: 'note'; readonly text: string; readonly from: ActorRef<never> }
  /** Throws an error carrying `code`. */
  | { readonly type: 'crash'; readonly code: string; readonly message?: string }
  /** Fails the ask with an error carrying `code`. */
  | { readonly type: 'refuse'; readonly code: string; readonly reply: Reply<never> }
  /** Never returns. */
  | { readonly type: 'spin' }
  /** Allocates until the heap limit is hit. */
  | { readonly type: 'hog' }
  /** Tells `to` a note. */
  | { readonly type: 'fwd'; readonly to: ActorRef<Report>; readonly text: string }
  /** Tells `to` something that cannot cross (a function): the body crashes. */
  | { readonly type: 'send-function'; readonly to: ActorRef<never> }
  /** Asks `to` a question and answers with its answer. */
  | {
      readonly type: 'ask-main';
      readonly to: ActorRef<Question>;
      readonly text: string;
      readonly reply: Reply<unknown>;
    }
  /** Asks `to` with the ask timeout `timeout`; answers with the answer or the error's code and option. */
  | {
      readonly type: 'ask-main-timeout';
      readonly to: ActorRef<Question>;
      readonly timeout: unknown;
      readonly reply: Reply<unknown>;
    }
  /** Asks `to` with the ask options `options`; answers as `ask-main-timeout` does. */
  | {
      readonly type: 'ask-main-options';
      readonly to: ActorRef<Question>;
      readonly options: unknown;
      readonly reply: Reply<unknown>;
    }
  /** `process.exit(code)`: ends the whole host (a thread's exit ends only the thread). */
  | { readonly type: 'exit-host'; readonly code: number }
  /** Throws from a timer, outside any handler: an uncaught exception in the host. */
  | { readonly type: 'throw-uncaught' }
  /** Reads a file and answers with its length, or fails with the error. */
  | { readonly type: 'read'; readonly path: string; readonly reply: Reply<number> }
  /** Writes a file and answers with true, or fails with the error. */
  | { readonly type: 'write'; readonly path: string; readonly reply: Reply<boolean> }
  /** Starts a child process and answers with true, or fails with the error. */
  | { readonly type: 'exec'; readonly reply: Reply<boolean> }
  /** Links to a main process from inside the body (refused). */
  | { readonly type: 'link-main'; readonly to: ActorRef<never> }
  /** Spawns a child in its host and tells `to` a ref to it (which cannot leave the host). */
  | { readonly type: 'leak-local'; readonly to: ActorRef<never> }
  /** Answers the reply port `port` (of some ask) with `value`. */
  | { readonly type: 'answer-via'; readonly port: Reply<unknown>; readonly value: unknown }
  /** Hands its own reply port to `to`, which answers it with `value`. */
  | {
      readonly type: 'relay';
      readonly to: ActorRef<EchoMsg>;
      readonly value: unknown;
      readonly reply: Reply<unknown>;
    }
  /** Stops with `normal`. */
  | { readonly type: 'stop' }
  | ExitMessage;

interface EchoState {
  readonly args: EchoArgs;
}

function coded(code: string, message = 'boom'): Error {
  return Object.assign(new Error(message), { code });
}

/** A plain actor a body spawns inside its own host. */
const echoLocal = defineActor<{ type: 'x' }>({ handle() {} });

function where(): Whereabouts {
  return { processId: process.pid, threadId };
}

export const echo = portable(
  import.meta.url,
  'echo',
  defineActor<EchoMsg, EchoState, EchoArgs | undefined>({
    label: 'echo',
    init(ctx, args) {
      const a = args ?? {};
      if (a.failInit !== undefined) throw coded(a.failInit, 'init failed');
      if (a.trap === true) ctx.trapExit(true);
      a.reportTo?.tell({ type: 'started', where: where(), self: ctx.self as ActorRef<never> });
      return { args: a };
    },
    handle(msg, ctx) {
      switch (msg.type) {
        case 'echo':
          msg.reply.send({
            text: msg.text,
            tag: ctx.state.args.tag,
            self: ctx.self,
            sender: ctx.sender,
            where: where(),
          });
          return;
        case 'mirror':
          msg.reply.send(msg.value);
          return;
        case 'note':
          ctx.state.args.reportTo?.tell({
            type: 'relayed',
            text: msg.text,
            by: ctx.self as ActorRef<never>,
            from: msg.from,
          });
          return;
        case 'crash':
          throw coded(msg.code, msg.message);
        case 'refuse':
          msg.reply.fail(coded(msg.code, 'refused'));
          return;
        case 'spin':
          for (;;) {
            // A real busy loop: only a real kill ends it.
          }
        case 'hog': {
          const hoard: number[][] = [];
          for (;;) hoard.push(new Array(1_000_000).fill(hoard.length));
        }
        case 'fwd':
          msg.to.tell({ type: 'note', text: msg.text, from: ctx.self as ActorRef<never> });
          return;
        case 'send-function':
          (msg.to as ActorRef<unknown>).tell({ type: 'bad', callback: () => 1 });
          return;
        case 'ask-main':
          // The test's own limit for one wait (LIMITS.wait): a hang guard on a busy machine.
          return msg.to
            .ask({ type: 'question', text: msg.text }, { timeout: 60_000 })
            .then((answer) => {
              msg.reply.send(answer);
            });
        case 'ask-main-timeout':
        case 'ask-main-options':
          return msg.to
            .ask(
              { type: 'question', text: 't' },
              msg.type === 'ask-main-options'
                ? (msg.options as never)
                : { timeout: msg.timeout as number },
            )
            .then(
              (answer) => msg.reply.send(answer),
              (e: { code?: unknown; option?: unknown }) =>
                msg.reply.send({ code: e.code, option: e.option }),
            );
        case 'exit-host':
          process.exit(msg.code);
          return;
        case 'throw-uncaught':
          setTimeout(() => {
            throw coded('E_UNCAUGHT', 'thrown outside any handler');
          }, 0);
          return;
        case 'read':
          try {
            msg.reply.send(readFileSync(msg.path).length);
          } catch (error) {
            msg.reply.fail(error);
          }
          return;
        case 'write':
          try {
            writeFileSync(msg.path, 'x');
            msg.reply.send(true);
          } catch (error) {
            msg.reply.fail(error);
          }
          return;
        case 'exec':
          try {
            execFileSync(process.execPath, ['-e', '0']);
            msg.reply.send(true);
          } catch (error) {
            msg.reply.fail(error);
          }
          return;
        case 'link-main':
          ctx.link(msg.to);
          return;
        case 'leak-local': {
          const child = ctx.spawn(echoLocal);
          (msg.to as ActorRef<unknown>).tell({ type: 'leak', child });
          return;
        }
        case 'answer-via':
          msg.port.send(msg.value);
          return;
        case 'relay':
          msg.to.tell({ type: 'answer-via', port: msg.reply, value: msg.value });
          return;
        case 'stop':
          ctx.stop();
          return;
        case 'EXIT':
          ctx.state.args.reportTo?.tell({ type: 'exit-seen', from: msg.from, reason: msg.reason });
          return;
      }
    },
    terminate(reason, ctx) {
      ctx.state.args.reportTo?.tell({ type: 'terminated', reason });
    },
  }),
);

/** Portable under a name its module does not export: the host cannot find it. */
export const misnamed = portable(
  import.meta.url,
  'doesNotExist',
  defineActor<{ type: 'x' }>({ handle() {} }),
);

/** Not portable: placing it off the main thread must be refused. */
export const notPortable = defineActor<{ type: 'x' }>({ handle() {} });
