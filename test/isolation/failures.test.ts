/**
 * Failures across the boundary, against real worker threads and child
 * processes: kills of bodies stuck in `while (true) {}` under a supervisor,
 * memory limits, hosts that exit or crash (links, monitors, supervisors),
 * pool threads that die, and trapping exits in a body.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  type ActorRef,
  type ActorSystem,
  CallTimeoutError,
  createSystem,
  defineActor,
  type ExitReason,
  exitReason,
  HostExitedError,
  type SupervisorRef,
  type SystemEvent,
  supervisor,
  whichChildren,
} from '../../src/index.js';
import { captureStderr, failOnUnhandledRejections } from '../support/guard.js';
import { type EchoMsg, type EchoReply, echo } from './actors.js';
import {
  PLACEMENTS,
  probe,
  processAlive,
  rec,
  recordEvents,
  sleep,
  TIMEOUT,
  until,
  WAIT,
  within,
} from './helpers.js';
import { slowEcho } from './slow-actors.js';

const systems: ActorSystem[] = [];

function newSystem(poolThreads = 2): ActorSystem {
  const system = createSystem({ poolThreads });
  systems.push(system);
  return system;
}

afterEach(async () => {
  for (const s of systems.splice(0)) {
    await within(s.shutdown({ timeout: 1_000 }), WAIT, 'shutdown');
  }
});

const echoOf = (ref: ActorRef<EchoMsg>, text = 'ping', timeout = WAIT): Promise<EchoReply> =>
  ref.ask({ type: 'echo', text }, { timeout }) as Promise<EchoReply>;

/** The error of an `error` reason, as a record. */
function errorOf(reason: ExitReason | undefined): Record<string, unknown> {
  assert.equal(reason?.kind, 'error', `an error reason, got ${JSON.stringify(reason)}`);
  return rec(reason?.kind === 'error' ? reason.error : undefined);
}

/** The refs of a supervisor's children, by id. */
async function children(sup: SupervisorRef): Promise<Map<string, ActorRef<EchoMsg>>> {
  const rows = await whichChildren(sup);
  const refs = new Map<string, ActorRef<EchoMsg>>();
  for (const r of rows) if (r.ref !== undefined) refs.set(String(r.id), r.ref as ActorRef<EchoMsg>);
  return refs;
}

/** Resolves once `count` child-restarted events have been seen. */
function restarts(events: SystemEvent[], count: number): Promise<void> {
  return until(
    () => events.filter((e) => e.type === 'child-restarted').length >= count,
    WAIT,
    `${count} restarts`,
  );
}

