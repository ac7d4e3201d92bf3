import { isAskTimeout } from '../actor/index.js';
import { EXIT_REASON_KINDS } from '../process/index.js';
import type { AuditRecord } from '../security/index.js';

/**
 * What the main system accepts from a host. A host may run untrusted code
 * (a sandboxed child process) that writes whatever it likes to its
 * channel, so every frame is checked for shape, types and sizes before it
 * is acted on, and an audit record is rebuilt from its checked fields
 * rather than passed on. These checks are pure: the link acts on what they
 * say (semantics §23).
 *
 * @module
 */

/**
 * Most frames in one batch (a body telling in a tight loop makes big batches; this is far above).
 *
 * @example
 * ```ts
 * if (batch.length > MAX_FRAMES) end(host);
 * ```
 */
export const MAX_FRAMES = 1_000_000;
/** Longest string kept in an audit line's field; longer ones are cut. */
const MAX_FIELD = 1024;
/** Most arguments kept in one audit line. */
const MAX_ARGS = 64;
/**
 * The operations an audit line can name. Anything else is recorded as `invalid`.
 *
 * @example
 * ```ts
 * AUDIT_OPS.has('write'); // true
 * ```
 */
export const AUDIT_OPS: ReadonlySet<string> = new Set([
  'read',
  'write',
  'append',
  'list',
  'stat',
  'remove',
  'exec',
]);
const DECISIONS: ReadonlySet<string> = new Set(['allow', 'deny', 'outcome']);

/**
 * A pid or id on the wire: a non-negative safe integer.
 *
 * @example
 * ```ts
 * isWireInt(7); // true; isWireInt(5n), isWireInt(2 ** 60), isWireInt('7') are false
 * ```
 */
export function isWireInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Why `frame` is not a well-formed host → main frame, or undefined when it is.
 *
 * @example
 * ```ts
 * frameProblem({ op: 'send', to: 'x' }); // "a 'send' frame with a bad to"
 * ```
 */
export function frameProblem(frame: unknown): string | undefined {
  if (!isRecord(frame)) return `a frame that is not an object (${typeof frame})`;
  const f = frame;
  const need = (ok: boolean, field: string): string | undefined =>
    ok ? undefined : `a '${String(f.op).slice(0, 32)}' frame with a bad ${field}`;
  switch (f.op) {
    case 'ready':
      return undefined;
    case 'started':
      return need(isWireInt(f.pid), 'pid');
    case 'exited':
      return need(isWireInt(f.pid), 'pid') ?? need(wireReasonOk(f.reason), 'reason');
    case 'trap':
      return need(isWireInt(f.pid), 'pid') ?? need(typeof f.on === 'boolean', 'on');
    case 'send':
      return (
        need(isWireInt(f.to), 'to') ??
        need(f.from === undefined || isWireInt(f.from), 'from') ??
        need(typeof f.marked === 'boolean', 'marked') ??
        need(f.message !== undefined, 'message')
      );
    case 'ask':
      return (
        need(isWireInt(f.id), 'id') ??
        need(isWireInt(f.to), 'to') ??
        need(isWireInt(f.from), 'from') ??
        need(typeof f.marked === 'boolean', 'marked') ??
        need(isAskTimeout(f.timeout), 'timeout')
      );
    case 'reply':
      return (
        need(isWireInt(f.id), 'id') ??
        need(typeof f.ok === 'boolean', 'ok') ??
        need(typeof f.marked === 'boolean', 'marked')
      );
    case 'audit':
      return (
        need(isWireInt(f.seq), 'seq') ??
        need(f.pid === undefined || isWireInt(f.pid), 'pid') ??
        need(isRecord(f.record), 'record')
      );
    default:
      return `a frame with an unknown op (${typeof f.op === 'string' ? JSON.stringify(f.op.slice(0, 32)) : typeof f.op})`;
  }
}

/**
 * Why `batch` is not a batch of well-formed frames, or undefined when it is.
 *
 * @example
 * ```ts
 * batchProblem([{ op: 'ready' }]); // undefined
 * ```
 */
export function batchProblem(batch: unknown): string | undefined {
  if (!Array.isArray(batch)) return `a batch that is not an array (${typeof batch})`;
  if (batch.length > MAX_FRAMES) return `a batch of ${batch.length} frames`;
  for (const frame of batch) {
    const problem = frameProblem(frame);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** An exit reason as a host may send it (an `error` reason's error is checked when decoded). */
function wireReasonOk(reason: unknown): boolean {
  return isRecord(reason) && typeof reason.kind === 'string' && EXIT_REASON_KINDS.has(reason.kind);
}

function cut(text: string, max = MAX_FIELD): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}

/**
 * An audit record rebuilt from what a host sent: `actor` and `pid` are the
 * ones main knows (the stand-in's), `op` and `decision` come from fixed
 * sets, strings are cut, and nothing else of the host's object is kept — so
 * no key of its own (`seq`, `time`, `prev`, `hash`) reaches the log and no
 * value (a BigInt, an object) can break writing it. `problem` says why the
 * record was malformed; the record is then a `deny` line saying so.
 *
 * @example
 * ```ts
 * const { record, problem } = rebuildRecord(frame.record, { actor: 'reader', pid: 12 });
 * audit.record(record);
 * ```
 */
export function rebuildRecord(
  raw: unknown,
  who: { readonly actor: string; readonly pid: number },
): { readonly record: AuditRecord; readonly problem: string | undefined } {
  const r = isRecord(raw) ? raw : {};
  const problem = recordProblem(r);
  if (problem !== undefined) {
    return {
      record: {
        actor: who.actor,
        pid: who.pid,
        op: 'invalid',
        args: [],
        decision: 'deny',
        reason: `a malformed audit record from the host: ${problem}`,
      },
      problem,
    };
  }
  const op = r.op as string;
  const known = AUDIT_OPS.has(op);
  const reason = cut(r.reason as string);
  const record: AuditRecord = {
    actor: who.actor,
    pid: who.pid,
    op: known ? op : 'invalid',
    args: (r.args as string[]).slice(0, MAX_ARGS).map((a) => cut(a)),
    decision: r.decision as AuditRecord['decision'],
    reason: known ? reason : `operation ${JSON.stringify(cut(op, 64))}: ${reason}`,
    ...(r.outcome === undefined ? {} : { outcome: cut(r.outcome as string, 64) }),
    ...(r.of === undefined ? {} : { of: r.of as number }),
  };
  return { record, problem: undefined };
}

function recordProblem(r: Record<string, unknown>): string | undefined {
  if (typeof r.op !== 'string') return 'op is not a string';
  if (typeof r.decision !== 'string' || !DECISIONS.has(r.decision)) {
    return 'decision is not allow, deny or outcome';
  }
  if (typeof r.reason !== 'string') return 'reason is not a string';
  if (!Array.isArray(r.args) || !r.args.every((a) => typeof a === 'string')) {
    return 'args is not a list of strings';
  }
  if (r.outcome !== undefined && typeof r.outcome !== 'string') return 'outcome is not a string';
  if (r.of !== undefined && !isWireInt(r.of)) return 'of is not a sequence number';
  return undefined;
}
