/**
 * Semantics §4 and §11: a killed process's in-flight async handler sends
 * nothing — also through a plain ref (one received in a message, or held in
 * a closure) after an `await`, and from the timers and callbacks the async
 * handler set up. Such sends are dead letters `sender-exited`; an ask or an
 * offer rejects at once with `NoProcError`. A live process's send after an
 * `await` carries its pid. What is not covered (a synchronous handler's
 * callbacks) is checked as documented.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ActorRef, createSystem, type DeadLetter, defineActor } from '../../src/index.js';
import { traced } from '../../src/otel/index.js';
import { type Deferred, deferred, failOnUnhandledRejections, turn } from '../support/guard.js';
import { type Go, recorder, zombieSetUp as setUp } from './fixture.js';

/** An actor whose handler awaits `gate`, then tells `text` to the ref it was sent. */
function tellsAfter(gate: Deferred<void>, text: string) {
  return defineActor<Go>({
    async handle(msg) {
      await gate.promise;
      msg.to.tell(text);
    },
  });
}

/**
 * Arms a 1 ms timer that, once `gate` opens, tells `text` to `to` and
 * resolves `fired` (the timer and its callback outlive the handler).
 */
function tellFromTimer(
  to: ActorRef<unknown>,
  text: string,
  gate: Deferred<void>,
  fired: Deferred<void>,
) {
  setTimeout(() => {
    void gate.promise.then(() => {
      to.tell(text);
      fired.resolve();
    });
  }, 1);
}

