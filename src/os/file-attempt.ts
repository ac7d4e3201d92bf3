import { DeniedError, InvalidArgumentError } from '../errors.js';
import type { AuditSink, SecurityContext } from '../security/index.js';
import { unrecorded } from './unrecorded.js';

/**
 * One file operation as the audit log sees it: its decision line (allow or
 * deny, with the reason) and then, for an allowed one, its outcome line
 * (`ok`, `denied` when a limit was crossed while it ran, or the error code
 * such as `ENOENT`). Without a log, nothing is recorded but the errors are
 * the same.
 *
 * @module
 */

/** Longest argument written to the log; longer ones are cut (a 1 MB path is an attack, not a name). */
const MAX_ARG = 1024;

function cut(text: string): string {
  return text.length <= MAX_ARG ? text : `${text.slice(0, MAX_ARG)}… (${text.length} chars)`;
}

/**
 * Who asks: the actor's label and pid, its security context (for
 * redaction) and the system's audit log, if any.
 *
 * @example
 * ```ts
 * const who: Attempter = { actor: 'files', pid: 7, security: ctx.security, audit: undefined };
 * ```
 */
export interface Attempter {
  readonly actor: string;
  readonly pid: number;
  readonly security: SecurityContext;
  readonly audit: AuditSink | undefined;
}

/**
 * The audit trail of one file operation, recorded as it goes. Every method
 * that ends the operation returns the error to reply with, so the caller
 * writes `throw attempt.deny(reason)`.
 *
 * @example
 * ```ts
 * const attempt = new Attempt(who, 'read', [path]);
 * if (!check.allowed) throw attempt.deny(check.reason);
 * await attempt.allow(check.reason);
 * attempt.ok('12 bytes');
 * ```
 */
export class Attempt {
  readonly op: string;
  readonly #who: Attempter;
  readonly #args: readonly string[];
  #decided = false;
  #seq: number | undefined;
  #closed = false;
  /** Why the path was allowed, recorded if an I/O error ends the operation before `allow`. */
  pathReason = 'allowed';

  constructor(who: Attempter, op: string, args: readonly unknown[]) {
    this.#who = who;
    this.op = op;
    this.#args = args.map((a) => cut(who.security.redact(typeof a === 'string' ? a : String(a))));
  }

  /** Whether the operation has been recorded to its end. */
  get closed(): boolean {
    return this.#closed;
  }

  #record(
    decision: 'allow' | 'deny' | 'outcome',
    reason: string,
    outcome?: string,
  ): number | undefined {
    const audit = this.#who.audit;
    if (audit === undefined) return undefined;
    return audit.record({
      actor: this.#who.actor,
      pid: this.#who.pid,
      op: this.op,
      args: this.#args,
      decision,
      reason: cut(this.#who.security.redact(reason)),
      ...(outcome === undefined ? {} : { outcome }),
      ...(this.#seq === undefined ? {} : { of: this.#seq }),
    });
  }

  /**
   * Records the decision to go ahead (once); the operation acts only once
   * the returned promise resolves, i.e. once the record is written (a
   * host's sink forwards it to the main log, which acknowledges). Fails
   * closed: a record that cannot be written denies the operation — at once
   * (thrown) when the sink writes in `record`, or by the rejected promise.
   */
  allow(reason: string): Promise<void> {
    if (this.#decided) return Promise.resolve();
    this.#decided = true;
    let written: Promise<void> | undefined;
    try {
      this.#seq = this.#record('allow', reason);
      if (this.#seq !== undefined) written = this.#who.audit?.written?.(this.#seq);
    } catch (error) {
      throw this.#unwritten(error);
    }
    return written === undefined
      ? Promise.resolve()
      : written.catch((error: unknown) => {
          throw this.#unwritten(error);
        });
  }

  /** The denial of an operation whose record could not be written (its code only, never the log's path). */
  #unwritten(error: unknown): DeniedError {
    this.#closed = true;
    return unrecorded(this.op, error);
  }

  /** Records the decision to go ahead after the fact (an operation that ended before `allow`). */
  #decideLate(reason: string): void {
    if (this.#decided) return;
    this.#decided = true;
    this.#seq = this.#record('allow', reason);
  }

  /**
   * Records a refusal: the decision line when nothing was decided yet, or
   * an outcome `denied` when a limit was crossed after the go-ahead.
   */
  deny(reason: string): DeniedError {
    if (!this.#closed) {
      if (this.#decided) this.#record('outcome', reason, 'denied');
      else {
        this.#decided = true;
        this.#record('deny', reason);
      }
      this.#closed = true;
    }
    return new DeniedError(this.op, reason);
  }

  /** Records a malformed request as denied, naming the bad field. */
  invalid(field: string, message: string): InvalidArgumentError {
    const error = new InvalidArgumentError(field, message);
    if (!this.#closed) {
      this.#decided = true;
      this.#closed = true;
      this.#record('deny', error.message);
    }
    return error;
  }

  /** Records success; `summary` says what was done (`12 bytes`, `3 entries`). */
  ok(summary: string): void {
    this.#decideLate(this.pathReason);
    if (this.#closed) return;
    this.#closed = true;
    this.#record('outcome', summary, 'ok');
  }

  /** Records an I/O error as the outcome, its `code` (`ENOENT`) as the outcome. */
  failed(error: unknown): void {
    if (this.#closed) return;
    this.#decideLate(this.pathReason);
    this.#closed = true;
    const code = (error as { code?: unknown } | null)?.code;
    this.#record(
      'outcome',
      error instanceof Error ? error.message : String(error),
      typeof code === 'string' ? code : 'error',
    );
  }
}
