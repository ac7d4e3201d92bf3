import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ResourceLimits, Sandbox } from '../actor/index.js';
import { isDetached } from '../codec/index.js';
import type { ToHost } from './protocol.js';
import { FrameReader, MAX_BATCH_BYTES, writeBatch } from './wire.js';

/**
 * The pipe to one host: a worker thread or a child process. Frames going
 * out are batched into one `postMessage` (or one IPC message) per turn.
 *
 * @module
 */

/** Why a host ended, as the main system reports it to the processes it hosted. */
export interface HostEnd {
  /** `exit` (it ended; `code` says how), `killed` (we terminated it), `crashed` (an error). */
  readonly how: 'exit' | 'killed' | 'crashed';
  readonly code: number | null;
  readonly signal: string | null;
  readonly error: Error | undefined;
}

/** A live pipe to a host. */
export interface Transport {
  /**
   * Queues a frame. Buffers in `transfer` move to a worker thread (zero
   * copy); to a child process they are copied, then detached all the same,
   * so a sender sees one rule wherever the actor is placed.
   */
  post(frame: ToHost, transfer?: readonly ArrayBuffer[]): void;
  /** Whether the host shares this process's memory (a thread) or not (a child process). */
  readonly sharesMemory: boolean;
  /**
   * Batches as they arrive: unchecked (the link checks them), or a
   * `WireFault` when the host's bytes could not be read as a batch.
   */
  onFrames(listener: (batch: unknown) => void): void;
  onEnd(listener: (end: HostEnd) => void): void;
  /** Ends the host for good: a real kill, even of a host stuck in a loop. */
  terminate(): void;
  /** Whether the host keeps the main process alive (a host with no work should not). */
  ref(keep: boolean): void;
}

/** Bytes from a host that are not a batch: the link ends the host with `ERR_HOST_PROTOCOL`. */
export class WireFault {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

/**
 * Batches frames, with the buffers they move, and flushes them once the
 * current turn's work is done.
 */
class Outbox {
  #frames: ToHost[] = [];
  #transfer: Set<ArrayBuffer> | null = null;
  #scheduled = false;
  readonly #flush: (frames: ToHost[], transfer: ArrayBuffer[]) => void;

  constructor(flush: (frames: ToHost[], transfer: ArrayBuffer[]) => void) {
    this.#flush = flush;
  }

  push(frame: ToHost, transfer: readonly ArrayBuffer[] | undefined): void {
    this.#frames.push(frame);
    if (transfer !== undefined && transfer.length > 0) {
      this.#transfer ??= new Set();
      for (const buffer of transfer) this.#transfer.add(buffer);
    }
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const frames = this.#frames;
      const listed = this.#transfer;
      this.#frames = [];
      this.#transfer = null;
      // A buffer the sender moved elsewhere meanwhile cannot move twice.
      const moving = listed === null ? [] : [...listed].filter((b) => !isDetached(b));
      this.#flush(frames, moving);
    });
  }
}

/** Detaches buffers whose bytes were copied (the sender gave them up). */
function detach(buffers: ArrayBuffer[]): void {
  if (buffers.length > 0) structuredClone(null, { transfer: buffers });
}

const WORKER_ENTRY = new URL('../hosting/worker-entry.js', import.meta.url);
/** The host's entry script, for a process host's command line. */
export const PROCESS_ENTRY = fileURLToPath(new URL('../hosting/process-entry.js', import.meta.url));

/** Starts a worker thread host. */
export function workerTransport(limits: ResourceLimits | undefined): Transport {
  const worker = new Worker(WORKER_ENTRY, limits === undefined ? {} : { resourceLimits: limits });
  let ended = false;
  let killed = false;
  const endListeners: ((end: HostEnd) => void)[] = [];
  const end = (info: HostEnd): void => {
    if (ended) return;
    ended = true;
    for (const l of endListeners) l(info);
  };
  let lastError: Error | undefined;
  worker.on('error', (error) => {
    lastError = error;
  });
  worker.on('exit', (code) => {
    end({
      how: killed ? 'killed' : lastError === undefined ? 'exit' : 'crashed',
      code,
      signal: null,
      error: lastError,
    });
  });
  const outbox = new Outbox((frames, transfer) => {
    if (!ended) worker.postMessage(frames, transfer);
    else detach(transfer);
  });
  return {
    post: (frame, transfer) => outbox.push(frame, transfer),
    sharesMemory: true,
    onFrames: (listener) => worker.on('message', listener),
    onEnd: (listener) => endListeners.push(listener),
    terminate: () => {
      if (ended) return;
      killed = true;
      void worker.terminate();
    },
    ref: (keep) => (keep ? worker.ref() : worker.unref()),
  };
}

/**
 * Where the file actor's race-free walk opens names relative to a
 * directory descriptor (`src/os/file-walk.ts`; Node has no `openat`).
 */
const DESCRIPTORS = '/proc/self/fd';

/**
 * Node's permission flags for `sandbox` on the Node whose major version is
 * `nodeMajor` (this one unless told): `--permission` from Node 22,
 * `--experimental-permission` on 20 (each Node refuses the other's flag) —
 * the second layer under bwrap (semantics §20). A path the host may write
 * it may also read, and `/proc/self/fd` is granted as far as the host may
 * touch files: a file operation walks from the pinned root's descriptor and
 * compares device and inode before it acts, which needs both; without them
 * every policy check in a sandboxed host would be refused. Writes stay where
 * bwrap binds the host writable.
 *
 * @example
 * ```ts
 * permissionFlags({ allowFsRead: ['/app'] }, 20);
 * // ['--experimental-permission', '--allow-fs-read=/app', '--allow-fs-read=/proc/self/fd', ...]
 * ```
 */
