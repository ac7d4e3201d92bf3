import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSystem, defineActor, type RuntimeError } from '../../src/index.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import { APP_USER, NatsTestCluster, natsUnavailable } from '../support/nats/index.js';
import { FAST } from './node-helpers.js';

/**
 * docs/semantics.md §25, "Peer authentication": the NATS server admits
 * nodes (accounts and permissions); a node takes credentials in its cluster
 * options or uses the user's connection. The test server requires a user
 * and password (the APP account).
 */

const why = natsUnavailable();
if (why !== undefined) console.log(`skipping the cluster authentication tests: ${why}`);

describe('peer authentication is the NATS server’s', { skip: why }, () => {
  failOnUnhandledRejections();
  let nats: NatsTestCluster;
  before(async () => {
    nats = await NatsTestCluster.start();
  });
  after(async () => {
    await nats?.stop();
  });

  it('a node without credentials is refused: ready rejects with ERR_CLUSTER_AUTH', {
    timeout: LIMITS.test,
  }, async () => {
    const system = createSystem({ cluster: { servers: nats.urls, name: 'anon', ...FAST } });
    const error = await system.cluster?.ready.then(
      () => undefined,
      (e: unknown) => e as RuntimeError,
    );
    assert.equal(error?.code, 'ERR_CLUSTER_AUTH');
    assert.match(error?.message ?? '', /refused node anon_/);
    await system.shutdown();
  });

  it('a node with a wrong password is refused the same way', { timeout: LIMITS.test }, async () => {
    const system = createSystem({
      cluster: {
        servers: nats.urls,
        name: 'wrong',
        connectOptions: { user: APP_USER.user, pass: 'not-it' },
        ...FAST,
      },
    });
    await assert.rejects(system.cluster?.ready ?? Promise.resolve(), { code: 'ERR_CLUSTER_AUTH' });
    await system.shutdown();
  });

  it('a node with credentials in its cluster options joins, and one on the user’s connection too', {
    timeout: LIMITS.test,
  }, async () => {
    const withCredentials = createSystem({
      cluster: { servers: nats.urls, name: 'member', connectOptions: { ...APP_USER }, ...FAST },
    });
    await withCredentials.cluster?.ready;
    const nc = await nats.connect();
    const onConnection = createSystem({ cluster: { connection: nc, name: 'guest', ...FAST } });
    await onConnection.cluster?.ready;
    assert.equal(onConnection.cluster?.isUp(withCredentials.cluster?.id ?? ''), true);
    await onConnection.shutdown();
    // The user's connection stays the user's: the node never closes it.
    assert.equal(nc.isClosed(), false);
    await nc.close();
    await withCredentials.shutdown();
  });

  it('a node whose NATS connection closes for good while it is up is fenced: its system ends with ERR_FENCED', {
    timeout: LIMITS.test,
  }, async () => {
    const nc = await nats.connect();
    const system = createSystem({ cluster: { connection: nc, name: 'closing', ...FAST } });
    await system.cluster?.ready;
    const worker = system.spawn(defineActor<never>({ handle() {} }));
    // The user closes the connection the node stands on: it can never serve again under its id.
    await nc.close();
    await system.exited(worker);
    assert.equal(system.cluster?.fenced?.code, 'ERR_FENCED');
    assert.match(system.cluster?.fenced?.message ?? '', /connection closed/);
    assert.equal(system.cluster?.isUp(system.cluster.id), false);
    await system.shutdown();
  });

  it('a node whose connection the user closes while its system shuts down is not fenced: the shutdown was asked for', {
    timeout: LIMITS.test,
  }, async () => {
    const nc = await nats.connect();
    const system = createSystem({ cluster: { connection: nc, name: 'leaving', ...FAST } });
    await system.cluster?.ready;
    const shutdown = system.shutdown();
    await nc.close();
    await shutdown;
    assert.equal(system.cluster?.fenced, undefined);
  });
});
