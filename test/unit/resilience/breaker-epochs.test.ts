/**
 * The circuit breaker's epochs (docs/semantics.md §15): every transition
 * starts a new, larger epoch, and the outcome of a call admitted in an
 * earlier epoch changes nothing, whatever the breaker's state now.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  admitCall,
  type BreakerLimits,
  type BreakerSnapshot,
  type CallTicket,
  elapseBreaker,
  initialBreaker,
  openBreaker,
  recordFailure,
  recordSuccess,
} from '../../../src/resilience/index.js';

const limits: BreakerLimits = { failureThreshold: 2, resetTimeout: 100, halfOpenTrials: 1 };

function run(s: BreakerSnapshot, now: number): [BreakerSnapshot, CallTicket] {
  const a = admitCall(s, limits, now);
  if (a.decision !== 'run') throw new Error(`expected to run, got ${a.decision}`);
  return [a.next, a.ticket];
}

describe('breaker policy: epochs', () => {
  it('every transition moves to a larger epoch: closed → open → half-open → closed, and half-open → open', () => {
    const closed = initialBreaker(5);
    assert.equal(closed.epoch, 5);
    const opened = openBreaker(closed, 0);
    const halfOpen = elapseBreaker(opened, limits, 100);
    const [trialing, trial] = run(halfOpen, 100);
    const closedAgain = recordSuccess(trialing, limits, trial);
    const reopened = recordFailure(trialing, limits, trial, 100);
    assert.deepEqual(
      [closed, opened, halfOpen, closedAgain].map((s) => s.state),
      ['closed', 'open', 'half-open', 'closed'],
    );
    assert.equal(reopened.state, 'open');
    assert.ok(opened.epoch > closed.epoch, 'opening');
    assert.ok(halfOpen.epoch > opened.epoch, 'half-opening');
    assert.ok(closedAgain.epoch > halfOpen.epoch, 'closing');
    assert.ok(reopened.epoch > halfOpen.epoch, 're-opening');
  });

  it('a call admitted while closed and finished after a full cycle back to closed changes nothing', () => {
    const [s0, old] = run(initialBreaker(), 0);
    let s = recordFailure(s0, limits, run(s0, 0)[1], 0);
    s = recordFailure(s, limits, run(s, 0)[1], 0);
    assert.equal(s.state, 'open');
    const [trialing, trial] = run(elapseBreaker(s, limits, 100), 100);
    const closed = recordSuccess(trialing, limits, trial);
    assert.equal(closed.state, 'closed');
    assert.equal(
      recordFailure(closed, limits, old, 101),
      closed,
      'a stale failure counts for nothing',
    );
    const oneFailure = recordFailure(closed, limits, run(closed, 101)[1], 101);
    assert.equal(oneFailure.consecutiveFailures, 1);
    assert.equal(
      recordSuccess(oneFailure, limits, old),
      oneFailure,
      'a stale success does not reset the count',
    );
  });

  it('a trial of an earlier half-open period that fails does not reopen a later half-open breaker', () => {
    const halfOpen = elapseBreaker(openBreaker(initialBreaker(), 0), limits, 100);
    const [s1, oldTrial] = run(halfOpen, 100);
    const reopened = recordFailure(s1, limits, oldTrial, 100);
    const again = elapseBreaker(reopened, limits, 200);
    assert.equal(again.state, 'half-open');
    assert.equal(recordFailure(again, limits, oldTrial, 200), again);
  });

  it('in the current epoch the same outcomes do count', () => {
    const [s, ticket] = run(initialBreaker(), 0);
    assert.equal(recordFailure(s, limits, ticket, 0).consecutiveFailures, 1);
    const withFailure = { ...s, consecutiveFailures: 1 };
    assert.equal(recordSuccess(withFailure, limits, ticket).consecutiveFailures, 0);
  });

  it('a non-trial outcome in the half-open state changes nothing', () => {
    const halfOpen = elapseBreaker(openBreaker(initialBreaker(), 0), limits, 100);
    const nonTrial: CallTicket = { epoch: halfOpen.epoch, trial: false };
    assert.equal(recordSuccess(halfOpen, limits, nonTrial), halfOpen);
    assert.equal(recordFailure(halfOpen, limits, nonTrial, 100), halfOpen);
  });

  it('an open breaker reports the time left until it may try again, and is half-open exactly at the reset timeout', () => {
    const opened = openBreaker(initialBreaker(), 1_000);
    const early = admitCall(opened, limits, 1_040);
    assert.equal(early.decision, 'reject');
    assert.equal(early.decision === 'reject' ? early.retryAfterMs : -1, 60);
    assert.equal(elapseBreaker(opened, limits, 1_099).state, 'open');
    assert.equal(elapseBreaker(opened, limits, 1_100).state, 'half-open');
  });
});
