import { InvalidArgumentError } from '../errors.js';
import { WireError } from './wire-value.js';

/**
 * The cluster's wire format. One NATS message carries a batch of frames
 * from one node to another: two header bytes — the codec (1 = JSON with
 * markers) and the envelope version (1) — then the JSON of
 * `{"f": fromNode, "b": [frame, ...]}`. A frame is a JSON array whose
 * first element is its op. Anything else — another codec or version, an
 * unknown op, a wrong shape — is refused by `decodeBatch`/`checkFrame` and
 * becomes a dead letter with reason `bad-frame`.
 *
 * @module
 */

export const CODEC_JSON = 1;
export const WIRE_VERSION = 1;

/** Frame ops. Numbers, so a batch stays small. */
export const OP = Object.freeze({
  /** `[1, to, from, marked, message]`: a message to pid `to` (from 0 = no sender). */
  tell: 1,
  /** `[2, replyId, ok, marked, value]`: the answer to an ask. */
  reply: 2,
  /** `[3, id...]`: watch these pids; answer `down` when each ends (at once when gone). */
  monitor: 3,
  /** `[4, id, marked, reason]`: pid `id` of the sender ended with `reason`. */
  down: 4,
  /** `[5, from, to]`: `from` (on the sender) linked to `to` (here). */
  link: 5,
  /** `[6, from, to]`: the link is gone. */
  unlink: 6,
  /** `[7, from, to, marked, reason]`: an explicit exit signal (`ctx.exit`). */
  exit: 7,
  /** `[8, reqId, url, exportName, marked, args]`: spawn a portable definition here. */
  spawn: 8,
  /** `[9, reqId, 1, id]` or `[9, reqId, 0, marked, error]`: the spawn's outcome. */
  spawned: 9,
  /** `[10, id, marked, reason]`: stop pid `id` gracefully (its supervisor's stand-in stops). */
  stop: 10,
  /** `[11, id]`: kill pid `id` (its stand-in was killed). */
  kill: 11,
  /**
   * `[12, address, from, marked, message]`: a message to an address of the
   * receiving node (a name, a service key, a pool), resolved there at receipt.
   */
  address: 12,
  /** `[13, group, from, marked, message]`: a group broadcast for the receiving node's members. */
  group: 13,
  /** `[14, reqId, name]`: which process holds the local name `name` here (a monitor of `{ name, node }`)? */
  whereis: 14,
  /** `[15, reqId, id]`: the answer; id 0 when nobody holds it. */
  holder: 15,
});

const HEADER = 2;
/** The two header bytes as text: both are below 0x80, so UTF-8 keeps them as they are. */
const HEADER_TEXT = String.fromCharCode(CODEC_JSON, WIRE_VERSION);
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes of the batch `{"f":from,"b":[frames...]}`, each frame already JSON
 * text. The header goes into the text, so the batch is encoded in one pass
 * with no copy after it.
 *
 * @example
 * ```ts
 * encodeBatch('a_1x', ['[11,7]']); // bytes 1, 1, then {"f":"a_1x","b":[[11,7]]}
 * ```
 */
export function encodeBatch(from: string, frames: readonly string[]): Uint8Array {
  return encoder.encode(`${HEADER_TEXT}{"f":${JSON.stringify(from)},"b":[${frames.join(',')}]}`);
}

/**
 * The JSON text of a tell frame `[1, to, from, marked, message]`, made
 * without the frame's array (the hot path of a remote tell). `body` is the
 * message as `toWire` left it; throws what `JSON.stringify` throws (a cycle),
 * and a `TypeError` for a message whose JSON is nothing (a `toJSON` that
 * returns undefined or a function): its text would break the whole batch.
 *
 * @example
 * ```ts
 * tellFrame(7, 0, false, { type: 'm' }); // '[1,7,0,0,{"type":"m"}]'
 * ```
 */
export function tellFrame(to: number, from: number, marked: boolean, body: unknown): string {
  const json: string | undefined = JSON.stringify(body);
  if (json === undefined) throw new TypeError('its JSON is nothing (a toJSON returned undefined)');
  return `[1,${to},${from},${marked ? 1 : 0},${json}]`;
}

/**
 * The error a send throws when `JSON.stringify` refused its frame (a cycle).
 *
 * @example
 * ```ts
 * unencodable(new TypeError('cyclic structure')).code; // 'ERR_INVALID_ARG'
 * ```
 */
export function unencodable(error: unknown): InvalidArgumentError {
  return new InvalidArgumentError('message', `cannot be encoded: ${(error as Error).message}`);
}

/** The bytes a batch adds around its frames, for size checks. */
export function batchOverhead(from: string): number {
  return HEADER + from.length + 16;
}

/** A decoded batch: who sent it and its frames (each still to be checked). */
export interface Batch {
  readonly from: string;
  readonly frames: readonly unknown[];
}

/** Decodes a batch; throws `WireError` for another codec or version or a bad shape. */
export function decodeBatch(data: Uint8Array): Batch {
  if (data.length < HEADER) throw new WireError('shorter than its header');
  if (data[0] !== CODEC_JSON) throw new WireError(`unknown codec ${data[0]}`);
  if (data[1] !== WIRE_VERSION) throw new WireError(`unknown version ${data[1]}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data.subarray(HEADER)));
  } catch (error) {
    throw new WireError(`not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new WireError('not an object');
  const { f, b } = parsed as { f?: unknown; b?: unknown };
  if (typeof f !== 'string' || !Array.isArray(b)) throw new WireError('missing sender or frames');
  return { from: f, frames: b };
}

const ARITY: Record<number, number> = {
  [OP.tell]: 5,
  [OP.reply]: 5,
  [OP.down]: 4,
  [OP.link]: 3,
  [OP.unlink]: 3,
  [OP.exit]: 5,
  [OP.spawn]: 6,
  [OP.stop]: 4,
  [OP.kill]: 2,
  [OP.address]: 5,
  [OP.group]: 5,
  [OP.whereis]: 3,
  [OP.holder]: 3,
};

/** Checks a frame's op and arity and that its ids are integers; throws `WireError`. */
export function checkFrame(frame: unknown): readonly unknown[] {
  if (!Array.isArray(frame) || frame.length === 0) throw new WireError('frame is not a list');
  const op = frame[0];
  if (op === OP.monitor) {
    for (let i = 1; i < frame.length; i++) checkId(frame[i]);
    return frame;
  }
  if (op === OP.spawned) {
    if (frame.length !== 4 && frame.length !== 5) throw new WireError('bad spawned frame');
    checkId(frame[1]);
    return frame;
  }
  const arity = typeof op === 'number' ? ARITY[op] : undefined;
  if (arity === undefined) throw new WireError(`unknown op ${JSON.stringify(op)}`);
  if (frame.length !== arity) throw new WireError(`op ${op} needs ${arity} fields`);
  if (op === OP.address || op === OP.group) {
    // The address is checked where it is resolved (wire-address.ts); a group is a string.
    if (op === OP.group && typeof frame[1] !== 'string') throw new WireError('a group is a string');
    checkId(frame[2]);
    return frame;
  }
  checkId(frame[1]);
  if (op === OP.whereis && (typeof frame[2] !== 'string' || frame[2].length === 0)) {
    throw new WireError('a name is a non-empty string');
  }
  if (op === OP.holder) checkId(frame[2]);
  if (op === OP.link || op === OP.unlink || op === OP.exit || op === OP.tell) checkId(frame[2]);
  return frame;
}

function checkId(v: unknown): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new WireError('an id must be an integer >= 0');
  }
}
