import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatPid, type Pid } from '../process/index.js';
import type { ActorSystem } from '../system/index.js';
import type { Collector } from './collector.js';
import {
  BASE_HEADERS,
  hasToken,
  hostAllowed,
  parsePid,
  sameOrigin,
  sendError,
  sendJson,
} from './http.js';
import { METRICS_CONTENT_TYPE, renderMetrics } from './metrics.js';
import type { ResolvedObserverOptions } from './options.js';
import { buildSnapshot, processRow } from './snapshot.js';
import type { SseHub } from './sse.js';

/**
 * The observer's routes:
 *
 * | route | answer |
 * | --- | --- |
 * | `GET /` | the page |
 * | `GET /api/snapshot` | the snapshot as JSON, with the event log |
 * | `GET /api/events` | server-sent events: `snapshot` every interval, `log` with new entries |
 * | `GET /api/processes/:pid` | one process's `system.info`, its row and its log entries |
 * | `POST /api/processes/:pid/stop`, `…/kill` | control actions, only with `control: true` |
 * | `GET /metrics` | Prometheus text format 0.0.4 |
 * | `GET /health/live`, `/health/ready` | probes, without a token |
 *
 * Errors are JSON `{ error, message }`: 401 without the token, 403 for a
 * foreign Host (loopback servers) or a cross-origin POST, 404, 405 with
 * `Allow`, 500 for a failure inside a handler (the runtime is untouched).
 *
 * @module
 */

/**
 * What the routes need.
 *
 * @example
 * ```ts
 * const ctx: ObserverContext = { system, collector, hub, options, page: renderPage(), loopback: true };
 * ```
 */
export interface ObserverContext {
  readonly system: ActorSystem;
  readonly collector: Collector;
  readonly hub: SseHub;
  readonly options: ResolvedObserverOptions;
  readonly page: { readonly html: string; readonly csp: string };
  /** Whether the server is bound to a loopback interface. */
  readonly loopback: boolean;
}

type Handler = (ctx: ObserverContext, req: IncomingMessage, res: ServerResponse, pid: Pid) => void;

const PROCESS = /^\/api\/processes\/([^/]+)$/;
const ACTION = /^\/api\/processes\/([^/]+)\/(stop|kill)$/;

/**
 * Serves one request. Never throws: a failure becomes a 500 answer.
 *
 * @example
 * ```ts
 * const server = createServer((req, res) => handleRequest(ctx, req, res));
 * ```
 */
export function handleRequest(
  ctx: ObserverContext,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  res.on('error', () => res.destroy());
  try {
    route(ctx, req, res);
  } catch (error) {
    sendError(res, 500, 'internal', error instanceof Error ? error.message : 'internal error');
  }
}

function route(ctx: ObserverContext, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://observer.invalid');
  const path = url.pathname;
  const method = req.method ?? 'GET';
  if (!hostAllowed(req, ctx.loopback)) {
    sendError(res, 403, 'forbidden', 'the Host header must name a loopback address');
    return;
  }
  if (path === '/favicon.ico') {
    res.writeHead(204, BASE_HEADERS).end();
    return;
  }
  if (path === '/health/live' || path === '/health/ready') {
    if (!allow(res, method, ['GET', 'HEAD'])) return;
    health(ctx, res, path === '/health/ready');
    return;
  }
  const token = ctx.options.token;
  if (token !== undefined && !hasToken(req, url, token)) {
    sendError(res, 401, 'unauthorized', 'a token is required (Authorization: Bearer, or ?token=)', {
      'www-authenticate': 'Bearer realm="airssys-observer"',
    });
    return;
  }
  const action = ACTION.exec(path);
  if (action !== null) {
    if (!ctx.options.control) {
      sendError(
        res,
        404,
        'not-found',
        'control actions are disabled (startObserver option control)',
      );
      return;
    }
    if (!allow(res, method, ['POST'])) return;
    if (!sameOrigin(req)) {
      sendError(res, 403, 'forbidden', 'cross-origin requests may not use control actions');
      return;
    }
    req.resume();
    withPid(ctx, req, res, action[1] as string, action[2] === 'kill' ? kill : stop);
    return;
  }
  const one = PROCESS.exec(path);
  if (one !== null) {
    if (allow(res, method, ['GET', 'HEAD'])) withPid(ctx, req, res, one[1] as string, detail);
    return;
  }
  const get = GETS[path];
  if (get === undefined) {
    sendError(res, 404, 'not-found', `no route ${path}`);
    return;
  }
  if (allow(res, method, path === '/api/events' ? ['GET'] : ['GET', 'HEAD'])) get(ctx, req, res);
}

