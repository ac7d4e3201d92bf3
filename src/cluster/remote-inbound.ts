import type { ActorProcess } from '../actor/index.js';
import {
  answerPort,
  finish,
  link,
  monitor,
  requestStop,
  signalExit,
  unlink,
} from '../actor/index.js';
import type { ExitReason, Pid } from '../process/index.js';
import { exitReason } from '../process/index.js';
import { actAs } from './address-book.js';
import { checkFrame, OP } from './frames.js';
import type { RemoteTable, TableHost } from './remote-table.js';
import { fromWire, toWire, type WireMarks } from './wire-value.js';

/**
 * The frames a peer sends, carried out here: tells, replies, links, exits,
 * stops, kills, who-holds-a-name questions and answers, address and group
 * sends; and the local processes peers watch (they hear `down` when one
 * ends).
 *
 * @module
 */

/** A frame's message delivered to its local target (made once: a tell allocates no closure). */
const deliverTo = (target: ActorProcess, message: unknown): void =>
  target.deliver(message, undefined);

const KINDS = new Set(['normal', 'shutdown', 'killed', 'kill', 'error', 'noproc', 'noconnection']);

/**
 * An exit reason from a peer, checked; a malformed one becomes an error reason saying so.
 *
 * @example
 * ```ts
 * checkReason({ kind: 'normal' }).kind; // 'normal'
 * ```
 */
export function checkReason(value: unknown): ExitReason {
  if (typeof value === 'object' && value !== null) {
    const kind = (value as { kind?: unknown }).kind;
    if (typeof kind === 'string' && KINDS.has(kind)) {
      if (kind !== 'noconnection' || typeof (value as { node?: unknown }).node === 'string') {
        return Object.freeze({ ...(value as ExitReason) });
      }
    }
  }
  return exitReason.error(new Error('a peer sent a malformed exit reason'));
}

/**
 * What one table does with the frames peers send it.
 *
 * @example
 * ```ts
 * const inbound = new InboundFrames(host, table);
 * inbound.receive(peer, frame);
 * ```
 */
export class InboundFrames {
  readonly #host: TableHost;
  readonly #table: RemoteTable;
  /** Local processes other nodes watch: pid → the watching nodes. */
  readonly #watched = new Map<number, Set<string>>();

  constructor(host: TableHost, table: RemoteTable) {
    this.#host = host;
    this.#table = table;
  }

  /** Carries out one frame from `from`; throws `WireError` for a malformed one. */
  receive(from: string, raw: unknown): void {
    const table = this.#table;
    const frame = checkFrame(raw);
    switch (frame[0]) {
      case OP.tell:
        this.#tell(from, frame);
        return;
      case OP.reply: {
        const ask = table.takeAsk(frame[1] as number);
        let value: unknown;
        try {
          value = frame[3] === 1 ? fromWire(frame[4], table) : frame[4];
        } catch (error) {
          // An answer that does not decode still settles the ask (a supervisor call waits forever).
          if (ask !== undefined) answerPort(ask, false, error);
          throw error;
        }
        // The runtime relays the answer: no process's send, whatever async context this runs in (§4).
        if (ask === undefined) table.late(value);
        else answerPort(ask, frame[2] === 1, value);
        return;
      }
      case OP.monitor:
        for (let i = 1; i < frame.length; i++) this.watch(from, frame[i] as number);
        return;
      case OP.down: {
        const p = table.known(from, frame[1] as number);
        const reason = checkReason(frame[2] === 1 ? fromWire(frame[3], table) : frame[3]);
        if (p !== undefined) finish(p, reason);
        return;
      }
      case OP.link:
      case OP.unlink: {
        const target = this.#host.lookup(frame[2] as Pid);
        if (target === undefined || !target.alive) return;
        const other = table.remote(from, frame[1] as number);
        if (frame[0] === OP.link) link(target, other, other.pid, false);
        else unlink(target, other, false);
        return;
      }
      case OP.exit: {
        const target = this.#host.lookup(frame[2] as Pid);
        const reason = checkReason(frame[3] === 1 ? fromWire(frame[4], table) : frame[4]);
        const sender = frame[1] === 0 ? undefined : table.remote(from, frame[1] as number);
        if (target !== undefined) signalExit(target, sender, reason, false);
        return;
      }
      case OP.stop: {
        const target = this.#host.lookup(frame[1] as Pid);
        const reason = checkReason(frame[2] === 1 ? fromWire(frame[3], table) : frame[3]);
        if (target !== undefined) requestStop(target, reason);
        return;
      }
      case OP.kill: {
        const target = this.#host.lookup(frame[1] as Pid);
        if (target !== undefined) finish(target, exitReason.killed);
        return;
      }
      case OP.whereis: {
        const holder = this.#host.whereisName(frame[2] as string);
        table.sendQuietly(from, [OP.holder, frame[1], holder?.alive ? holder.pid : 0], undefined);
        return;
      }
      case OP.holder:
        table.addresses.holderAnswered(from, frame[1] as number, frame[2] as number);
        return;
      case OP.address:
      case OP.group: {
        const message = frame[3] === 1 ? fromWire(frame[4], table) : frame[4];
        const sender = frame[2] === 0 ? null : table.remote(from, frame[2] as number);
        if (frame[0] === OP.group) table.book.receiveGroup(frame[1] as string, message, sender);
        else table.book.receive(frame[1], message, sender);
        return;
      }
      default:
        // spawn and spawned are the node's (they load code); it handles them before calling here.
        return;
    }
  }

  #tell(from: string, frame: readonly unknown[]): void {
    const table = this.#table;
    const to = frame[1] as Pid;
    const message = frame[3] === 1 ? fromWire(frame[4], table) : frame[4];
    const sender = frame[2] === 0 ? null : table.remote(from, frame[2] as number);
    const target = this.#host.lookup(to);
    if (target === undefined || !target.alive) {
      this.#host.deadLetter(message, to, sender?.pid, 'noproc');
      return;
    }
    try {
      actAs(this.#host, sender, deliverTo, target, message);
    } catch {
      this.#host.deadLetter(message, to, sender?.pid, 'dropped-newest');
    }
  }

  /** `node` went: it watches nothing here any more. */
  nodeLost(node: string): void {
    for (const watchers of this.#watched.values()) watchers.delete(node);
  }

  /** `node` watches local pid `id`: it hears `down` when it ends (at once when it has). */
  watch(node: string, id: number): void {
    const table = this.#table;
    const p = this.#host.lookup(id as Pid);
    if (p === undefined || !p.alive) {
      table.sendQuietly(node, [OP.down, id, 0, exitReason.noproc], undefined);
      return;
    }
    let nodes = this.#watched.get(id);
    if (nodes === undefined) {
      nodes = new Set();
      this.#watched.set(id, nodes);
      const watchers = nodes;
      // A monitor with a callback: the down leaves right behind the process's last sends.
      monitor(
        this.#host as unknown as ActorProcess['runtime'],
        null,
        p,
        p.pid,
        undefined,
        (reason) => {
          this.#watched.delete(id);
          for (const watcher of watchers) {
            if (table.isGone(watcher)) continue;
            const marks: WireMarks = { found: false };
            let wire: unknown;
            try {
              wire = toWire(reason, this.#table, marks);
            } catch {
              wire = toWire(
                exitReason.error(new Error(String((reason as { error?: unknown }).error))),
                this.#table,
                marks,
              );
            }
            table.sendQuietly(watcher, [OP.down, id, marks.found ? 1 : 0, wire], reason);
          }
        },
      );
    }
    nodes.add(node);
  }
}
