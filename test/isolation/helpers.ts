/**
 * Main-side helpers for the isolation tests: a probe actor that records
 * what reaches it (and links, monitors or crashes on request), waiting with
 * a deadline, and the list of placements. These run on the main thread
 * only, so they may close over test state.
 */
import { readFileSync } from 'node:fs';
import type { ActorRef, ActorSystem, Pid, SystemEvent } from '../../src/index.js';
import { defineActor } from '../../src/index.js';
import { LIMITS } from '../support/guard.js';

export type OffMain = 'worker' | 'process' | 'pool';
export const PLACEMENTS: readonly OffMain[] = ['worker', 'process', 'pool'];

/**
 * The limit of one test: real threads and processes start in tens of ms on
 * an idle machine and in seconds on a busy one; the limit only guards a hang.
 */
export const TIMEOUT: number = LIMITS.test;

/** The limit of one wait for an event (a start, a message, an exit). */
export const WAIT: number = LIMITS.wait;

/** Rejects with `what` if `promise` has not settled within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` (against real threads or processes) until it holds. */
export async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms: ${what}`);
    await sleep(10);
  }
}

/** What a probe received, with the sender the runtime reported. */
export interface Seen {
  readonly message: Record<string, unknown>;
  readonly sender: Pid | undefined;
}

/** Control messages a probe acts on instead of recording. */
export type ProbeControl =
  | { readonly type: 'probe:link'; readonly to: ActorRef<never> }
  | { readonly type: 'probe:monitor'; readonly to: ActorRef<never> }
  | { readonly type: 'probe:crash'; readonly code: string };

export interface Probe {
  readonly ref: ActorRef<unknown>;
  readonly seen: Seen[];
  /** The first message (seen or to come) that `match` accepts. */
  next(match: (message: Record<string, unknown>) => boolean, what: string): Promise<Seen>;
}

/**
 * A main-thread actor that records every message, answers `question`s
 * with `re:<text>` and the asker's pid, and links, monitors or crashes on
 * request. With `trap` it traps exits, so EXIT messages are recorded too.
 */
export function probe(system: ActorSystem, options: { trap?: boolean } = {}): Probe {
  const seen: Seen[] = [];
  const waiters: { match: (m: Record<string, unknown>) => boolean; resolve: (s: Seen) => void }[] =
    [];
  const ref = system.spawn(
    defineActor<Record<string, unknown>>({
      init(ctx) {
        if (options.trap === true) ctx.trapExit(true);
      },
      handle(message, ctx) {
        const control = message as ProbeControl;
        switch (control.type) {
          case 'probe:link':
            ctx.link(control.to);
            return;
          case 'probe:monitor':
            ctx.monitor(control.to);
            return;
          case 'probe:crash':
            throw Object.assign(new Error('probe crashed'), { code: control.code });
        }
        if (message.type === 'question') {
          const reply = message.reply as { send(v: unknown): void };
          reply.send({ answer: `re:${String(message.text)}`, asker: ctx.sender });
        }
        const entry = { message, sender: ctx.sender };
        seen.push(entry);
        for (const w of [...waiters]) {
          if (!w.match(message)) continue;
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(entry);
        }
      },
    }),
  ) as ActorRef<unknown>;
  return {
    ref,
    seen,
    next(match, what) {
      const found = seen.find((s) => match(s.message));
      if (found !== undefined) return Promise.resolve(found);
      return within(new Promise<Seen>((resolve) => waiters.push({ match, resolve })), WAIT, what);
    },
  };
}

/** Collects the system's events of the given types. */
export function recordEvents(system: ActorSystem, types: SystemEvent['type'][]): SystemEvent[] {
  const events: SystemEvent[] = [];
  system.events.subscribe((e) => events.push(e), types);
  return events;
}

/** Whether an OS process is alive (a zombie, dead but not yet reaped, is not). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // Linux: the state is the field after the parenthesised command name.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

/** Narrows an unknown value to a record for assertions. */
export function rec(value: unknown): Record<string, unknown> {
  return value as Record<string, unknown>;
}