describe('isolation: failures across the boundary', () => {
  failOnUnhandledRejections();

  for (const placement of ['worker', 'process'] as const) {
    it(`kill a ${placement} body stuck in while(true): the supervisor restarts it`, {
      timeout: TIMEOUT,
    }, async () => {
      const system = newSystem();
      const events = recordEvents(system, ['child-restarted']);
      const sup = await system.start(
        supervisor({
          intensity: 5,
          period: 5_000,
          children: [{ id: 'spinner', actor: echo, options: { placement, name: 'spinner' } }],
        }),
      );
      const before = (await children(sup)).get('spinner');
      assert.ok(before !== undefined);
      const first = await echoOf(before);
      before.tell({ type: 'spin' });
      await assert.rejects(
        echoOf(before, 'stuck?', 200),
        (e: unknown) => e instanceof CallTimeoutError,
        'the body is stuck',
      );
      const exited = system.exited(before);
      system.kill(before);
      assert.deepEqual(await exited, exitReason.killed);
      await restarts(events, 1);
      const after = (await children(sup)).get('spinner');
      assert.ok(after !== undefined && after.pid !== before.pid, 'a new pid');
      assert.equal(system.whereis('spinner'), after, 'the name moved to the restarted child');
      const second = await echoOf(after, 'back');
      assert.equal(second.text, 'back');
      assert.equal(second.self, after);
      if (placement === 'process') {
        assert.notEqual(second.where.processId, first.where.processId, 'a new child process');
        await until(() => !processAlive(first.where.processId), WAIT, 'the old child is gone');
      } else {
        assert.notEqual(second.where.threadId, first.where.threadId, 'a new worker thread');
      }
    });

    it(`a ${placement} body stuck in while(true) is killed at its shutdown timeout`, {
      timeout: TIMEOUT,
    }, async () => {
      const system = newSystem();
      const p = probe(system);
      const ref = system.spawn(echo, { placement, args: { reportTo: p.ref as never } });
      await p.next((m) => m.type === 'started', 'started');
      ref.tell({ type: 'spin' });
      // A stop does not wait for queued messages: make sure the body is stuck first.
      await assert.rejects(
        echoOf(ref, 'stuck?', 200),
        (e: unknown) => e instanceof CallTimeoutError,
      );
      const exited = system.exited(ref);
      await system.stop(ref, { timeout: 200 });
      // The body spins for ever: only the kill at the shutdown timeout can end it.
      assert.deepEqual(await exited, exitReason.killed);
      assert.equal(
        p.seen.some((s) => s.message.type === 'terminated'),
        false,
        'terminate never ran',
      );
    });
  }

  it('a pool body killed between handlers ends in its thread and is restarted', {
    timeout: TIMEOUT,
  }, async () => {
    const system = newSystem(1);
    const events = recordEvents(system, ['child-restarted']);
    const sup = await system.start(
      supervisor({
        children: [
          { id: 'a', actor: echo, options: { placement: 'pool' } },
          { id: 'b', actor: echo, options: { placement: 'pool' } },
        ],
      }),
    );
    const before = await children(sup);
    const a = before.get('a') as ActorRef<EchoMsg>;
    const b = before.get('b') as ActorRef<EchoMsg>;
    const thread = (await echoOf(a)).where.threadId;
    const exited = system.exited(a);
    system.kill(a);
    assert.deepEqual(await exited, exitReason.killed);
    await restarts(events, 1);
    const again = (await children(sup)).get('a') as ActorRef<EchoMsg>;
    assert.notEqual(again.pid, a.pid);
    assert.equal((await echoOf(again)).where.threadId, thread, 'the same pool thread');
    assert.equal((await echoOf(b)).self, b, 'the sibling on that thread is untouched');
  });

  it('a placed process ends with its main parent, and a supervisor stops a trapping body gracefully', {
    timeout: TIMEOUT,
  }, async () => {
    const system = newSystem();
    const p = probe(system);
    const placed: ActorRef<EchoMsg>[] = [];
    const parent = system.spawn(
      defineActor<{ type: 'go' }>({
        handle(_msg, ctx) {
          for (const placement of PLACEMENTS) {
            placed.push(ctx.spawn(echo, { placement, args: { reportTo: p.ref as never } }));
          }
        },
      }),
    );
    parent.tell({ type: 'go' });
    await until(() => placed.length === 3, WAIT, 'spawned');
    const where = await Promise.all(placed.map((r) => echoOf(r)));
    const exits = placed.map((r) => system.exited(r));
    system.kill(parent);
    assert.deepEqual(await Promise.all(exits), [
      exitReason.killed,
      exitReason.killed,
      exitReason.killed,
    ]);
    const child = where[1]?.where.processId ?? 0;
    await until(() => !processAlive(child), WAIT, 'the child process is gone');

    const sup = await system.start(
      supervisor({
        children: PLACEMENTS.map((placement) => ({
          id: placement,
          actor: echo,
          options: { placement, args: { trap: true, reportTo: p.ref as never } },
          shutdown: 5_000,
        })),
      }),
    );
    const kids = [...(await children(sup)).values()];
    const ended = kids.map((k) => system.exited(k));
    await system.stop(sup, { timeout: 5_000 });
    for (const reason of await Promise.all(ended)) assert.deepEqual(reason, exitReason.shutdown());
    assert.equal(kids.length, 3);
    await until(
      () => p.seen.filter((s) => s.message.type === 'terminated').length === 3,
      WAIT,
      'every body ran terminate',
    );
    const terminated = p.seen.filter((s) => s.message.type === 'terminated');
    for (const t of terminated) assert.deepEqual(t.message.reason, exitReason.shutdown());
  });

  it('a pool body killed while its host is still importing its module does not run on as an orphan', {
    timeout: TIMEOUT,
  }, async () => {
    const system = newSystem(1);
    const p = probe(system);
    await echoOf(system.spawn(echo, { placement: 'pool' })); // a warm pool thread
    const ref = system.spawn(slowEcho, { placement: 'pool', args: { reportTo: p.ref as never } });
    await sleep(100); // the spawn frame is in the host, which imports the module for 300 ms
    const exited = system.exited(ref);
    system.kill(ref);
    assert.deepEqual(await exited, exitReason.killed);
    // The one pool thread handles frames in order: once a body spawned after
    // the kill answers, the host has imported the module and dealt with the
    // killed spawn, so a body started for it would have reported by now.
    const later = system.spawn(slowEcho, { placement: 'pool' });
    assert.equal((await echoOf(later, 'after')).text, 'after');
    await system.idle();
    assert.deepEqual(
      p.seen.map((s) => s.message.type),
      [],
      'no body runs for a stand-in that is gone',
    );
  });

  it('a worker that hits its memory limit exits with ERR_HOST_EXITED', {
    timeout: TIMEOUT,
  }, async () => {
    const system = newSystem();
    const hog = system.spawn(echo, {
      placement: 'worker',
      resourceLimits: { maxOldGenerationSizeMb: 16 },
    });
    await echoOf(hog);
    const exited = system.exited(hog);
    hog.tell({ type: 'hog' });
    const reason = await exited;
    const error = errorOf(reason);
    assert.ok(reason.kind === 'error' && reason.error instanceof HostExitedError);
    assert.equal(error.code, 'ERR_HOST_EXITED');
    assert.equal(error.how, 'crashed');
    assert.match(String(error.message), /memory/i);
    // The system goes on: a new worker starts.
    assert.equal((await echoOf(system.spawn(echo, { placement: 'worker' }))).text, 'ping');
  });

  it('a child process that hits its memory limit exits with ERR_HOST_EXITED; its out-of-memory report reaches stderr', {
    timeout: TIMEOUT,
  }, async () => {
    const system = newSystem();
    const hog = system.spawn(echo, {
      placement: 'process',
      resourceLimits: { maxOldGenerationSizeMb: 16 },
    });
    await echoOf(hog);
    const exited = system.exited(hog);
    const stderr = captureStderr();
    try {
      hog.tell({ type: 'hog' });
      const error = errorOf(await exited);
      assert.equal(error.code, 'ERR_HOST_EXITED');
      assert.equal(error.how, 'exit');
      assert.ok(
        error.exitCode !== 0,
        `an abnormal exit: ${String(error.message)} (code ${String(error.exitCode)})`,
      );
      // The child's stderr passes through this process: V8's report is there, not lost.
      await until(() => /heap out of memory/.test(stderr.text()), WAIT, 'the OOM report');
    } finally {
      stderr.restore();
    }
  });

  for (const placement of PLACEMENTS) {
    it(`a ${placement} host that exits (process.exit(3)) fires links and monitors`, {
      timeout: TIMEOUT,
    }, async () => {
      const system = newSystem();
      const body = system.spawn(echo, { placement });
      await echoOf(body);
      const trapper = probe(system, { trap: true });
      const watcher = probe(system);
      const linked = probe(system);
      trapper.ref.tell({ type: 'probe:link', to: body });
      watcher.ref.tell({ type: 'probe:monitor', to: body });
      linked.ref.tell({ type: 'probe:link', to: body });
      await system.idle();
      const linkedExit = system.exited(linked.ref);
      body.tell({ type: 'exit-host', code: 3 });

      const exit = await trapper.next((m) => m.type === 'EXIT', 'EXIT');
      assert.equal(exit.message.from, body.pid);
      const error = errorOf(exit.message.reason as ExitReason);
      assert.equal(error.code, 'ERR_HOST_EXITED');
      assert.equal(error.how, 'exit');
      assert.equal(error.exitCode, 3);
      assert.match(String(error.message), /exited with code 3/);

      const down = await watcher.next((m) => m.type === 'DOWN', 'DOWN');
      assert.equal(down.message.pid, body.pid);
      assert.equal(down.message.reason, exit.message.reason, 'the same reason everywhere');
      assert.equal(
        await linkedExit,
        exit.message.reason,
        'a linked process that does not trap dies',
      );
      assert.equal(system.isAlive(body), false);
    });
  }

  for (const placement of PLACEMENTS) {
    it(`what a ${placement} body sent before it crashed arrives before its DOWN and EXIT`, {
      timeout: TIMEOUT,
    }, async () => {
      const system = newSystem();
      const body = system.spawn(echo, { placement });
      await echoOf(body);
      const watcher = probe(system, { trap: true });
      watcher.ref.tell({ type: 'probe:monitor', to: body });
      watcher.ref.tell({ type: 'probe:link', to: body });
      await system.idle();
      for (let i = 0; i < 5; i++) body.tell({ type: 'fwd', to: watcher.ref, text: `n${i}` });
      body.tell({ type: 'crash', code: 'E_LAST' });
      await watcher.next((m) => m.type === 'EXIT', 'EXIT');
      await watcher.next((m) => m.type === 'DOWN', 'DOWN');
      const order = watcher.seen.map((s) =>
        s.message.type === 'note' ? s.message.text : s.message.type,
      );
      assert.deepEqual(order.slice(0, 5), ['n0', 'n1', 'n2', 'n3', 'n4'], 'notes first, in order');
      assert.deepEqual(order.slice(5).sort(), ['DOWN', 'EXIT'], 'then the signals');
    });
  }

  it('a child process killed from outside (SIGKILL) fires links with ERR_HOST_EXITED', {
    timeout: TIMEOUT,
  }, async () => {
    const system = newSystem();
    const body = system.spawn(echo, { placement: 'process' });
    const { processId } = (await echoOf(body)).where;
    const trapper = probe(system, { trap: true });
    trapper.ref.tell({ type: 'probe:link', to: body });
    await system.idle();
    process.kill(processId, 'SIGKILL');
    const exit = await trapper.next((m) => m.type === 'EXIT', 'EXIT');
    const error = errorOf(exit.message.reason as ExitReason);
    assert.equal(error.code, 'ERR_HOST_EXITED');
    assert.match(String(error.message), /SIGKILL/);
  });

  for (const how of ['exit', 'crashed'] as const) {
    it(`a pool thread that dies (${how}) ends every body it hosted; the supervisor restarts them on a replacement`, {
      timeout: TIMEOUT,
    }, async () => {
      const system = newSystem(2);
      const events = recordEvents(system, ['child-restarted']);
      const ids = ['a', 'b', 'c', 'd'];
      const sup = await system.start(
        supervisor({
          intensity: 10,
          period: 5_000,
          children: ids.map((id) => ({ id, actor: echo, options: { placement: 'pool' as const } })),
        }),
      );
      const before = await children(sup);
      const threads = new Map<string, number>();
      for (const [id, ref] of before) threads.set(id, (await echoOf(ref)).where.threadId);
      const doomed = threads.get('a');
      const victims = ids.filter((id) => threads.get(id) === doomed);
      const survivors = ids.filter((id) => threads.get(id) !== doomed);
      const exits = victims.map((id) => system.exited(before.get(id) as ActorRef<never>));

      const a = before.get('a') as ActorRef<EchoMsg>;
      a.tell(how === 'exit' ? { type: 'exit-host', code: 7 } : { type: 'throw-uncaught' });
      for (const reason of await Promise.all(exits)) {
        const error = errorOf(reason);
        assert.equal(error.code, 'ERR_HOST_EXITED');
        assert.equal(error.how, how);
        assert.match(
          String(error.message),
          how === 'exit' ? /exited with code 7/ : /crashed: thrown outside any handler/,
        );
      }
      await restarts(events, victims.length);
      const after = await children(sup);
      for (const id of victims) {
        const ref = after.get(id) as ActorRef<EchoMsg>;
        assert.notEqual(ref.pid, before.get(id)?.pid, `${id} has a new pid`);
        const r = await echoOf(ref);
        assert.equal(r.self, ref);
        assert.notEqual(r.where.threadId, doomed, `${id} runs on another thread`);
      }
      for (const id of survivors) {
        assert.equal(after.get(id)?.pid, before.get(id)?.pid, `${id} was not touched`);
        assert.equal((await echoOf(after.get(id) as ActorRef<EchoMsg>)).text, 'ping');
      }
    });
  }

  it('a burst of pool spawns is spread over the pool threads', { timeout: TIMEOUT }, async () => {
    const system = newSystem(2);
    const refs = Array.from({ length: 6 }, () => system.spawn(echo, { placement: 'pool' }));
    const threads = await Promise.all(refs.map(async (r) => (await echoOf(r)).where.threadId));
    const counts = new Map<number, number>();
    for (const t of threads) counts.set(t, (counts.get(t) ?? 0) + 1);
    assert.deepEqual([...counts.values()], [3, 3], `by thread: ${JSON.stringify([...counts])}`);
  });

  for (const placement of PLACEMENTS) {
    describe(`trapping exits in a ${placement} body`, () => {
      it('a linked main process that crashes reaches the body as an EXIT message', {
        timeout: TIMEOUT,
      }, async () => {
        const system = newSystem();
        const p = probe(system);
        const body = system.spawn(echo, {
          placement,
          args: { trap: true, reportTo: p.ref as never },
        });
        await p.next((m) => m.type === 'started', 'started');
        const crasher = probe(system);
        crasher.ref.tell({ type: 'probe:link', to: body });
        const crashed = system.exited(crasher.ref);
        crasher.ref.tell({ type: 'probe:crash', code: 'E_MAIN' });
        assert.equal(errorOf(await crashed).code, 'E_MAIN');
        const seen = await p.next((m) => m.type === 'exit-seen', 'the EXIT in the body');
        assert.equal(seen.message.from, crasher.ref.pid, 'from is the main pid');
        assert.equal(errorOf(seen.message.reason as ExitReason).code, 'E_MAIN');
        assert.equal((await echoOf(body)).text, 'ping', 'the body lives on');

        system.exit(body, exitReason.shutdown('from outside'));
        const outside = await p.next(
          (m) => m.type === 'exit-seen' && rec(m.reason).kind === 'shutdown',
          'the EXIT from outside',
        );
        assert.deepEqual(
          { from: outside.message.from, reason: outside.message.reason },
          { from: undefined, reason: exitReason.shutdown('from outside') },
        );
        const exited = system.exited(body);
        system.exit(body, exitReason.kill);
        assert.deepEqual(await exited, exitReason.killed, 'kill cannot be trapped');
      });

      it('without trapping, a linked main crash ends the body with the same reason', {
        timeout: TIMEOUT,
      }, async () => {
        const system = newSystem();
        const body = system.spawn(echo, { placement });
        await echoOf(body);
        const crasher = probe(system);
        crasher.ref.tell({ type: 'probe:link', to: body });
        const exited = system.exited(body);
        crasher.ref.tell({ type: 'probe:crash', code: 'E_MAIN' });
        assert.equal(errorOf(await exited).code, 'E_MAIN');
      });
    });
  }

  for (const placement of PLACEMENTS) {
    it(`a ${placement} body cannot link to a main process, nor send a ref that lives only in its host`, {
      timeout: TIMEOUT,
    }, async () => {
      const system = newSystem();
      const p = probe(system);
      const linker = system.spawn(echo, { placement });
      const linkerExit = system.exited(linker);
      linker.tell({ type: 'link-main', to: p.ref as never });
      assert.equal(errorOf(await linkerExit).code, 'ERR_INVALID_ARG');
      const leaker = system.spawn(echo, { placement });
      const leakerExit = system.exited(leaker);
      leaker.tell({ type: 'leak-local', to: p.ref as never });
      const error = errorOf(await leakerExit);
      assert.equal(error.code, 'ERR_INVALID_ARG');
      assert.match(String(error.message), /lives only in this host/);
      assert.equal(p.seen.length, 0);
      assert.equal(system.isAlive(p.ref), true, 'the main process was not linked');
    });
  }
});
