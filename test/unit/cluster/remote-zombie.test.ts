import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAKE_PROCESS, type ProcessMaker } from '../../../src/actor/index.js';
import {
  REMOTE_DEFINITION,
  RemoteProcess,
  type RemoteSide,
} from '../../../src/cluster/remote-process.js';
import {
  type ActorRef,
  createSystem,
  type DeadLetter,
  defineActor,
  exitReason,
} from '../../../src/index.js';
import { ManualClock } from '../../../src/testing/index.js';
import { deferred, failOnUnhandledRejections, turn } from '../../support/guard.js';

/**
 * Semantics §4: a process that has exited sends nothing — also to a
 * process of another node. Its sends there are dead letters
 * `sender-exited`, counted, and never reach the node. A remote process's
 * record is made here with a side that only records what would leave.
 */

function setUp() {
  const system = createSystem({ clock: new ManualClock() });
  const left: unknown[] = [];
  const side: RemoteSide = {
    tell: (_to, message) => left.push(message),
    exit: () => {},
    linkChanged: () => {},
    tellAddress: (_address, message) => left.push(message),
    isUp: () => true,
  };
  const make: ProcessMaker = (runtime, pid, def, parent, flags) =>
    new RemoteProcess(runtime, pid, def, parent, flags, side, 'other_1', 7);
  const remote = system.spawn(
    REMOTE_DEFINITION as never,
    {
      [MAKE_PROCESS]: make,
    } as never,
  ) as ActorRef<unknown>;
  const letters: DeadLetter[] = [];
  system.deadLetters.subscribe((l) => letters.push(l));
  return { system, remote, left, letters };
}

describe('a process that has exited sends nothing to another node (§4)', () => {
  failOnUnhandledRejections();

  it('the fake side is reached by a live sender (the test can fail)', async () => {
    const { system, remote, left } = setUp();
    const live = system.spawn(
      defineActor<'go'>({
        handle() {
          remote.tell('sent');
        },
      }),
    );
    live.tell('go');
    await system.idle();
    assert.deepEqual(left, ['sent']);
    await system.shutdown();
  });

  it('a handler that ended its process: its tell, ask and offer to a remote ref are sender-exited, counted, and do not leave', async () => {
    const { system, remote, left, letters } = setUp();
    const results: Promise<unknown>[] = [];
    const zombie = system.spawn(
      defineActor<'go'>({
        handle(_msg, ctx) {
          ctx.exit(ctx.self, exitReason.kill);
          remote.tell('tell');
          results.push(remote.ask({ q: 1 } as never).catch((e: unknown) => e));
          results.push(remote.offer('offer').catch((e: unknown) => e));
        },
      }),
    );
    zombie.tell('go');
    await system.idle();
    const errors = (await Promise.all(results)) as { code?: string }[];
    assert.deepEqual(
      errors.map((e) => e?.code),
      ['ERR_NOPROC', 'ERR_NOPROC'],
    );
    assert.deepEqual(left, []);
    assert.deepEqual(
      letters.map((l) => [l.message, l.reason, l.sender]),
      [
        ['tell', 'sender-exited', zombie.pid],
        [{ q: 1 }, 'sender-exited', zombie.pid],
        ['offer', 'sender-exited', zombie.pid],
      ],
    );
    assert.equal(system.introspect().senderExitedSends, 3);
    await system.shutdown();
  });

  it('a killed async handler’s tell to a remote ref after an await, to a live or an ended remote process, is sender-exited and counted', async () => {
    const { system, remote, left, letters } = setUp();
    const gate = deferred();
    const zombie = system.spawn(
      defineActor<'go'>({
        async handle() {
          await gate.promise;
          remote.tell('to the live one');
          system.kill(remote);
          remote.tell('to the ended one');
        },
      }),
    );
    zombie.tell('go');
    await turn();
    system.kill(zombie);
    gate.resolve();
    await turn();
    await system.idle();
    assert.deepEqual(left, []);
    assert.deepEqual(
      letters.map((l) => [l.message, l.reason]),
      [
        ['to the live one', 'sender-exited'],
        ['to the ended one', 'sender-exited'],
      ],
    );
    assert.equal(system.introspect().senderExitedSends, 2);
    await system.shutdown();
  });
});
