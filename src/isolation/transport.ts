import { fork } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ResourceLimits, Sandbox } from '../actor/index.js';
import type { ToHost, ToMain } from './protocol.js';

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
  post(frame: ToHost): void;
  onFrames(listener: (frames: readonly ToMain[]) => void): void;
  onEnd(listener: (end: HostEnd) => void): void;
  /** Ends the host for good: a real kill, even of a host stuck in a loop. */
  terminate(): void;
  /** Whether the host keeps the main process alive (a host with no work should not). */
  ref(keep: boolean): void;
}

/** Batches frames and flushes them once the current turn's work is done. */
class Outbox {
  #frames: ToHost[] = [];
  #scheduled = false;
  readonly #flush: (frames: ToHost[]) => void;

  constructor(flush: (frames: ToHost[]) => void) {
    this.#flush = flush;
  }

  push(frame: ToHost): void {
    this.#frames.push(frame);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const frames = this.#frames;
      this.#frames = [];
      this.#flush(frames);
    });
  }
}

const WORKER_ENTRY = new URL('../hosting/worker-entry.js', import.meta.url);
const PROCESS_ENTRY = fileURLToPath(new URL('../hosting/process-entry.js', import.meta.url));

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
  const outbox = new Outbox((frames) => {
    if (!ended) worker.postMessage(frames);
  });
  return {
    post: (frame) => outbox.push(frame),
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

/** Node's permission flags for `sandbox` (`--permission` from Node 22, experimental on 20). */
function permissionFlags(sandbox: Sandbox | undefined): string[] {
  if (sandbox === undefined) return [];
  const major = Number(process.versions.node.split('.')[0]);
  const flags = [major >= 22 ? '--permission' : '--experimental-permission'];
  // The host must read its own code and the modules it imports.
  const reads = [...(sandbox.allowFsRead ?? [])];
  for (const path of reads) flags.push(`--allow-fs-read=${path}`);
  for (const path of sandbox.allowFsWrite ?? []) flags.push(`--allow-fs-write=${path}`);
  if (sandbox.allowChildProcess === true) flags.push('--allow-child-process');
  if (sandbox.allowWorker === true) flags.push('--allow-worker');
  // Node announces its permission model (experimental before Node 23) and each
  // allow flag on stderr at every start: notices about the runtime's own
  // choice of flags, not the body's output (semantics §20).
  flags.push('--disable-warning=ExperimentalWarning', '--disable-warning=SecurityWarning');
  return flags;
}

/** Starts a child process host (advanced serialization keeps structured-clone semantics). */
export function processTransport(
  limits: { readonly maxOldGenerationSizeMb?: number } | undefined,
  sandbox: Sandbox | undefined,
): Transport {
  const execArgv = [...permissionFlags(sandbox)];
  if (limits?.maxOldGenerationSizeMb !== undefined) {
    execArgv.push(`--max-old-space-size=${limits.maxOldGenerationSizeMb}`);
  }
  const child = fork(PROCESS_ENTRY, [], {
    serialization: 'advanced',
    execArgv,
    // stderr passes through this process's `process.stderr`, where a worker
    // thread's goes too: one place to watch (or capture) what hosts print.
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  const stderr = child.stderr as Socket | null;
  stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  let ended = false;
  let killed = false;
  let lastError: Error | undefined;
  const endListeners: ((end: HostEnd) => void)[] = [];
  child.on('error', (error) => {
    lastError = error;
  });
  child.on('exit', (code, signal) => {
    if (ended) return;
    ended = true;
    const info: HostEnd = {
      how: killed ? 'killed' : lastError === undefined ? 'exit' : 'crashed',
      code,
      signal,
      error: lastError,
    };
    for (const l of endListeners) l(info);
  });
  const outbox = new Outbox((frames) => {
    if (!ended && child.connected) child.send(frames);
  });
  return {
    post: (frame) => outbox.push(frame),
    onFrames: (listener) => child.on('message', (frames) => listener(frames as ToMain[])),
    onEnd: (listener) => endListeners.push(listener),
    terminate: () => {
      if (ended) return;
      killed = true;
      child.kill('SIGKILL');
    },
    ref: (keep) => {
      if (keep) {
        child.ref();
        child.channel?.ref();
        stderr?.ref();
      } else {
        child.unref();
        child.channel?.unref();
        stderr?.unref();
      }
    },
  };
}
