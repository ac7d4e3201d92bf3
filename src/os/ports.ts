import type {
  ActorContext,
  ActorDefinition,
  ActorRef,
  DownMessage,
  Reply,
} from '../actor/index.js';
import { defineActor } from '../actor/index.js';
import { ContainmentUnavailableError, DeniedError, InvalidArgumentError } from '../errors.js';
import { exitReason, formatPid, type Pid } from '../process/index.js';
import type { Clock } from '../scheduler/index.js';
import { hostDelay } from '../scheduler/index.js';
import type {
  AuditSink,
  Decision,
  ExecPlan,
  ExecRequest,
  SecurityContext,
} from '../security/index.js';
import { buildLaunch, type Containment, describeContainment, findTools } from './launch.js';
import type { PortOutput } from './port-output.js';
import { PortRun } from './port-run.js';
import type { TreeRequest } from './process-tree.js';
import { unrecorded } from './unrecorded.js';

/**
 * Port actors (Erlang ports): an actor that owns an operating-system
 * process. The program is started from an argv array, never through a
 * shell unless the policy allows shell strings; its stdout and stderr reach
 * the owner as messages, its stdin is written by message, and its exit
 * status becomes the port's exit reason, so a supervisor restarts a crashed
 * program like any other child. Every start is checked against the port's
 * security context and recorded in the audit log, allowed or denied.
 *
 * @module
 */

/**
 * What a port accepts: text for the program's stdin, closing it (the
 * program sees end of input), and `info` (Erlang's `port_info/1`): the
 * program's OS pid, executable, output so far and how it is contained.
 *
 * @example
 * ```ts
 * cat.tell({ type: 'write', data: 'hello\n' });
 * cat.tell({ type: 'close-stdin' });
 * const { osPid, containment } = await cat.ask({ type: 'info' });
 * ```
 */
export type PortCommand =
  | { readonly type: 'write'; readonly data: string }
  | { readonly type: 'close-stdin' }
  | { readonly type: 'info'; readonly reply: Reply<PortState> };

/**
 * What a port's owner receives (its exit arrives as an exit signal or a
 * `DOWN`, like any process's).
 *
 * @example
 * ```ts
 * const owner = defineActor<PortEvent | DownMessage>({ handle: (m) => console.log(m) });
 * ```
 */
export type PortEvent = PortOutput;

/**
 * How to start a port's program.
 *
 * @example
 * ```ts
 * const options: PortOptions = { argv: ['/usr/bin/sort', '-u'], mode: 'lines', highWater: 500 };
 * ```
 */
export interface PortOptions {
  /** The program and its arguments; `argv[0]` is an absolute path or a name found on `env.PATH`. */
  readonly argv?: readonly string[];
  /**
   * A shell command line instead of `argv`: only when every policy in the
   * chain has `exec.shell: true`; it runs as `['/bin/sh', '-c', command]`,
   * which must itself be allowed.
   */
  readonly command?: string;
  /** The program's whole environment (default `{}`: nothing is inherited). */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory (default: the runtime's; the policy's `exec.cwd` must allow it). */
  readonly cwd?: string;
  /** Who receives the output (default: the port's parent). The port stops when its owner exits. */
  readonly owner?: ActorRef<PortEvent>;
  /** `lines` (default): one message per line, without the `\n`; `chunks`: as read. */
  readonly mode?: 'lines' | 'chunks';
  /** The owner's mailbox size at which reading pauses (default 1000); it resumes at half. */
  readonly highWater?: number;
  /** In `lines` mode, a longer line arrives in pieces of this many characters (default 65536). */
  readonly maxLine?: number;
  /** Ms between SIGTERM and SIGKILL when the port is stopped (default 1000). */
  readonly grace?: number;
  /** A label for the port in inspection and in the audit log (default `port`). */
  readonly label?: string;
  /**
   * What must hold the program's whole process tree (see docs/semantics.md
   * §21): `tree` (default) a cgroup v2 of its own, else a pid namespace,
   * else the start is refused (`ERR_CONTAINMENT_UNAVAILABLE`); `cgroup` or
   * `pid-namespace` exactly that or refused; `process-group` only the
   * process group, which a program that calls `setsid` escapes.
   */
  readonly containment?: TreeRequest;
}

/**
 * The state of a running port, as its `info` answer shows it.
 *
 * @example
 * ```ts
 * function describe(state: PortState): string {
 *   return `${state.executable} (pid ${state.osPid}): ${state.bytes} bytes of output`;
 * }
 * ```
 */
