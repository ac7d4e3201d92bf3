import type { DeadLetter, SystemEvent } from '../broker/index.js';
import type { Pid } from '../process/index.js';
import { formatExitReason, formatPid, isCleanExit } from '../process/index.js';

/**
 * The observer's event log: system events turned into short lines of text,
 * kept in a ring. Message payloads are never shown: a dead letter shows its
 * reason, its addresses and at most the message's `type` tag.
 *
 * @module
 */

/**
 * One line of the event log.
 *
 * @example
 * ```ts
 * const entry: LogEntry = { seq: 1, wall: Date.now(), at: 0, type: 'exited', pid: 5, level: 'error', text: '<0.5> exited: error: Error: boom' };
 * ```
 */
export interface LogEntry {
  /** Increases by one per entry, from 1. */
  readonly seq: number;
  /** Wall-clock time (`Date.now()`) when the observer saw it. */
  readonly wall: number;
  /** The event's own time, on the system's clock. */
  readonly at: number;
  readonly type: string;
  /** The process it is about, when there is one. */
  readonly pid: number | undefined;
  readonly level: 'info' | 'warn' | 'error';
  readonly text: string;
}

/**
 * A fixed-size ring that keeps the newest `capacity` items, oldest first.
 *
 * @example
 * ```ts
 * const ring = new Ring<number>(2);
 * ring.push(1); ring.push(2); ring.push(3);
 * ring.toArray(); // [2, 3]
 * ```
 */
export class Ring<T> {
  readonly #items: (T | undefined)[];
  #start = 0;
  #size = 0;

  constructor(capacity: number) {
    this.#items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    const cap = this.#items.length;
    if (cap === 0) return;
    if (this.#size < cap) {
      this.#items[(this.#start + this.#size) % cap] = item;
      this.#size++;
    } else {
      this.#items[this.#start] = item;
      this.#start = (this.#start + 1) % cap;
    }
  }

  /** The items, oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    const cap = this.#items.length;
    for (let i = 0; i < this.#size; i++) out.push(this.#items[(this.#start + i) % cap] as T);
    return out;
  }
}

const MAX_TEXT = 300;

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

function thrown(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  return typeof value === 'string' ? value : typeof value;
}

const p = (pid: Pid | undefined): string => (pid === undefined ? '?' : formatPid(pid));
const child = (id: string | undefined, pid: Pid): string =>
  id === undefined ? p(pid) : `${id} ${p(pid)}`;

/**
 * The `type` tag of a message (a string `type` field, clipped), else its
 * JavaScript type: enough to tell messages apart without showing payloads.
 *
 * @example
 * ```ts
 * messageKind({ type: 'charge', card: '4111…' }); // "charge"
 * ```
 */
export function messageKind(message: unknown): string {
  if (typeof message === 'object' && message !== null) {
    const tag = (message as { type?: unknown }).type;
    if (typeof tag === 'string') return tag.length > 40 ? `${tag.slice(0, 39)}…` : tag;
    return Array.isArray(message) ? 'array' : 'object';
  }
  return typeof message;
}

/**
 * One line describing a dead letter.
 *
 * @example
 * ```ts
 * describeDeadLetter(letter); // "dead letter (noproc) to <0.7>: ping"
 * ```
 */
export function describeDeadLetter(d: DeadLetter): string {
  const to = d.target !== undefined ? p(d.target) : (d.address ?? '?');
  const from = d.sender === undefined ? '' : ` from ${p(d.sender)}`;
  return `dead letter (${d.reason}) to ${to}${from}: ${messageKind(d.message)}`;
}

type Line = [level: LogEntry['level'], pid: Pid | undefined, text: string];

function line(e: SystemEvent): Line | undefined {
  switch (e.type) {
    case 'spawned':
      return [
        'info',
        e.pid,
        `${p(e.pid)} spawned${e.parent === undefined ? '' : ` by ${p(e.parent)}`}`,
      ];
    case 'exited':
      return [
        isCleanExit(e.reason) ? 'info' : 'error',
        e.pid,
        `${p(e.pid)} exited: ${formatExitReason(e.reason)}`,
      ];
    case 'restarted':
      return ['warn', e.pid, `${p(e.pid)} restarted in place (#${e.restarts}): ${thrown(e.error)}`];
    case 'escalated':
      return ['error', e.pid, `${p(e.pid)} escalated to ${p(e.parent)}: ${thrown(e.error)}`];
    case 'dead-letter':
      return ['warn', e.letter.target, describeDeadLetter(e.letter)];
    case 'long-handler':
      return [
        'warn',
        e.pid,
        `long handler: ${Math.round(e.elapsedMs)} ms, ${e.messages} messages, ${e.suspects.map(p).join(' ')}`,
      ];
    case 'mailbox-overflow':
      return ['warn', e.pid, `${p(e.pid)} mailbox full (${e.capacity}): ${e.decision}`];
    case 'hook-failed':
      return ['error', e.pid, `${p(e.pid)} ${e.hook} failed: ${thrown(e.error)}`];
    case 'circuit-state':
      return [
        e.to === 'open' ? 'warn' : 'info',
        undefined,
        `circuit ${e.name}: ${e.from} → ${e.to}`,
      ];
    case 'child-started':
      return ['info', e.pid, `${p(e.supervisor)} started child ${child(e.id, e.pid)}`];
    case 'child-exited':
      return [
        isCleanExit(e.reason) ? 'info' : 'error',
        e.pid,
        `child ${child(e.id, e.pid)} of ${p(e.supervisor)} exited (${formatExitReason(e.reason)}): ${e.action}`,
      ];
    case 'child-restarted':
      return [
        'warn',
        e.pid,
        `${p(e.supervisor)} restarted child ${e.id ?? ''} ${p(e.previous)} → ${p(e.pid)}`,
      ];
    case 'child-start-failed':
      return [
        'error',
        e.supervisor,
        `${p(e.supervisor)} failed to start child ${e.id ?? '?'}: ${formatExitReason(e.reason)}`,
      ];
    case 'supervisor-shutdown':
      return [
        'error',
        e.supervisor,
        `supervisor ${p(e.supervisor)} shut down (${e.cause}${e.id === undefined ? '' : `, child ${e.id}`})`,
      ];
    default:
      return undefined;
  }
}

/**
 * The log entry for `event`, or undefined for a kind the log does not show
 * (sampled message events).
 *
 * @example
 * ```ts
 * const entry = logEntry(event, 1, Date.now());
 * ```
 */
export function logEntry(event: SystemEvent, seq: number, wall: number): LogEntry | undefined {
  const l = line(event);
  if (l === undefined) return undefined;
  return { seq, wall, at: event.at, type: event.type, pid: l[1], level: l[0], text: clip(l[2]) };
}
