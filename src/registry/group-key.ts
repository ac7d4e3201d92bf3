import { InvalidArgumentError } from '../errors.js';

/**
 * A process group's name (OTP `pg` groups are any term): a non-empty
 * string, or a number, bigint, boolean, `null`, array, plain object,
 * `Date`, `RegExp`, `Map`, `Set` or binary data, nested as deep as you
 * like (`undefined` only inside). Two names are the same group when they
 * are structurally equal, as Erlang compares terms: `['shard', 1]` joined
 * twice is one group, and `{ a: 1, b: 2 }` equals `{ b: 2, a: 1 }`.
 * Functions, symbols, cycles and other objects (class instances, `Error`
 * and boxed primitives among them, though structured clone copies them)
 * are refused with `InvalidArgumentError`.
 *
 * @example
 * ```ts
 * ctx.join(['shard', 3]);
 * system.groups.members(['shard', 3]); // [ctx.pid]
 * ```
 */
export type GroupName = string | number | bigint | boolean | null | object;

/** The longest encoded name accepted: a group name is a key, not a payload. */
export const MAX_GROUP_KEY = 4_096;

/**
 * The canonical text of a group name: structurally equal names give the
 * same text, different names different texts. A string is its own key
 * (the common case allocates nothing); every other key starts with a NUL,
 * and a string that itself starts with one is escaped.
 *
 * @example
 * ```ts
 * groupKey({ b: 2, a: 1 }) === groupKey({ a: 1, b: 2 }); // true
 * ```
 */
export function groupKey(group: unknown): string {
  if (typeof group === 'string') {
    if (group.length === 0) throw invalid('must not be an empty string');
    if (group.length > MAX_GROUP_KEY) throw invalid(`must be at most ${MAX_GROUP_KEY} characters`);
    return group.charCodeAt(0) === 0 ? `\0s${group}` : group;
  }
  if (group === undefined) throw invalid('must not be undefined');
  const key = `\0${encode(group, new Set())}`;
  if (key.length > MAX_GROUP_KEY)
    throw invalid(`must encode to at most ${MAX_GROUP_KEY} characters`);
  return key;
}

function invalid(problem: string): InvalidArgumentError {
  return new InvalidArgumentError('group', problem);
}

function encode(value: unknown, path: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return `s${JSON.stringify(value)}`;
    case 'number':
      // -0 and 0 are one key, as Map keys are (SameValueZero).
      return `n${Object.is(value, -0) ? 0 : value}`;
    case 'bigint':
      return `b${value}`;
    case 'boolean':
      return value ? 't' : 'f';
    case 'undefined':
      return 'u';
    case 'object':
      return value === null ? 'z' : encodeObject(value, path);
    default:
      throw invalid(`cannot contain a ${typeof value} (only structured-cloneable values)`);
  }
}

function encodeObject(value: object, path: Set<object>): string {
  if (path.has(value)) throw invalid('cannot contain a cycle');
  path.add(value);
  try {
    if (Array.isArray(value)) {
      const items: string[] = [];
      for (let i = 0; i < value.length; i++) items.push(encode(value[i], path));
      return `[${items.join(',')}]`;
    }
    if (value instanceof Date) return `d${value.getTime()}`;
    if (value instanceof RegExp) return `r${String(value)}`;
    if (value instanceof Map) {
      const entries = [...value].map(([k, v]) => `${encode(k, path)}=>${encode(v, path)}`);
      return `M{${entries.sort().join(',')}}`;
    }
    if (value instanceof Set) {
      return `S{${[...value]
        .map((v) => encode(v, path))
        .sort()
        .join(',')}}`;
    }
    if (value instanceof ArrayBuffer) return `B${hex(new Uint8Array(value))}`;
    if (ArrayBuffer.isView(value)) {
      const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      return `V${value.constructor.name}:${hex(bytes)}`;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw invalid('cannot contain a class instance (only plain objects and built-in values)');
    }
    const fields = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${encode((value as Record<string, unknown>)[k], path)}`);
    return `{${fields.join(',')}}`;
  } finally {
    path.delete(value);
  }
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}
