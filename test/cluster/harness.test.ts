import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Kvm } from '@nats-io/kv';
import { LIMITS } from '../support/guard.js';
import {
  NatsTestCluster,
  natsUnavailable,
  nextStatus,
  SHARED_NATS_PORT,
  waitUntil,
} from '../support/nats/index.js';

/** The NATS test harness itself: servers, faults, the blackholing proxy, teardown. */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the NATS harness tests: ${why}`);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('NATS harness: a single server', { skip: why }, () => {
  let nats: NatsTestCluster;
  before(async () => {
    nats = await NatsTestCluster.start();
  });
  after(() => nats.stop());

  it('runs JetStream on a loopback port other than the shared 4222', {
    timeout: LIMITS.test,
  }, async () => {
    const port = nats.server(0).spec.port;
    assert.notEqual(port, SHARED_NATS_PORT);
    const nc = await nats.connect();
    assert.equal(nc.info?.jetstream, true);
    const kv = await new Kvm(nc).create('harness_single');
    await kv.put('k', 'v');
    assert.equal((await kv.get('k'))?.string(), 'v');
  });

  it('a blackholing proxy makes the client see a stale connection, and heal lets it reconnect', {
    timeout: LIMITS.test,
  }, async () => {
    const proxy = await nats.proxy(0);
    const nc = await nats.connectThrough(proxy, { pingInterval: 200, maxPingOut: 2 });
    await nc.flush();
    const stale = nextStatus(nc, ['staleConnection']);
    proxy.partition();
    // A publish made during the partition neither errors nor arrives: the bytes are held.
    nc.publish('harness.held', 'x');
    await stale;
    const reconnected = nextStatus(nc, ['reconnect']);
    proxy.heal();
    await reconnected;
    await nc.flush();
    assert.equal(nc.isClosed(), false);
  });

  it('a partition holds traffic both ways without closing the socket', {
    timeout: LIMITS.test,
  }, async () => {
    const proxy = await nats.proxy(0);
    const sub = await nats.connect();
    const got: string[] = [];
    const subscription = sub.subscribe('harness.partitioned', {
      callback: (_e, m) => {
        got.push(m.string());
      },
    });
    await sub.flush();
    const nc = await nats.connectThrough(proxy, { pingInterval: 60_000 });
    await nc.flush();
    proxy.partition();
    nc.publish('harness.partitioned', 'during');
    // A round trip through the proxy cannot complete while partitioned; sub's own flush can.
    await sub.flush();
    assert.equal(proxy.connections, 1);
    assert.deepEqual(got, []);
    proxy.heal();
    await nc.flush();
    await sub.flush();
    assert.deepEqual(got, ['during']);
    subscription.unsubscribe();
  });
});

describe('NATS harness: a three-server JetStream cluster', { skip: why }, () => {
  let nats: NatsTestCluster;
  before(async () => {
    nats = await NatsTestCluster.start({ size: 3 });
  });
  after(() => nats.stop());

  it('keeps an R3 key-value bucket writable when one of three servers is killed', {
    timeout: LIMITS.test,
  }, async () => {
    const nc = await nats.connect({ server: 1 });
    const kv = await new Kvm(nc).create('harness_r3', { replicas: 3 });
    await kv.put('before', '1');
    await nats.kill(0);
    assert.equal(nats.server(0).running, false);
    // The stream leader may have been on s1: the put waits out the election within its own timeout.
    let revision = 0;
    await waitUntil(async () => {
      revision = await kv.put('after', '2').catch(() => 0);
      return revision > 0;
    }, 'an R3 put after the kill');
    assert.ok(revision > 1);
    assert.equal((await kv.get('before'))?.string(), '1');
  });

  it('restarts a killed server on its ports and store, and it serves JetStream again', {
    timeout: LIMITS.test,
  }, async () => {
    if (nats.server(0).running) await nats.kill(0);
    await nats.restart(0);
    await nats.waitForJetStream();
    const nc = await nats.connect({ server: 0 });
    const kv = await new Kvm(nc).open('harness_r3');
    assert.equal((await kv.get('before'))?.string(), '1');
  });
});

describe('NATS harness: teardown', { skip: why }, () => {
  it('stop kills every server (even a paused one), closes clients and removes the stores', {
    timeout: LIMITS.test,
  }, async () => {
    const nats = await NatsTestCluster.start({ size: 3 });
    const pids = nats.servers.map((s) => s.pid ?? 0);
    const nc = await nats.connect();
    nats.pause(2);
    await nats.stop();
    assert.deepEqual(
      pids.map((pid) => alive(pid)),
      [false, false, false],
    );
    assert.equal(nc.isClosed(), true);
    assert.equal(existsSync(nats.server(0).spec.dir), false);
  });
});
