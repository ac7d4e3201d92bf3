import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ClusterOptions, WirePid } from '../../src/index.js';
import { READY_LIMIT_MS } from '../support/nats/index.js';
import { LIMIT_MS } from './node-helpers.js';

/**
 * Runs probe-child.ts in a child process (real SIGKILL/SIGSTOP) and talks to it over IPC:
 * `call` sends a command and resolves with its result; `next` waits for any other report.
 */

const ENTRY = fileURLToPath(new URL('./probe-child.js', import.meta.url));

/** What a probe child reports. */
export interface ProbeReport {
  readonly type: 'ready' | 'failed' | 'event' | 'ended' | 'result' | 'got';
  readonly [key: string]: unknown;
}

/** One probe node in a child process. */
export class ProbeChild {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly #reports: ProbeReport[] = [];
  readonly #waiters: { match: (r: ProbeReport) => boolean; resolve: (r: ProbeReport) => void }[] =
    [];
  #req = 0;
  id = '';
  echo: WirePid = { node: '', id: 0 };

  private constructor(child: ChildProcess) {
    this.child = child;
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    child.on('message', (m) => {
      const report = m as ProbeReport;
      const i = this.#waiters.findIndex((w) => w.match(report));
      if (i >= 0) this.#waiters.splice(i, 1)[0]?.resolve(report);
      else this.#reports.push(report);
    });
  }

  /** Starts a node with `options`; resolves once it is up with its registry and groups open. */
  static async start(
    options: Partial<ClusterOptions> & { servers: string | string[]; name: string },
  ): Promise<ProbeChild> {
    const child = fork(ENTRY, [], {
      env: { ...process.env, AIRSSYS_NODE: JSON.stringify(options) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const node = new ProbeChild(child);
    const ready = await node.next((r) => r.type === 'ready' || r.type === 'failed', READY_LIMIT_MS);
    if (ready.type !== 'ready') throw new Error(`probe child failed: ${JSON.stringify(ready)}`);
    node.id = ready.id as string;
    node.echo = ready.echo as WirePid;
    return node;
  }

  /** Sends a command and resolves with its result report. */
  call(command: Record<string, unknown>): Promise<ProbeReport> {
    const req = ++this.#req;
    const result = this.next((r) => r.type === 'result' && r.req === req);
    this.child.send({ ...command, req });
    return result;
  }

  /** The first report (received or to come) that `match` accepts; the limit guards a hang. */
  next(match: (r: ProbeReport) => boolean, limitMs = LIMIT_MS): Promise<ProbeReport> {
    const i = this.#reports.findIndex(match);
    if (i >= 0) return Promise.resolve(this.#reports.splice(i, 1)[0] as ProbeReport);
    const timeout = new Error(`probe child ${this.id}: no matching report within ${limitMs} ms`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(timeout), limitMs);
      timer.unref();
      this.#waiters.push({
        match,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
    });
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
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
