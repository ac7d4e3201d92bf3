import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ActorSystem } from '../system/index.js';
import { Collector } from './collector.js';
import { isLoopback, type ObserverOptions, resolveObserverOptions } from './options.js';
import { renderPage } from './page.js';
import { handleRequest, type ObserverContext, snapshot } from './server.js';
import { SseHub } from './sse.js';

/**
 * `startObserver`: the HTTP server, its sampling timer and its lifetime.
 *
 * @module
 */

/**
 * A running observer.
 *
 * @example
 * ```ts
 * const observer = await startObserver(system, { port: 0 });
 * console.log(`observer at ${observer.url}`);
 * await observer.close();
 * ```
 */
export interface Observer {
  /** The page's address, `http://host:port/` (without the token). */
  readonly url: string;
  /** The port it listens on (the chosen one when `port` was 0). */
  readonly port: number;
  /**
   * Ends the event streams, closes every connection and the server, stops
   * sampling and stops listening to the system. Idempotent; afterwards the
   * observer holds nothing that keeps Node running.
   */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** The host part of `url`: a wildcard bind is reached locally through 127.0.0.1. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * Starts the observer for `system` (docs/semantics.md §18): a page with the
 * supervision tree, the process table, charts, the event log and process
 * detail, live over server-sent events; `/api/snapshot`, `/metrics`,
 * `/health/live`, `/health/ready`. Read-only unless `control` is set.
 * Binds `127.0.0.1:9465` by default. Rejects with `InvalidArgumentError`
 * for a bad option (a non-loopback host without a token, `control` without
 * a token) and with the listen error (`EADDRINUSE`, ...).
 *
 * @example
 * ```ts
 * import { createSystem } from 'airssys-rt';
 * import { startObserver } from 'airssys-rt/observer';
 * const system = createSystem();
 * const observer = await startObserver(system, { port: 0 });
 * console.log(observer.url); // http://127.0.0.1:41234/
 * ```
 */
export async function startObserver(
  system: ActorSystem,
  options?: ObserverOptions,
): Promise<Observer> {
  const resolved = resolveObserverOptions(options);
  const collector = new Collector(system, {
    eventLog: resolved.eventLog,
    history: resolved.history,
    ...(resolved.health === undefined ? {} : { health: resolved.health }),
  });
  const hub = new SseHub();
  const ctx: ObserverContext = {
    system,
    collector,
    hub,
    options: resolved,
    page: renderPage(),
    loopback: isLoopback(resolved.host),
  };
  const server = createServer((req, res) => handleRequest(ctx, req, res));
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  let address: AddressInfo;
  try {
    address = await listen(server, resolved.port, resolved.host);
  } catch (error) {
    collector.close();
    throw error;
  }
  let warned = false;
  const tick = () => {
    try {
      collector.sample();
      if (hub.size === 0) return;
      hub.broadcast('snapshot', JSON.stringify(snapshot(ctx, false)));
      hub.sendLog(collector.lastSeq, (since) => collector.log(since));
    } catch (error) {
      // A failing sample must not take the application down; say it once.
      if (!warned) process.emitWarning(`airssys-rt observer: ${String(error)}`);
      warned = true;
    }
  };
  const sampler = setInterval(tick, resolved.intervalMs);
  sampler.unref();
  const heartbeat = setInterval(() => hub.heartbeat(), resolved.heartbeatMs);
  heartbeat.unref();
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(resolved.host)}:${address.port}/`,
    port: address.port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(sampler);
        clearInterval(heartbeat);
        collector.close();
        hub.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
