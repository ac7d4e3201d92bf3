/**
 * The pool tests' setting: a worker that answers, logs and crashes on
 * request, a pool of them on a manual clock with its dead letters, and
 * the helpers that ask who serves and which slot owns a key.
 */
import assert from 'node:assert/strict';
import {
  createSystem,
  type DeadLetter,
  defineActor,
  type Pid,
  type Pool,
  type PoolOptions,
  type Reply,
  whichChildren,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';

export type Job =
  | { readonly type: 'who'; readonly reply: Reply<Pid> }
  | { readonly type: 'job'; readonly key: string }
  | { readonly type: 'note'; readonly text: string }
  | { readonly type: 'crash' }
  | { readonly type: 'quit' };

/** What the workers handled: `[worker pid, key or text]`. */
export type Log = [Pid, string][];

export function worker(log: Log) {
  return defineActor<Job>({
    handle(msg, ctx) {
      switch (msg.type) {
        case 'who':
          msg.reply.send(ctx.pid);
          return;
        case 'job':
          log.push([ctx.pid, msg.key]);
          return;
        case 'note':
          log.push([ctx.pid, msg.text]);
          return;
        case 'crash':
          throw new Error('worker crashed');
        case 'quit':
          ctx.stop();
          return;
      }
    },
  });
}

export const keyOf = (m: Job) => (m.type === 'job' ? m.key : undefined);

export async function setup(options: Omit<PoolOptions<Job>, 'options'>) {
  const clock = new ManualClock();
  const system = createSystem({ clock });
  const letters: DeadLetter[] = [];
  system.deadLetters.subscribe((d) => letters.push(d));
  const log: Log = [];
  const pool = await system.startPool(worker(log), options);
  /** The pid of each running slot, by slot id. */
  const slots = async (): Promise<Map<Pid, string>> =>
    new Map(
      (await whichChildren(pool.supervisor))
        .filter((c) => c.ref !== undefined)
        .map((c) => [c.ref?.pid as Pid, c.id as string]),
    );
  return { clock, system, letters, log, pool, slots };
}

/** Asks `pool` who answers, `n` times in a row. */
export async function whoAnswers(pool: Pool<Job>, n: number): Promise<Pid[]> {
  const out: Pid[] = [];
  for (let i = 0; i < n; i++) out.push(await pool.ask({ type: 'who' }));
  return out;
}

export function countBy<T>(items: readonly T[]): Map<T, number> {
  const m = new Map<T, number>();
  for (const x of items) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

export const KEYS = Array.from({ length: 1_000 }, (_, i) => `key-${i}`);

/** Sends one job per key through the pool and returns each key's slot id. */
export async function ownersOf(
  ctx: Awaited<ReturnType<typeof setup>>,
): Promise<Map<string, string>> {
  const { system, pool, log, slots } = ctx;
  log.length = 0;
  for (const key of KEYS) pool.tell({ type: 'job', key });
  await system.idle();
  const bySlot = await slots();
  assert.equal(log.length, KEYS.length);
  return new Map(log.map(([pid, key]) => [key, bySlot.get(pid) as string]));
}
