import { InvalidArgumentError, RuntimeError } from '../errors.js';

/**
 * Values on the cluster wire: JSON with tagged markers for what JSON
 * cannot say — pids, reply ports, addresses, errors (with their `code`), Map, Set,
 * Date, BigInt, bytes, non-finite numbers. JSON because V8's parser is the
 * fastest decoder on hand and is safe on untrusted input; markers because
 * refs and errors must arrive as working objects. Decoding checks every
 * marker's shape and throws `WireError` on anything malformed, so a bad
 * peer costs a dead letter, never a crash.
 *
 * @module
 */

/** The reserved key of a marker; a user object using it is refused at send. */
export const WIRE_MARK = '$$airssys';

/** A pid on the wire: the node id and the pid's number on that node. */
export interface WirePid {
  readonly node: string;
  readonly id: number;
}

/** A reply port on the wire: where the answer goes and until when it is awaited. */
export interface WireReply {
  readonly node: string;
  readonly id: number;
  /** Clock time (ms since the epoch) after which the asker stops waiting; null = never. */
  readonly expiresAt: number | null;
}

/** What the node supplies to turn live objects into wire data and back. */
export interface WireRefs {
  /** The wire pid of a ref, or undefined when `value` is not a ref. */
  pidOf(value: object): WirePid | undefined;
  /** A working ref for a wire pid (local when it names this node). */
  refOf(pid: WirePid): unknown;
  /** The wire form of a reply port, or undefined when `value` is not one. */
  replyOf(value: object): WireReply | undefined;
  /** A working reply port for a wire reply. */
  portOf(reply: WireReply): unknown;
  /**
   * The wire form of an address that is not a ref (a name, a service key,
   * a pool, a cluster name or group), or undefined when `value` is none.
   */
  addressOf(value: object): unknown;
  /** A working address for a wire address; throws `WireError` for a malformed one. */
  addressRef(address: unknown): unknown;
}

/**
 * A frame or value a peer sent that does not decode (code `ERR_BAD_FRAME`);
 * an ask whose answer does not decode fails with it.
 *
 * @example
 * ```ts
 * new WireError('an address is an object').code; // 'ERR_BAD_FRAME'
 * ```
 */
export class WireError extends RuntimeError {
  constructor(message: string) {
    super('ERR_BAD_FRAME', `malformed cluster frame: ${message}`);
  }
}

/** Whether encoding found markers (so the receiver must walk the value). */
export interface WireMarks {
  found: boolean;
}

const MAX_DEPTH = 200;

function refuse(what: string, path: string): never {
  throw new InvalidArgumentError(
    'message',
    `cannot cross to another node: ${what} at ${path || 'the top level'}`,
  );
}

/** Whether `value` crosses as it is: a string, a boolean, a finite number, null. */
function isPlain(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    default:
      return value === null;
  }
}

/** Turns `value` into JSON-safe data with markers. Throws `InvalidArgumentError` for what cannot cross. */
export function toWire(value: unknown, refs: WireRefs, marks: WireMarks): unknown {
  return encodeValue(value, refs, marks, '', 0);
}

