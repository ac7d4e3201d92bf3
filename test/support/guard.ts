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
