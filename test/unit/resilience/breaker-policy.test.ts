/**
 * The circuit breaker's pure state machine (src/resilience/breaker-policy.ts)
 * and the validation of its options (src/resilience/breaker-options.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidArgumentError } from '../../../src/errors.js';
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
  resolveBreakerOptions,
} from '../../../src/resilience/index.js';

const limits: BreakerLimits = { failureThreshold: 3, resetTimeout: 100, halfOpenTrials: 2 };

/** Admits a call that must run; returns the state and its ticket. */
function run(s: BreakerSnapshot, now: number, l = limits): [BreakerSnapshot, CallTicket] {
  const a = admitCall(s, l, now);
  assert.equal(a.decision, 'run');
  if (a.decision !== 'run') throw new Error('unreachable');
  return [a.next, a.ticket];
}

function fail(s: BreakerSnapshot, now: number, l = limits): BreakerSnapshot {
  const [next, ticket] = run(s, now, l);
  return recordFailure(next, l, ticket, now);
}

function succeed(s: BreakerSnapshot, now: number, l = limits): BreakerSnapshot {
  const [next, ticket] = run(s, now, l);
  return recordSuccess(next, l, ticket);
}

function invalidArg(option: string) {
  return (e: unknown): boolean => e instanceof InvalidArgumentError && e.option === option;
}

describe('breaker policy: closed', () => {
  it('a closed breaker admits every call as a non-trial', () => {
    const a = admitCall(initialBreaker(), limits, 0);
    assert.equal(a.decision, 'run');
    assert.deepEqual(a.decision === 'run' && a.ticket, { epoch: 0, trial: false });
  });

  it('opens when consecutive failures reach the threshold, at the time of the last failure', () => {
    let s = initialBreaker();
    s = fail(fail(s, 1), 2);
    assert.equal(s.state, 'closed');
    assert.equal(s.consecutiveFailures, 2);
    s = fail(s, 3);
    assert.equal(s.state, 'open');
    assert.equal(s.openedAt, 3);
  });

  it('a success resets the count of consecutive failures', () => {
    const s = succeed(fail(fail(initialBreaker(), 0), 0), 0);
    assert.equal(s.consecutiveFailures, 0);
    assert.equal(fail(fail(s, 0), 0).state, 'closed');
  });
});

describe('breaker policy: open', () => {
  it('rejects with the time left until resetTimeout', () => {
    const a = admitCall(openBreaker(initialBreaker(), 10), limits, 40);
    assert.equal(a.decision, 'reject');
    assert.equal(a.decision === 'reject' && a.retryAfterMs, 70);
    assert.equal(a.next.state, 'open');
  });

  it('is half-open lazily once resetTimeout has elapsed, and not a moment before', () => {
    const open = openBreaker(initialBreaker(), 10);
    assert.equal(elapseBreaker(open, limits, 109).state, 'open');
    assert.equal(elapseBreaker(open, limits, 110).state, 'half-open');
    const a = admitCall(open, limits, 110);
    assert.equal(a.decision, 'run');
    assert.deepEqual(a.decision === 'run' && a.ticket.trial, true);
    assert.equal(a.next.state, 'half-open');
  });
});

describe('breaker policy: half-open', () => {
  const halfOpen = elapseBreaker(openBreaker(initialBreaker(), 0), limits, 100);

  it('admits at most halfOpenTrials trials at once and rejects the rest with retryAfterMs 0', () => {
    const [s1] = run(halfOpen, 100);
    const [s2] = run(s1, 100);
    const a = admitCall(s2, limits, 100);
    assert.equal(a.decision, 'reject');
    assert.equal(a.decision === 'reject' && a.retryAfterMs, 0);
  });

  it('closes after halfOpenTrials successful trials', () => {
    const [s1, t1] = run(halfOpen, 100);
    const [s2, t2] = run(s1, 100);
    const s3 = recordSuccess(s2, limits, t1);
    assert.equal(s3.state, 'half-open');
    const s4 = recordSuccess(s3, limits, t2);
    assert.equal(s4.state, 'closed');
    assert.equal(s4.consecutiveFailures, 0);
  });

  it('a failed trial opens the breaker again, restarting the reset timeout', () => {
    const s = fail(halfOpen, 150);
    assert.equal(s.state, 'open');
    assert.equal(s.openedAt, 150);
    assert.equal(admitCall(s, limits, 249).decision, 'reject');
    assert.equal(admitCall(s, limits, 250).decision, 'run');
  });

  it('a finished trial frees its slot for another', () => {
    const [s1, t1] = run(halfOpen, 100);
    const [s2] = run(s1, 100);
    const s3 = recordSuccess(s2, limits, t1);
    assert.equal(admitCall(s3, limits, 100).decision, 'run');
  });
});

