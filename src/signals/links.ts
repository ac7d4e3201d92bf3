import type { ExitReason, Pid } from '../process/index.js';

/**
 * The vocabulary of links and monitors: the messages a trapping or
 * monitoring process receives, the monitor handle, and the pure decision
 * table for a received exit signal (OTP reference manual, *Receiving Exit
 * Signals*).
 *
 * @module
 */

/**
 * A trapped exit signal, as it arrives in a process that traps exits
 * (OTP `{'EXIT', From, Reason}`). Include it in the actor's message type.
 *
 * @example
 * ```ts
 * type Msg = { type: 'work' } | ExitMessage;
 * handle(msg, ctx) {
 *   if (msg.type === 'EXIT') console.log(formatPid(msg.from ?? 0), formatExitReason(msg.reason));
 * }
 * ```
 */
export interface ExitMessage {
  readonly type: 'EXIT';
  /** The process the signal came from; undefined when sent from outside any process. */
  readonly from: Pid | undefined;
  readonly reason: ExitReason;
}

/**
 * A monitor's one notification (OTP `{'DOWN', Ref, process, Object, Reason}`).
 * Include it in the actor's message type.
 *
 * @example
 * ```ts
 * type Msg = { type: 'job' } | DownMessage;
 * handle(msg, ctx) {
 *   if (msg.type === 'DOWN' && msg.ref === ctx.state.watch) ctx.stop();
 * }
 * ```
 */
export interface DownMessage {
  readonly type: 'DOWN';
  /** The ref `monitor` returned. */
  readonly ref: MonitorRef;
  /** The monitored process (for a monitor by name: the holder when it was created, or undefined). */
  readonly pid: Pid | undefined;
  /** The name, for a monitor created by name. */
  readonly name: string | undefined;
  /** Why it exited; `noproc` when it did not exist. */
  readonly reason: ExitReason;
}

/**
 * The handle of one monitor, returned by `ctx.monitor` and carried by its
 * `DownMessage`; compare with `===`.
 *
 * @example
 * ```ts
 * const ref = ctx.monitor(worker);
 * ctx.demonitor(ref, { flush: true });
 * ```
 */
export interface MonitorRef {
  /** Unique within the system. */
  readonly id: number;
  /** Whether the monitor is still in place (it has neither fired nor been removed). */
  readonly active: boolean;
}

/** Options of `ctx.demonitor`. */
export interface DemonitorOptions {
  /** Also remove this monitor's DOWN message if it is already queued (OTP `flush`). */
  readonly flush?: boolean;
}

/** The runtime's access to a monitor's private ends; set once by {@link Monitor}'s static block. */
let ends: {
  owner(m: Monitor<unknown>): unknown;
  target(m: Monitor<unknown>): unknown;
  clearTarget(m: Monitor<unknown>): void;
};

/** The process that receives `m`'s DOWN; null when it notifies a callback. */
export function monitorOwner<P>(m: Monitor<P>): P | null {
  return ends.owner(m) as P | null;
}

/** The process `m` watches; null once fired or removed, or when there was none. */
export function monitorTarget<P>(m: Monitor<P>): P | null {
  return ends.target(m) as P | null;
}

/** Lets go of `m`'s target (it fired or was removed). */
export function clearMonitorTarget<P>(m: Monitor<P>): void {
  ends.clearTarget(m);
}

/**
 * One monitor: kept by its owner (to remove it when the owner exits) and by
 * its target (to fire it when the target exits). `notify` replaces the
 * DOWN message for monitors held outside any process (`system.exited`).
 * It is also the `MonitorRef` users hold and the `ref` of a DOWN message,
 * so its two processes are private fields: a monitor never leads to a process.
 */
export class Monitor<P = unknown> implements MonitorRef {
  readonly id: number;
  readonly targetPid: Pid | undefined;
  readonly name: string | undefined;
  readonly notify: ((reason: ExitReason) => void) | null;
  readonly #owner: P | null;
  #target: P | null;
  active = true;

  constructor(
    id: number,
    owner: P | null,
    target: P | null,
    targetPid: Pid | undefined,
    name: string | undefined,
    notify: ((reason: ExitReason) => void) | null,
  ) {
    this.id = id;
    this.#owner = owner;
    this.#target = target;
    this.targetPid = targetPid;
    this.name = name;
    this.notify = notify;
  }

  static {
    ends = {
      owner: (m) => m.#owner,
      target: (m) => m.#target,
      clearTarget: (m) => {
        m.#target = null;
      },
    };
  }

  /** The DOWN message this monitor produces. */
  down(reason: ExitReason): DownMessage {
    return runtimeMessage({
      type: 'DOWN',
      ref: this,
      pid: this.targetPid,
      name: this.name,
      reason,
    });
  }

  toString(): string {
    return `#Ref<${this.id}>`;
  }
}

/**
 * Marks the messages the runtime itself queues (EXIT, DOWN, a supervisor's
 * retries) so no overflow policy ever drops them. Non-enumerable: the
 * messages still compare equal to plain objects of the same shape.
 */
const RUNTIME_MESSAGE: unique symbol = Symbol('airssys.runtimeMessage');

/** Marks `message` as the runtime's own and returns it. */
export function runtimeMessage<T extends object>(message: T): T {
  Object.defineProperty(message, RUNTIME_MESSAGE, { value: true });
  return message;
}

/** Whether `message` was queued by the runtime (see {@link runtimeMessage}). */
export function isRuntimeMessage(message: unknown): boolean {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { [RUNTIME_MESSAGE]?: boolean })[RUNTIME_MESSAGE] === true
  );
}

/**
 * What a received exit signal does (the first row that applies wins):
 * - `killed`: an explicit `kill` (no link flag): the receiver ends with
 *   `killed`, trapping or not;
 * - `stop`: a trapping receiver gets an exit from its parent: it stops
 *   gracefully with that reason (`terminate` runs, as gen_server does, semantics §11 R9.9);
 * - `message`: any other signal to a trapping receiver becomes an
 *   {@link ExitMessage} at the end of its mailbox;
 * - `drop`: `normal` from another process does nothing;
 * - `die`: anything else ends the receiver at once with the same reason
 *   (a link-propagated `kill` stays `kill`).
 *
 * @example
 * ```ts
 * decideExitSignal(exitReason.kill, false, true, false, false); // 'killed'
 * ```
 */
export function decideExitSignal(
  reason: ExitReason,
  linked: boolean,
  trapping: boolean,
  fromSelf: boolean,
  fromParent: boolean,
): 'killed' | 'stop' | 'message' | 'drop' | 'die' {
  if (!linked && reason.kind === 'kill') return 'killed';
  if (trapping) return fromParent && !fromSelf ? 'stop' : 'message';
  if (reason.kind === 'normal') return fromSelf ? 'die' : 'drop';
  return 'die';
}
