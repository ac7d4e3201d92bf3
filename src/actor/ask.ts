import {
  CallingSelfError,
  InvalidArgumentError,
  NoProcError,
  NotRepliableError,
} from '../errors.js';
import { BOUNDS, describeValue } from '../limits/index.js';
import type { SendOptions } from '../mailbox/index.js';
import { COPY_ON_SEND, DEAD, ENVELOPES, formatPid } from '../process/index.js';
import { rejectExitedSend } from './async-senders.js';
import type { ProcessExtras } from './extras.js';
import type { ActorProcess } from './process.js';
import type { AskOptions } from './ref.js';
import { answerPort, type PendingAsk } from './reply.js';
import { copyForSend, transferListOf } from './send-checks.js';

/**
 * Request-reply (see `ActorRef.ask`): a reply port joins the request, the
 * ask is tracked by its target (so the target's exit fails it at once) and
 * timed out on the system's timer queue; a deadline carried from an earlier
 * request shortens the timeout.
 */
export function askProcess(
  p: ActorProcess,
  request: unknown,
  options: AskOptions | undefined,
): Promise<never> {
  const runtime = p.runtime;
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    return Promise.reject(
      new NotRepliableError('ask needs a plain object request to carry a reply port'),
    );
  }
  const current = runtime.current;
  // A handler whose process ended asks nothing: refused before the target's state is read.
  if (current !== null && (current.flags & DEAD) !== 0) {
    return rejectExitedSend(runtime, request, p.pid, current.pid);
  }
  if ((p.flags & DEAD) !== 0) return Promise.reject(new NoProcError(formatPid(p.pid)));
  if (current === p) return Promise.reject(new CallingSelfError(formatPid(p.pid)));
  // The system's askTimeout was checked when the system was made: only a given one is checked here.
  let timeout = runtime.askTimeout;
  if (options !== undefined) {
    const given = askTimeoutOf(options, timeout);
    if (typeof given !== 'number') return Promise.reject(given);
    timeout = given;
    const deadline = options.deadline;
    if (deadline !== undefined) {
      if (typeof deadline !== 'number' || Number.isNaN(deadline)) {
        return Promise.reject(new InvalidArgumentError('deadline', 'must be a clock time in ms'));
      }
      timeout = Math.min(timeout, Math.max(0, deadline - runtime.clock.now()));
    }
  }
  const record = runtime.askRecords.acquire(p, timeout);
  const port = record.port as PendingAsk;
  const promise = record.promise();
  const head = p.extras().asks;
  record.next = head;
  if (head !== null) head.prev = record;
  (p.ext as ProcessExtras).asks = record;
  if (timeout !== Number.POSITIVE_INFINITY) runtime.timers.scheduleFifo(record, timeout);
  try {
    // The request is copied before the reply port joins it: a port must stay itself.
    const copy = (p.flags & COPY_ON_SEND) !== 0;
    const transfer = options?.transfer === undefined ? undefined : transferListOf(options.transfer);
    const body = (copy ? copyForSend(p.def, request, transfer) : request) as object;
    const withReply = withReplyPort(body, port);
    const wantsEnvelope = options !== undefined || (p.flags & ENVELOPES) !== 0;
    const sendOptions = wantsEnvelope
      ? transfer === undefined
        ? { ...options, correlationId: port.correlationId }
        : { ...options, correlationId: port.correlationId, transfer }
      : undefined;
    if (options?.waitForRoom === true) offerRequest(p, withReply, sendOptions, copy, port);
    else p.deliver(withReply, sendOptions, copy);
  } catch (error) {
    answerPort(port, false, error);
  }
  return promise;
}

/**
 * The timeout of a given ask options bag (`fallback` when it has none), or
 * the error refusing it: options that are not an object (`null`, a number)
 * name `options`, a timeout {@link isAskTimeout} refuses names `timeout`.
 * Only undefined means the default: null is refused, as `system.stop`
 * refuses it. Main's ask and a placed body's share it; `timeout` is read once.
 *
 * @example
 * ```ts
 * const timeout = askTimeoutOf(options, 5_000);
 * if (typeof timeout !== 'number') return Promise.reject(timeout);
 * ```
 */
export function askTimeoutOf(options: unknown, fallback: number): number | InvalidArgumentError {
  if (options === undefined) return fallback;
  if (typeof options !== 'object' || options === null) {
    return new InvalidArgumentError('options', 'ask options must be an object');
  }
  const given = (options as AskOptions).timeout;
  if (given === undefined) return fallback;
  return isAskTimeout(given) ? given : badAskTimeout(given);
}

/**
 * Whether `value` is an ask timeout: a number of ms from 0 to `BOUNDS.ms`,
 * or `Infinity` (NaN fails `>= 0`). `checkDuration`'s rule, without its throw.
 *
 * @example
 * ```ts
 * isAskTimeout(null); // false
 * ```
 */
export function isAskTimeout(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    value >= 0 &&
    (value <= BOUNDS.ms || value === Number.POSITIVE_INFINITY)
  );
}

/**
 * The error for an ask timeout that {@link isAskTimeout} refuses.
 *
 * @example
 * ```ts
 * if (!isAskTimeout(t)) return Promise.reject(badAskTimeout(t));
 * ```
 */
export function badAskTimeout(value: unknown): InvalidArgumentError {
  return new InvalidArgumentError(
    'timeout',
    `must be a number of ms from 0 to ${BOUNDS.ms} or Infinity, got ${describeValue(value)}`,
  );
}

/**
 * Queues an ask's request once its target has room, then waits for the
 * reply; a failure to queue fails the ask. A function of its own: a
 * closure in `askProcess` would make V8 allocate a context on every ask,
 * waiting or not (about 40 B, sampling heap profiler on fan-in).
 */
function offerRequest(
  p: ActorProcess,
  request: object,
  sendOptions: SendOptions | undefined,
  copied: boolean,
  port: PendingAsk,
): void {
  p.offerMessage(request, sendOptions, copied).catch((error: unknown) => {
    // Possibly in the context of an asker's step that has exited since: the runtime fails it.
    if (port.pending) answerPort(port, false, error);
  });
}

/**
 * A copy of the request with the reply port joined, so the caller's object
 * is never changed. `Object.assign` copies the same own enumerable keys as
 * a spread (`{ ...body, reply }`) at a fraction of the cost on V8: the
 * spread was the hottest line of the fan-in profile (~0.4 µs per ask), the
 * assign measured 0.07–0.12 µs against 1.0–1.2 µs. A request with an own
 * `__proto__` key takes the spread: assign would set the copy's prototype.
 */
function withReplyPort(body: object, port: PendingAsk): object {
  if (Object.hasOwn(body, '__proto__')) return { ...body, reply: port };
  const copy = Object.assign({}, body) as { reply?: unknown };
  copy.reply = port;
  return copy;
}