describe('a killed process’s async handler sends nothing through a plain ref (§4, §11)', () => {
  failOnUnhandledRejections();

  it('a tell through a ref received in the message, after an await, is a sender-exited dead letter', async () => {
    const { system, target, exited, received, killWhileAwaiting } = setUp();
    const gate = deferred();
    const zombie = system.spawn(tellsAfter(gate, 'after the kill'));
    zombie.tell({ to: target });
    await killWhileAwaiting(zombie, gate);
    await system.idle();
    assert.equal(received(), 0, 'the target received nothing');
    assert.deepEqual(
      exited().map((l) => [l.message, l.sender, l.target]),
      [['after the kill', zombie.pid, target.pid]],
    );
    assert.equal(system.introspect().senderExitedSends, 1);
    await system.shutdown();
  });

  it('a tell through a ref held in a closure, after an await, is a sender-exited dead letter', async () => {
    const { system, target, exited, received, killWhileAwaiting } = setUp();
    const gate = deferred();
    const zombie = system.spawn(
      defineActor<'go'>({
        async handle() {
          await gate.promise;
          target.tell('from the closure');
        },
      }),
    );
    zombie.tell('go');
    await killWhileAwaiting(zombie, gate);
    await system.idle();
    assert.equal(received(), 0);
    assert.deepEqual(
      exited().map((l) => l.message),
      ['from the closure'],
    );
    await system.shutdown();
  });

  it('an ask or an offer through a plain ref after an await rejects at once with NoProcError and is a sender-exited dead letter', async () => {
    const { system, target, exited, received, killWhileAwaiting } = setUp();
    const gate = deferred();
    let asked: Promise<unknown> | undefined;
    let offered: Promise<unknown> | undefined;
    const zombie = system.spawn(
      defineActor<Go>({
        async handle(msg) {
          await gate.promise;
          asked = msg.to.ask({ q: 1 } as never).catch((e: unknown) => e);
          offered = msg.to.offer({ o: 2 }).catch((e: unknown) => e);
        },
      }),
    );
    zombie.tell({ to: target });
    await killWhileAwaiting(zombie, gate);
    const askError = (await asked) as { code?: string; message?: string };
    const offerError = (await offered) as { code?: string };
    assert.equal(askError.code, 'ERR_NOPROC', String(askError));
    assert.match(String(askError.message), /has exited: its sends have no effect/);
    assert.equal(offerError.code, 'ERR_NOPROC', String(offerError));
    await system.idle();
    assert.equal(received(), 0);
    assert.deepEqual(
      exited().map((l) => [l.message, l.sender]),
      [
        [{ q: 1 }, zombie.pid],
        [{ o: 2 }, zombie.pid],
      ],
    );
    await system.shutdown();
  });

  it('a timer and a promise callback set up inside a killed process’s async handler send nothing', async () => {
    const { system, target, exited, received } = setUp();
    const gate = deferred();
    const fired = deferred();
    const zombie = system.spawn(
      defineActor<Go>({
        async handle(msg) {
          // Neither is awaited: they run after the handler, in its async
          // context. The timer's send waits for the gate, opened after the kill.
          tellFromTimer(msg.to, 'from a timer', gate, fired);
          void gate.promise.then(() => msg.to.tell('from a callback'));
        },
      }),
    );
    zombie.tell({ to: target });
    await turn();
    system.kill(zombie);
    gate.resolve();
    await fired.promise;
    await system.idle();
    assert.equal(received(), 0);
    assert.deepEqual(
      exited()
        .map((l) => l.message)
        .sort(),
      ['from a callback', 'from a timer'],
    );
    await system.shutdown();
  });

  it('a traced async handler keeps its async context: after a kill its sends through a plain ref have no effect', async () => {
    const { system, target, exited, received, killWhileAwaiting } = setUp();
    const gate = deferred();
    const zombie = system.spawn(traced(tellsAfter(gate, 'traced, after the kill')));
    zombie.tell({ to: target });
    await killWhileAwaiting(zombie, gate);
    await system.idle();
    assert.equal(received(), 0);
    assert.deepEqual(
      exited().map((l) => l.message),
      ['traced, after the kill'],
    );
    await system.shutdown();
  });

  it('a timer an async handler left behind sends nothing once its process has stopped, not only after a kill', async () => {
    const { system, target, exited, received } = setUp();
    const gate = deferred();
    const fired = deferred();
    const stopper = system.spawn(
      defineActor<Go>({
        async handle(msg) {
          tellFromTimer(msg.to, 'after a normal stop', gate, fired);
        },
      }),
    );
    stopper.tell({ to: target });
    await system.idle();
    await system.stop(stopper);
    assert.equal(system.isAlive(stopper), false);
    gate.resolve();
    await fired.promise;
    await system.idle();
    assert.equal(received(), 0);
    assert.deepEqual(
      exited().map((l) => [l.message, l.sender]),
      [['after a normal stop', stopper.pid]],
    );
    await system.shutdown();
  });

  it('an async init killed while it awaits sends nothing after its await', async () => {
    const { system, target, exited, received, killWhileAwaiting } = setUp();
    const gate = deferred();
    const zombie = system.spawn(
      defineActor<never, undefined>({
        async init() {
          await gate.promise;
          target.tell('from init');
          return undefined;
        },
        handle() {},
      }),
    );
    await killWhileAwaiting(zombie, gate);
    await system.idle();
    assert.equal(received(), 0);
    assert.deepEqual(
      exited().map((l) => l.message),
      ['from init'],
    );
    await system.shutdown();
  });

  it('a live process’s send through a plain ref after an await arrives with its pid as sender', async () => {
    const { system, target, exited, seen } = setUp();
    const sender = system.spawn(
      defineActor<Go>({
        async handle(msg) {
          await Promise.resolve();
          msg.to.tell('hello');
          await msg.to.ask({ q: 'still alive' } as never);
        },
      }),
    );
    sender.tell({ to: target });
    await system.idle();
    await turn();
    await system.idle();
    assert.deepEqual(
      seen.map(([m, from]) => [typeof m === 'string' ? m : 'ask', from]),
      [
        ['hello', sender.pid],
        ['ask', sender.pid],
      ],
    );
    assert.equal(exited().length, 0);
    await system.shutdown();
  });

  it('an async handler that asks its own ref after an await fails at once with CallingSelfError', async () => {
    const { system } = setUp();
    let result: unknown;
    const self = system.spawn(
      defineActor<'go'>({
        async handle(_msg, ctx) {
          const me = ctx.self;
          await Promise.resolve();
          result = await me.ask({ q: 1 } as never).catch((e: unknown) => e);
        },
      }),
    );
    self.tell('go');
    await system.idle();
    await turn();
    await system.idle();
    assert.equal((result as { code?: string }).code, 'ERR_CALLING_SELF', String(result));
    await system.shutdown();
  });

  it('not covered: a synchronous handler’s timer callback has no sender, so it still delivers after a kill', async () => {
    const { system, target, exited, received } = setUp();
    const fired = deferred();
    const plain = system.spawn(
      defineActor<Go>({
        handle(msg) {
          setTimeout(() => {
            msg.to.tell('from a sync handler’s timer');
            fired.resolve();
          }, 1);
        },
      }),
    );
    plain.tell({ to: target });
    await system.idle();
    system.kill(plain);
    await fired.promise;
    await system.idle();
    assert.equal(received(), 1, 'delivered, as §4 says');
    assert.equal(exited().length, 0);
    await system.shutdown();
  });

  it('a round woken from an async step’s continuation is not that process’s: other handlers’ callbacks keep no sender', async () => {
    const { system, target, exited, received } = setUp();
    const fired = deferred();
    const relayed = deferred();
    const relay = system.spawn(
      defineActor<'go'>({
        handle() {
          // Runs in the round the async step's send woke; the timer outlives the step's process.
          relayed.resolve();
          setTimeout(() => {
            target.tell('from the relay’s timer');
            fired.resolve();
          }, 5);
        },
      }),
      { name: 'relay' },
    );
    const gate = deferred();
    const stepper = system.spawn(
      defineActor<'go'>({
        async handle(_msg, ctx) {
          // Resumed from a macrotask, so the send below wakes an idle scheduler.
          await new Promise((resolve) => setImmediate(resolve));
          ctx.named<'go'>('relay').tell('go');
          await gate.promise;
        },
      }),
    );
    stepper.tell('go');
    await relayed.promise;
    system.kill(stepper);
    gate.resolve();
    await fired.promise;
    await system.idle();
    assert.equal(received(), 1, 'the relay’s send arrived');
    assert.equal(exited().length, 0);
    assert.ok(system.info(relay) !== undefined);
    await system.shutdown();
  });
});

