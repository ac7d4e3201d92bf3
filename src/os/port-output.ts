import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { ActorRef } from '../actor/index.js';
import { processOf } from '../actor/index.js';
import type { Pid } from '../process/index.js';
import type { Clock } from '../scheduler/index.js';

/**
 * The output side of a port: the program's stdout and stderr, decoded as
 * UTF-8, cut into lines or passed on as chunks, and told to the owner —
 * holding back (pausing the pipes, so the program blocks on its writes)
 * while the owner's mailbox is at its high-water mark, and counting bytes
 * against the policy's output limit.
 *
 * @module
 */

/**
 * One piece of a port's output, as its owner receives it: a line (without
 * its `\n`) in `lines` mode, a chunk in `chunks` mode.
 *
 * @example
 * ```ts
 * handle(msg: PortOutput) { if (msg.stream === 'stderr') console.error(msg.data); }
 * ```
 */
export interface PortOutput {
  readonly type: 'port-output';
  readonly port: Pid;
  readonly stream: 'stdout' | 'stderr';
  readonly data: string;
}

/**
 * What the pump needs to know; see `PortOptions`.
 *
 * @example
 * ```ts
 * const options: PumpOptions = {
 *   owner, port: ctx.pid, mode: 'lines', highWater: 1000, maxLine: 65_536,
 *   maxBytes: Number.POSITIVE_INFINITY, clock, onLimit: () => kill(), onProgress: () => check(),
 * };
 * ```
 */
export interface PumpOptions {
  readonly owner: ActorRef<PortOutput>;
  readonly port: Pid;
  readonly mode: 'lines' | 'chunks';
  readonly highWater: number;
  readonly maxLine: number;
  readonly maxBytes: number;
  readonly clock: Clock;
  /** Called once when the output reaches `maxBytes`. */
  readonly onLimit: () => void;
  /** Called whenever the held-back output has all been delivered, and when a stream closes. */
  readonly onProgress: () => void;
}

/** How often a paused pump looks at the owner's mailbox again, in ms. */
const POLL_MS = 5;

/** The owner's mailbox size, when it is a process of this thread (0 otherwise). */
function load(owner: ActorRef<PortOutput>): number {
  return processOf(owner)?.mailbox?.size ?? 0;
}

function alive(owner: ActorRef<PortOutput>): boolean {
  return processOf(owner)?.alive !== false;
}

/**
 * Moves a program's output to its owner, with backpressure.
 *
 * @example
 * ```ts
 * const pump = new OutputPump({ owner, port: ctx.pid, mode: 'lines', highWater: 1000, ... });
 * pump.attach(child.stdout, 'stdout');
 * ```
 */
export class OutputPump {
  readonly #o: PumpOptions;
  readonly #streams: Readable[] = [];
  readonly #pending: PortOutput[] = [];
  readonly #partial = { stdout: '', stderr: '' };
  #bytes = 0;
  #paused = false;
  #poll: unknown;
  #stopped = false;
  #halted = false;
  #open = 0;

  constructor(options: PumpOptions) {
    this.#o = options;
  }

  /** Bytes of output received so far (stdout and stderr). */
  get bytes(): number {
    return this.#bytes;
  }

  /** True when every stream has closed and everything received has been told. */
  get finished(): boolean {
    return this.#open === 0 && this.#pending.length === 0;
  }

