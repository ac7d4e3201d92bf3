/**
 * Semantics §4, §8 and §9: a process that has exited is refused as a
 * sender before anything about the target is read, so every send it
 * attempts — tell, ask, offer, `ctx.named`, a timer — is a dead letter
 * `sender-exited` and counted in `senderExitedSends`, also when the target
 * is gone too; and so is every send of a handler after it ended its own
 * process. A dead-letter listener's own sends are never taken for the
 * exited process's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ActorRef,
  createSystem,
  type DeadLetter,
  defineActor,
  exitReason,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { deferred, failOnUnhandledRejections, turn } from '../support/guard.js';
import { type Go, recorder, zombieSetUp as setUp } from './fixture.js';

describe('an exited sender is refused first, and each of its sends is counted (§4, §9)', () => {
  failOnUnhandledRejections();

  it('sender-exited goes before the target’s state: a zombie’s tell, ask, offer and ctx.named send to a process already gone are sender-exited, and each is counted', async () => {
    const { system, exited, killWhileAwaiting } = setUp();
    const gone = system.spawn(defineActor<unknown>({ handle() {} }), { name: 'gone' });
    await system.stop(gone);
    const gate = deferred();
    let asked: Promise<unknown> | undefined;
    let offered: Promise<unknown> | undefined;
    const zombie = system.spawn(
      defineActor<Go>({
        async handle(msg, ctx) {
          const named = ctx.named<unknown>('gone');
          await gate.promise;
          msg.to.tell('tell to the gone');
          asked = msg.to.ask({ q: 1 } as never).catch((e: unknown) => e);
          offered = msg.to.offer({ o: 2 }).catch((e: unknown) => e);
          named.tell('named to the gone');
        },
      }),
    );
    zombie.tell({ to: gone });
    await killWhileAwaiting(zombie, gate);
    assert.equal(((await asked) as { code?: string }).code, 'ERR_NOPROC');
    assert.equal(((await offered) as { code?: string }).code, 'ERR_NOPROC');
    await system.idle();
    assert.deepEqual(
      exited().map((l) => [l.message, l.sender]),
      [
        ['tell to the gone', zombie.pid],
        [{ q: 1 }, zombie.pid],
        [{ o: 2 }, zombie.pid],
        ['named to the gone', zombie.pid],
      ],
    );
    assert.equal(system.introspect().senderExitedSends, 4);
    await system.shutdown();
  });

  it('a handler that ended its own process sends nothing afterwards: tell, ask and offer, to a live or a gone process, are sender-exited, counted, and an ask or offer rejects at once', async () => {
    const { system, target, exited, received } = setUp();
    const gone = system.spawn(defineActor<unknown>({ handle() {} }));
    await system.stop(gone);
    const results: Promise<unknown>[] = [];
    const zombie = system.spawn(
      defineActor<'go'>({
        handle(_msg, ctx) {
          ctx.exit(ctx.self, exitReason.kill);
          for (const to of [target, gone]) {
            to.tell('tell');
            results.push(to.ask({ q: 1 } as never).catch((e: unknown) => e));
            results.push(to.offer('offer').catch((e: unknown) => e));
          }
        },
      }),
    );
    zombie.tell('go');
    await system.idle();
    const errors = (await Promise.all(results)) as { code?: string }[];
    assert.deepEqual(
      errors.map((e) => e?.code),
      ['ERR_NOPROC', 'ERR_NOPROC', 'ERR_NOPROC', 'ERR_NOPROC'],
    );
    assert.equal(received(), 0);
    assert.deepEqual(
      exited().map((l) => [l.message, l.target]),
      [
        ['tell', target.pid],
        [{ q: 1 }, target.pid],
        ['offer', target.pid],
        ['tell', gone.pid],
        [{ q: 1 }, gone.pid],
        ['offer', gone.pid],
      ],
    );
    assert.equal(system.introspect().senderExitedSends, 6);
    await system.shutdown();
  });

  it('a dead-letter listener’s own sends, while a handler that ended its process runs on, are not that process’s: they arrive', async () => {
    const { system, target, exited } = setUp();
    const { ref: logger, handled: logged } = recorder(system);
    system.deadLetters.subscribe((l) => {
      if (l.reason === 'sender-exited') logger.tell(`refused ${String(l.message)}`);
    });
    system.register('target', target);
    const zombie = system.spawn(
      defineActor<'go'>({
        handle(_msg, ctx) {
          ctx.exit(ctx.self, exitReason.kill);
          target.tell('after the exit');
          ctx.named<unknown>('target').tell('by name after the exit');
        },
      }),
    );
    zombie.tell('go');
    await system.idle();
    assert.deepEqual(logged, ['refused after the exit', 'refused by name after the exit']);
    assert.equal(exited().length, 2);
    await system.shutdown();
  });

  /** A process whose handler (synchronous, or async after a turn) ends its own process on 'go'. */
  const endsItselfOnGo = (kind: 'synchronous' | 'async') =>
    defineActor<string>(
      kind === 'async'
        ? {
            async handle(msg, ctx) {
              await turn();
              if (msg === 'go') ctx.exit(ctx.self, exitReason.shutdown());
            },
          }
        : {
            handle(msg, ctx) {
              if (msg === 'go') ctx.exit(ctx.self, exitReason.shutdown());
            },
          },
    );

  for (const kind of ['synchronous', 'async'] as const)
    it(`listeners called while ${kind === 'async' ? 'an' : 'a'} ${kind} handler ends its own process are not that process: a dead-letter listener’s and an events listener’s tells arrive, none is sender-exited, one idle() sees them handled`, async () => {
      const { system, exited } = setUp();
      const { ref: logger, handled: logged } = recorder(system);
      system.deadLetters.subscribe((l) => {
        if (l.reason === 'stopped') logger.tell(`left ${String(l.message)}`);
      });
      const zombie = system.spawn(endsItselfOnGo(kind));
      system.events.subscribe(
        (e) => {
          if (e.type === 'exited' && e.pid === zombie.pid) logger.tell('saw the exit');
        },
        ['exited'],
      );
      zombie.tell('go');
      zombie.tell('queued');
      // One wait: the async step the exit ends is left only after the listeners' tells are queued (§9).
      await system.idle();
      assert.deepEqual(logged, ['left queued', 'saw the exit']);
      assert.deepEqual(exited(), []);
      assert.equal(system.introspect().senderExitedSends, 0);
      await system.shutdown();
    });

  for (const kind of ['synchronous', 'async'] as const)
    it(`a group watcher called while ${kind === 'async' ? 'an' : 'a'} ${kind} handler ends its own process (its leave) is not that process: its tell arrives, none is sender-exited`, async () => {
      const { system, exited } = setUp();
      const { ref: logger, handled: logged } = recorder(system);
      const zombie = system.spawn(endsItselfOnGo(kind));
      system.groups.join('g', zombie);
      system.groups.watch('g', (e) => logger.tell(`${e.event} ${e.pids.length}`));
      zombie.tell('go');
      await system.idle();
      assert.deepEqual(logged, ['leave 1']);
      assert.deepEqual(exited(), []);
      assert.equal(system.introspect().senderExitedSends, 0);
      await system.shutdown();
    });

  it('a parent killed while its child’s async step is in flight: one idle() sees the tells of the parent’s exited listener handled (the child’s abandoned step is not left mid-exit)', async () => {
    const { system, exited } = setUp();
    const { ref: logger, handled: logged } = recorder(system);
    const gate = deferred();
    let child: ActorRef<string> | undefined;
    const parent = system.spawn(
      defineActor<string, null>({
        init(ctx) {
          child = ctx.spawn(
            defineActor<string>({
              async handle() {
                await gate.promise;
              },
            }),
          );
          return null;
        },
        handle() {},
      }),
    );
    system.events.subscribe(
      (e) => {
        if (e.type === 'exited' && e.pid === parent.pid) logger.tell('saw the parent exit');
      },
      ['exited'],
    );
    await system.idle();
    child?.tell('go');
    await turn();
    // The kill comes while the wait is pending, as from a timer or I/O.
    setImmediate(() => system.kill(parent));
    await system.idle();
    assert.deepEqual(logged, ['saw the parent exit']);
    assert.deepEqual(exited(), []);
    gate.resolve();
    await system.shutdown();
  });
});