function encodeValue(
  value: unknown,
  refs: WireRefs,
  marks: WireMarks,
  path: string,
  depth: number,
): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isFinite(value)) return value;
      marks.found = true;
      return { [WIRE_MARK]: 'n', v: String(value) };
    case 'undefined':
      marks.found = true;
      return { [WIRE_MARK]: 'x' };
    case 'bigint':
      marks.found = true;
      return { [WIRE_MARK]: 'b', v: value.toString() };
    case 'function':
      return refuse('a function', path);
    case 'symbol':
      return refuse('a symbol', path);
  }
  if (value === null) return null;
  if (depth > MAX_DEPTH) refuse(`a structure nested over ${MAX_DEPTH} levels`, path);
  const object = value as object;
  const pid = refs.pidOf(object);
  if (pid !== undefined) {
    marks.found = true;
    return { [WIRE_MARK]: 'p', n: pid.node, i: pid.id };
  }
  const reply = refs.replyOf(object);
  if (reply !== undefined) {
    marks.found = true;
    return { [WIRE_MARK]: 'r', n: reply.node, i: reply.id, e: reply.expiresAt };
  }
  const address = refs.addressOf(object);
  if (address !== undefined) {
    marks.found = true;
    return { [WIRE_MARK]: 'a', v: address };
  }
  if (Array.isArray(object)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < object.length; i++) {
      const item = object[i];
      if (isPlain(item)) {
        out?.push(item);
        continue;
      }
      const coded = encodeValue(item, refs, marks, `${path}[${i}]`, depth + 1);
      if (coded !== item && out === undefined) out = object.slice(0, i);
      if (out !== undefined) out.push(coded);
    }
    return out ?? object;
  }
  if (object instanceof Error) {
    marks.found = true;
    return encodeError(object, refs, marks, path, depth);
  }
  if (object instanceof Map) {
    marks.found = true;
    const entries: unknown[] = [];
    for (const [k, v] of object) {
      entries.push([
        encodeValue(k, refs, marks, `${path}<key>`, depth + 1),
        encodeValue(v, refs, marks, `${path}<value>`, depth + 1),
      ]);
    }
    return { [WIRE_MARK]: 'm', v: entries };
  }
  if (object instanceof Set) {
    marks.found = true;
    const items: unknown[] = [];
    for (const v of object) items.push(encodeValue(v, refs, marks, `${path}<item>`, depth + 1));
    return { [WIRE_MARK]: 's', v: items };
  }
  if (object instanceof Date) {
    marks.found = true;
    return { [WIRE_MARK]: 'd', v: object.getTime() };
  }
  if (object instanceof Uint8Array) {
    marks.found = true;
    return { [WIRE_MARK]: 'u', v: Buffer.from(object).toString('base64') };
  }
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
    return refuse('a typed array other than Uint8Array (send its bytes as a Uint8Array)', path);
  }
  if (object instanceof Promise) refuse('a promise', path);
  if (object instanceof WeakMap || object instanceof WeakSet || object instanceof WeakRef) {
    refuse('a weak collection', path);
  }
  if (Object.hasOwn(object, WIRE_MARK)) refuse(`the reserved key ${WIRE_MARK}`, path);
  // Copied only once a field changes: a plain message crosses without a copy.
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(object)) {
    const item = (object as Record<string, unknown>)[key];
    // JSON leaves out an undefined field, as the receiver's object would. A
    // plain field is left as it is, without making its path.
    if (item === undefined || isPlain(item)) continue;
    const coded = encodeValue(item, refs, marks, path === '' ? key : `${path}.${key}`, depth + 1);
    if (coded !== item && out === undefined) out = { ...(object as Record<string, unknown>) };
    if (out !== undefined) out[key] = coded;
  }
  return out ?? object;
}

function encodeError(
  error: Error,
  refs: WireRefs,
  marks: WireMarks,
  path: string,
  depth: number,
): unknown {
  // Own properties (a RuntimeError's `code`, `option`, `node`...) travel with it.
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (key === 'message' || key === 'stack') continue;
    const v = (error as unknown as Record<string, unknown>)[key];
    if (typeof v === 'function' || typeof v === 'symbol') continue;
    props[key] = encodeValue(v, refs, marks, `${path}.${key}`, depth + 1);
  }
  if (error.cause !== undefined && typeof error.cause !== 'function') {
    props.cause = encodeValue(error.cause, refs, marks, `${path}.cause`, depth + 1);
  }
  return {
    [WIRE_MARK]: 'e',
    name: error.name,
    message: error.message,
    stack: error.stack ?? null,
    props,
  };
}

/** Turns wire data back into live values. Throws `WireError` on a malformed marker. */
export function fromWire(value: unknown, refs: WireRefs): unknown {
  return decodeValue(value, refs, 0);
}

