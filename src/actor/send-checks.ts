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

/** Deep-copies a message for `copyOnSend`; throws `InvalidArgumentError` when it cannot be copied. */
export function copyMessage(message: unknown): unknown {
  try {
    return structuredClone(message);
  } catch (error) {
    throw new InvalidArgumentError(
      'message',
      `cannot be copied (copyOnSend): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
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
