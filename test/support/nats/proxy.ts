import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

/**
 * A TCP proxy that sits between a client (a runtime node) and its NATS
 * server, so a test can cut the link without root: `partition()` stops every
 * byte in both directions without a FIN or RST (like a pulled cable: both
 * sides only notice by their own timeouts), `heal()` lets the held bytes and
 * closes through in order (like TCP retransmission after the cable is back).
 * Connections opened during a partition reach the server only after the heal.
 *
 * The client must connect with `ignoreClusterUpdates: true` and only the
 * proxy's URL, or it would bypass the proxy through gossiped server URLs.
 */

type Held = Buffer | 'end';

interface Leg {
  readonly to: () => Socket | undefined;
  readonly held: Held[];
}

interface Pair {
  readonly client: Socket;
  upstream: Socket | undefined;
  readonly up: Leg;
  readonly down: Leg;
}

/**
 * The proxy.
 *
 * @example
 * ```ts
 * const proxy = await TcpProxy.start(server.spec.port);
 * const nc = await connect({ servers: proxy.url, ignoreClusterUpdates: true, ...APP_USER });
 * proxy.partition(); // nc sees a stale connection after its ping limit
 * proxy.heal();
 * await proxy.close();
 * ```
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  #targetPort: number;
  #partitioned = false;
  #closed = false;

  private constructor(server: Server, targetPort: number) {
    this.#server = server;
    this.#targetPort = targetPort;
    server.on('connection', (client) => this.#accept(client));
  }

  /** Listens on a free loopback port and forwards to `127.0.0.1:<targetPort>`. */
  static async start(targetPort: number): Promise<TcpProxy> {
    const server = createServer({ pauseOnConnect: false });
    const proxy = new TcpProxy(server, targetPort);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** The port clients connect to. */
  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  /** `nats://127.0.0.1:<port>`. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Whether traffic is currently held. */
  get partitioned(): boolean {
    return this.#partitioned;
  }

  /** Connections currently open through the proxy. */
  get connections(): number {
    return this.#pairs.size;
  }

  /** Forwards new connections to another port (e.g. another server of the cluster). */
  retarget(targetPort: number): void {
    this.#targetPort = targetPort;
  }

  /** Holds every byte and close in both directions until {@link heal}. */
  partition(): void {
    this.#partitioned = true;
  }

  /** Releases what was held, in order, and forwards again. */
  heal(): void {
    this.#partitioned = false;
    for (const pair of [...this.#pairs]) {
      if (pair.upstream === undefined && pair.client.destroyed) {
        this.#drop(pair);
        continue;
      }
      if (pair.upstream === undefined) this.#dial(pair);
      this.#flush(pair.up);
      this.#flush(pair.down);
    }
  }

  /** Cuts every open connection at once (both sides see the socket close). */
  reset(): void {
    for (const pair of [...this.#pairs]) this.#drop(pair);
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.reset();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    const pair: Pair = {
      client,
      upstream: undefined,
      up: { to: () => pair.upstream, held: [] },
      down: { to: () => client, held: [] },
    };
    this.#pairs.add(pair);
    client.setNoDelay(true);
    client.on('data', (chunk) => this.#carry(pair.up, chunk));
    client.on('end', () => this.#carry(pair.up, 'end'));
    client.on('error', () => this.#sideClosed(pair, pair.up));
    client.on('close', () => this.#sideClosed(pair, pair.up));
    if (!this.#partitioned) this.#dial(pair);
  }

  #dial(pair: Pair): void {
    const upstream = tcpConnect({ host: '127.0.0.1', port: this.#targetPort });
    pair.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on('data', (chunk) => this.#carry(pair.down, chunk));
    upstream.on('end', () => this.#carry(pair.down, 'end'));
    upstream.on('error', () => this.#sideClosed(pair, pair.down));
    upstream.on('close', () => this.#sideClosed(pair, pair.down));
    this.#flush(pair.up);
  }

  #carry(leg: Leg, item: Held): void {
    leg.held.push(item);
    if (!this.#partitioned) this.#flush(leg);
  }

  #flush(leg: Leg): void {
    const to = leg.to();
    if (to === undefined || to.destroyed) return;
    for (const item of leg.held.splice(0)) {
      if (item === 'end') to.end();
      else to.write(item);
    }
  }

  /** One side closed: pass the close on now, or after the heal when partitioned. */
  #sideClosed(pair: Pair, leg: Leg): void {
    if (this.#partitioned) leg.held.push('end');
    else this.#drop(pair);
  }

  #drop(pair: Pair): void {
    if (!this.#pairs.delete(pair)) return;
    pair.client.destroy();
    pair.upstream?.destroy();
  }
}
