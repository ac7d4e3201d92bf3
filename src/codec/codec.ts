import { InvalidArgumentError } from '../errors.js';

/**
 * The one place that turns messages into what crosses a thread or process
 * boundary and back. Plain data passes as is (the structured clone of
 * `postMessage` or of advanced IPC serialization copies it); refs, reply
 * ports and errors are replaced by markers the other side turns back into
 * live objects. Anything that cannot be copied — a function, a symbol, a
 * promise, a weak collection — is refused at send with a clear error.
 *
 * @module
 */

/**
 * Whether `buffer` was detached (moved away by a transfer): no view can be
 * made on it, and it cannot be moved again.
 *
 * @example
 * ```ts
 * const moving = listed.filter((b) => !isDetached(b));
 * ```
 */
export function isDetached(buffer: ArrayBuffer): boolean {
  try {
    new Uint8Array(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

/** The key of a marker object; no user message is expected to use it. */
export const MARK = '$$airssys';

/** What the codec asks of the side it runs on. */
export interface RefCodec {
  /** The wire pid of a ref, or undefined when `value` is not a ref. */
  refPid(value: object): number | undefined;
  /** A live ref for a wire pid. */
  refOf(pid: number): unknown;
  /** The wire id of a reply port, or undefined when `value` is not one. */
  replyId(value: object): number | undefined;
  /** A live reply port for a wire id. */
  replyOf(id: number): unknown;
  /**
   * False when what is encoded goes to another OS process, where a
   * `SharedArrayBuffer` cannot be shared (it is then refused at send).
   */
  readonly sharesMemory?: boolean;
}

interface RefMark {
  readonly [MARK]: 'ref';
  readonly pid: number;
}
interface ReplyMark {
  readonly [MARK]: 'reply';
  readonly id: number;
}
interface ErrorMark {
  readonly [MARK]: 'error';
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly props: Record<string, unknown>;
}
type Mark = RefMark | ReplyMark | ErrorMark;

/** What is being encoded, for errors (`message` unless told otherwise), and whether it has markers. */
interface Marks {
  found: boolean;
  readonly subject?: string;
}

function refuse(what: string, path: string, marks: Marks): never {
  throw new InvalidArgumentError(
    marks.subject ?? 'message',
    `cannot cross a thread or process boundary: ${what} at ${path || 'the top level'}`,
  );
}

/**
 * Encodes `value` for the wire. Returns the encoded value; `marks.found`
 * tells whether the receiver has markers to decode (so plain messages skip
 * the decode walk). Throws `InvalidArgumentError` for what cannot cross.
 */
export function encode(value: unknown, codec: RefCodec, marks: Marks = { found: false }): unknown {
  return encodeValue(value, codec, marks, '', 0);
}

function encodeValue(
  value: unknown,
  codec: RefCodec,
  marks: Marks,
  path: string,
  depth: number,
): unknown {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return value;
    case 'function':
      return refuse('a function', path, marks);
    case 'symbol':
      return refuse('a symbol', path, marks);
  }
  if (value === null) return null;
  if (depth > 200) refuse('a structure nested over 200 levels', path, marks);
  const object = value as object;
  const pid = codec.refPid(object);
  if (pid !== undefined) {
    marks.found = true;
    return { [MARK]: 'ref', pid } satisfies RefMark;
  }
  const reply = codec.replyId(object);
  if (reply !== undefined) {
    marks.found = true;
    return { [MARK]: 'reply', id: reply } satisfies ReplyMark;
  }
  if (object instanceof Error) {
    marks.found = true;
    return encodeError(object, codec, marks, path, depth);
  }
  if (Array.isArray(object)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < object.length; i++) {
      const item = object[i];
      const coded = encodeValue(item, codec, marks, `${path}[${i}]`, depth + 1);
      if (coded !== item && out === undefined) out = object.slice(0, i);
      if (out !== undefined) out.push(coded);
    }
    return out ?? object;
  }
  if (object instanceof Map) {
    const out = new Map<unknown, unknown>();
    for (const [k, v] of object) {
      out.set(
        encodeValue(k, codec, marks, `${path}<key>`, depth + 1),
        encodeValue(v, codec, marks, `${path}<value>`, depth + 1),
      );
    }
    return out;
  }
  if (object instanceof Set) {
    const out = new Set<unknown>();
    for (const v of object) out.add(encodeValue(v, codec, marks, `${path}<item>`, depth + 1));
    return out;
  }
  if (codec.sharesMemory === false && isShared(object)) {
    refuse('shared memory (a SharedArrayBuffer), which a child process cannot share', path, marks);
  }
  if (
    object instanceof Date ||
    object instanceof RegExp ||
    ArrayBuffer.isView(object) ||
    object instanceof ArrayBuffer
  ) {
    return object;
  }
  if (object instanceof Promise) refuse('a promise', path, marks);
  if (object instanceof WeakMap || object instanceof WeakSet || object instanceof WeakRef) {
    refuse('a weak collection', path, marks);
  }
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(object)) {
    const item = (object as Record<string, unknown>)[key];
    const coded = encodeValue(item, codec, marks, path === '' ? key : `${path}.${key}`, depth + 1);
    if (coded !== item && out === undefined) out = { ...(object as Record<string, unknown>) };
    if (out !== undefined) out[key] = coded;
  }
  return out ?? object;
}

