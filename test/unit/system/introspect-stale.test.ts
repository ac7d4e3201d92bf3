/**
 * docs/semantics.md §16 "Introspection": `stale` lists monitors on live
 * processes whose owner has exited and links from live processes to exited
 * ones, and `system.removeStale()` removes them. The runtime removes both
 * when a process exits, so no public API leaves one behind: these tests
 * hand-build the leaked entries in the process tables (what a bug in an
 * exit path would leave) and check they are listed and removed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ActorProcess, Monitor, monitor, processOf } from '../../../src/actor/index.js';
import { createSystem, defineActor } from '../../../src/index.js';
import { ManualClock } from '../../../src/testing/index.js';

const idle = defineActor<string>({ handle() {} });

function setUp() {
  const system = createSystem({ clock: new ManualClock() });
  const live = system.spawn(idle);
  const dead = system.spawn(idle);
  system.kill(dead);
  return {
    system,
    live,
    dead,
    liveP: processOf(live) as ActorProcess,
    deadP: processOf(dead) as ActorProcess,
  };
}

describe('stale monitors and links (hand-built leaks)', () => {
  it('a monitor on a live process whose owner has exited is listed and removeStale removes it', async () => {
    const { system, live, dead, liveP, deadP } = setUp();
    const leaked = new Monitor<ActorProcess>(9_001, deadP, liveP, live.pid, undefined, null);
    liveP.extras().watchers = new Set([leaked]);
    assert.deepEqual(system.introspect().stale.monitors, [
      { id: 9_001, owner: dead.pid, target: live.pid },
    ]);
    assert.deepEqual(system.removeStale(), { monitors: 1, links: 0, exitedWaiters: 0 });
    assert.equal(leaked.active, false);
    assert.equal(system.info(live)?.monitoredBy, 0);
    assert.deepEqual(system.introspect().stale.monitors, []);
    assert.deepEqual(system.removeStale(), { monitors: 0, links: 0, exitedWaiters: 0 });
    await system.shutdown();
  });

  it('a link from a live process to an exited one is listed and removeStale removes it', async () => {
    const { system, live, dead, liveP, deadP } = setUp();
    liveP.extras().links = new Set([deadP]);
    assert.deepEqual(system.info(live)?.links, [dead.pid]);
    assert.deepEqual(system.introspect().stale.links, [{ from: live.pid, to: dead.pid }]);
    assert.deepEqual(system.removeStale(), { monitors: 0, links: 1, exitedWaiters: 0 });
    assert.deepEqual(system.info(live)?.links, []);
    assert.deepEqual(system.introspect().stale, { monitors: [], links: [], exitedWaiters: [] });
    await system.shutdown();
  });

  it('a monitor or link of a live owner is not stale and stays', async () => {
    const { system, live, liveP } = setUp();
    const other = system.spawn(idle);
    const otherP = processOf(other) as ActorProcess;
    const kept = new Monitor<ActorProcess>(9_002, otherP, liveP, live.pid, undefined, null);
    liveP.extras().watchers = new Set([kept]);
    liveP.extras().links = new Set([otherP]);
    assert.deepEqual(system.introspect().stale, { monitors: [], links: [], exitedWaiters: [] });
    assert.deepEqual(system.removeStale(), { monitors: 0, links: 0, exitedWaiters: 0 });
    assert.equal(kept.active, true);
    assert.deepEqual(system.info(live)?.links, [other.pid]);
    await system.shutdown();
  });

  it("the runtime's own outside watches are not system.exited waits: neither counted nor removed", async () => {
    const { system, live, liveP } = setUp();
    let fired = 0;
    // What the cluster registry and groups hold on a process (src/cluster/exit-watch.ts).
    const watch = monitor(liveP.runtime, null, liveP, live.pid, undefined, () => fired++);
    const waiting = system.exited(live);
    assert.deepEqual(system.introspect().stale.exitedWaiters, [{ target: live.pid, count: 1 }]);
    assert.deepEqual(system.removeStale({ exitedWaiters: true }).exitedWaiters, 1);
    await assert.rejects(waiting, { code: 'ERR_WAIT_REMOVED' });
    assert.equal(watch.active, true);
    assert.deepEqual(system.introspect().stale.exitedWaiters, []);
    system.kill(live);
    assert.equal(fired, 1, 'the watch still fires at the exit');
    await system.shutdown();
  });
});
