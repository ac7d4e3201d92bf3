import type { ActorProcess, ActorRef } from '../actor/index.js';
import { dropMonitor, monitor, stopWithin } from '../actor/index.js';
import { InvalidArgumentError } from '../errors.js';
import type { ExitReason, Pid } from '../process/index.js';
import { exitReason, toExitReason } from '../process/index.js';
import type { SystemCore } from './core.js';
import { checkOptionsBag, duration } from './options.js';

/**
 * Options of `system.stop`.
 *
 * @example
 * ```ts
 * await system.stop(ref, { reason: exitReason.shutdown('upgrade'), timeout: 1_000 });
 * ```
 */
export interface StopOptions {
  /** Exit reason; default `normal`. */
  readonly reason?: ExitReason;
  /** Kill the process if it has not stopped within this many ms; default the system's `shutdownTimeout`. */
  readonly timeout?: number;
}

/**
 * Anything that names a process: a ref or a pid.
 *
 * @example
 * ```ts
 * system.isAlive(ref); system.isAlive(ref.pid);
 * ```
 */
export type ProcessTarget = ActorRef<never> | Pid;

/**
 * `system.stop`: stops `p` gracefully within the timeout, then kills it.
 * Bad options reject; an unknown process resolves at once.
 *
 * @example
 * ```ts
 * await stopProcess(core, core.process(ref), { timeout: 1_000 });
 * ```
 */
export function stopProcess(
  core: SystemCore,
  p: ActorProcess | undefined,
  options: StopOptions | undefined,
): Promise<void> {
  let timeout: number;
  let reason: ExitReason = exitReason.normal;
  try {
    checkOptionsBag(options);
    // A NaN or negative timeout would corrupt the timer heap's order.
    timeout = duration('timeout', options?.timeout, core.options.shutdownTimeout, true);
    if (options?.reason !== undefined) reason = toExitReason(options.reason);
  } catch (error) {
    return Promise.reject(error);
  }
  if (p === undefined) return Promise.resolve();
  return stopWithin(p, reason, timeout).then(() => undefined);
}

/**
 * `system.exited`: a monitor held outside any process, resolved with the
 * exit reason of `pid` (`noproc` at once if `p` is not alive); an abort of
 * `signal` removes it and rejects with the signal's reason.
 *
 * @example
 * ```ts
 * const reason = await watchExit(core, core.process(ref), ref.pid, undefined);
 * ```
 */
export function watchExit(
  core: SystemCore,
  p: ActorProcess | undefined,
  pid: Pid,
  options: { readonly signal?: AbortSignal } | undefined,
): Promise<ExitReason> {
  try {
    checkOptionsBag(options);
  } catch (error) {
    return Promise.reject(error);
  }
  const signal = options?.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    return Promise.reject(new InvalidArgumentError('signal', 'must be an AbortSignal'));
  }
  if (signal?.aborted === true) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      dropMonitor(m);
      reject(signal?.reason);
    };
    const notify = (reason: ExitReason): void => {
      signal?.removeEventListener('abort', onAbort);
      resolve(reason);
    };
    // Marks the monitor as a `system.exited` wait, apart from the runtime's own outside watches.
    const abandon = (error: Error): void => {
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    };
    const m = monitor(
      core,
      null,
      p,
      pid,
      undefined,
      Object.assign(notify, { [EXITED_WAIT]: abandon }),
    );
    if (m.active) signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The key under which a `system.exited` monitor's `notify` carries its
 * rejection, so introspection can tell these waits from the runtime's own
 * outside watches (cluster registry, groups) and settle the ones it removes.
 *
 * @example
 * ```ts
 * const abandon = exitedWait(m);
 * if (abandon !== undefined && dropMonitor(m)) abandon(new WaitRemovedError('<0.7.0>'));
 * ```
 */
export const EXITED_WAIT: unique symbol = Symbol('airssys.exitedWait');

/**
 * The rejection of monitor `m` when it is a `system.exited` wait; undefined
 * for any other monitor.
 *
 * @example
 * ```ts
 * const waits = [...watchers].filter((m) => exitedWait(m) !== undefined).length;
 * ```
 */
export function exitedWait(m: { readonly notify: unknown }): ((error: Error) => void) | undefined {
  return (m.notify as { [EXITED_WAIT]?: (error: Error) => void } | null)?.[EXITED_WAIT];
}
