/**
 * The supervision conformance suite (otp-rules.md §1.10, docs/semantics.md
 * §13), written once and run twice: with the children in this thread and
 * with each child placed in a worker thread of its own. The supervisor and
 * the recorder stay in the main system; a placed child is a stand-in there
 * (pid, links, supervision) with its body in a worker.
 *
 * Both runs use the real clock: workers run in real time and
 * `system.idle()` does not wait for work inside them. The tests wait on
 * concrete things instead — `system.exited(ref)`, asks (a supervisor API
 * call is served after the exit it has already queued, so its answer sees
 * the restart decision), and `until(predicate)` for what the recorder has
 * been told. Every test builds its own system and shuts it down, so no
 * worker outlives it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { threadId as mainThreadId } from 'node:worker_threads';
import {
  type ActorRef,
  type ChildInfo,
  type ChildSpec,
  countChildren,
  createSystem,
  deleteChild,
  type ExitReason,
  exitReason,
  type Pid,
  type RestartType,
  restartChild,
  type ShutdownRule,
  type SpawnOptions,
  StartFailedError,
  type SupervisionEvent,
  SupervisorError,
  type SupervisorFlags,
  type SupervisorRef,
  startChild,
  supervisor,
  terminateChild,
  whichChildren,
} from '../../../src/index.js';
import { failOnUnhandledRejections, LIMITS } from '../../support/guard.js';
import {
  type ChildArgs,
  type ChildMsg,
  child,
  type Identity,
  type RecordEntry,
  type RecordKind,
  recorder,
} from '../../support/placed-children.js';

/** Where the suite places the supervised children. */
export type SuitePlacement = 'main' | 'worker';

/**
 * Polls `predicate` until it holds. Allowed here (and only here) because
 * real threads are involved: there is no single scheduler to wait on.
 */
