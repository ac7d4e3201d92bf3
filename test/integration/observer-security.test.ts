/**
 * docs/semantics.md §18: the observer's token, Host and Origin checks,
 * control actions, JSON errors, event stream and lifetime.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { createSystem, InvalidArgumentError } from '../../src/index.js';
import { type ObserverSnapshot, startObserver } from '../../src/observer/index.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import { get, raw, readEvents, setup, type WorkerMsg } from './observer-helpers.js';

describe('observer security, control and streams', () => {
  failOnUnhandledRejections();

  it('requires the token when one is set, as a bearer header or a query parameter', {
    timeout: LIMITS.test,
  }, async () => {
    const { system } = await setup();
    const token = 's3cret-token';
    const observer = await startObserver(system, { port: 0, token });
    try {
      const none = await get(`${observer.url}api/snapshot`);
      assert.equal(none.status, 401);
      assert.equal(JSON.parse(none.text).error, 'unauthorized');
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.equal((await get(observer.url)).status, 401);
      assert.equal((await get(`${observer.url}metrics`)).status, 401);
      assert.equal((await get(`${observer.url}api/snapshot?token=wrong-token`)).status, 401);
      const bearer = await get(`${observer.url}api/snapshot`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(bearer.status, 200);
      assert.equal((await get(`${observer.url}?token=${token}`)).status, 200);
      assert.equal((await get(`${observer.url}metrics?token=${token}`)).status, 200);
      assert.equal((await get(`${observer.url}health/live`)).status, 200, 'probes need no token');
    } finally {
      await observer.close();
      await system.shutdown();
    }
  });

  it('refuses to bind beyond loopback without a token, and control without a token', {
    timeout: LIMITS.test,
  }, async () => {
    const system = createSystem();
    await assert.rejects(startObserver(system, { host: '0.0.0.0', port: 0 }), InvalidArgumentError);
    await assert.rejects(startObserver(system, { port: 0, control: true }), InvalidArgumentError);
    await assert.rejects(startObserver(system, { port: -1 }), InvalidArgumentError);
    await assert.rejects(startObserver(system, { port: 0, token: 'short' }), InvalidArgumentError);
    const open = await startObserver(system, {
      host: '0.0.0.0',
      port: 0,
      allowUnauthenticated: true,
    });
    try {
      assert.equal((await get(`${open.url}api/snapshot`)).status, 200);
    } finally {
      await open.close();
      await system.shutdown();
    }
  });

  it('refuses a foreign Host header on loopback (DNS rebinding)', {
    timeout: LIMITS.test,
  }, async () => {
    const system = createSystem();
    const observer = await startObserver(system, { port: 0 });
    try {
      const url = `${observer.url}api/snapshot`;
      assert.equal((await raw(url, { host: 'evil.example' })).status, 403);
      assert.equal((await raw(url, { host: `localhost:${observer.port}` })).status, 200);
    } finally {
      await observer.close();
      await system.shutdown();
    }
  });

  it('has no control actions unless enabled', { timeout: LIMITS.test }, async () => {
    const { system } = await setup();
    const observer = await startObserver(system, { port: 0 });
    try {
      const w1 = system.whereis('w1');
      assert.ok(w1 !== undefined);
      const res = await get(`${observer.url}api/processes/${w1.pid}/kill`, { method: 'POST' });
      assert.equal(res.status, 404);
      assert.equal(system.isAlive(w1), true);
    } finally {
      await observer.close();
      await system.shutdown();
    }
  });

  it('stops and kills processes when control is enabled', { timeout: LIMITS.test }, async () => {
    const { system } = await setup();
    const token = 'control-token';
    const observer = await startObserver(system, { port: 0, token, control: true });
    const auth = { authorization: `Bearer ${token}` };
    try {
      const loner = system.whereis('loner');
      const w1 = system.whereis('w1');
      assert.ok(loner !== undefined && w1 !== undefined);
      const exited = system.exited(loner);
      const stop = await get(`${observer.url}api/processes/${loner.pid}/stop`, {
        method: 'POST',
        headers: auth,
      });
      assert.equal(stop.status, 200);
      assert.equal(JSON.parse(stop.text).action, 'stop');
      assert.deepEqual(await exited, { kind: 'normal' });
      const killed = system.exited(w1);
      const kill = await get(`${observer.url}api/processes/%3C0.${w1.pid}%3E/kill`, {
        method: 'POST',
        headers: auth,
      });
      assert.equal(kill.status, 200);
      assert.deepEqual(await killed, { kind: 'killed' });
      const gone = await get(`${observer.url}api/processes/${loner.pid}/kill`, {
        method: 'POST',
        headers: auth,
      });
      assert.equal(gone.status, 404);
      assert.equal(JSON.parse(gone.text).error, 'noproc');
      const w2 = system.whereis('w2');
      assert.ok(w2 !== undefined);
      const cross = await raw(
        `${observer.url}api/processes/${w2.pid}/kill`,
        { ...auth, origin: 'https://evil.example' },
        'POST',
      );
      assert.equal(cross.status, 403);
      assert.equal(system.isAlive(w2), true);
      const wrongMethod = await get(`${observer.url}api/processes/${w2.pid}/kill`, {
        headers: auth,
      });
      assert.equal(wrongMethod.status, 405);
      assert.equal(wrongMethod.headers.get('allow'), 'POST');
      const noToken = await get(`${observer.url}api/processes/${w2.pid}/kill`, { method: 'POST' });
      assert.equal(noToken.status, 401);
      assert.equal(system.isAlive(w2), true);
    } finally {
      await observer.close();
      await system.shutdown();
    }
  });

  it('serves process detail and JSON errors for bad requests', {
    timeout: LIMITS.test,
  }, async () => {
    const { system, sup } = await setup();
    const observer = await startObserver(system, { port: 0 });
    try {
      const detail = await get(`${observer.url}api/processes/${sup.pid}`);
      assert.equal(detail.status, 200);
      const info = JSON.parse(detail.text);
      assert.equal(info.pid, sup.pid);
      assert.equal(info.kind, 'supervisor');
      assert.equal(info.trapExit, true);
      assert.equal(info.links.length, 2);
      const notFound = await get(`${observer.url}nope`);
      assert.equal(notFound.status, 404);
      assert.equal(JSON.parse(notFound.text).error, 'not-found');
      assert.equal((await get(`${observer.url}api/processes/abc`)).status, 400);
      assert.equal((await get(`${observer.url}api/processes/999`)).status, 404);
      const post = await get(`${observer.url}api/snapshot`, { method: 'POST' });
      assert.equal(post.status, 405);
      assert.equal(JSON.parse(post.text).error, 'method-not-allowed');
      // A malformed request and a client that hangs up do not hurt the server.
      await new Promise<void>((resolve) => {
        const socket = connect(observer.port, '127.0.0.1', () => {
          socket.end('GARBAGE \0\r\n\r\n');
        });
        socket.on('close', () => resolve());
        socket.on('error', () => resolve());
        socket.resume();
      });
      await new Promise<void>((resolve) => {
        const socket = connect(observer.port, '127.0.0.1', () => {
          socket.write('GET /api/events HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
          setTimeout(() => socket.destroy(), 20);
        });
        socket.on('close', () => resolve());
      });
      assert.equal((await get(`${observer.url}health/live`)).status, 200);
    } finally {
      await observer.close();
      await system.shutdown();
    }
  });

  it('streams snapshots and the event log over SSE, live', { timeout: LIMITS.test }, async () => {
    const { system } = await setup();
    const observer = await startObserver(system, { port: 0, intervalMs: 20 });
    try {
      const w1 = system.whereis<WorkerMsg>('w1');
      assert.ok(w1 !== undefined);
      let crashed = false;
      const events = await readEvents(`${observer.url}api/events`, (seen) => {
        if (!crashed && seen.some((e) => e.event === 'snapshot')) {
          crashed = true;
          w1.tell('crash');
        }
        return seen.some(
          (e) =>
            e.event === 'snapshot' &&
            (e.data as ObserverSnapshot).processes.some((r) => r.name === 'w1' && r.restarts === 1),
        );
      });
      const first = events.find((e) => e.event === 'snapshot')?.data as ObserverSnapshot;
      assert.deepEqual(first.processes.map((r) => r.pid).slice(0, 4), [1, 2, 3, 4]);
      const log = events
        .filter((e) => e.event === 'log')
        .flatMap((e) => e.data as { type: string; text: string }[]);
      assert.ok(
        log.some((e) => e.type === 'child-restarted'),
        `a child-restarted entry in ${JSON.stringify(log)}`,
      );
      assert.ok(log.some((e) => e.type === 'exited' && /crashed on purpose/.test(e.text)));
    } finally {
      await observer.close();
      await system.shutdown();
    }
  });

  it('close() ends open streams, stops listening and is idempotent', {
    timeout: LIMITS.test,
  }, async () => {
    const system = createSystem();
    const observer = await startObserver(system, { port: 0, intervalMs: 20 });
    const res = await fetch(`${observer.url}api/events`);
    assert.equal(res.status, 200);
    const body = res.text();
    await Promise.all([observer.close(), observer.close()]);
    await body; // the stream ended
    await assert.rejects(fetch(`${observer.url}health/live`));
    await system.shutdown();
  });
});
