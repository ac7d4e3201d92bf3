/**
 * Helpers of the observer tests (docs/semantics.md §18): a small supervised
 * system, HTTP requests, an SSE reader and a Prometheus text parser.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import {
  type ActorRef,
  type ActorSystem,
  createSystem,
  defineActor,
  supervisor,
} from '../../src/index.js';
import { LIMITS } from '../support/guard.js';

export type WorkerMsg = 'crash' | 'ping';
export const worker = defineActor<WorkerMsg>({
  label: 'worker',
  handle(msg) {
    if (msg === 'crash') throw new Error('crashed on purpose');
  },
});

/** A supervisor `root` with workers `w1` and `w2`, and a worker `loner`. */
export async function setup(): Promise<{ system: ActorSystem; sup: ActorRef<never> }> {
  const system = createSystem({ name: 'observed' });
  const sup = await system.start(
    supervisor({
      children: [
        { id: 'w1', actor: worker, options: { name: 'w1' } },
        { id: 'w2', actor: worker, options: { name: 'w2' } },
      ],
    }),
    { name: 'root' },
  );
  system.spawn(worker, { name: 'loner' });
  await system.idle();
  return { system, sup: sup as unknown as ActorRef<never> };
}

/** A fetch, read to the end. */
export async function get(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Polls `check` until it holds, or fails after `ms`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms: number = LIMITS.wait,
) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Parses Prometheus text 0.0.4 strictly enough: families need HELP and TYPE before samples. */
export function parseMetrics(
  text: string,
): Map<string, { type: string; samples: Map<string, number> }> {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a line feed');
  const families = new Map<string, { type: string; samples: Map<string, number> }>();
  let help: string | undefined;
  for (const line of text.trimEnd().split('\n')) {
    const h = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line);
    if (h !== null) {
      help = h[1];
      continue;
    }
    const t = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|summary|histogram|untyped)$/.exec(
      line,
    );
    if (t !== null) {
      assert.equal(t[1], help, `HELP comes right before TYPE for ${t[1]}`);
      assert.ok(!families.has(t[1] as string), `${t[1]} is declared once`);
      families.set(t[1] as string, { type: t[2] as string, samples: new Map() });
      continue;
    }
    const s =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_]\w*="(?:[^"\\\n]|\\.)*",?)*\})? (\S+)$/.exec(line);
    assert.ok(s !== null, `a valid sample line: ${line}`);
    const family = families.get(s[1] as string);
    assert.ok(family !== undefined, `${s[1]} has HELP and TYPE before its samples`);
    const value = Number(s[3]);
    assert.ok(!Number.isNaN(value), `a number: ${line}`);
    family.samples.set(s[2] ?? '', value);
  }
  return families;
}

/** A raw request, to set headers fetch does not let us set (Host). */
export function raw(
  url: string,
  headers: Record<string, string>,
  method = 'GET',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Reads SSE frames from `/api/events` until `stop` says enough. */
export async function readEvents(
  url: string,
  stop: (events: { event: string; data: unknown }[]) => boolean,
): Promise<{ event: string; data: unknown }[]> {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events: { event: string; data: unknown }[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  const body = res.body;
  assert.ok(body !== null);
  const reader = body.getReader();
  try {
    while (!stop(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event !== undefined && data !== undefined)
          events.push({ event, data: JSON.parse(data) });
        end = buffer.indexOf('\n\n');
      }
    }
  } finally {
    controller.abort();
  }
  return events;
}
