import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CallTimeoutError,
  createSystem,
  defineActor,
  MailboxFullError,
  ProcessExitedError,
  type Reply,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { type Deferred, deferred, failOnUnhandledRejections, turn } from '../support/guard.js';

type JobMsg = { readonly type: 'run'; readonly job: number; readonly reply: Reply<number> };

/** A worker whose jobs finish only when the test lets them: one gate per job. */
function gatedWorker(gates: Map<number, Deferred<void>>, handled: number[]) {
  return defineActor<JobMsg>({
    async handle(msg) {
      handled.push(msg.job);
      const gate = deferred();
      gates.set(msg.job, gate);
      await gate.promise;
      msg.reply.send(msg.job * 10);
    },
  });
}

/** Opens every gate as it appears until `count` jobs are done. */
async function drain(gates: Map<number, Deferred<void>>, handled: number[], count: number) {
  while (handled.length < count || gates.size > 0) {
    for (const [job, gate] of gates) {
      gates.delete(job);
      gate.resolve();
    }
    await turn();
  }
}

const BACKPRESSURE = { capacity: 2, overflow: 'backpressure' } as const;

describe('ask meets backpressure (§5, §6)', () => {
  failOnUnhandledRejections();

  it('without waitForRoom an ask to a full backpressure mailbox rejects at once with ERR_MAILBOX_FULL', async () => {
    const system = createSystem();
    const gates = new Map<number, Deferred<void>>();
    const handled: number[] = [];
    const worker = system.spawn(gatedWorker(gates, handled), { mailbox: BACKPRESSURE });
    const asks = Array.from({ length: 6 }, (_, job) =>
      worker.ask({ type: 'run', job }).then(
        (v) => v,
        (e: unknown) => e,
      ),
    );
    // Two fit in the mailbox before the worker runs; the other four are refused at once.
    await drain(gates, handled, 2);
    const results = await Promise.all(asks);
    const full = results.filter((r) => r instanceof MailboxFullError);
    assert.equal(full.length, 4);
    assert.equal((full[0] as MailboxFullError).code, 'ERR_MAILBOX_FULL');
    await system.shutdown();
  });

  it('with waitForRoom every ask of a job queue waits for room and then for its reply: 24 of 24 answered', async () => {
    const system = createSystem();
    const gates = new Map<number, Deferred<void>>();
    const handled: number[] = [];
    const worker = system.spawn(gatedWorker(gates, handled), { mailbox: BACKPRESSURE });
    const asks = Array.from({ length: 24 }, (_, job) =>
      worker.ask({ type: 'run', job }, { waitForRoom: true }),
    );
    await drain(gates, handled, 24);
    assert.deepEqual(
      await Promise.all(asks),
      Array.from({ length: 24 }, (_, job) => job * 10),
    );
    assert.deepEqual(
      handled,
      Array.from({ length: 24 }, (_, job) => job),
      'in order, each once',
    );
    await system.shutdown();
  });

  it('the timeout covers the wait for room: a request still waiting when it expires is withdrawn, never handled', async () => {
    const clock = new ManualClock();
    const system = createSystem({ clock });
    const gates = new Map<number, Deferred<void>>();
    const handled: number[] = [];
    const worker = system.spawn(gatedWorker(gates, handled), { mailbox: BACKPRESSURE });
    const first = worker.ask({ type: 'run', job: 0 }, { timeout: Infinity });
    await turn(); // job 0 is in hand
    const queued = [1, 2].map((job) =>
      worker.ask({ type: 'run', job }, { timeout: Infinity, waitForRoom: true }),
    );
    const late = worker.ask({ type: 'run', job: 3 }, { timeout: 50, waitForRoom: true });
    const lateOutcome = late.then(
      () => 'answered',
      (e: unknown) => e,
    );
    clock.advance(50);
    assert.ok((await lateOutcome) instanceof CallTimeoutError);
    await drain(gates, handled, 3);
    assert.deepEqual(await Promise.all([first, ...queued]), [0, 10, 20]);
    await turn();
    assert.deepEqual(handled, [0, 1, 2], 'the withdrawn job 3 never ran');
    await system.shutdown();
  });

  it('a target that exits while an ask waits for room fails the ask with ProcessExitedError', async () => {
    const system = createSystem();
    const gates = new Map<number, Deferred<void>>();
    const handled: number[] = [];
    const worker = system.spawn(gatedWorker(gates, handled), { mailbox: BACKPRESSURE });
    const asks = Array.from({ length: 4 }, (_, job) =>
      worker.ask({ type: 'run', job }, { waitForRoom: true }).then(
        () => 'answered',
        (e: unknown) => e,
      ),
    );
    await turn();
    system.kill(worker);
    const results = await Promise.all(asks);
    for (const r of results) assert.ok(r instanceof ProcessExitedError, String(r));
    await system.shutdown();
  });

  it("a pool's callers wait for room the same way: every job answered", async () => {
    const system = createSystem();
    const gates = new Map<number, Deferred<void>>();
    const handled: number[] = [];
    const pool = await system.startPool(gatedWorker(gates, handled), {
      size: 3,
      options: { mailbox: { capacity: 1, overflow: 'backpressure' } },
    });
    const asks = Array.from({ length: 30 }, (_, job) =>
      pool.ask({ type: 'run', job }, { waitForRoom: true }),
    );
    await drain(gates, handled, 30);
    const results = await Promise.all(asks);
    assert.deepEqual(
      results,
      Array.from({ length: 30 }, (_, job) => job * 10),
    );
    await system.shutdown();
  });

  describe('a crashing pool worker and its queue', () => {
    type Job = { readonly job: number; readonly reply: Reply<number> };
    const crashesOnOne = defineActor<Job>({
      handle(msg) {
        if (msg.job === 1) throw new Error('job 1 is poison');
        msg.reply.send(msg.job);
      },
    });

    async function outcomes(keepMailbox: boolean): Promise<unknown[]> {
      const system = createSystem();
      const pool = await system.startPool(crashesOnOne, { size: 1, keepMailbox });
      const results = await Promise.all(
        [0, 1, 2, 3].map((job) =>
          pool.ask({ job }).then(
            (v) => v,
            (e: unknown) => (e instanceof ProcessExitedError ? 'lost' : (e as Error).message),
          ),
        ),
      );
      await system.shutdown();
      return results;
    }

    it('by default the crash ends the worker and the jobs queued behind the poison are lost', async () => {
      assert.deepEqual(await outcomes(false), [0, 'lost', 'lost', 'lost']);
    });

    it('with keepMailbox (Akka restart) only the job in hand is lost: the rest are answered', async () => {
      assert.deepEqual(await outcomes(true), [0, 'job 1 is poison', 2, 3]);
    });

    it('keepMailbox must be a boolean', async () => {
      const system = createSystem();
      await assert.rejects(
        system.startPool(crashesOnOne, { size: 1, keepMailbox: 'yes' as never }),
        (e: unknown) => e instanceof Error && /keepMailbox/.test(e.message),
      );
      await system.shutdown();
    });
  });
});
