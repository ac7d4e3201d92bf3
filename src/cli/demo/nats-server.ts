/**
 * A throwaway `nats-server` for the cluster demo: JetStream on, listening
 * on a free loopback port, its store in a fresh temp folder; stopped and
 * the folder removed at the end. Only what the demo needs — the test
 * harness (test/support/nats) is the full one.
 *
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How long the server may take to say it is ready (a loaded machine), ms. */
const READY_LIMIT_MS = 30_000;

/**
 * Why the demo cannot start a server here, or undefined when it can: the
 * `nats-server` binary (or `$NATS_SERVER`) must run.
 *
 * @example
 * ```ts
 * const why = natsServerMissing();
 * if (why !== undefined) console.error(`cannot run the cluster demo: ${why}`);
 * ```
 */
export function natsServerMissing(binary = natsServerBinary()): string | undefined {
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error !== undefined || probe.status !== 0) {
    return `${binary} is not installed or does not run (install nats-server, e.g. apt-get install nats-server, or set NATS_SERVER)`;
  }
  return undefined;
}

/** The server binary: `$NATS_SERVER`, or `nats-server` on the PATH. */
function natsServerBinary(): string {
  return process.env.NATS_SERVER ?? 'nats-server';
}

/** A free TCP port on 127.0.0.1 (the OS picks one; it is free when this resolves). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A local `nats-server -js` started for the length of a demo.
 *
 * @example
 * ```ts
 * const server = await LocalNatsServer.start();
 * createSystem({ cluster: { servers: server.url, name: 'a' } });
 * await server.stop();
 * ```
 */
export class LocalNatsServer {
  /** `nats://127.0.0.1:<port>`. */
  readonly url: string;
  readonly #child: ChildProcess;
  readonly #storeDir: string;
  readonly #exited: Promise<void>;

  private constructor(url: string, child: ChildProcess, storeDir: string) {
    this.url = url;
    this.#child = child;
    this.#storeDir = storeDir;
    this.#exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  }

  /** Starts the server; resolves once it accepts clients, rejects if it exits or stays silent. */
  static async start(binary = natsServerBinary()): Promise<LocalNatsServer> {
    const port = await freePort();
    const storeDir = mkdtempSync(join(tmpdir(), 'airssys-demo-nats-'));
    const child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const server = new LocalNatsServer(`nats://127.0.0.1:${port}`, child, storeDir);
    // A demo that quits at once (a second Ctrl-C) must not leave its server behind.
    process.once('exit', server.#onExit);
    try {
      await new Promise<void>((resolve, reject) => {
        let log = '';
        const timer = setTimeout(
          () => reject(new Error(`nats-server did not start within ${READY_LIMIT_MS} ms: ${log}`)),
          READY_LIMIT_MS,
        );
        child.stderr?.on('data', (chunk: Buffer) => {
          log = (log + chunk.toString()).slice(-4_000);
          if (log.includes('Server is ready')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`nats-server exited (${code}) before it was ready: ${log.trim()}`));
        });
      });
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  readonly #onExit = (): void => {
    this.#child.kill('SIGKILL');
    rmSync(this.#storeDir, { recursive: true, force: true });
  };

  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its store. */
  async stop(): Promise<void> {
    process.off('exit', this.#onExit);
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill('SIGTERM');
      const late = setTimeout(() => this.#child.kill('SIGKILL'), 5_000);
      await this.#exited;
      clearTimeout(late);
    }
    rmSync(this.#storeDir, { recursive: true, force: true });
  }
}