describe('the runtime’s own timers fire outside any async step (§4)', () => {
  failOnUnhandledRejections();

  it('a host timer armed from a killed process’s async step fires no dead letter of its own: a listener’s tell still arrives', async () => {
    const system = createSystem();
    const letters: DeadLetter[] = [];
    const { ref: logger, handled: logged } = recorder(system);
    const unregistered = deferred();
    system.deadLetters.subscribe((l) => {
      letters.push(l);
      if (l.reason !== 'unregistered') return;
      logger.tell(`seen ${l.address}`);
      unregistered.resolve();
    });
    const stepped = deferred();
    const gate = deferred();
    const stepper = system.spawn(
      defineActor<'go' | 'tick'>({
        async handle(msg, ctx) {
          if (msg === 'tick') return;
          await new Promise((resolve) => setImmediate(resolve));
          // Arms the system's one host timer from this step's continuation.
          ctx.sendAfter(10, 'tick');
          stepped.resolve();
          await gate.promise;
        },
      }),
    );
    const set = deferred();
    const relay = system.spawn(
      defineActor<'go'>({
        handle(_msg, ctx) {
          // Later than the stepper's: fired by the host timer that step armed.
          ctx.sendAfter(30, 'to nobody', 'nobody');
          set.resolve();
        },
      }),
    );
    stepper.tell('go');
    await stepped.promise;
    relay.tell('go');
    await set.promise;
    system.kill(stepper);
    gate.resolve();
    await unregistered.promise;
    await system.idle();
    assert.deepEqual(logged, ['seen name:nobody']);
    assert.deepEqual(
      letters.map((l) => l.reason),
      ['unregistered'],
      'the listener’s tell is not the dead stepper’s',
    );
    await system.shutdown();
  });
});