export async function until(
  predicate: () => boolean,
  timeoutMs: number = LIMITS.wait,
  what = 'a condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A child's behaviour and its spec fields. */
interface ChildOptions extends Omit<ChildArgs, 'id' | 'recorder'> {
  readonly restart?: RestartType;
  readonly shutdown?: ShutdownRule;
  readonly significant?: boolean;
  readonly name?: string;
}

function setup(placement: SuitePlacement) {
  const system = createSystem();
  /** Every exit, per pid. */
  const exits = new Map<Pid, ExitReason>();
  /** Every supervision event, in order. */
  const events: SupervisionEvent[] = [];
  system.events.subscribe((e) => {
    if (e.type === 'exited') exits.set(e.pid, e.reason);
    else if (
      e.type === 'child-started' ||
      e.type === 'child-exited' ||
      e.type === 'child-restarted' ||
      e.type === 'child-start-failed' ||
      e.type === 'supervisor-shutdown'
    ) {
      events.push(e);
    }
  });
  /** What the children reported, in arrival order. */
  const log: RecordEntry[] = [];
  const rec = system.spawn(recorder(log));

  /** A spec of the suite's child, placed as this run says. */
  const spec = (id: string, o: ChildOptions = {}): ChildSpec<ChildArgs> => {
    const { restart, shutdown, significant, name, ...behaviour } = o;
    const args: ChildArgs = { id, recorder: rec, ...behaviour };
    const options: SpawnOptions<ChildArgs> = {
      args,
      ...(name === undefined ? {} : { name }),
      ...(placement === 'worker' ? { placement: 'worker' as const } : {}),
    };
    return {
      id,
      actor: child,
      options,
      ...(restart === undefined ? {} : { restart }),
      ...(shutdown === undefined ? {} : { shutdown }),
      ...(significant === undefined ? {} : { significant }),
    };
  };

  const start = (
    flags: SupervisorFlags,
    children: ChildSpec<ChildArgs>[],
  ): Promise<SupervisorRef> => system.start(supervisor({ ...flags, children }));

  /** The children of `sup` by id, as `whichChildren` lists them. */
  const kids = async (sup: SupervisorRef): Promise<Map<string | undefined, ChildInfo>> =>
    new Map((await whichChildren(sup)).map((c) => [c.id, c]));

  /** The pids of the running children, by id. */
  const pids = async (sup: SupervisorRef): Promise<Record<string, Pid | undefined>> => {
    const out: Record<string, Pid | undefined> = {};
    for (const c of await whichChildren(sup)) out[c.id ?? '?'] = c.ref?.pid;
    return out;
  };

  /** The running child `id` of `sup`. */
  const ref = async (sup: SupervisorRef, id: string): Promise<ActorRef<ChildMsg>> => {
    const info = (await kids(sup)).get(id);
    if (info?.ref === undefined) throw new Error(`child ${id} is not running`);
    return info.ref as ActorRef<ChildMsg>;
  };

  /** Sends `message` to child `id` and resolves with its exit reason once it has exited. */
  const exitVia = async (
    sup: SupervisorRef,
    id: string,
    message: ChildMsg,
  ): Promise<{ reason: ExitReason; pid: Pid }> => {
    const r = await ref(sup, id);
    const gone = system.exited(r);
    r.tell(message);
    return { reason: await gone, pid: r.pid };
  };

  const ping = (r: ActorRef<ChildMsg>): Promise<Identity> => r.ask({ type: 'ping' });

  /** The ids the recorder heard `kind` from (optionally: with this detail), in order. */
  const heard = (kind: RecordKind, detail?: string): string[] =>
    log
      .filter((e) => e.kind === kind && (detail === undefined || e.detail === detail))
      .map((e) => e.id);

  /** Waits until the recorder has heard `count` reports of `kind` (and `detail`). */
  const hear = (kind: RecordKind, count: number, detail?: string): Promise<void> =>
    until(
      () => heard(kind, detail).length >= count,
      LIMITS.wait,
      `${count} '${kind}${detail === undefined ? '' : `:${detail}`}' reports (have ${JSON.stringify(log)})`,
    );

  const eventsOf = <T extends SupervisionEvent['type']>(
    type: T,
  ): Extract<SupervisionEvent, { type: T }>[] =>
    events.filter((e): e is Extract<SupervisionEvent, { type: T }> => e.type === type);

  /** A grace period for "nothing more happens" checks: real threads need a moment. */
  const settle = (): Promise<void> => sleep(placement === 'worker' ? 100 : 5);

  return {
    system,
    exits,
    events,
    log,
    rec,
    spec,
    start,
    kids,
    pids,
    ref,
    exitVia,
    ping,
    heard,
    hear,
    eventsOf,
    settle,
  };
}

const boom = (code = 'E_BOOM'): ChildMsg => ({ type: 'crash', code });

function isError(reason: ExitReason | undefined, code: string): boolean {
  return (
    reason?.kind === 'error' &&
    typeof reason.error === 'object' &&
    reason.error !== null &&
    (reason.error as { code?: unknown }).code === code
  );
}

/**
 * Registers the supervision conformance tests with the children placed as
 * `placement` says ('main': this thread; 'worker': a worker thread each).
 */
export function supervisionSuite(placement: SuitePlacement): void {
  describe(`conformance §1.10: supervision, children placed in ${placement === 'main' ? 'this thread' : 'workers'}`, () => {
    failOnUnhandledRejections();

    it('children run where they are placed, and answer asks', {
      timeout: LIMITS.test,
    }, async () => {
      const t = setup(placement);
      const sup = await t.start({}, [t.spec('a'), t.spec('b')]);
      const a = await t.ref(sup, 'a');
      const b = await t.ref(sup, 'b');
      const ia = await t.ping(a);
      const ib = await t.ping(b);
      assert.equal(ia.self.pid, a.pid, 'ctx.self is the ref the supervisor knows');
      assert.equal(ib.self.pid, b.pid);
      if (placement === 'main') {
        assert.equal(ia.threadId, mainThreadId);
        assert.equal(ib.threadId, mainThreadId);
      } else {
        assert.notEqual(ia.threadId, mainThreadId, 'a runs in a worker');
        assert.notEqual(ib.threadId, mainThreadId, 'b runs in a worker');
        assert.notEqual(ia.threadId, ib.threadId, 'each in a worker of its own');
      }
      await t.hear('handled', 2, 'ping');
      assert.deepEqual(
        t.log.filter((e) => e.kind === 'handled').map((e) => [e.id, e.pid]),
        [
          ['a', a.pid],
          ['b', b.pid],
        ],
      );
      await t.system.shutdown();
    });

    it('R10.3 a child sees itself by the pid its supervisor knows, and its supervisor as parent', {
      timeout: LIMITS.test,
    }, async () => {
      const t = setup(placement);
      const sup = await t.start({}, [t.spec('a')]);
      const a = await t.ref(sup, 'a');
      const identity = await t.ping(a);
      await t.system.shutdown();
      assert.deepEqual(
        { pid: identity.pid, parent: identity.parent },
        { pid: a.pid, parent: sup.pid },
        'ctx.pid and ctx.parent',
      );
    });

    it('R10.4 children start one after another in list order', {
      timeout: LIMITS.test,
    }, async () => {
      const t = setup(placement);
      const sup = await t.start({}, [t.spec('a'), t.spec('b'), t.spec('c')]);
      await t.hear('started', 3);
      const pids = await t.pids(sup);
      assert.deepEqual(
        t.log.filter((e) => e.kind === 'started').map((e) => [e.id, e.pid]),
        [
          ['a', pids.a],
          ['b', pids.b],
          ['c', pids.c],
        ],
      );
      assert.deepEqual(
        t.eventsOf('child-started').map((e) => [e.id, e.pid]),
        [
          ['a', pids.a],
          ['b', pids.b],
          ['c', pids.c],
        ],
      );
      await t.system.shutdown();
    });

    it('R10.4 a failing start stops the started children in reverse order and the supervisor exits with failedToStartChild', {
      timeout: LIMITS.test,
    }, async () => {
      const t = setup(placement);
      let failure: unknown;
      await t
        .start({}, [t.spec('a'), t.spec('b'), t.spec('c', { failInit: true }), t.spec('d')])
        .catch((e: unknown) => {
          failure = e;
        });
      assert.ok(failure instanceof StartFailedError, `got ${String(failure)}`);
      const reason = failure.reason as {
        kind: string;
        detail?: { failedToStartChild: string; reason: ExitReason };
      };
      assert.equal(reason.kind, 'shutdown');
      assert.equal(reason.detail?.failedToStartChild, 'c');
      assert.ok(
        isError(reason.detail?.reason, 'E_INIT'),
        'the reason is c’s init error, code kept',
      );
      await t.hear('terminated', 2);
      assert.deepEqual(t.heard('terminated'), ['b', 'a'], 'reverse start order');
      assert.deepEqual(t.heard('terminated', 'shutdown'), ['b', 'a']);
      assert.deepEqual(t.heard('started'), ['a', 'b'], 'd never starts');
      assert.deepEqual(t.system.processes(), [t.rec.pid], 'nothing is left running');
      assert.deepEqual(
        t.eventsOf('supervisor-shutdown').map((e) => [e.cause, e.id]),
        [['start-failed', 'c']],
      );
      await t.system.shutdown();
    });

    it('R10.4 an ignored child is kept without a process; a temporary one is dropped', {
      timeout: LIMITS.test,
    }, async () => {
      const t = setup(placement);
      const sup = await t.start({}, [
        t.spec('a', { ignore: true }),
        t.spec('t', { ignore: true, restart: 'temporary' }),
        t.spec('b'),
      ]);
      const kids = await t.kids(sup);
      assert.deepEqual([...kids.keys()], ['b', 'a']);
      assert.equal(kids.get('a')?.ref, undefined);
      assert.equal(kids.get('a')?.status, 'stopped');
      assert.equal(kids.get('b')?.status, 'running');
      assert.deepEqual(await countChildren(sup), {
        specs: 2,
        active: 1,
        supervisors: 0,
        workers: 2,
      });
      assert.equal(t.system.isAlive(sup), true);
      await t.system.shutdown();
    });

    const table: [RestartType, [string, string, string]][] = [
      ['permanent', ['restart', 'restart', 'restart']],
      ['transient', ['keep', 'keep', 'restart']],
      ['temporary', ['delete', 'delete', 'delete']],
    ];
    for (const [restart, [onNormal, onShutdown, onCrash]] of table) {
      it(`R10.5 a ${restart} child: normal → ${onNormal}, shutdown → ${onShutdown}, crash → ${onCrash}`, {
        timeout: LIMITS.test,
      }, async () => {
        const t = setup(placement);
        const sup = await t.start({ intensity: 10 }, [
          t.spec('n', { restart }),
          t.spec('s', { restart }),
          t.spec('c', { restart }),
        ]);
        const n = await t.exitVia(sup, 'n', { type: 'stop' });
        const s = await t.exitVia(sup, 's', { type: 'shutdown' });
        const c = await t.exitVia(sup, 'c', boom());
        assert.deepEqual(n.reason, exitReason.normal);
        assert.deepEqual(s.reason, exitReason.shutdown());
        assert.ok(isError(c.reason, 'E_BOOM'), 'a crash is an error exit, code kept');
        // Served after the three exits: the decisions are all taken.
        const kids = await t.kids(sup);
        assert.deepEqual(
          t.eventsOf('child-exited').map((e) => [e.id, e.action]),
          [
            ['n', onNormal],
            ['s', onShutdown],
            ['c', onCrash],
          ],
        );
        for (const [id, old, action] of [
          ['n', n.pid, onNormal],
          ['s', s.pid, onShutdown],
          ['c', c.pid, onCrash],
        ] as const) {
          const info = kids.get(id);
          if (action === 'restart') {
            assert.equal(info?.status, 'running', `${id} runs again`);
            assert.notEqual(info?.ref?.pid, old, `${id} has a new pid`);
            assert.equal((await t.ping(info?.ref as ActorRef<ChildMsg>)).self.pid, info?.ref?.pid);
          } else if (action === 'keep') {
            assert.equal(info?.status, 'stopped', `${id} is kept, not restarted`);
            assert.equal(info?.ref, undefined);
          } else {
            assert.equal(info, undefined, `${id} is dropped`);
          }
        }
        assert.equal(t.system.isAlive(sup), true);
        await t.system.shutdown();
      });
    }

    const strategies: [NonNullable<SupervisorFlags['strategy']>, string[], string[]][] = [
      // strategy, the children with new pids, the bystanders stopped (in order)
      ['one-for-one', ['b'], []],
      ['one-for-all', ['a', 'b', 'c'], ['c', 'a']],
      ['rest-for-one', ['b', 'c'], ['c']],
    ];
    for (const [strategy, renewed, stopped] of strategies) {
      it(`R10.7 ${strategy}: when b crashes, ${renewed.join(', ')} get new pids`, {
        timeout: LIMITS.test,
      }, async () => {
        const t = setup(placement);
        const sup = await t.start({ strategy }, [t.spec('a'), t.spec('b'), t.spec('c')]);
        const before = await t.pids(sup);
        await t.hear('started', 3);
        await t.exitVia(sup, 'b', boom());
        const after = await t.pids(sup);
        for (const id of ['a', 'b', 'c']) {
          assert.notEqual(after[id], undefined, `${id} runs`);
          if (renewed.includes(id)) assert.notEqual(after[id], before[id], `${id} was restarted`);
          else assert.equal(after[id], before[id], `${id} was left alone`);
        }
        await t.hear('started', 3 + renewed.length);
        assert.deepEqual(t.heard('started').slice(3), renewed, 'restarted in start order');
        assert.deepEqual(
          t.heard('terminated', 'shutdown'),
          stopped,
          'bystanders stopped in reverse start order',
        );
        assert.deepEqual(
          t.eventsOf('child-exited').map((e) => [e.id, e.action]),
          [['b', 'restart'], ...stopped.map((id) => [id, 'shutdown'])],
        );
        await t.system.shutdown();
      });
    }

    it('R10.8 exceeding the intensity within the period shuts the supervisor down with shutdown', {
      timeout: LIMITS.test,
    }, async () => {
      const t = setup(placement);
      const sup = await t.start({ intensity: 2, period: 60_000 }, [t.spec('a'), t.spec('b')]);
      const supGone = t.system.exited(sup);
      const a = await t.ref(sup, 'a');
      for (let i = 0; i < 2; i++) {
        await t.exitVia(sup, 'b', boom());
        assert.equal(
          (await t.kids(sup)).get('b')?.status,
          'running',
          `restart ${i + 1} is allowed`,
        );
      }
      await t.exitVia(sup, 'b', boom());
      assert.deepEqual(await supGone, exitReason.shutdown(), 'the third restart is not');
      assert.deepEqual(t.exits.get(a.pid), exitReason.shutdown(), 'the sibling was stopped');
      assert.deepEqual(
        t.eventsOf('supervisor-shutdown').map((e) => [e.cause, e.id]),
        [['intensity', 'b']],
      );
      await t.hear('terminated', 1, 'shutdown');
      assert.deepEqual(t.heard('terminated', 'shutdown'), ['a']);
      await t.system.shutdown();
    });

    it('R10.11 brutalKill kills the child: it ends with killed and its terminate does not run', {
      timeout: LIMITS.test,
    }, async () => {
      const t = setup(placement);
      const sup = await t.start({}, [t.spec('c', { shutdown: 'brutalKill' })]);
      const c = await t.ref(sup, 'c');
      await terminateChild(sup, 'c');
      assert.deepEqual(t.exits.get(c.pid), exitReason.killed);
      const [exited] = t.eventsOf('child-exited');
      assert.deepEqual([exited?.action, exited?.reason], ['shutdown', exitReason.killed]);
      await t.settle();
      assert.deepEqual(t.heard('terminated'), [], 'no terminate');
      assert.equal((await t.kids(sup)).get('c')?.status, 'stopped');
      await t.system.shutdown();
    });

    it('R10.11 a numeric shutdown stops the child gracefully, even when it traps exits: terminate runs with shutdown, no EXIT', {
      timeout: LIMITS.test,
    }, async () => {
      const t = setup(placement);
      const sup = await t.start({}, [t.spec('c', { shutdown: 1_000, trap: true })]);
      const c = await t.ref(sup, 'c');
      await terminateChild(sup, 'c');
      assert.deepEqual(t.exits.get(c.pid), exitReason.shutdown());
      await t.hear('terminated', 1);
      assert.deepEqual(t.heard('terminated', 'shutdown'), ['c']);
      assert.deepEqual(t.heard('handled', 'EXIT'), [], 'the stop is not an EXIT message');
      await t.system.shutdown();
    });

    it('R10.11 a child that ignores shutdown (terminate awaits forever) is killed after its timeout', {
      timeout: LIMITS.test,
    }, async () => {
      const t = setup(placement);
      const sup = await t.start({}, [t.spec('b'), t.spec('c', { hang: true, shutdown: 50 })]);
      const c = await t.ref(sup, 'c');
      const began = Date.now();
      await terminateChild(sup, 'c');
      const took = Date.now() - began;
      assert.ok(took >= 45, `not before its timeout (took ${took} ms)`);
      assert.deepEqual(t.exits.get(c.pid), exitReason.killed);
      await t.hear('terminated', 1);
      assert.deepEqual(t.heard('terminated', 'shutdown'), ['c'], 'it was asked to stop');
      assert.equal(t.system.isAlive(sup), true);
      const b = await t.ref(sup, 'b');
      assert.equal((await t.ping(b)).self.pid, b.pid, 'the supervisor carries on');
      await t.system.shutdown();
    });

    it('R10.11 a child stuck in an async handler is killed after its timeout', {
      timeout: LIMITS.test,
    }, async () => {
      const t = setup(placement);
      const sup = await t.start({}, [t.spec('c', { shutdown: 50 })]);
      const c = await t.ref(sup, 'c');
      c.tell({ type: 'block' });
      // Only a handler already running can hold the stop up: wait until it is.
      await t.hear('handled', 1, 'block');
      const began = Date.now();
      await terminateChild(sup, 'c');
      const took = Date.now() - began;
      assert.ok(took >= 45, `not before its timeout (took ${took} ms)`);
      assert.deepEqual(t.exits.get(c.pid), exitReason.killed);
      await t.settle();
      assert.deepEqual(t.heard('terminated'), [], 'killed in its handler: no terminate');
      assert.equal(t.system.isAlive(sup), true);
      await t.system.shutdown();
    });

    it('R10.12 stopping the supervisor stops its children one at a time in reverse start order', {
      timeout: LIMITS.test,
    }, async () => {
      const t = setup(placement);
      const sup = await t.start({}, [t.spec('a'), t.spec('b'), t.spec('c')]);
      const pids = await t.pids(sup);
      await t.system.stop(sup);
      await t.hear('terminated', 3);
      assert.deepEqual(
        t.log.filter((e) => e.kind === 'terminated').map((e) => [e.id, e.pid, e.detail]),
        [
          ['c', pids.c, 'shutdown'],
          ['b', pids.b, 'shutdown'],
          ['a', pids.a, 'shutdown'],
        ],
        'children get shutdown, never the supervisor’s reason',
      );
      for (const id of ['a', 'b', 'c']) {
        assert.deepEqual(t.exits.get(pids[id] as Pid), exitReason.shutdown(), id);
      }
      assert.deepEqual(t.exits.get(sup.pid), exitReason.normal);
      await t.system.shutdown();
    });

    it('R10.14 terminateChild, restartChild, deleteChild, whichChildren and countChildren', {
      timeout: LIMITS.test,
    }, async () => {
      const t = setup(placement);
      const sup = await t.start({}, [t.spec('a'), t.spec('b')]);
      const b = await t.ref(sup, 'b');
      assert.deepEqual(
        (await whichChildren(sup)).map((c) => [c.id, c.status]),
        [
          ['b', 'running'],
          ['a', 'running'],
        ],
        'most recently started first',
      );
      assert.deepEqual(await countChildren(sup), {
        specs: 2,
        active: 2,
        supervisors: 0,
        workers: 2,
      });

      await terminateChild(sup, 'b');
      assert.deepEqual(t.exits.get(b.pid), exitReason.shutdown());
      const stopped = (await t.kids(sup)).get('b');
      assert.deepEqual([stopped?.status, stopped?.ref], ['stopped', undefined], 'the spec is kept');
      assert.deepEqual(await countChildren(sup), {
        specs: 2,
        active: 1,
        supervisors: 0,
        workers: 2,
      });
      assert.deepEqual(t.eventsOf('child-restarted'), [], 'terminateChild restarts nothing');

      const b2 = await restartChild<ChildMsg>(sup, 'b');
      assert.ok(b2 !== undefined);
      assert.notEqual(b2.pid, b.pid, 'a new pid');
      assert.equal((await t.ping(b2)).self.pid, b2.pid);
      await assert.rejects(
        restartChild(sup, 'b'),
        (e: unknown) => e instanceof SupervisorError && e.code === 'ERR_CHILD_RUNNING',
      );
      await assert.rejects(
        deleteChild(sup, 'b'),
        (e: unknown) => e instanceof SupervisorError && e.code === 'ERR_CHILD_RUNNING',
      );

      await terminateChild(sup, 'b');
      await deleteChild(sup, 'b');
      assert.deepEqual(
        (await whichChildren(sup)).map((c) => c.id),
        ['a'],
      );
      await assert.rejects(
        restartChild(sup, 'b'),
        (e: unknown) => e instanceof SupervisorError && e.code === 'ERR_CHILD_NOT_FOUND',
      );

      const c = await startChild<ChildMsg>(sup, t.spec('c'));
      assert.ok(c !== undefined);
      assert.equal((await t.ping(c)).self.pid, c.pid);
      assert.deepEqual(
        (await whichChildren(sup)).map((x) => [x.id, x.ref?.pid]),
        [
          ['c', c.pid],
          ['a', (await t.ref(sup, 'a')).pid],
        ],
        'a new child goes last in start order',
      );
      assert.deepEqual(await countChildren(sup), {
        specs: 2,
        active: 2,
        supervisors: 0,
        workers: 2,
      });
      await t.system.shutdown();
    });

    it('a restarted child gets a new pid, and its registered name is free for the restart', {
      timeout: LIMITS.test,
    }, async () => {
      const t = setup(placement);
      const sup = await t.start({}, [t.spec('svc', { name: 'svc' })]);
      const old = t.system.whereis<ChildMsg>('svc');
      assert.ok(old !== undefined);
      assert.equal(old.pid, (await t.ref(sup, 'svc')).pid);
      await t.exitVia(sup, 'svc', boom());
      const now = await t.ref(sup, 'svc');
      assert.notEqual(now.pid, old.pid, 'a new pid');
      assert.equal(t.system.whereis('svc')?.pid, now.pid, 'the name is the new one’s');
      const identity = await t.system.named<ChildMsg>('svc').ask({ type: 'ping' });
      assert.equal(identity.self.pid, now.pid, 'asks by name reach the restarted child');
      assert.deepEqual(
        t.eventsOf('child-restarted').map((e) => [e.id, e.previous, e.pid]),
        [['svc', old.pid, now.pid]],
      );
      await t.system.shutdown();
    });

    it('R10.16 a significant transient child: a crash restarts it, a normal exit shuts an any-significant supervisor down', {
      timeout: LIMITS.test,
    }, async () => {
      const t = setup(placement);
      const sup = await t.start({ autoShutdown: 'any-significant' }, [
        t.spec('a'),
        t.spec('s', { restart: 'transient', significant: true }),
      ]);
      const supGone = t.system.exited(sup);
      const a = await t.ref(sup, 'a');
      await t.exitVia(sup, 's', boom());
      assert.equal((await t.kids(sup)).get('s')?.status, 'running', 'a crash is restarted');
      assert.equal(t.system.isAlive(sup), true);

      await t.exitVia(sup, 's', { type: 'stop' });
      assert.deepEqual(await supGone, exitReason.shutdown());
      assert.deepEqual(t.exits.get(a.pid), exitReason.shutdown(), 'the others are stopped');
      assert.deepEqual(
        t.eventsOf('supervisor-shutdown').map((e) => [e.cause, e.id]),
        [['significant', 's']],
      );
      await t.system.shutdown();
    });

    it('R10.6 terminateChild on a significant child does not shut the supervisor down', {
      timeout: LIMITS.test,
    }, async () => {
      const t = setup(placement);
      const sup = await t.start({ autoShutdown: 'any-significant' }, [
        t.spec('a'),
        t.spec('s', { restart: 'transient', significant: true }),
      ]);
      const s = await t.ref(sup, 's');
      await terminateChild(sup, 's');
      assert.deepEqual(t.exits.get(s.pid), exitReason.shutdown());
      assert.equal((await t.kids(sup)).get('s')?.status, 'stopped');
      assert.equal(t.system.isAlive(sup), true);
      assert.deepEqual(t.eventsOf('supervisor-shutdown'), []);
      await t.system.shutdown();
    });
  });
}
