/**
 * The portable actors of `isolation.ts` and `scaling.ts`: modules a worker
 * thread, a child process or a pool thread imports to run the body of an
 * actor placed there. Kept free of benchmark code, so a host only loads
 * what it runs.
 */
import type { Reply } from '../src/index.js';
import { defineActor, portable } from '../src/index.js';

/** A counter: numbers add up; `get` answers the total (ordered behind the tells). */
export type CountMsg = number | { readonly type: 'get'; readonly reply: Reply<number> };

export const counter = portable(
  import.meta.url,
  'counter',
  defineActor<CountMsg, number>({
    label: 'counter',
    init: () => 0,
    handle(msg, ctx) {
      if (typeof msg === 'number') ctx.state += msg;
      else msg.reply.send(ctx.state);
    },
  }),
);

/** Answers each ask with the value it carries. */
export type EchoMsg = {
  readonly type: 'echo';
  readonly value: number;
  readonly reply: Reply<number>;
};

export const echo = portable(
  import.meta.url,
  'echo',
  defineActor<EchoMsg, null>({
    label: 'echo',
    init: () => null,
    handle(msg) {
      msg.reply.send(msg.value);
    },
  }),
);

/**
 * Savina's trapezoid function (benchmark #13, `TrapezoidalConfig.fx`):
 * sin, pow, exp and sqrt, so a piece costs real floating-point work.
 */
export function fx(x: number): number {
  const a = Math.sin(x ** 3 - 1);
  const b = x + 1;
  const c = a / b;
  const d = Math.sqrt(1 + Math.exp(Math.sqrt(2 * x)));
  return c * d;
}

/** The trapezoid rule for `fx` over [left, right] in `pieces` pieces. */
export function integrate(left: number, right: number, pieces: number): number {
  const h = (right - left) / pieces;
  let area = 0;
  for (let i = 0; i < pieces; i++) {
    const lx = left + i * h;
    area += 0.5 * (fx(lx) + fx(lx + h)) * h;
  }
  return area;
}

/** One chunk of the integral to compute; the answer is its area. */
export type ChunkMsg = {
  readonly type: 'chunk';
  readonly left: number;
  readonly right: number;
  readonly pieces: number;
  readonly reply: Reply<number>;
};

export const trapezoid = portable(
  import.meta.url,
  'trapezoid',
  defineActor<ChunkMsg, null>({
    label: 'trapezoid',
    init: () => null,
    handle(msg) {
      msg.reply.send(integrate(msg.left, msg.right, msg.pieces));
    },
  }),
);

/** Takes byte payloads; `total` answers the bytes taken so far (ordered behind them). */
export type SinkMsg =
  | { readonly type: 'bytes'; readonly data: Uint8Array }
  | { readonly type: 'total'; readonly reply: Reply<number> };

export const sink = portable(
  import.meta.url,
  'sink',
  defineActor<SinkMsg, number>({
    label: 'sink',
    init: () => 0,
    handle(msg, ctx) {
      if (msg.type === 'bytes') ctx.state += msg.data.byteLength;
      else msg.reply.send(ctx.state);
    },
  }),
);
