/**
 * Exit reasons as data (OTP's reason terms). Every process ends with exactly
 * one. They are delivered, compared and printed, never thrown.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';

/**
 * The process finished its work (OTP `normal`).
 *
 * @example
 * ```ts
 * const reason: NormalExit = exitReason.normal;
 * ```
 */
export interface NormalExit {
  readonly kind: 'normal';
}
/**
 * The process was asked to stop, optionally with a detail (OTP `shutdown` / `{shutdown, T}`).
 *
 * @example
 * ```ts
 * const reason: ShutdownExit = exitReason.shutdown('upgrade');
 * ```
 */
export interface ShutdownExit {
  readonly kind: 'shutdown';
  readonly detail?: unknown;
}
/**
 * The process was killed and could not clean up (OTP `killed`).
 *
 * @example
 * ```ts
 * const reason: KilledExit = exitReason.killed;
 * ```
 */
export interface KilledExit {
  readonly kind: 'killed';
}
/**
 * `kill` as an exit reason (OTP `kill`). Sent with `exit(pid, exitReason.kill)`
 * it cannot be trapped and the target ends with `killed`; a process that
 * ends *itself* with `kill` passes `kill` along its links, where it can be
 * trapped (semantics §11, OTP R3.3).
 *
 * @example
 * ```ts
 * ctx.exit(worker, exitReason.kill); // worker ends with `killed`
 * ```
 */
export interface KillExit {
  readonly kind: 'kill';
}
/**
 * The process crashed; `error` is what was thrown (OTP's `{Reason, Stack}`).
 *
 * @example
 * ```ts
 * const reason: ErrorExit = exitReason.error(new Error('boom'));
 * ```
 */
export interface ErrorExit {
  readonly kind: 'error';
  readonly error: unknown;
}
/**
 * The process did not exist (OTP `noproc`).
 *
 * @example
 * ```ts
 * const reason: NoProcExit = exitReason.noproc;
 * ```
 */
export interface NoProcExit {
  readonly kind: 'noproc';
}

/**
 * Why a process ended.
 *
 * @example
 * ```ts
 * const reason: ExitReason = exitReason.error(new Error('boom'));
 * if (!isCleanExit(reason)) console.error('crashed', formatExitReason(reason));
 * ```
 */
/**
 * The process is on a node this node lost: the node was declared down, or
 * the pid names a node incarnation that is no longer up (Erlang
 * `noconnection`). `node` is the node id.
 *
 * @example
 * ```ts
 * if (msg.type === 'DOWN' && msg.reason.kind === 'noconnection') failover(msg.reason.node);
 * ```
 */
export interface NoConnectionExit {
  readonly kind: 'noconnection';
  readonly node: string;
}

export type ExitReason =
  | NormalExit
  | ShutdownExit
  | KilledExit
  | KillExit
  | ErrorExit
  | NoProcExit
  | NoConnectionExit;

const NORMAL: NormalExit = Object.freeze({ kind: 'normal' });
const SHUTDOWN: ShutdownExit = Object.freeze({ kind: 'shutdown' });
const KILLED: KilledExit = Object.freeze({ kind: 'killed' });
const NOPROC: NoProcExit = Object.freeze({ kind: 'noproc' });
const KILL: KillExit = Object.freeze({ kind: 'kill' });

/**
 * Constructors for exit reasons; the argument-free ones are shared frozen objects.
 *
 * @example
 * ```ts
 * ctx.stop(exitReason.shutdown('maintenance'));
 * ```
 */
export const exitReason = Object.freeze({
  normal: NORMAL,
  killed: KILLED,
  kill: KILL,
  noproc: NOPROC,
  /** `shutdown`, or `{shutdown, detail}` when a detail is given. */
  shutdown(detail?: unknown): ShutdownExit {
    return detail === undefined ? SHUTDOWN : Object.freeze({ kind: 'shutdown', detail });
  },
  /** The process's node was lost (see {@link NoConnectionExit}). */
  noconnection(node: string): NoConnectionExit {
    return Object.freeze({ kind: 'noconnection', node });
  },
  /** A crash carrying the thrown value. */
  error(error: unknown): ErrorExit {
    return Object.freeze({ kind: 'error', error });
  },
});

/**
 * Every `kind` an {@link ExitReason} can have: what a reason read from
 * outside (a host's frame, a user's object) is checked against.
 *
 * @example
 * ```ts
 * EXIT_REASON_KINDS.has('killed'); // true
 * ```
 */
export const EXIT_REASON_KINDS: ReadonlySet<string> = new Set([
  'normal',
  'shutdown',
  'killed',
  'kill',
  'error',
  'noproc',
]);

/**
 * Reads a reason a caller gave to `exit` or `stop`. OTP lets a reason be
 * any term; here the strings `'normal'`, `'shutdown'` and `'kill'` mean
 * those reasons, an {@link ExitReason} is itself, and any other value is an
 * abnormal reason carrying it (`error`), so nothing is misread as clean.
 * `null` and `undefined` are no reason at all: `InvalidArgumentError`.
 *
 * @example
 * ```ts
 * toExitReason('normal'); // exitReason.normal
 * toExitReason(42); // exitReason.error(42)
 * toExitReason({ kind: 'bogus' }); // exitReason.error({ kind: 'bogus' })
 * ```
 */
export function toExitReason(value: unknown): ExitReason {
  if (value === null || value === undefined) {
    throw new InvalidArgumentError('reason', `an exit reason is required, got ${String(value)}`);
  }
  if (typeof value === 'string') {
    if (value === 'normal') return NORMAL;
    if (value === 'shutdown') return SHUTDOWN;
    if (value === 'kill') return KILL;
    return exitReason.error(value);
  }
  if (typeof value === 'object' && isExitReason(value)) return value;
  return exitReason.error(value);
}

/** Whether an object has the shape of one of the {@link ExitReason} kinds. */
function isExitReason(value: object): value is ExitReason {
  const kind = (value as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !EXIT_REASON_KINDS.has(kind)) return false;
  return kind !== 'error' || 'error' in value;
}

/**
 * Whether a reason is "clean" (semantics §1, OTP R1.2): `normal`, `shutdown` or
 * `{shutdown, _}`. Clean exits are not logged as crashes and do not restart
 * transient children.
 *
 * @example
 * ```ts
 * isCleanExit(exitReason.normal); // true
 * isCleanExit(exitReason.killed); // false
 * ```
 */
export function isCleanExit(reason: ExitReason): boolean {
  return reason.kind === 'normal' || reason.kind === 'shutdown';
}

/**
 * A short human-readable description of a reason.
 *
 * @example
 * ```ts
 * formatExitReason(exitReason.error(new Error('boom'))); // "error: Error: boom"
 * ```
 */
export function formatExitReason(reason: ExitReason): string {
  switch (reason.kind) {
    case 'error':
      return `error: ${describeThrown(reason.error)}`;
    case 'shutdown':
      return reason.detail === undefined ? 'shutdown' : `shutdown: ${String(reason.detail)}`;
    case 'noconnection':
      return `noconnection: ${reason.node}`;
    default:
      return reason.kind;
  }
}

function describeThrown(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}
