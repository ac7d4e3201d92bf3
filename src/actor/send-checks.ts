import { isDetached } from '../codec/index.js';
import { InvalidArgumentError } from '../errors.js';
import { describeValue } from '../limits/index.js';
import type { SendOptions } from '../mailbox/index.js';
import { laneOf } from '../mailbox/index.js';

/**
 * A definition may carry its own copy for `copyOnSend` under this key: a
 * stand-in for a process in another thread encodes messages for the wire
 * (refs and reply ports become markers) instead of cloning them.
 */
export const ENCODE_MESSAGE: unique symbol = Symbol('airssys.encodeMessage');

/**
 * Deep-copies a message for `copyOnSend`, moving the buffers in `transfer`
 * instead of copying them; throws `InvalidArgumentError` when it cannot be copied.
 */
export function copyMessage(message: unknown, transfer?: readonly ArrayBuffer[]): unknown {
  try {
    return transfer === undefined
      ? structuredClone(message)
      : structuredClone(message, { transfer: transfer as ArrayBuffer[] });
  } catch (error) {
    throw new InvalidArgumentError(
      'message',
      `cannot be copied (copyOnSend): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * The copy `copyOnSend` makes of a message to a process of `def`: the
 * definition's own encoding (the buffers in `transfer` then move when the
 * message leaves the thread), or a structured clone that moves them at once.
 *
 * @example
 * ```ts
 * const body = copyForSend(p.def, message, transfer);
 * ```
 */
export function copyForSend(
  def: object,
  message: unknown,
  transfer?: readonly ArrayBuffer[],
): unknown {
  const encodeMessage = (def as { [ENCODE_MESSAGE]?: (m: unknown) => unknown })[ENCODE_MESSAGE];
  return encodeMessage === undefined ? copyMessage(message, transfer) : encodeMessage(message);
}

/**
 * Checks a `transfer` send option and reduces it to its distinct
 * `ArrayBuffer`s (a typed array or `DataView` stands for its whole buffer).
 * Throws `InvalidArgumentError` for anything else: not an array, an item
 * that is no buffer, a `SharedArrayBuffer` (shared, never moved) or a
 * buffer already detached.
 *
 * @example
 * ```ts
 * transferListOf([bytes, bytes.buffer]); // [bytes.buffer]
 * ```
 */
export function transferListOf(transfer: unknown): ArrayBuffer[] {
  if (!Array.isArray(transfer)) {
    throw new InvalidArgumentError('transfer', 'must be an array of ArrayBuffers or typed arrays');
  }
  const buffers = new Set<ArrayBuffer>();
  for (const item of transfer as unknown[]) {
    const buffer = ArrayBuffer.isView(item) ? item.buffer : item;
    if (typeof SharedArrayBuffer === 'function' && buffer instanceof SharedArrayBuffer) {
      throw new InvalidArgumentError(
        'transfer',
        'a SharedArrayBuffer is shared, not moved: send it in the message without listing it',
      );
    }
    if (!(buffer instanceof ArrayBuffer)) {
      throw new InvalidArgumentError(
        'transfer',
        `items must be ArrayBuffers or typed arrays, got ${describeValue(item)}`,
      );
    }
    if (isDetached(buffer)) {
      throw new InvalidArgumentError(
        'transfer',
        'a buffer in the list was already moved (detached)',
      );
    }
    buffers.add(buffer);
  }
  return [...buffers];
}

/** Throws `InvalidArgumentError` naming the first invalid send option. */
export function checkSendOptions(options: SendOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'send options must be an object');
  }
  const { ttl, priority, headers } = options;
  if (headers !== undefined) {
    if (typeof headers !== 'object' || headers === null) {
      throw new InvalidArgumentError('headers', 'must be an object of strings');
    }
    for (const value of Object.values(headers)) {
      if (typeof value !== 'string') {
        throw new InvalidArgumentError('headers', 'header values must be strings');
      }
    }
  }
  if (ttl !== undefined && (typeof ttl !== 'number' || !(ttl >= 0))) {
    throw new InvalidArgumentError('ttl', 'must be a number >= 0');
  }
  if (priority !== undefined && laneOf(priority) === undefined) {
    throw new InvalidArgumentError(
      'priority',
      `must be low, normal, high or critical, got ${describeValue(priority)}`,
    );
  }
}
