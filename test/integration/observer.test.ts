/**
 * docs/semantics.md §18: the observer over plain HTTP — the snapshot, the
 * Prometheus text and the health probes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ActorRef, createSystem, defineActor, supervisor } from '../../src/index.js';
import { type ObserverSnapshot, startObserver } from '../../src/observer/index.js';
import { type Deferred, deferred, failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import { get, parseMetrics, setup, until, type WorkerMsg } from './observer-helpers.js';

describe('observer', () => {
  failOnUnhandledRejections();

  it('serves a snapshot whose processes are the live processes, with the tree and the table', {
    timeout: LIMITS.test,
  }, async () => {
    const { system, sup } = await setup();
    const observer = await startObserver(system, { port: 0 });
    try {
      assert.match(observer.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const res = await get(`${observer.url}api/snapshot`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      const snap = JSON.parse(res.text) as ObserverSnapshot;
      assert.deepEqual(
        snap.processes.map((r) => r.pid),
        system.processes(),
      );
      assert.equal(snap.system.name, 'observed');
      assert.equal(snap.system.control, false);
      assert.equal(snap.totals.processes, system.stats().processes);
      assert.equal(snap.truncated, false);
      const root = snap.processes.find((r) => r.name === 'root');
      assert.ok(root !== undefined);
      assert.equal(root.pid, sup.pid);
      assert.equal(root.kind, 'supervisor');
      assert.equal(root.behaviour, 'supervisor');
      const w1 = system.whereis('w1');
      const w2 = system.whereis('w2');
      assert.deepEqual([...root.children].sort(), [w1?.pid, w2?.pid].sort());
      const row = snap.processes.find((r) => r.name === 'w1');
      assert.equal(row?.parent, sup.pid);
      assert.equal(row?.kind, 'worker');
      assert.equal(row?.behaviour, 'worker');
      assert.equal(row?.id, `<0.${w1?.pid}>`);
      assert.equal(row?.memoryBytes, system.info(w1 as ActorRef<never>)?.memoryBytes);
      assert.ok(Array.isArray(snap.log) && snap.log.length === 0, 'nothing happened since start');
      const page = await get(observer.url);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      assert.match(page.text, /<title>airssys-rt observer<\/title>/);
    } finally {
      await observer.close();
      await system.shutdown();
    }
  });

  it('lists at most maxProcesses processes, oldest first, and says so', {
    timeout: LIMITS.test,
  }, async () => {
    const { system } = await setup();
    const observer = await startObserver(system, { port: 0, maxProcesses: 2 });
    try {
      const snap = JSON.parse((await get(`${observer.url}api/snapshot`)).text) as ObserverSnapshot;
      assert.deepEqual(
        snap.processes.map((r) => r.pid),
        system.processes().slice(0, 2),
      );
      assert.equal(snap.truncated, true);
      assert.equal(snap.totals.processes, 4);
    } finally {
      await observer.close();
      await system.shutdown();
    }
  });

  it('serves /metrics in the Prometheus text format with the system figures', {
    timeout: LIMITS.test,
  }, async () => {
    const { system, sup } = await setup();
    const observer = await startObserver(system, { port: 0 });
    try {
      system.whereis<WorkerMsg>('w1')?.tell('crash');
      system.whereis<WorkerMsg>('loner')?.tell('ping');
      await system.idle();
      const res = await get(`${observer.url}metrics`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      const m = parseMetrics(res.text);
      const stats = system.stats();
      const value = (name: string, labels = '') => m.get(name)?.samples.get(labels);
      assert.equal(value('airssys_processes'), stats.processes);
      assert.equal(m.get('airssys_processes')?.type, 'gauge');
      assert.equal(value('airssys_messages_handled_total'), stats.scheduler.handled);
      assert.equal(m.get('airssys_messages_handled_total')?.type, 'counter');
      assert.equal(value('airssys_restarts_total'), 1);
      assert.equal(value('airssys_dead_letters_total'), stats.deadLetters);
      assert.equal(value('airssys_mailbox_messages'), 0);
      assert.equal(value('airssys_supervisors'), 1);
      const labels = `{supervisor="<0.${sup.pid}>",name="root",label="supervisor"}`;
      assert.equal(value('airssys_supervisor_children', labels), 2);
      assert.equal(value('airssys_supervisor_restarts_total', labels), 1);
      assert.ok(m.has('airssys_event_loop_delay_seconds'));
      assert.ok(m.has('airssys_uptime_seconds'));
    } finally {
      await observer.close();
      await system.shutdown();
    }
  });

  it('escapes label values in /metrics', { timeout: LIMITS.test }, async () => {
    const system = createSystem();
    await system.start(supervisor({ children: [], label: 'supervisor' }), {
      name: 'we"ird\\name\nx',
    });
    const observer = await startObserver(system, { port: 0 });
    try {
      const m = parseMetrics((await get(`${observer.url}metrics`)).text);
      const keys = [...(m.get('airssys_supervisor_children')?.samples.keys() ?? [])];
      assert.deepEqual(keys, [
        '{supervisor="<0.1>",name="we\\"ird\\\\name\\nx",label="supervisor"}',
      ]);
    } finally {
      await observer.close();
      await system.shutdown();
    }
  });

  it('answers /health/live and /health/ready: 503 when degraded or shut down', {
    timeout: LIMITS.test,
  }, async () => {
    const system = createSystem();
    // Readiness here turns on the mailbox only: next to other work the event
    // loop's p99 passes the default 100 ms and would add 'event-loop' (a
    // machine's speed, not what this test checks).
    const observer = await startObserver(system, {
      port: 0,
      intervalMs: 20,
      health: { mailboxWarn: 3, loopDelayWarnMs: Number.POSITIVE_INFINITY },
    });
    const gate: Deferred<void> = deferred();
    try {
      assert.deepEqual(JSON.parse((await get(`${observer.url}health/live`)).text), {
        status: 'live',
        warnings: [],
      });
      const ready = await get(`${observer.url}health/ready`);
      assert.equal(ready.status, 200);
      assert.deepEqual(JSON.parse(ready.text), { status: 'ok', warnings: [] });
      const slow = system.spawn(
        defineActor<number>({
          async handle() {
            await gate.promise;
          },
        }),
      );
      for (let i = 0; i < 10; i++) slow.tell(i);
      await until(
        async () => (await get(`${observer.url}health/ready`)).status === 503,
        'a degraded readiness',
      );
      const degraded = await get(`${observer.url}health/ready`);
      assert.deepEqual(JSON.parse(degraded.text), { status: 'degraded', warnings: ['mailbox'] });
      assert.equal((await get(`${observer.url}health/live`)).status, 200);
      gate.resolve();
      await system.idle();
      await until(
        async () => (await get(`${observer.url}health/ready`)).status === 200,
        'readiness again',
      );
      await system.shutdown();
      const down = await get(`${observer.url}health/ready`);
      assert.equal(down.status, 503);
      assert.deepEqual(JSON.parse(down.text), { status: 'shut-down', warnings: [] });
      assert.equal((await get(`${observer.url}health/live`)).status, 503);
    } finally {
      gate.resolve();
      await observer.close();
      await system.shutdown();
    }
  });
});
