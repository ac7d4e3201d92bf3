import type { AuditSink } from '../security/index.js';
import { rebuildRecord } from './frames.js';

/**
 * The main side of a host's audit records: each is rebuilt from checked
 * fields (`rebuildRecord`), written to the main system's log, and its
 * outcome lines' `of` translated from the host's numbering to the log's.
 *
 * @module
 */

/** Most host allows whose outcome is still to come (a host that never closes them cannot grow the table). */
const OPEN_ATTEMPTS = 10_000;

/** What became of one record: written (the promise resolves), not written (it rejects), malformed. */
export interface Relayed {
  readonly written: Promise<void>;
  /** Why the host's record was malformed (it was recorded as an `invalid` denial). */
  readonly problem: string | undefined;
}

/**
 * Writes a host's audit records to the main log.
 *
 * @example
 * ```ts
 * const relay = new AuditRelay(() => system.audit);
 * const { written, problem } = relay.write(frame.seq, frame.record, { actor: 'reader', pid: 12 });
 * ```
 */
export class AuditRelay {
  readonly #sink: () => AuditSink | undefined;
  /** Host seq → main seq, for allows whose outcome is still to come. */
  readonly #open = new Map<number, number>();

  constructor(sink: () => AuditSink | undefined) {
    this.#sink = sink;
  }

  /** Writes the record the host numbered `hostSeq`, as `who` (the stand-in main knows). */
  write(
    hostSeq: number,
    raw: unknown,
    who: { readonly actor: string; readonly pid: number },
  ): Relayed {
    const { record, problem } = rebuildRecord(raw, who);
    const audit = this.#sink();
    if (audit === undefined) return { written: Promise.resolve(), problem };
    const hostOf = record.of;
    const of = hostOf === undefined ? undefined : this.#open.get(hostOf);
    if (hostOf !== undefined) this.#open.delete(hostOf);
    const { of: _hostOf, ...rest } = record;
    try {
      const seq = audit.record(of === undefined ? rest : { ...rest, of });
      if (record.decision === 'allow' && problem === undefined) {
        this.#open.set(hostSeq, seq);
        if (this.#open.size > OPEN_ATTEMPTS) {
          this.#open.delete(this.#open.keys().next().value as number);
        }
      }
      // A sink that writes later (it has `written`) is waited for too.
      return { written: audit.written?.(seq) ?? Promise.resolve(), problem };
    } catch (error) {
      return { written: Promise.reject(error), problem };
    }
  }
}

/**
 * Who an audit record is about: the stand-in main knows for `pid`, never a
 * name the host chose; on a dedicated host, its one process.
 *
 * @example
 * ```ts
 * attributed(new Map([[12, 'reader']]), 99); // { actor: 'reader', pid: 12 }
 * ```
 */
export function attributed(
  placed: ReadonlyMap<number, string>,
  pid: number | undefined,
): { actor: string; pid: number } {
  if (pid !== undefined) {
    const label = placed.get(pid);
    if (label !== undefined) return { actor: label, pid };
  }
  if (placed.size === 1) {
    const [[only, label]] = placed as unknown as [[number, string]];
    return { actor: label, pid: only };
  }
  return { actor: '(unattributed host record)', pid: 0 };
}