export interface PortState {
  /** The operating-system pid of the process the port started (its process group's id). */
  readonly osPid: number;
  /** The resolved executable that was allowed. */
  readonly executable: string;
  /** Bytes of output read so far. */
  readonly bytes: number;
  /** How the program's tree is contained, and whether its limits bound the tree or each process. */
  readonly containment: Containment;
}

/** The parts of the process behind `ctx` a port uses (present on in-thread processes). */
interface Internals {
  readonly runtime?: {
    readonly audit?: AuditSink | undefined;
    readonly clock?: Clock;
    deadLetter?(message: unknown, target: Pid, sender: Pid | undefined, reason: 'unexpected'): void;
  };
  /** The parent process; its `ref` is the default owner. */
  readonly parentProcess?: { readonly ref: ActorRef<PortEvent> } | null;
  hold?(registration: { release(): void }): void;
}

/** Longest argument written to the audit log; longer ones are cut. */
const MAX_ARG = 1024;

function cut(text: string): string {
  return text.length <= MAX_ARG ? text : `${text.slice(0, MAX_ARG)}… (${text.length} chars)`;
}

/** A clock on the host's timers, for a context that does not carry the system's. */
function hostClock(): Clock {
  return {
    now: () => performance.now(),
    setTimer: (callback, delayMs) => setTimeout(callback, hostDelay(delayMs)),
    clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

function checkOptions(options: PortOptions): void {
  const { argv, command, env, mode, highWater, maxLine, grace, containment } = options;
  const modes = ['tree', 'cgroup', 'pid-namespace', 'process-group'];
  if (containment !== undefined && !modes.includes(containment)) {
    throw new InvalidArgumentError('containment', `must be one of ${modes.join(', ')}`);
  }
  if ((argv === undefined) === (command === undefined)) {
    throw new InvalidArgumentError('argv', 'give exactly one of argv and command');
  }
  if (argv !== undefined && (!Array.isArray(argv) || argv.some((a) => typeof a !== 'string'))) {
    throw new InvalidArgumentError('argv', 'must be an array of strings');
  }
  if (command !== undefined && typeof command !== 'string') {
    throw new InvalidArgumentError('command', 'must be a string');
  }
  if (
    env !== undefined &&
    (typeof env !== 'object' ||
      env === null ||
      Object.values(env).some((v) => typeof v !== 'string'))
  ) {
    throw new InvalidArgumentError('env', 'must be an object of strings');
  }
  if (mode !== undefined && mode !== 'lines' && mode !== 'chunks') {
    throw new InvalidArgumentError('mode', "must be 'lines' or 'chunks'");
  }
  for (const [name, value, min] of [
    ['highWater', highWater, 1],
    ['maxLine', maxLine, 1],
    ['grace', grace, 0],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < min)) {
      throw new InvalidArgumentError(name, `must be an integer >= ${min}`);
    }
  }
}

/** Whether every policy in the chain allows shell command strings. */
function checkShell(security: SecurityContext): Decision | undefined {
  if (security.policies.length === 0) {
    return { allowed: false, reason: 'no policy allows shell command strings (deny by default)' };
  }
  const i = security.policies.findIndex((p) => p.exec?.shell !== true);
  return i < 0
    ? undefined
    : { allowed: false, reason: `policy ${i} does not allow shell command strings (exec.shell)` };
}

/**
 * A port: an actor definition that, when spawned, checks the program
 * against its security context, records the attempt in the audit log,
 * and starts it in a process group of its own (wrapped in `bwrap`,
 * `prlimit` and `setpriv` as the policy says). A denied start exits the
 * port with a `DeniedError` (`ERR_DENIED`) reason. Output goes to the owner
 * as `PortOutput` messages; the program's exit ends the port (`normal` for
 * status 0, else a `PortExitError`); stopping or killing the port kills the
 * whole process group.
 *
 * @example
 * ```ts
 * const system = createSystem({ security: { exec: { allow: [{ path: '/usr/bin/cat' }] } } });
 * const owner = defineActor<PortEvent>({
 *   init: (ctx) => { ctx.spawn(port({ argv: ['/usr/bin/cat'] })).tell({ type: 'write', data: 'hi\n' }); },
 *   handle: (msg) => console.log(msg.stream, msg.data), // stdout hi
 * });
 * system.spawn(owner);
 * ```
 */
export function port(options: PortOptions): ActorDefinition<PortCommand, PortState> {
  checkOptions(options);
  const label = options.label ?? 'port';
  return defineActor<PortCommand, PortState>({
    label,
    async init(ctx) {
      const internals = ctx as unknown as Internals;
      const owner = options.owner ?? internals.parentProcess?.ref;
      if (owner === undefined) {
        throw new InvalidArgumentError('owner', 'a port without a parent needs an owner');
      }
      const security = ctx.security;
      const request: ExecRequest = {
        argv:
          options.command === undefined
            ? [...(options.argv ?? [])]
            : ['/bin/sh', '-c', options.command],
        env: { ...(options.env ?? {}) },
        cwd: options.cwd,
      };
      let decision: Decision =
        (options.command === undefined ? undefined : checkShell(security)) ??
        security.checkExec(request);
      let launch: ReturnType<typeof buildLaunch> | undefined;
      if (decision.allowed) {
        launch = buildLaunch(decision as ExecPlan, request.argv, findTools(), {
          containment: options.containment ?? 'tree',
          label,
        });
        if ('refused' in launch) decision = { allowed: false, reason: launch.refused };
      }
      const audit = internals.runtime?.audit;
      const args = security.redactArgs(request.argv).map(cut);
      const reason = cut(security.redact(decision.reason));
      const contained =
        launch === undefined || 'refused' in launch
          ? ''
          : `; ${describeContainment(launch.containment)}`;
      let seq: number | undefined;
      try {
        seq = audit?.record({
          actor: label,
          pid: ctx.pid,
          op: 'exec',
          args,
          decision: decision.allowed ? 'allow' : 'deny',
          reason: reason + contained,
        });
        // In a host the record goes to main's log: nothing starts before main says it is written.
        if (decision.allowed && seq !== undefined) await audit?.written?.(seq);
      } catch (error) {
        if (launch !== undefined && 'cgroup' in launch) launch.cgroup?.remove();
        // Fail closed, as a file operation does: not recorded, not started.
        throw unrecorded('exec', error);
      }
      if (launch !== undefined && 'refused' in launch)
        throw new ContainmentUnavailableError(reason);
      if (!decision.allowed || launch === undefined) throw new DeniedError('exec', reason);
      if (ctx.signal.aborted) {
        // Stopped while main wrote the record: the program never starts.
        if ('cgroup' in launch) launch.cgroup?.remove();
        throw new DeniedError('exec', 'the port was stopped before its program started');
      }
      const run = new PortRun({
        plan: decision as ExecPlan,
        launch,
        env: request.env,
        owner,
        port: ctx.pid,
        mode: options.mode ?? 'lines',
        highWater: options.highWater ?? 1000,
        maxLine: options.maxLine ?? 65_536,
        grace: options.grace ?? 1000,
        clock: internals.runtime?.clock ?? hostClock(),
        stop: (r) => ctx.stop(r),
        outcome: (outcome, why) => {
          try {
            audit?.record({
              actor: label,
              pid: ctx.pid,
              op: 'exec',
              args,
              decision: 'outcome',
              reason: security.redact(why),
              outcome,
              ...(seq === undefined ? {} : { of: seq }),
            });
          } catch {
            // Called from Node's callbacks: a failing log must not take the runtime down.
          }
        },
      });
      // Whatever ends the port — a stop, a kill, a crash of its parent — ends the program too.
      if (internals.hold !== undefined) internals.hold({ release: () => run.release() });
      else ctx.signal.addEventListener('abort', () => run.release(), { once: true });
      await run.started();
      if (options.owner !== undefined && options.owner.pid !== ctx.parent) {
        run.ownerWatch = ctx.monitor(options.owner as ActorRef<never>);
      }
      return run;
    },
    async handle(message, ctx) {
      const run = ctx.state as PortRun;
      const m = message as PortCommand | DownMessage;
      switch (m.type) {
        case 'write':
          await run.write(String(m.data), ctx.signal);
          return;
        case 'close-stdin':
          run.closeStdin();
          return;
        case 'info':
          // Told rather than asked: nobody to answer, a dead letter below.
          if (typeof (m.reply as Partial<Reply<PortState>> | undefined)?.send !== 'function') break;
          m.reply.send({
            osPid: run.osPid,
            executable: run.executable,
            bytes: run.bytes,
            containment: run.containment,
          });
          return;
        case 'DOWN':
          if (m.ref === run.ownerWatch) {
            const who = m.pid === undefined ? '' : ` ${formatPid(m.pid)}`;
            ctx.stop(exitReason.shutdown(`the port's owner${who} exited`));
            return;
          }
          break;
      }
      // Not for a port: a dead letter; the program keeps running.
      (ctx as unknown as Internals).runtime?.deadLetter?.(
        message,
        ctx.pid,
        ctx.sender,
        'unexpected',
      );
    },
    async terminate(reason, ctx: ActorContext<PortCommand, PortState>) {
      await (ctx.state as PortRun | undefined)?.shutdown(reason);
    },
  });
}
