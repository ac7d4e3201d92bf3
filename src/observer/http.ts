import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Pid } from '../process/index.js';
import { isLoopback } from './options.js';

/**
 * HTTP helpers of the observer: JSON responses and errors, the token check,
 * the Host and Origin checks that keep other web pages out, pid parsing.
 *
 * @module
 */

/**
 * Headers on every response: no sniffing, no caching, no framing, no referrer
 * (a `?token=` must not leak through one).
 *
 * @example
 * ```ts
 * res.writeHead(204, BASE_HEADERS).end();
 * ```
 */
export const BASE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
});

/**
 * Sends `body` as JSON with `status`.
 *
 * @example
 * ```ts
 * sendJson(res, 200, { status: 'ok' });
 * ```
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Readonly<Record<string, string>>,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...BASE_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/**
 * Sends a JSON error `{ error, message }`.
 *
 * @example
 * ```ts
 * sendError(res, 404, 'not-found', 'no such route');
 * ```
 */
export function sendError(
  res: ServerResponse,
  status: number,
  error: string,
  message: string,
  headers?: Readonly<Record<string, string>>,
): void {
  sendJson(res, status, { error, message }, headers);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Whether the request carries `token`, as `Authorization: Bearer <token>`
 * or as the `token` query parameter. Compares in constant time.
 *
 * @example
 * ```ts
 * if (!hasToken(req, url, token)) sendError(res, 401, 'unauthorized', 'token required');
 * ```
 */
export function hasToken(req: IncomingMessage, url: URL, token: string): boolean {
  const header = req.headers.authorization;
  const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
  const given = bearer ?? url.searchParams.get('token');
  if (given === null || given === undefined) return false;
  return timingSafeEqual(digest(given), digest(token));
}

function hostName(host: string): string {
  // "[::1]:8080" → "[::1]", "localhost:8080" → "localhost"
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/**
 * Whether the `Host` header is acceptable: on a server bound to loopback it
 * must name a loopback host, so a web page that rebinds its own DNS name to
 * 127.0.0.1 cannot read the observer.
 *
 * @example
 * ```ts
 * if (!hostAllowed(req, true)) sendError(res, 403, 'forbidden', 'bad Host header');
 * ```
 */
export function hostAllowed(req: IncomingMessage, boundToLoopback: boolean): boolean {
  if (!boundToLoopback) return true;
  const host = req.headers.host;
  return host !== undefined && isLoopback(hostName(host));
}

/**
 * Whether a state-changing request comes from the observer's own page (or
 * from a client that sends no `Origin`, like curl): a cross-site form or
 * fetch carries a foreign `Origin` and is refused.
 *
 * @example
 * ```ts
 * if (req.method === 'POST' && !sameOrigin(req)) sendError(res, 403, 'forbidden', 'cross-origin');
 * ```
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * Reads a pid from a path segment: `12` or `<0.12>` (URL-encoded or not).
 *
 * @example
 * ```ts
 * parsePid('%3C0.12%3E'); // 12
 * parsePid('abc'); // undefined
 * ```
 */
export function parsePid(segment: string): Pid | undefined {
  let text: string;
  try {
    text = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  const m = /^(?:<0\.(\d{1,15})>|(\d{1,15}))$/.exec(text);
  if (m === null) return undefined;
  const n = Number(m[1] ?? m[2]);
  return Number.isSafeInteger(n) && n > 0 ? (n as Pid) : undefined;
}
