import type { AskOptions, Reply } from '../actor/index.js';
import type { ToHost, ToMain } from '../isolation/index.js';
import type { SendOptions } from '../mailbox/index.js';
import type { Pid } from '../process/index.js';
import type { Host } from './host.js';

/**
 * The main system as a host's bodies see it: the channel frames go over,
 * the addresses of main pids a body sends to (`RemoteRef`), and the reply
 * ports of the asks main makes of a body (`WireReply`).
 *
 * @module
 */

/** How a host talks to its main system: frames out, batches in. */
export interface HostChannel {
  post(frames: ToMain[]): void;
  onFrames(listener: (frames: readonly ToHost[]) => void): void;
}

/**
 * An ask a body made of main, until main answers: a timed-out one stays
 * (settled) until then, so the host counts what main counts.
 *
 * @example
 * ```ts
 * const ask: MainAsk = { resolve, reject, timer: undefined, settled: false };
 * ```
 */
export interface MainAsk {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer: unknown;
  settled: boolean;
}

/** An address of a main pid, as a body holds it. */
export class RemoteRef {
  readonly pid: Pid;
  readonly #host: Host;

  constructor(host: Host, pid: Pid) {
    this.#host = host;
    this.pid = pid;
  }

  tell(message: unknown, options?: SendOptions): void {
    this.#host.send(this.pid, message, options);
  }

  offer(message: unknown, options?: SendOptions): Promise<void> {
    try {
      this.tell(message, options);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  ask(request: unknown, options?: AskOptions): Promise<never> {
    return this.#host.ask(this.pid, request, options) as Promise<never>;
  }

  toString(): string {
    return `RemoteRef<0.${this.pid}>`;
  }
}

/** The reply port of an ask made by the main system, as a body sees it. */
export class WireReply implements Reply<unknown> {
  readonly correlationId: number;
  readonly expiresAt: number;
  readonly #host: Host;
  #pending = true;

  constructor(host: Host, id: number, expiresAt: number) {
    this.#host = host;
    this.correlationId = id;
    this.expiresAt = expiresAt;
  }

  get pending(): boolean {
    return this.#pending;
  }

  remaining(): number {
    return Math.max(0, this.expiresAt - Date.now());
  }

  send(value: unknown): void {
    this.#answer(true, value);
  }

  fail(error: unknown): void {
    this.#answer(false, error);
  }

  #answer(ok: boolean, value: unknown): void {
    // A second answer is a late reply: main turns it into a dead letter.
    this.#pending = false;
    this.#host.reply(this.correlationId, ok, value);
  }
}