function allow(res: ServerResponse, method: string, methods: readonly string[]): boolean {
  if (methods.includes(method)) return true;
  sendError(res, 405, 'method-not-allowed', `use ${methods.join(' or ')}`, {
    allow: methods.join(', '),
  });
  return false;
}

function withPid(
  ctx: ObserverContext,
  req: IncomingMessage,
  res: ServerResponse,
  segment: string,
  handler: Handler,
): void {
  const pid = parsePid(segment);
  if (pid === undefined) {
    sendError(res, 400, 'bad-request', `not a pid: ${segment.slice(0, 40)}`);
  } else if (!ctx.system.isAlive(pid)) {
    sendError(res, 404, 'noproc', `${formatPid(pid)} is not alive`);
  } else {
    handler(ctx, req, res, pid);
  }
}

const GETS: Readonly<
  Record<string, (ctx: ObserverContext, req: IncomingMessage, res: ServerResponse) => void>
> = {
  '/': page,
  '/index.html': page,
  '/api/snapshot': (ctx, _req, res) => sendJson(res, 200, snapshot(ctx, true)),
  '/api/events': (ctx, req, res) => {
    const cursor = ctx.collector.lastSeq;
    const initial: [string, string][] = [
      ['snapshot', JSON.stringify(snapshot(ctx, false))],
      ['log', JSON.stringify(ctx.collector.log())],
    ];
    ctx.hub.open(req, res, initial, cursor);
  },
  '/metrics': (ctx, _req, res) => {
    const text = renderMetrics(ctx.system, ctx.collector);
    res.writeHead(200, { ...BASE_HEADERS, 'content-type': METRICS_CONTENT_TYPE });
    res.end(text);
  },
};

function page(ctx: ObserverContext, _req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, {
    ...BASE_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': ctx.page.csp,
  });
  res.end(ctx.page.html);
}

/**
 * The snapshot as the routes serve it.
 *
 * @example
 * ```ts
 * hub.broadcast('snapshot', JSON.stringify(snapshot(ctx, false)));
 * ```
 */
export function snapshot(ctx: ObserverContext, log: boolean) {
  return buildSnapshot(ctx.system, ctx.collector, {
    maxProcesses: ctx.options.maxProcesses,
    control: ctx.options.control,
    log,
  });
}

/**
 * Liveness: 200 while the system runs, 503 once it has shut down.
 * Readiness: 200 when the latest health sample is `ok`, 503 when it is
 * `degraded` or the system has shut down. The body is `{ status, warnings }`.
 */
function health(ctx: ObserverContext, res: ServerResponse, ready: boolean): void {
  const report = ctx.collector.health;
  if (ctx.system.isShutDown) {
    sendJson(res, 503, { status: 'shut-down', warnings: [] });
    return;
  }
  if (!ready) {
    sendJson(res, 200, { status: 'live', warnings: [] });
    return;
  }
  sendJson(res, report.status === 'ok' ? 200 : 503, {
    status: report.status,
    warnings: report.warnings,
  });
}

function detail(ctx: ObserverContext, _req: IncomingMessage, res: ServerResponse, pid: Pid): void {
  const info = ctx.system.info(pid);
  if (info === undefined) {
    sendError(res, 404, 'noproc', `${formatPid(pid)} is not alive`);
    return;
  }
  const row = processRow(info, ctx.collector);
  const log = ctx.collector.log().filter((e) => e.pid === pid);
  sendJson(res, 200, {
    ...info,
    id: row.id,
    kind: row.kind,
    restarts: row.restarts,
    supervisorRestarts: row.supervisorRestarts,
    log: log.slice(-20),
  });
}

function stop(ctx: ObserverContext, _req: IncomingMessage, res: ServerResponse, pid: Pid): void {
  ctx.system.stop(pid).then(
    () =>
      sendJson(res, 200, {
        ok: true,
        pid,
        id: formatPid(pid),
        action: 'stop',
        message: `${formatPid(pid)} stopped`,
      }),
    (error: unknown) =>
      sendError(res, 500, 'stop-failed', error instanceof Error ? error.message : String(error)),
  );
}

function kill(ctx: ObserverContext, _req: IncomingMessage, res: ServerResponse, pid: Pid): void {
  ctx.system.kill(pid);
  sendJson(res, 200, {
    ok: true,
    pid,
    id: formatPid(pid),
    action: 'kill',
    message: `${formatPid(pid)} killed`,
  });
}