export function permissionFlags(
  sandbox: Sandbox | undefined,
  nodeMajor = Number(process.versions.node.split('.')[0]),
): string[] {
  if (sandbox === undefined) return [];
  const flags = [nodeMajor >= 22 ? '--permission' : '--experimental-permission'];
  // The host must read its own code and the modules it imports.
  const writes = sandbox.allowFsWrite ?? [];
  const reads = [...(sandbox.allowFsRead ?? []), ...writes, DESCRIPTORS];
  for (const path of new Set(reads)) flags.push(`--allow-fs-read=${path}`);
  for (const path of writes) flags.push(`--allow-fs-write=${path}`);
  if (writes.length > 0) flags.push(`--allow-fs-write=${DESCRIPTORS}`);
  if (sandbox.allowChildProcess === true) flags.push('--allow-child-process');
  if (sandbox.allowWorker === true) flags.push('--allow-worker');
  // Node announces its permission model (experimental before Node 23) and each
  // allow flag on stderr at every start: notices about the runtime's own
  // choice of flags, not the body's output (semantics §20).
  flags.push('--disable-warning=ExperimentalWarning', '--disable-warning=SecurityWarning');
  return flags;
}

/**
 * How to start a child process host: the command, its environment, and
 * whether its stdout and stderr are captured (a sandboxed host's are;
 * others inherit the runtime's).
 */
export interface ProcessPlan {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly capture: boolean;
}

/** What a captured host wrote: a chunk of text, and the bytes dropped once its budget was spent. */
export type OutputListener = (stream: 'stdout' | 'stderr', text: string, dropped: number) => void;

/** Most bytes of one output event. */
const OUTPUT_CHUNK = 4096;
/** Most bytes of output forwarded per host and stream; the rest is counted, not kept. */
const OUTPUT_BUDGET = 256 * 1024;

/**
 * Starts a child process host. Frames travel over a socket on the child's
 * fd 3 in our own framing (`wire.ts`), not Node's IPC channel, so bytes a
 * hostile child writes there can neither crash nor flood the runtime.
 */
export function processTransport(plan: ProcessPlan, onOutput: OutputListener): Transport {
  const child = spawn(plan.file, plan.args, {
    env: plan.env,
    // An unsandboxed host's stderr passes through this process's
    // `process.stderr`, where a worker thread's goes too: one place to watch
    // (or capture) what hosts print. A sandboxed host's output is captured.
    stdio: plan.capture
      ? ['ignore', 'pipe', 'pipe', 'pipe']
      : ['ignore', 'inherit', 'pipe', 'pipe'],
  });
  const socket = child.stdio[3] as Socket;
  let ended = false;
  let killed = false;
  let lastError: Error | undefined;
  const endListeners: ((end: HostEnd) => void)[] = [];
  const frameListeners: ((batch: unknown) => void)[] = [];
  const finish = (info: HostEnd): void => {
    if (ended) return;
    ended = true;
    for (const l of endListeners) l(info);
  };
  child.on('error', (error) => {
    lastError = error;
    // A child that could not be started at all never emits exit.
    if (child.pid === undefined) finish({ how: 'crashed', code: null, signal: null, error });
  });
  child.on('exit', (code, signal) => {
    finish({
      how: killed ? 'killed' : lastError === undefined ? 'exit' : 'crashed',
      code,
      signal,
      error: lastError,
    });
  });
  const reader = new FrameReader(MAX_BATCH_BYTES);
  socket.on('data', (chunk: Buffer) => {
    const batches = reader.push(chunk);
    if (typeof batches === 'string') {
      const fault = new WireFault(batches);
      for (const l of frameListeners) l(fault);
      socket.destroy();
      return;
    }
    for (const batch of batches) for (const l of frameListeners) l(batch);
  });
  socket.on('error', () => {
    // The child went away; its exit event reports it.
  });
  if (plan.capture) {
    const budget = { stdout: OUTPUT_BUDGET, stderr: OUTPUT_BUDGET };
    const dropped = { stdout: 0, stderr: 0 };
    const capture = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      for (let at = 0; at < chunk.length; at += OUTPUT_CHUNK) {
        const size = Math.min(OUTPUT_CHUNK, chunk.length - at);
        const kept = Math.min(size, budget[stream]);
        dropped[stream] += size - kept;
        if (kept === 0) continue;
        budget[stream] -= kept;
        onOutput(stream, chunk.subarray(at, at + kept).toString('utf8'), dropped[stream]);
      }
    };
    child.stdout?.on('data', capture('stdout'));
    child.stderr?.on('data', capture('stderr'));
    child.on('exit', () => {
      for (const stream of ['stdout', 'stderr'] as const) {
        if (dropped[stream] > 0) onOutput(stream, '', dropped[stream]);
      }
    });
  } else {
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  }
  const outbox = new Outbox((frames, transfer) => {
    // Main's batches are trusted: the host reads up to 1 GiB per batch.
    // Moved buffers are serialized (copied) like the rest, then detached.
    if (!ended && socket.writable) writeBatch(socket, frames, 2 ** 30);
    detach(transfer);
  });
  return {
    post: (frame, transfer) => outbox.push(frame, transfer),
    sharesMemory: false,
    onFrames: (listener) => frameListeners.push(listener),
    onEnd: (listener) => endListeners.push(listener),
    terminate: () => {
      if (ended) return;
      killed = true;
      child.kill('SIGKILL');
    },
    ref: (keep) => {
      const streams = [socket, child.stdout as Socket | null, child.stderr as Socket | null];
      if (keep) {
        child.ref();
        for (const s of streams) s?.ref();
      } else {
        child.unref();
        for (const s of streams) s?.unref();
      }
    },
  };
}