describe('breaker policy: stale outcomes', () => {
  it('an outcome of a call admitted before a transition changes nothing', () => {
    const [closed, slow] = run(initialBreaker(), 0);
    const open = fail(fail(fail(closed, 1), 2), 3);
    assert.equal(open.state, 'open');
    assert.equal(recordSuccess(open, limits, slow), open);
    assert.equal(recordFailure(open, limits, slow, 4), open);
  });

  it('a trial of an earlier half-open period does not count towards the next one', () => {
    const halfOpen = elapseBreaker(openBreaker(initialBreaker(), 0), limits, 100);
    const [s1, oldTrial] = run(halfOpen, 100);
    const reopened = fail(s1, 100);
    const again = elapseBreaker(reopened, limits, 200);
    assert.equal(again.state, 'half-open');
    assert.equal(recordSuccess(again, limits, oldTrial), again);
  });
});

describe('breaker policy: properties', () => {
  it('for any sequence of outcomes, the breaker opens exactly when the reference count of consecutive failures reaches the threshold', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.boolean(), { maxLength: 40 }),
        (threshold, outcomes) => {
          const l = { ...limits, failureThreshold: threshold };
          let s = initialBreaker();
          let consecutive = 0;
          for (const ok of outcomes) {
            const a = admitCall(s, l, 0);
            if (consecutive >= threshold) {
              assert.equal(a.decision, 'reject');
              continue;
            }
            assert.equal(a.decision, 'run');
            if (a.decision !== 'run') return;
            consecutive = ok ? 0 : consecutive + 1;
            s = ok ? recordSuccess(a.next, l, a.ticket) : recordFailure(a.next, l, a.ticket, 0);
            assert.equal(s.state, consecutive >= threshold ? 'open' : 'closed');
          }
        },
      ),
    );
  });

  it('with time passing, the breaker matches a reference model of closed, open and half-open', () => {
    type Step = { ok: boolean; wait: number };
    const step = fc.record({ ok: fc.boolean(), wait: fc.integer({ min: 0, max: 60 }) });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(step, { maxLength: 60 }),
        (threshold, steps: Step[]) => {
          const l = { failureThreshold: threshold, resetTimeout: 100, halfOpenTrials: 1 };
          let s = initialBreaker();
          let now = 0;
          let model: { state: 'closed'; failures: number } | { state: 'open'; at: number } = {
            state: 'closed',
            failures: 0,
          };
          for (const { ok, wait } of steps) {
            now += wait;
            const a = admitCall(s, l, now);
            if (model.state === 'open' && now < model.at + 100) {
              assert.equal(a.decision, 'reject');
              assert.equal(a.decision === 'reject' && a.retryAfterMs, model.at + 100 - now);
              continue;
            }
            assert.equal(a.decision, 'run');
            if (a.decision !== 'run') return;
            const trial: boolean = model.state === 'open';
            assert.equal(a.ticket.trial, trial);
            s = ok ? recordSuccess(a.next, l, a.ticket) : recordFailure(a.next, l, a.ticket, now);
            if (ok) model = { state: 'closed', failures: 0 };
            else if (trial || (model.state === 'closed' && model.failures + 1 >= threshold))
              model = { state: 'open', at: now };
            else if (model.state === 'closed')
              model = { state: 'closed', failures: model.failures + 1 };
            assert.equal(s.state, model.state);
          }
        },
      ),
    );
  });
});

describe('breaker options', () => {
  it('defaults: threshold 5, reset timeout 10 s, one trial, no call timeout', () => {
    const o = resolveBreakerOptions(undefined);
    assert.equal(o.failureThreshold, 5);
    assert.equal(o.resetTimeout, 10_000);
    assert.equal(o.halfOpenTrials, 1);
    assert.equal(o.callTimeout, Number.POSITIVE_INFINITY);
    assert.equal(o.name, 'circuit-breaker');
  });

  it('invalid options throw InvalidArgumentError naming the option', () => {
    const bad: [string, unknown][] = [
      ['failureThreshold', 0],
      ['failureThreshold', 1.5],
      ['halfOpenTrials', 0],
      ['resetTimeout', -1],
      ['resetTimeout', Number.POSITIVE_INFINITY],
      ['callTimeout', 0],
      ['callTimeout', Number.NaN],
      ['name', ''],
      ['isFailure', 'yes'],
      ['onStateChange', 1],
      ['clock', {}],
    ];
    for (const [option, value] of bad) {
      assert.throws(() => resolveBreakerOptions({ [option]: value }), invalidArg(option), option);
    }
    assert.throws(() => resolveBreakerOptions(3 as never), invalidArg('options'));
  });
});
