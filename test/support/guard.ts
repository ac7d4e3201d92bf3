/**
 * Test helpers that import nothing from the runtime, so integration tests
 * still reach the runtime through its public API only.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before } from 'node:test';

/**
 * Fails the current test if any promise rejection went unhandled while it
 * ran. Call once at the top of a `describe`.
 */
export function failOnUnhandledRejections(): void {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => {
    seen.push(reason);
  };
  before(() => {
    process.on('unhandledRejection', listener);
  });
  after(() => {
    process.off('unhandledRejection', listener);
  });
  afterEach(async () => {
    // Unhandled rejections are reported after the microtask queue drains.
    await turn();
    const reasons = seen.splice(0);
    assert.deepEqual(reasons, [], 'no promise rejection may go unhandled');
  });
}

/** One real event-loop turn: every queued microtask and immediate before it runs. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A promise with its resolve and reject exposed. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T) => void;
  readonly reject: (error: unknown) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Tracks whether a promise has settled, without leaving its rejection unhandled. */
export function track<T>(promise: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  return { settled: () => done, promise };
}

/**
 * Limits for tests against real threads, processes, servers and browsers.
 * They guard a hang, never a speed: a machine whose cores are all busy can
 * make a start take seconds, and that must not fail a test.
 */
export const LIMITS = {
  /** One test (`it(..., { timeout: LIMITS.test })`); never a whole group's budget. */
  test: 180_000,
  /** One wait for an event inside a test. */
  wait: 60_000,
} as const;

/** What a test captured; `restore` puts the original back (call it in `finally`). */
export interface Captured {
  readonly text: () => string;
  readonly restore: () => void;
}

/**
 * Captures what this process writes to stderr (a child process host's
 * stderr passes through it, and a worker thread's too) instead of printing
 * it, so a test whose children are meant to crash can assert on their
 * output and a passing run prints none of it.
 */
export function captureStderr(): Captured {
  const chunks: string[] = [];
  const original = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof process.stderr.write;
  return {
    text: () => chunks.join(''),
    restore: () => {
      process.stderr.write = original;
    },
  };
}

/**
 * Captures process warnings (`process.emitWarning`) instead of printing
 * them, for a test that provokes one on purpose and asserts on it.
 */
export function captureWarnings(): Captured {
  const messages: string[] = [];
  const original = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]): void => {
    const type = typeof rest[0] === 'string' ? rest[0] : 'Warning';
    messages.push(`${type}: ${typeof warning === 'string' ? warning : warning.message}`);
  }) as typeof process.emitWarning;
  return {
    text: () => messages.join('\n'),
    restore: () => {
      process.emitWarning = original;
    },
  };
}