describe('a timer set by a process that has exited has no effect and is a dead letter (§8, §9 nothing vanishes)', () => {
  failOnUnhandledRejections();

  it('sendAfter and sendInterval from a killed async handler and from a handler that ended its process: nothing arrives, each is sender-exited and counted', async () => {
    const clock = new ManualClock();
    const system = createSystem({ clock });
    const letters: DeadLetter[] = [];
    system.deadLetters.subscribe((l) => letters.push(l));
    const { ref: target, handled } = recorder(system, { name: 'target' });
    const gate = deferred();
    const zombie = system.spawn(
      defineActor<string>({
        async handle(_msg, ctx) {
          await gate.promise;
          ctx.sendAfter(10, 'once', target);
          ctx.sendInterval(10, 'every', target);
          ctx.sendAfter(10, 'by name', 'target');
          ctx.sendAfter(10, 'to itself');
        },
      }),
    );
    zombie.tell('go');
    await turn();
    system.kill(zombie);
    gate.resolve();
    await turn();
    let readTimer: number | false | undefined;
    const ended = system.spawn(
      defineActor<'go'>({
        handle(_msg, ctx) {
          ctx.exit(ctx.self, exitReason.kill);
          const t = ctx.sendAfter(10, 'after its exit', target);
          assert.equal(t.active, false, 'the timer was never set');
          readTimer = ctx.readTimer(t);
        },
      }),
    );
    ended.tell('go');
    await system.idle();
    await clock.advanceAndSettle(100, system);
    assert.deepEqual(handled, [], 'nothing arrived');
    assert.deepEqual(
      letters.map((l) => [l.message, l.reason, l.sender, l.target, l.address]),
      [
        ['once', 'sender-exited', zombie.pid, target.pid, undefined],
        ['every', 'sender-exited', zombie.pid, target.pid, undefined],
        ['by name', 'sender-exited', zombie.pid, undefined, 'name:target'],
        ['to itself', 'sender-exited', zombie.pid, zombie.pid, undefined],
        ['after its exit', 'sender-exited', ended.pid, target.pid, undefined],
      ],
    );
    assert.equal(system.introspect().senderExitedSends, 5);
    assert.equal(readTimer, false);
    assert.equal(clock.pending, 0, 'no timer left pending');
    await system.shutdown();
  });
});
