import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Membership } from '../../../src/cluster/membership.js';
import { CloseHooks, closeInOrder } from '../../../src/cluster/node-close.js';
import { LIMITS } from '../../support/guard.js';

/**
 * docs/semantics.md §25 (Leaving, Fencing): a node that has shut down holds no NATS handle, a
 * fenced one too. Its connection closes only once its member-table watch loop has returned: a
 * watch whose consumer was made just before an outright close builds the client's heartbeat
 * monitor (a 30 s interval), fails to subscribe, and nothing ever cancels it — the program
 * never exits (a probe run hung 15 minutes on it).
 */

/** What closing did, in order, with the fakes it was given. */
function parts(fenced: boolean) {
  const steps: string[] = [];
  let settle = (): void => {};
  const watchReturned = new Promise<void>((resolve) => {
    settle = () => {
      steps.push('watch returned');
      resolve();
    };
  });
  const membership = {
    stop: () => steps.push('membership stopped'),
    leave: async () => {
      steps.push('membership left');
    },
    settled: () => watchReturned,
  } as unknown as Membership;
  const nc = {
    isClosed: () => false,
    close: async () => {
      steps.push('connection closed');
    },
    drain: async () => {
      steps.push('connection drained');
    },
    closed: () => new Promise(() => {}),
  } as unknown as NatsConnection;
  const closing = closeInOrder(new CloseHooks(), {
    fenced,
    transport: undefined,
    membership,
    table: undefined,
    status: undefined,
    ownConnection: nc,
    drainMs: 1_000,
  });
  return { steps, settle, closing };
}

describe('the order a node closes its connection in (closeInOrder)', () => {
  it('a fenced node closes its connection only after its member-table watch has returned', {
    timeout: LIMITS.test,
  }, async () => {
    const { steps, settle, closing } = parts(true);
    // Every turn the close could take without the watch: it must still be waiting.
    for (let i = 0; i < 20; i++) await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(steps, ['membership stopped']);
    settle();
    await closing;
    assert.deepEqual(steps, ['membership stopped', 'watch returned', 'connection closed']);
  });

  it('a node that leaves drains its connection only after its member-table watch has returned', {
    timeout: LIMITS.test,
  }, async () => {
    const { steps, settle, closing } = parts(false);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(steps, ['membership left']);
    settle();
    await closing;
    assert.deepEqual(steps.slice(0, 2), ['membership left', 'watch returned']);
  });
});
