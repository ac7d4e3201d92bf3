import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One `nats-server` process started by a test: its config, its lifecycle
 * (start, kill with any signal, pause, resume, restart on the same ports and
 * store) and the tail of its log. Readiness is an event: the server's own
 * "Server is ready" line, never a sleep.
 */

/** The client accounts every test server has (JetStream in APP, SYS for advisories). */
export const APP_USER = { user: 'app', pass: 'app' } as const;
export const SYS_USER = { user: 'sys', pass: 'sys' } as const;
/**
 * An APP user that may publish JetStream, KV, inbox, heartbeat and node
 * system subjects but not the frames nodes send each other
 * (`<root>.<cluster>.n.<node>.m`): it joins, and its messages are denied.
 */
export const NO_FRAMES_USER = { user: 'noframes', pass: 'noframes' } as const;
/** An APP user that may subscribe to inboxes and node subjects but not to heartbeats: it cannot join. */
export const NO_HEARTBEATS_USER = { user: 'nohb', pass: 'nohb' } as const;

/** The node names the test server has a per-name user for ({@link nodeUser}). */
export const NODE_USER_NAMES = ['observer', 'spoofed', 'forger'] as const;

/**
 * The APP user of one node name, as docs/semantics.md §25 recommends: it may publish the
 * heartbeats of that name only (`<root>.<cluster>.hb.<name>.*`), frames and system
 * messages to any node, and JetStream, KV and inboxes.
 *
 * @example
 * ```ts
 * const node = await startNode(nats, 'observer', { connectOptions: nodeUser('observer') });
 * ```
 */
export function nodeUser(name: (typeof NODE_USER_NAMES)[number]): { user: string; pass: string } {
  return { user: `node-${name}`, pass: `node-${name}` };
}

const LIMITED_USERS = [
  `{user: ${NO_FRAMES_USER.user}, password: ${NO_FRAMES_USER.pass}, permissions: {publish: {allow: ["$JS.>", "$KV.>", "_INBOX.>", "*.*.hb.>", "*.*.n.*.s.>"]}}}`,
  `{user: ${NO_HEARTBEATS_USER.user}, password: ${NO_HEARTBEATS_USER.pass}, permissions: {subscribe: {allow: ["_INBOX.>", "*.*.n.>"]}}}`,
  ...NODE_USER_NAMES.map((name) => {
    const { user, pass } = nodeUser(name);
    return `{user: ${user}, password: ${pass}, permissions: {publish: {allow: ["$JS.>", "$KV.>", "_INBOX.>", "*.*.n.>", "*.*.hb.${name}.*"]}}}`;
  }),
].join(', ');

/** Where and how one server listens. */
export interface NatsServerSpec {
  /** `server_name`, e.g. `s1`. */
  readonly name: string;
  /** Client port on 127.0.0.1. */
  readonly port: number;
  /** Own store directory (JetStream data, config, nothing shared). */
  readonly dir: string;
  /** Cluster membership: this server's route port and every route port of the cluster. */
  readonly cluster?: {
    readonly name: string;
    readonly port: number;
    readonly routes: readonly number[];
  };
}

/** How a server is started: the binary and, when available, `setpriv` for a parent-death signal. */
export interface Launcher {
  readonly binary: string;
  readonly setpriv: string | undefined;
}

/** The generous limit that only guards a hang (a busy machine must not fail a test). */
export const READY_LIMIT_MS = 60_000;

const LOG_LINES = 300;

