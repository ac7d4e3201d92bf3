import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ClusterOptions, WirePid } from '../../src/index.js';
import { READY_LIMIT_MS } from '../support/nats/index.js';
import { LIMIT_MS } from './node-helpers.js';

/**
 * Runs a cluster node in a child process (see node-child.ts) and waits on
 * what it reports over IPC. `kill`, `pause` and `resume` are real signals.
 */

const ENTRY = fileURLToPath(new URL('./node-child.js', import.meta.url));

/** What a child node reports. */
export type ChildReport =
  | { readonly type: 'ready'; readonly id: string; readonly echo: WirePid }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'event'; readonly event: { type: string; node: string; reason?: string } }
  | { readonly type: 'status'; readonly status: string; readonly at: number }
  | {
      readonly type: 'ended';
      readonly fenced: string | undefined;
      readonly why: string | undefined;
    };

/** One node in a child process. */
export class ChildNode {
  readonly child: ChildProcess;
  readonly #reports: ChildReport[] = [];
  readonly #waiters: {
    match: (r: ChildReport) => boolean;
    resolve: (r: ChildReport) => void;
    exited: (code: number | null) => void;
  }[] = [];
  readonly exited: Promise<number | null>;
  #closed: { readonly code: number | null } | undefined;
  id = '';
  echo: WirePid = { node: '', id: 0 };

  private constructor(child: ChildProcess) {
    this.child = child;
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    // A child that ended fails every wait at once: 'close' comes after its IPC channel closed,
    // so every report it sent came first ('exit' may come before the last of them).
    child.on('close', (code) => {
      this.#closed = { code };
      for (const waiter of this.#waiters.splice(0)) waiter.exited(code);
    });
    child.on('message', (m) => {
      const report = m as ChildReport;
      const i = this.#waiters.findIndex((w) => w.match(report));
      if (i >= 0) this.#waiters.splice(i, 1)[0]?.resolve(report);
      else this.#reports.push(report);
    });
  }

  /** Starts a node with `options` and resolves once it is up. */
  static async start(
    options: Partial<ClusterOptions> & { servers: string | string[]; name: string },
  ): Promise<ChildNode> {
    const child = fork(ENTRY, [], {
      env: { ...process.env, AIRSSYS_NODE: JSON.stringify(options) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const node = new ChildNode(child);
    // A start is a process start, a module load and a join whose own limit (joinTimeout, 30 s
    // in FAST) is inside this one: on a busy machine each can take seconds.
    const ready = await node.next((r) => r.type === 'ready' || r.type === 'failed', READY_LIMIT_MS);
    if (ready.type !== 'ready') throw new Error(`child node failed: ${JSON.stringify(ready)}`);
    node.id = ready.id;
    node.echo = ready.echo;
    return node;
  }

  /** The first report (already received or to come) that `match` accepts. */
  next(match: (r: ChildReport) => boolean, limitMs = LIMIT_MS): Promise<ChildReport> {
    const i = this.#reports.findIndex(match);
    if (i >= 0) return Promise.resolve(this.#reports.splice(i, 1)[0] as ChildReport);
    // Made here, not in the timer: its stack then names the test line that waited.
    const timeout = new Error(`child ${this.id}: no matching report within ${limitMs} ms`);
    return new Promise((resolve, reject) => {
      // What did come tells a node that never acted from one that acted and then stalled.
      const fail = (why: string): void => {
        clearTimeout(timer);
        timeout.message = `child ${this.id}: ${why}; reports meanwhile: ${JSON.stringify(this.#reports)}`;
        reject(timeout);
      };
      const waiter = {
        match,
        resolve: (r: ChildReport) => {
          clearTimeout(timer);
          resolve(r);
        },
        exited: (code: number | null) => fail(`exited (code ${code}) without a matching report`),
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        fail(`no matching report within ${limitMs} ms`);
      }, limitMs);
      if (this.#closed === undefined) this.#waiters.push(waiter);
      else waiter.exited(this.#closed.code);
    });
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Graceful: the child shuts its system down (it leaves the cluster first). */
  shutdown(): void {
    this.child.send({ type: 'shutdown' });
  }

  /** Kills it if it still runs (test teardown). */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGCONT');
      this.child.kill('SIGKILL');
    }
    await this.exited;
  }
}