/** Whether `object` is a `SharedArrayBuffer` or a view on one. */
function isShared(object: object): boolean {
  if (typeof SharedArrayBuffer !== 'function') return false;
  const buffer = ArrayBuffer.isView(object) ? object.buffer : object;
  return buffer instanceof SharedArrayBuffer;
}

function encodeError(
  error: Error,
  codec: RefCodec,
  marks: Marks,
  path: string,
  depth: number,
): ErrorMark {
  // Own properties (a RuntimeError's `code`, `option`, `reason`...) travel
  // with the error; structured clone alone would drop them.
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (key === 'message' || key === 'stack') continue;
    props[key] = encodeValue(
      (error as unknown as Record<string, unknown>)[key],
      codec,
      marks,
      `${path}.${key}`,
      depth + 1,
    );
  }
  if (error.cause !== undefined) {
    props.cause = encodeValue(error.cause, codec, marks, `${path}.cause`, depth + 1);
  }
  return { [MARK]: 'error', name: error.name, message: error.message, stack: error.stack, props };
}

/** Turns the markers of an encoded value back into live refs, reply ports and errors. */
export function decode(value: unknown, codec: RefCodec): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = decode(value[i], codec);
    return value;
  }
  if (value instanceof Map) {
    const out = new Map<unknown, unknown>();
    for (const [k, v] of value) out.set(decode(k, codec), decode(v, codec));
    return out;
  }
  if (value instanceof Set) {
    const out = new Set<unknown>();
    for (const v of value) out.add(decode(v, codec));
    return out;
  }
  const mark = (value as Partial<Mark>)[MARK];
  if (mark === 'ref') return codec.refOf((value as RefMark).pid);
  if (mark === 'reply') return codec.replyOf((value as ReplyMark).id);
  if (mark === 'error') return decodeError(value as ErrorMark, codec);
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = decode(record[key], codec);
  return record;
}

function decodeError(mark: ErrorMark, codec: RefCodec): Error {
  // What a host sends is checked, not trusted: only strings become the message, name and stack.
  const error = new Error(typeof mark.message === 'string' ? mark.message : '');
  const props = decode(mark.props, codec);
  if (typeof props === 'object' && props !== null) {
    // Defined, not assigned: a key `__proto__` stays a property and never re-parents the error.
    for (const [key, value] of Object.entries(props)) {
      Object.defineProperty(error, key, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
  }
  const name = typeof mark.name === 'string' ? mark.name : 'Error';
  Object.defineProperty(error, 'name', { value: name, writable: true, configurable: true });
  if (typeof mark.stack === 'string') {
    Object.defineProperty(error, 'stack', {
      value: mark.stack,
      writable: true,
      configurable: true,
    });
  }
  return error;
}