/** The nats-server config text for `spec`. */
export function serverConfig(spec: NatsServerSpec): string {
  const lines = [
    `listen: 127.0.0.1:${spec.port}`,
    `server_name: ${spec.name}`,
    `jetstream { store_dir: ${JSON.stringify(join(spec.dir, 'js'))} }`,
    // A client must send its CONNECT within this many seconds of the TCP accept (the server's
    // default is about 1 s without TLS). A node process starting on a busy machine took longer:
    // the server closed it with 'Authentication Timeout' and its join failed. A hang guard.
    'authorization { timeout: 10 }',
    'accounts {',
    `  APP: { jetstream: enabled, users: [{user: ${APP_USER.user}, password: ${APP_USER.pass}}, ${LIMITED_USERS}] }`,
    `  SYS: { users: [{user: ${SYS_USER.user}, password: ${SYS_USER.pass}}] }`,
    '}',
    'system_account: SYS',
  ];
  if (spec.cluster !== undefined) {
    const routes = spec.cluster.routes.map((p) => `nats-route://127.0.0.1:${p}`).join(', ');
    lines.push(
      `cluster { name: ${spec.cluster.name}, listen: 127.0.0.1:${spec.cluster.port}, routes: [${routes}] }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A test-owned nats-server.
 *
 * @example
 * ```ts
 * const server = new NatsServer(spec, launcher);
 * await server.start();
 * await server.kill('SIGKILL');
 * await server.restart();
 * ```
 */
export class NatsServer {
  readonly spec: NatsServerSpec;
  readonly #launcher: Launcher;
  readonly #configPath: string;
  readonly #log: string[] = [];
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #paused = false;
  readonly #killOnExit = (): void => {
    this.#child?.kill('SIGKILL');
  };

  constructor(spec: NatsServerSpec, launcher: Launcher) {
    this.spec = spec;
    this.#launcher = launcher;
    mkdirSync(spec.dir, { recursive: true });
    this.#configPath = join(spec.dir, 'server.conf');
    writeFileSync(this.#configPath, serverConfig(spec));
  }

  /** `nats://127.0.0.1:<port>`. */
  get url(): string {
    return `nats://127.0.0.1:${this.spec.port}`;
  }

  /** Whether the process is alive (it may be paused). */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /** The OS pid, while running. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The last lines the server logged (for failure messages). */
  logTail(lines = 40): string {
    return this.#log.slice(-lines).join('\n');
  }

  /** Starts the process and resolves when it logs that it is ready for clients. */
  async start(): Promise<void> {
    if (this.#child !== undefined) throw new Error(`${this.spec.name} is already running`);
    const { binary, setpriv } = this.#launcher;
    const args = ['-c', this.#configPath];
    // setpriv execs the server in place (same pid), so signals reach the server itself, and the
    // kernel SIGKILLs it if this test process dies without tearing down.
    const child =
      setpriv === undefined
        ? spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn(setpriv, ['--pdeathsig', 'KILL', '--', binary, ...args], {
            stdio: ['ignore', 'pipe', 'pipe'],
          });
    this.#child = child;
    this.#paused = false;
    process.once('exit', this.#killOnExit);
    let onLine: (line: string) => void = () => {};
    const collect = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        this.#log.push(line);
        onLine(line);
      }
      if (this.#log.length > LOG_LINES) this.#log.splice(0, this.#log.length - LOG_LINES);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.#exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        if (this.#child === child) this.#child = undefined;
        process.off('exit', this.#killOnExit);
        resolve();
      });
    });
    const exited = this.#exited;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        fail(new Error(`${this.spec.name} not ready within ${READY_LIMIT_MS} ms`));
      }, READY_LIMIT_MS);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        onLine = () => {};
        reject(new Error(`${error.message}\n--- ${this.spec.name} log ---\n${this.logTail()}`));
      };
      onLine = (line) => {
        if (!line.includes('Server is ready')) return;
        clearTimeout(timer);
        onLine = () => {};
        resolve();
      };
      child.once('error', fail);
      void exited.then(() => fail(new Error(`${this.spec.name} exited before it was ready`)));
    });
  }

  /** Sends `signal` (SIGKILL by default) and resolves once the process has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    // A stopped process only acts on SIGKILL; wake it for any other signal.
    if (this.#paused && signal !== 'SIGKILL') child.kill('SIGCONT');
    child.kill(signal);
    await this.#exited;
    this.#paused = false;
  }

  /** SIGSTOP: the server hangs with its sockets open (nothing is closed). */
  pause(): void {
    if (this.#child === undefined) throw new Error(`${this.spec.name} is not running`);
    this.#child.kill('SIGSTOP');
    this.#paused = true;
  }

  /** SIGCONT after {@link pause}. */
  resume(): void {
    if (this.#child === undefined) throw new Error(`${this.spec.name} is not running`);
    this.#child.kill('SIGCONT');
    this.#paused = false;
  }

  /** Kills the process (SIGKILL unless `signal` says otherwise) and starts it on the same ports and store. */
  async restart(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.kill(signal);
    await this.start();
  }
}
