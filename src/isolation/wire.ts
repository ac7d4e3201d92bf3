import { deserialize, serialize } from 'node:v8';

/**
 * The byte framing between a system and a child process host: each batch
 * of frames is a 4-byte big-endian length and then the batch in V8's
 * serialization (structured clone, as Node's "advanced" IPC uses). Node's
 * own IPC channel is not used for hosts: a child that writes bytes V8
 * cannot deserialize there throws in the parent's event loop and ends the
 * runtime, and a length it announces is buffered without a bound. Here the
 * reader refuses a batch over its size limit and reports undecodable bytes
 * as an error the caller turns into `ERR_HOST_PROTOCOL`.
 *
 * @module
 */

/** The largest batch a host may send (the main side's limit, 64 MiB). */
export const MAX_BATCH_BYTES = 64 * 2 ** 20;

/**
 * One batch as bytes: its length, then its serialization.
 *
 * @example
 * ```ts
 * socket.write(frameBytes([{ op: 'ready' }]));
 * ```
 */
export function frameBytes(batch: unknown): Buffer {
  const body = serialize(batch);
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

/**
 * Cuts a byte stream into batches. `push` returns the batches completed by
 * a chunk, or a string saying why the stream is broken (the stream is then
 * dead: every later push returns the same string).
 *
 * @example
 * ```ts
 * const reader = new FrameReader(MAX_BATCH_BYTES);
 * socket.on('data', (chunk) => {
 *   const out = reader.push(chunk);
 *   if (typeof out === 'string') fail(out); else for (const batch of out) handle(batch);
 * });
 * ```
 */
export class FrameReader {
  readonly #limit: number;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #broken: string | undefined;

  constructor(limit: number) {
    this.#limit = limit;
  }

  push(chunk: Buffer): unknown[] | string {
    if (this.#broken !== undefined) return this.#broken;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const batches: unknown[] = [];
    while (this.#buffered >= 4) {
      const all = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : this.#joined();
      const length = all.readUInt32BE(0);
      if (length > this.#limit) {
        return this.#break(`a batch of ${length} bytes, over the limit of ${this.#limit}`);
      }
      if (all.length < 4 + length) break;
      try {
        batches.push(deserialize(all.subarray(4, 4 + length)));
      } catch (error) {
        return this.#break(
          `bytes that do not deserialize (${error instanceof Error ? error.message : String(error)})`,
        );
      }
      const rest = all.subarray(4 + length);
      this.#chunks = rest.length === 0 ? [] : [rest];
      this.#buffered = rest.length;
    }
    return batches;
  }

  #joined(): Buffer {
    const all = Buffer.concat(this.#chunks, this.#buffered);
    this.#chunks = [all];
    return all;
  }

  #break(reason: string): string {
    this.#broken = reason;
    this.#chunks = [];
    this.#buffered = 0;
    return reason;
  }
}