  /** Starts reading `stream` as the program's `name`. */
  attach(stream: Readable, name: 'stdout' | 'stderr'): void {
    this.#streams.push(stream);
    this.#open++;
    const decoder = new StringDecoder('utf8');
    stream.on('data', (chunk: Buffer) => this.#data(name, decoder, chunk));
    stream.on('end', () => {
      if (this.#stopped || this.#halted) return;
      this.#text(name, decoder.end(), true);
      this.#flush();
    });
    stream.on('error', () => {
      // A broken pipe ends the stream; the exit status says what happened.
    });
    stream.on('close', () => {
      this.#open--;
      this.#o.onProgress();
    });
  }

  /**
   * Stops reading (the program was killed for a limit): what was already
   * read is still told, with backpressure, before the pump is finished.
   */
  halt(): void {
    if (this.#stopped || this.#halted) return;
    this.#halted = true;
    for (const name of ['stdout', 'stderr'] as const) this.#text(name, '', true);
    for (const s of this.#streams) s.destroy();
    this.#flush();
  }

  /** Stops for good: nothing more is read or told; held-back output is dropped. */
  stop(): void {
    this.#stopped = true;
    this.#pending.length = 0;
    if (this.#poll !== undefined) this.#o.clock.clearTimer(this.#poll);
    this.#poll = undefined;
    for (const s of this.#streams) s.destroy();
  }

  #data(name: 'stdout' | 'stderr', decoder: StringDecoder, chunk: Buffer): void {
    if (this.#stopped || this.#halted) return;
    let over = false;
    let data = chunk;
    if (this.#bytes + data.length > this.#o.maxBytes) {
      data = data.subarray(0, this.#o.maxBytes - this.#bytes);
      over = true;
    }
    this.#bytes += data.length;
    this.#text(name, decoder.write(data), over);
    this.#flush();
    if (over) this.#o.onLimit();
  }

  /** Turns decoded text into messages; `last` flushes a partial line. */
  #text(name: 'stdout' | 'stderr', text: string, last: boolean): void {
    const o = this.#o;
    if (o.mode === 'chunks') {
      if (text.length > 0)
        this.#pending.push({ type: 'port-output', port: o.port, stream: name, data: text });
      return;
    }
    let buffer = this.#partial[name] + text;
    let start = 0;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n', start)) {
      this.#line(name, buffer.slice(start, nl));
      start = nl + 1;
    }
    buffer = buffer.slice(start);
    // A line longer than maxLine arrives in pieces of maxLine characters.
    while (buffer.length > o.maxLine) {
      this.#line(name, buffer.slice(0, o.maxLine));
      buffer = buffer.slice(o.maxLine);
    }
    if (last && buffer.length > 0) {
      this.#line(name, buffer);
      buffer = '';
    }
    this.#partial[name] = buffer;
  }

  #line(name: 'stdout' | 'stderr', data: string): void {
    this.#pending.push({ type: 'port-output', port: this.#o.port, stream: name, data });
  }

  /**
   * Tells what is held back while the owner has room. A paused pump waits
   * for the owner to get down to half its high-water mark before telling
   * more, and resumes reading once nothing is held back.
   */
  #flush(): void {
    if (this.#stopped) return;
    const o = this.#o;
    const pending = this.#pending;
    if (!alive(o.owner)) pending.length = 0; // nobody to tell: keep reading, drop
    if (this.#paused && pending.length > 0 && load(o.owner) > o.highWater / 2) {
      this.#schedule();
      return;
    }
    while (pending.length > 0) {
      if (load(o.owner) >= o.highWater || !this.#tell(pending[0] as PortOutput)) {
        this.#pause();
        return;
      }
      pending.shift();
    }
    if (this.#paused) {
      this.#paused = false;
      for (const s of this.#streams) s.resume();
    }
    o.onProgress();
  }

  #tell(message: PortOutput): boolean {
    try {
      // The runtime's own delivery, not a send of the port's async step
      // (semantics §4): what the program wrote still reaches the owner
      // when the port has just ended.
      const owner = this.#o.owner;
      const local = processOf(owner);
      if (local === undefined) owner.tell(message);
      else local.deliver(message, undefined);
      return true;
    } catch {
      return false; // a full bounded mailbox refused it: hold it back
    }
  }

  #pause(): void {
    if (!this.#paused) {
      this.#paused = true;
      for (const s of this.#streams) s.pause();
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#poll !== undefined) return;
    this.#poll = this.#o.clock.setTimer(() => {
      this.#poll = undefined;
      this.#flush();
    }, POLL_MS);
  }
}
