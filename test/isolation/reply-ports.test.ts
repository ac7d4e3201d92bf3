/**
 * Reply ports across the boundary, long after their ask: a port a body
 * kept after its ask timed out, and after many more asks went to the same
 * host, still crosses as a reply port, and an answer to it is a
 * `late-reply` dead letter carrying the ask's correlation id (§5, §20).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  type ActorSystem,
  CallTimeoutError,
  createSystem,
  type DeadLetter,
  defineActor,
  type Reply,
} from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { TIMEOUT, WAIT, within } from './helpers.js';
import { holder } from './holder-actor.js';

let system: ActorSystem;

beforeEach(() => {
  // Hosts start in seconds on a busy machine, and an ask's timeout runs from the ask, so the
  // asks of these tests wait for the start: their timeout is a hang guard, not the default 5 s.
  system = createSystem({ poolThreads: 1, askTimeout: WAIT });
});

afterEach(async () => {
  await within(system.shutdown({ timeout: 1_000 }), WAIT, 'shutdown');
});

/** The next dead letter with reason `late-reply`. */
function nextLateReply(): Promise<DeadLetter> {
  return new Promise((resolve) => {
    const stop = system.deadLetters.subscribe((letter) => {
      if (letter.reason !== 'late-reply') return;
      stop();
      resolve(letter);
    });
  });
}

describe('system.introspect() lists hosts with their processes and pending asks', () => {
  failOnUnhandledRejections();

  it('a worker, a child process and a pool thread, each with its stand-ins and the asks it owes', {
    timeout: TIMEOUT,
  }, async () => {
    assert.deepEqual(system.introspect().hosts, [], 'no host before the first placement');
    const inWorker = system.spawn(holder, { placement: 'worker' });
    const inProcess = system.spawn(holder, { placement: 'process' });
    const inPool = system.spawn(holder, { placement: 'pool' });
    for (const ref of [inWorker, inProcess, inPool])
      assert.equal(await ref.ask({ type: 'ping' }), 'pong');
    const held = inPool.ask({ type: 'hold' }, { timeout: 60_000 });
    await system.idle(); // the stand-in has passed the ask on to its host
    const hosts = system.introspect().hosts;
    assert.deepEqual(
      hosts.map((h) => [h.kind, h.processes, h.pendingAsks]),
      [
        ['pool', [inPool.pid], 1],
        ['worker', [inWorker.pid], 0],
        ['process', [inProcess.pid], 0],
      ],
    );
    system.kill(inPool);
    await assert.rejects(held, { code: 'ERR_PROCESS_EXITED' });
    system.kill(inWorker);
    system.kill(inProcess);
    assert.deepEqual(
      system.introspect().hosts.map((h) => [h.kind, h.processes]),
      [['pool', []]],
      'dedicated hosts end with their process; the pool thread stays',
    );
  });
});

describe('reply ports kept by a placed body outlive their ask', () => {
  failOnUnhandledRejections();

  for (const placement of ['worker', 'pool'] as const) {
    it(`${placement}: a port kept after its ask timed out and 64 more asks still crosses as a reply port, and every answer to it is a late-reply dead letter with its correlation id`, {
      timeout: TIMEOUT,
    }, async () => {
      const ref = system.spawn(holder, { placement });
      await assert.rejects(ref.ask({ type: 'hold' }, { timeout: 1 }), CallTimeoutError);
      const pings = Array.from({ length: 64 }, () => ref.ask({ type: 'ping' }));
      assert.deepEqual(await Promise.all(pings), Array(64).fill('pong'));

      const received = new Promise<Reply<unknown>>((resolve) => {
        const catcher = system.spawn(
          defineActor<{ type: 'held'; port: Reply<unknown> }>({
            handle(msg) {
              resolve(msg.port);
            },
          }),
        );
        ref.tell({ type: 'pass-held', to: catcher });
      });
      const port = await received;
      assert.equal(typeof port?.send, 'function', 'the port arrives as a reply port');
      assert.equal(port.pending, false, 'its ask is over');

      let late = nextLateReply();
      port.send('too late');
      let letter = await late;
      assert.equal(letter.message, 'too late');
      assert.equal(letter.correlationId, port.correlationId);

      late = nextLateReply();
      ref.tell({ type: 'answer-held', value: 'much too late' });
      letter = await late;
      assert.equal(letter.message, 'much too late', "the body's own answer is not lost either");
      assert.equal(letter.correlationId, port.correlationId);
    });
  }
});
