import type { AuditRecord, PinnedRoots, SecurityPolicy } from '../security/index.js';

/**
 * The wire protocol between a system and a host (a worker thread or a
 * child process running hosted actors). Every frame is a plain object that
 * survives structured cloning; messages inside are already encoded by the
 * codec. Frames are batched: one `postMessage` carries many.
 *
 * Pids on the wire are the main system's pids: a hosted actor is known
 * everywhere by the pid of its stand-in in the main system.
 *
 * @module
 */

/** Where a definition lives, so another thread or process can import it. */
export interface ModuleRef {
  readonly url: string;
  readonly exportName: string;
}

/** An exit reason on the wire (an `error` reason's error is codec-encoded). */
export type WireReason = { readonly kind: string; readonly [key: string]: unknown };

/**
 * Most asks a host's bodies may have waiting on the main system at once
 * (asked, not yet answered — a timed-out one counts until main's answer
 * comes). The host refuses more with `HostLimitError`; main ends a host
 * that sends more anyway with `ERR_HOST_PROTOCOL`.
 *
 * @example
 * ```ts
 * if (inFlight >= MAX_HOST_ASKS) throw new HostLimitError('asks', MAX_HOST_ASKS);
 * ```
 */
export const MAX_HOST_ASKS = 65_536;

/**
 * Most audit records a host may have sent and main not yet acknowledged
 * (`audited`). The host refuses more (the attempt is denied); main ends a
 * host that sends more anyway with `ERR_HOST_PROTOCOL`. So a flood of
 * records costs main at most this many writes before the host is ended.
 *
 * @example
 * ```ts
 * if (unacknowledged >= MAX_HOST_AUDITS) throw new HostLimitError('audit records', MAX_HOST_AUDITS);
 * ```
 */
export const MAX_HOST_AUDITS = 4_096;

/** Main → host. */
export type ToHost =
  | {
      readonly op: 'spawn';
      readonly pid: number;
      /** The stand-in's parent, which the body reports as `ctx.parent`. */
      readonly parent: number | undefined;
      /**
       * The stand-in's security policies, each with its roots as main
       * pinned them: the body runs under the same context, checked against
       * main's pins (the host never pins again).
       */
      readonly security: readonly {
        readonly policy: SecurityPolicy;
        readonly roots: PinnedRoots;
      }[];
      readonly module: ModuleRef;
      readonly args: unknown;
      readonly marked: boolean;
      readonly options: { readonly trapExit?: boolean };
    }
  /** A message for a hosted actor; `reply` is the id of the ask it carries, if any. */
  | {
      readonly op: 'send';
      readonly to: number;
      readonly from: number | undefined;
      readonly message: unknown;
      readonly marked: boolean;
      readonly reply: number | undefined;
      readonly replyExpiresAt: number | undefined;
    }
  | { readonly op: 'stop'; readonly pid: number; readonly reason: WireReason }
  | { readonly op: 'kill'; readonly pid: number }
  /** The answer to an ask a hosted actor made of a main process. */
  | {
      readonly op: 'answer';
      readonly id: number;
      readonly ok: boolean;
      readonly value: unknown;
      readonly marked: boolean;
    }
  /**
   * Main's acknowledgement of an audit record a host sent (by the host's
   * `seq`): written (`ok`), or not, and then the attempt it records is
   * denied; `reason` is then the code the log failed with (`ENOSPC`).
   */
  | { readonly op: 'audited'; readonly seq: number; readonly ok: boolean; readonly reason: string };

/** Host → main. */
export type ToMain =
  | { readonly op: 'ready' }
  | { readonly op: 'started'; readonly pid: number }
  | { readonly op: 'exited'; readonly pid: number; readonly reason: WireReason }
  /** A hosted actor sends to a main pid (a ref it was given). */
  | {
      readonly op: 'send';
      readonly to: number;
      readonly from: number | undefined;
      readonly message: unknown;
      readonly marked: boolean;
    }
  /** A hosted actor asks a main pid; the answer comes back as `answer`. */
  | {
      readonly op: 'ask';
      readonly id: number;
      readonly to: number;
      readonly from: number;
      readonly request: unknown;
      readonly marked: boolean;
      readonly timeout: number;
    }
  /** A hosted actor answers an ask made by main (`ok` false: it failed the port). */
  | {
      readonly op: 'reply';
      readonly id: number;
      readonly ok: boolean;
      readonly value: unknown;
      readonly marked: boolean;
    }
  /**
   * An operation a body (`pid`, or a process it spawned in the host)
   * attempted under its policy, for the main system's audit log. Main
   * rebuilds the line from validated fields and answers `audited`.
   */
  | {
      readonly op: 'audit';
      readonly seq: number;
      readonly pid: number | undefined;
      readonly record: AuditRecord;
    }
  /** A hosted actor changed a flag that main mirrors on its stand-in. */
  | { readonly op: 'trap'; readonly pid: number; readonly on: boolean };

/** One batch of frames, the unit of `postMessage`. */
export type Batch<T> = readonly T[];
