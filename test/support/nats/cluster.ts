import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import type { ConnectionOptions, NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { freePorts, natsServerBinary, setprivBinary } from './ports.js';
import { TcpProxy } from './proxy.js';
import { APP_USER, type Launcher, NatsServer, READY_LIMIT_MS, SYS_USER } from './server.js';

/**
 * `NatsTestCluster`: one `nats-server` with JetStream, or a three-server
 * JetStream cluster, on free loopback ports, each server with its own temp
 * store. It tracks every server, client connection and proxy it made and
 * tears all of them down in {@link NatsTestCluster.stop}; a server also dies
 * with the test process (parent-death signal), so nothing is orphaned.
 */

/** Options of {@link NatsTestCluster.start}. */
export interface NatsTestClusterOptions {
  /** How many servers: 1 (a single JetStream server) or more (a routed JetStream cluster). Default 1. */
  readonly size?: number;
}

/** Options for a client made by the harness: any client option, plus which server to dial. */
export type TestConnectOptions = Partial<ConnectionOptions> & {
  /** Only this server (index), instead of every server of the cluster. */
  readonly server?: number;
};

const CLOSE_LIMIT_MS = 5_000;

/**
 * Servers for one test file.
 *
 * @example
 * ```ts
 * const nats = await NatsTestCluster.start({ size: 3 });
 * after(() => nats.stop());
 * const nc = await nats.connect();
 * await nats.kill(0);            // SIGKILL server s1; the cluster keeps JetStream
 * await nats.restart(0);
 * await nats.waitForJetStream();
 * ```
 */
export class NatsTestCluster {
  readonly servers: readonly NatsServer[];
  readonly #dir: string;
  readonly #connections = new Set<NatsConnection>();
  readonly #proxies = new Set<TcpProxy>();
  #stopped = false;

  private constructor(servers: NatsServer[], dir: string) {
    this.servers = servers;
    this.#dir = dir;
  }

  /** Starts the servers and resolves once every one answers JetStream requests. */
  static async start(options: NatsTestClusterOptions = {}): Promise<NatsTestCluster> {
    const binary = natsServerBinary();
    if (binary === undefined) throw new Error('nats-server is not installed');
    const launcher: Launcher = { binary, setpriv: setprivBinary() };
    const size = options.size ?? 1;
    const dir = mkdtempSync(join(tmpdir(), 'airssys-nats-'));
    const ports = await freePorts(size * 2);
    const clientPorts = ports.slice(0, size);
    const routePorts = ports.slice(size);
    const servers = clientPorts.map(
      (port, i) =>
        new NatsServer(
          {
            name: `s${i + 1}`,
            port,
            dir: join(dir, `s${i + 1}`),
            ...(size > 1
              ? { cluster: { name: 'c1', port: routePorts[i] ?? 0, routes: routePorts } }
              : {}),
          },
          launcher,
        ),
    );
    const cluster = new NatsTestCluster(servers, dir);
    try {
      await Promise.all(servers.map((s) => s.start()));
      await cluster.waitForJetStream();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Client URLs of every server (running or not), in order. */
  get urls(): string[] {
    return this.servers.map((s) => s.url);
  }

  /** The server at `index`, or a clear error. */
  server(index: number): NatsServer {
    const server = this.servers[index];
    if (server === undefined) throw new Error(`no server ${index}`);
    return server;
  }

  /**
   * A client of the APP account (JetStream enabled), closed by {@link stop}.
   * Reconnects forever, 100 ms apart, unless `options` say otherwise.
   */
  async connect(options: TestConnectOptions = {}): Promise<NatsConnection> {
    const { server, ...rest } = options;
    return this.#track(
      await connect({
        servers: server === undefined ? this.urls : this.server(server).url,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 100,
        ...APP_USER,
        ...rest,
      }),
    );
  }

  /** A client of the system account (advisories, `$SYS.REQ.*`), closed by {@link stop}. */
  async connectSystem(options: TestConnectOptions = {}): Promise<NatsConnection> {
    return this.connect({ ...SYS_USER, ...options });
  }

  /** A proxy in front of server `index` (see {@link TcpProxy}), closed by {@link stop}. */
  async proxy(index: number): Promise<TcpProxy> {
    const proxy = await TcpProxy.start(this.server(index).spec.port);
    this.#proxies.add(proxy);
    return proxy;
  }

  /**
   * A client that reaches the cluster only through `proxy` (cluster URL
   * gossip ignored, so it cannot bypass it), closed by {@link stop}.
   */
  async connectThrough(
    proxy: TcpProxy,
    options: Partial<ConnectionOptions> = {},
  ): Promise<NatsConnection> {
    return this.connect({ ...options, servers: proxy.url, ignoreClusterUpdates: true });
  }

  /** Sends `signal` (SIGKILL by default) to server `index` and waits for it to exit. */
  kill(index: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return this.server(index).kill(signal);
  }

  /** SIGSTOP server `index`. */
  pause(index: number): void {
    this.server(index).pause();
  }

  /** SIGCONT server `index`. */
  resume(index: number): void {
    this.server(index).resume();
  }

  /**
   * Kills server `index` (if running) and starts it again on the same ports
   * and store; resolves when it is ready for clients. JetStream may need
   * longer (a quorum): see {@link waitForJetStream}.
   */
  restart(index: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return this.server(index).restart(signal);
  }

  /**
   * Resolves when every running server answers a JetStream account request
   * (a meta leader exists and this account can use it) and every stream has
   * a leader whose replicas on running servers are current. The second part
   * matters after a kill or restart: a stream whose leader was on a killed
   * server has none until its Raft election ends (seconds), and a request
   * made meanwhile is dropped, not refused — the client waits for its whole
   * timeout. Retries every 100 ms within a generous limit that only guards
   * a hang.
   */
  async waitForJetStream(limitMs = READY_LIMIT_MS): Promise<void> {
    const until = Date.now() + limitMs;
    await this.#waitForAccounts(until, limitMs);
    if (this.servers.length > 1) {
      await this.#waitForMetaGroup(until, limitMs);
      await this.#waitForStreamLeaders(until, limitMs);
    }
  }

  /**
   * Every running server is in JetStream's meta group and current: until
   * then an R3 stream may be refused with "no suitable peers for placement".
   */
  async #waitForMetaGroup(until: number, limitMs: number): Promise<void> {
    const running = this.servers.filter((s) => s.running).map((s) => s.spec.name);
    const live = this.servers.find((s) => s.running);
    if (live === undefined) return;
    const nc = await connect({ servers: live.url, ...SYS_USER, maxReconnectAttempts: 0 });
    try {
      let last = '';
      for (;;) {
        try {
          const meta = await leaderView(nc, running.length);
          const current = new Set(
            (meta?.replicas ?? []).filter((r) => r.current).map((r) => r.name),
          );
          if (meta?.leader !== undefined) current.add(meta.leader);
          const missing = running.filter((name) => !current.has(name));
          if (meta?.leader !== undefined && missing.length === 0) return;
          last = `leader ${meta?.leader ?? 'none'}, not current: ${missing.join(', ')}`;
        } catch (error) {
          last = String(error);
        }
        if (Date.now() > until) {
          throw new Error(`JetStream meta group not formed within ${limitMs} ms: ${last}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await nc.close();
    }
  }

  async #waitForAccounts(until: number, limitMs: number): Promise<void> {
    for (const server of this.servers.filter((s) => s.running)) {
      const nc = await connect({ servers: server.url, ...APP_USER, maxReconnectAttempts: 0 });
      try {
        let last: unknown;
        for (;;) {
          try {
            const jsm = await jetstreamManager(nc, { timeout: 2_000 });
            await jsm.getAccountInfo();
            break;
          } catch (error) {
            last = error;
          }
          if (Date.now() > until) {
            throw new Error(
              `JetStream not ready on ${server.spec.name} within ${limitMs} ms: ${String(last)}\n${server.logTail()}`,
            );
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        await nc.close();
      }
    }
  }

  async #waitForStreamLeaders(until: number, limitMs: number): Promise<void> {
    const running = new Set(this.servers.filter((s) => s.running).map((s) => s.spec.name));
    const live = this.servers.find((s) => s.running);
    if (live === undefined) return;
    const nc = await connect({ servers: live.url, ...APP_USER, maxReconnectAttempts: 0 });
    try {
      let last = '';
      for (;;) {
        try {
          const jsm = await jetstreamManager(nc, { timeout: 2_000 });
          const waiting: string[] = [];
          for await (const info of jsm.streams.list()) {
            const name = info.config.name;
            // The stream's own answer (its leader's), not the listing's: a leaderless stream times out.
            const { cluster } = await jsm.streams.info(name);
            if (cluster?.leader === undefined) waiting.push(`${name}: no leader`);
            for (const peer of cluster?.replicas ?? []) {
              if (running.has(peer.name) && !peer.current)
                waiting.push(`${name}: ${peer.name} not current`);
            }
          }
          if (waiting.length === 0) return;
          last = waiting.join(', ');
        } catch (error) {
          last = String(error);
        }
        if (Date.now() > until) {
          throw new Error(`JetStream streams not settled within ${limitMs} ms: ${last}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await nc.close();
    }
  }

  /** Closes every tracked client and proxy, kills every server, removes the stores. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const closing = [...this.#connections].map((nc) => closeWithin(nc, CLOSE_LIMIT_MS));
    await Promise.all(closing);
    this.#connections.clear();
    await Promise.all([...this.#proxies].map((p) => p.close()));
    this.#proxies.clear();
    await Promise.all(this.servers.map((s) => s.kill('SIGKILL')));
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #track(nc: NatsConnection): NatsConnection {
    if (this.#stopped) {
      void nc.close();
      throw new Error('the cluster is stopped');
    }
    this.#connections.add(nc);
    void nc.closed().then(() => this.#connections.delete(nc));
    return nc;
  }
}

/** Closes `nc`, giving up on a graceful drain after `ms` (its server may be dead or paused). */
async function closeWithin(nc: NatsConnection, ms: number): Promise<void> {
  if (nc.isClosed()) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    nc.close().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

/** The part of a server's JSZ answer that names the meta group. */
/**
 * The meta group as its leader reports it. Every server answers the JSZ ping,
 * but only the leader knows whether the others are current (a follower lists
 * no replicas): taking the first answer, a busy leader answering last would
 * look like a group that never forms.
 */
async function leaderView(nc: NatsConnection, servers: number): Promise<MetaCluster | undefined> {
  const answers = await nc.requestMany('$SYS.REQ.SERVER.PING.JSZ', '', {
    strategy: 'count',
    maxMessages: servers,
    maxWait: 2_000,
  });
  let any: MetaCluster | undefined;
  for await (const answer of answers) {
    const jsz = answer.json() as {
      server?: { name?: string };
      data?: { meta_cluster?: MetaCluster };
    };
    const meta = jsz.data?.meta_cluster;
    if (meta === undefined) continue;
    if (meta.leader !== undefined && meta.leader === jsz.server?.name) return meta;
    any ??= meta;
  }
  // No leader answered: report what a follower sees (its leader, no replicas).
  if (any === undefined) return undefined;
  return any.leader === undefined ? {} : { leader: any.leader };
}

interface MetaCluster {
  readonly leader?: string;
  readonly replicas?: readonly { readonly name: string; readonly current: boolean }[];
}
