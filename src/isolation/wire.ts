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

/**
 * The largest batch a host may send (the main side's limit, 64 MiB).
 *
 * @example
 * ```ts
 * const reader = new FrameReader(MAX_BATCH_BYTES);
 * ```
 */
export const MAX_BATCH_BYTES = 64 * 2 ** 20;

/**
 * Where batches are written: a socket (or anything with `write`).
 *
 * @example
 * ```ts
 * const sink: ByteSink = socket;
 * ```
 */
export interface ByteSink {
  write(bytes: Uint8Array): unknown;
}

/**
 * Writes one batch: its length, then its serialization (two writes, no
 * copy of a big batch). A batch over `limit` bytes is split in halves until
 * each part fits; a single frame over it is refused (`false`), since the
 * reader would refuse it.
 *
 * @example
 * ```ts
 * writeBatch(socket, [{ op: 'ready' }], MAX_BATCH_BYTES);
 * ```
 */
export function writeBatch(sink: ByteSink, batch: readonly unknown[], limit: number): boolean {
  const body = serialize(batch);
  if (body.length > limit) {
    if (batch.length < 2) return false;
    const half = Math.ceil(batch.length / 2);
    const first = writeBatch(sink, batch.slice(0, half), limit);
    return writeBatch(sink, batch.slice(half), limit) && first;
  }
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(body.length, 0);
  sink.write(head);
  sink.write(body);
  return true;
}

/**
 * One batch as bytes: its length, then its serialization (for a raw write).
 *
 * @example
 * ```ts
 * writeSync(fd, frameBytes([{ op: 'ready' }]));
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
      if ((this.#chunks[0] as Buffer).length < 4) this.#join();
      const length = (this.#chunks[0] as Buffer).readUInt32BE(0);
      if (length > this.#limit) {
        return this.#break(`a batch of ${length} bytes, over the limit of ${this.#limit}`);
      }
      // A big batch arrives in many chunks: they are joined once, when it is all there.
      if (this.#buffered < 4 + length) break;
      if (this.#chunks.length > 1) this.#join();
      const all = this.#chunks[0] as Buffer;
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

  #join(): void {
    this.#chunks = [Buffer.concat(this.#chunks, this.#buffered)];
  }

  #break(reason: string): string {
    this.#broken = reason;
    this.#chunks = [];
    this.#buffered = 0;
    return reason;
  }
}