function decodeValue(value: unknown, refs: WireRefs, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth > MAX_DEPTH) throw new WireError(`nested over ${MAX_DEPTH} levels`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = decodeValue(value[i], refs, depth + 1);
    return value;
  }
  const record = value as Record<string, unknown>;
  const mark = record[WIRE_MARK];
  if (mark !== undefined) return decodeMark(mark, record, refs, depth);
  for (const key of Object.keys(record)) {
    const item = record[key];
    if (typeof item !== 'object' || item === null) continue;
    const decoded = decodeValue(item, refs, depth + 1);
    // JSON.parse makes `__proto__` an own field; assigning it would set the prototype.
    if (key === '__proto__') {
      Object.defineProperty(record, key, { value: decoded, enumerable: true, writable: true });
    } else record[key] = decoded;
  }
  return record;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new WireError(`${what} must be a string`);
  return v;
}

function int(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new WireError(`${what} must be an integer >= 0`);
  }
  return v;
}

function list(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new WireError(`${what} must be a list`);
  return v;
}

function decodeMark(
  mark: unknown,
  r: Record<string, unknown>,
  refs: WireRefs,
  depth: number,
): unknown {
  switch (mark) {
    case 'p':
      return refs.refOf({ node: str(r.n, 'pid node'), id: int(r.i, 'pid id') });
    case 'r': {
      const e = r.e;
      if (e !== null && typeof e !== 'number') throw new WireError('reply expiry must be a number');
      return refs.portOf({ node: str(r.n, 'reply node'), id: int(r.i, 'reply id'), expiresAt: e });
    }
    case 'a':
      return refs.addressRef(r.v);
    case 'x':
      return undefined;
    case 'n': {
      const v = str(r.v, 'number');
      if (v !== 'NaN' && v !== 'Infinity' && v !== '-Infinity') throw new WireError('bad number');
      return Number(v);
    }
    case 'b':
      try {
        return BigInt(str(r.v, 'bigint'));
      } catch {
        throw new WireError('bad bigint');
      }
    case 'd':
      if (typeof r.v !== 'number') throw new WireError('date must be a number');
      return new Date(r.v);
    case 'u':
      return new Uint8Array(Buffer.from(str(r.v, 'bytes'), 'base64'));
    case 'm': {
      const out = new Map<unknown, unknown>();
      for (const entry of list(r.v, 'map')) {
        const pair = list(entry, 'map entry');
        out.set(decodeValue(pair[0], refs, depth + 1), decodeValue(pair[1], refs, depth + 1));
      }
      return out;
    }
    case 's': {
      const out = new Set<unknown>();
      for (const item of list(r.v, 'set')) out.add(decodeValue(item, refs, depth + 1));
      return out;
    }
    case 'e':
      return decodeError(r, refs, depth);
    default:
      throw new WireError(`unknown marker ${JSON.stringify(mark)}`);
  }
}

function decodeError(r: Record<string, unknown>, refs: WireRefs, depth: number): Error {
  const error = new Error(str(r.message, 'error message'));
  const props = r.props;
  if (typeof props !== 'object' || props === null || Array.isArray(props)) {
    throw new WireError('error props must be an object');
  }
  const decoded = decodeValue(props, refs, depth + 1) as Record<string, unknown>;
  for (const key of Object.keys(decoded)) {
    // A peer cannot plant a prototype or shadow what errors and objects inherit (a `toString`
    // of 1 would make every later String(error) throw).
    if (key in Error.prototype || key === 'prototype') continue;
    (error as unknown as Record<string, unknown>)[key] = decoded[key];
  }
  Object.defineProperty(error, 'name', {
    value: str(r.name, 'error name'),
    writable: true,
    configurable: true,
  });
  if (r.stack !== null && r.stack !== undefined) {
    Object.defineProperty(error, 'stack', {
      value: str(r.stack, 'error stack'),
      writable: true,
      configurable: true,
    });
  }
  return error;
}
