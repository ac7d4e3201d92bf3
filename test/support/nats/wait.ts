import type { NatsConnection, Status } from '@nats-io/nats-core';
import { READY_LIMIT_MS } from './server.js';

/**
 * Waiting on NATS events in tests, with a generous limit that only guards a
 * hang (never a speed check).
 */

/**
 * Resolves with the next status event of `nc` whose `type` is one of
 * `types` (`disconnect`, `reconnect`, `staleConnection`, ...). Subscribe
 * before causing the event.
 *
 * @example
 * ```ts
 * const stale = nextStatus(nc, ['staleConnection']);
 * proxy.partition();
 * await stale;
 * ```
 */
export function nextStatus(
  nc: NatsConnection,
  types: readonly Status['type'][],
  limitMs = READY_LIMIT_MS,
): Promise<Status> {
  const statuses = nc.status() as AsyncIterable<Status> & { stop?: () => void };
  return new Promise<Status>((resolve, reject) => {
    const timer = setTimeout(() => {
      statuses.stop?.();
      reject(new Error(`no ${types.join('/')} status within ${limitMs} ms`));
    }, limitMs);
    void (async () => {
      for await (const status of statuses) {
        if (!types.includes(status.type)) continue;
        clearTimeout(timer);
        statuses.stop?.();
        resolve(status);
        return;
      }
    })();
  });
}

/**
 * Re-checks `check` every 20 ms until it holds; for conditions that have no
 * event of their own (a server's state seen through requests).
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  limitMs = READY_LIMIT_MS,
): Promise<void> {
  const until = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
