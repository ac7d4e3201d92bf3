import type { IncomingMessage, ServerResponse } from 'node:http';
import { BASE_HEADERS } from './http.js';
import type { LogEntry } from './log.js';

/**
 * The server-sent event streams of the observer's pages. Each client gets
 * `snapshot` events (the same JSON for all, serialized once per tick) and
 * `log` events carrying the log entries it has not seen yet. A slow client
 * whose socket buffer is full skips snapshots until it drains; its log
 * cursor does not move meanwhile, so it loses no entry that is still in
 * the ring. A comment line every `heartbeatMs` keeps proxies from closing
 * an idle stream.
 *
 * @module
 */

/**
 * Streams open at once; more are refused with 503, so page reloads cannot exhaust the server.
 *
 * @example
 * ```ts
 * if (hub.size >= MAX_STREAMS) console.warn('observer: too many pages open');
 * ```
 */
export const MAX_STREAMS = 100;

interface Client {
  readonly res: ServerResponse;
  congested: boolean;
  /** The seq of the newest log entry sent. */
  cursor: number;
}

/**
 * The open event streams.
 *
 * @example
 * ```ts
 * const hub = new SseHub();
 * hub.open(req, res, [['snapshot', json]], 0);
 * hub.broadcast('snapshot', json);
 * hub.close();
 * ```
 */
export class SseHub {
  readonly #clients = new Set<Client>();
  #closed = false;

  /** How many streams are open. */
  get size(): number {
    return this.#clients.size;
  }

  /**
   * Opens a stream on `res` and sends `initial` frames (`[event, json]`);
   * `cursor` is the seq of the newest log entry they included.
   */
  open(
    req: IncomingMessage,
    res: ServerResponse,
    initial: readonly [string, string][],
    cursor = 0,
  ): void {
    if (this.#closed || this.#clients.size >= MAX_STREAMS) {
      res.writeHead(503, { ...BASE_HEADERS, 'retry-after': '5' }).end();
      return;
    }
    res.writeHead(200, {
      ...BASE_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const client: Client = { res, congested: false, cursor };
    this.#clients.add(client);
    const drop = () => this.#clients.delete(client);
    req.on('close', drop);
    res.on('close', drop);
    res.on('error', drop);
    res.on('drain', () => {
      client.congested = false;
    });
    this.#write(client, 'retry: 2000\n\n');
    for (const [event, data] of initial) this.#write(client, frame(event, data));
  }

  /** Sends one event to every stream that is not congested. */
  broadcast(event: string, json: string): void {
    const text = frame(event, json);
    for (const client of this.#clients) if (!client.congested) this.#write(client, text);
  }

  /**
   * Sends each stream the entries newer than its cursor, as one `log` event.
   * `entries(since)` returns the entries after seq `since`; streams at the
   * same cursor share one serialization.
   */
  sendLog(lastSeq: number, entries: (since: number) => LogEntry[]): void {
    const cache = new Map<number, string>();
    for (const client of this.#clients) {
      if (client.congested || client.cursor >= lastSeq) continue;
      let text = cache.get(client.cursor);
      if (text === undefined) {
        text = frame('log', JSON.stringify(entries(client.cursor)));
        cache.set(client.cursor, text);
      }
      client.cursor = lastSeq;
      this.#write(client, text);
    }
  }

  /** A comment line to every stream, congested or not (it is tiny). */
  heartbeat(): void {
    for (const client of this.#clients) this.#write(client, ': ping\n\n');
  }

  /** Ends every stream; later `open` calls answer 503. */
  close(): void {
    this.#closed = true;
    for (const client of this.#clients) client.res.end();
    this.#clients.clear();
  }

  #write(client: Client, text: string): void {
    const res = client.res;
    if (res.destroyed || res.writableEnded) {
      this.#clients.delete(client);
      return;
    }
    if (!res.write(text)) client.congested = true;
  }
}

function frame(event: string, json: string): string {
  return `event: ${event}\ndata: ${json}\n\n`;
}
