import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { KV } from '@nats-io/kv';
import { Membership } from '../../../src/cluster/membership.js';
import type { ResolvedClusterOptions } from '../../../src/cluster/options.js';
import type { NodeTransport } from '../../../src/cluster/transport.js';
import { captureWarnings } from '../../support/guard.js';

/**
 * docs/semantics.md §25, Server failover: one longer than `fenceAfter`
 * cuts the node off. On reconnecting the node beats at once; that beat's
 * echo must not hide a silence already past `fenceAfter` from the check.
 * A manual clock; a fake transport that echoes each beat while connected,
 * as the server does; a member table with this node alone.
 */

const SELF = 'a_1';
const options = {
  heartbeatInterval: 1_000,
  acceptablePause: 3_000,
  fenceAfter: 1_500,
  joinTimeout: 1_000,
  downRetention: 600_000,
} as ResolvedClusterOptions;

/** Moves the manual clock by `ms` in 10 ms steps (a timer due within one tick reads the tick's end). */
function advance(ms: number): void {
  for (let left = ms; left > 0; left -= 10) mock.timers.tick(Math.min(10, left));
}

interface Harness {
  membership: Membership;
  beats: () => number;
  connect: (up: boolean) => void;
  fenced: () => string | undefined;
}

async function joined(): Promise<Harness> {
  let connected = true;
  let beats = 0;
  let fenced: string | undefined;
  let membership: Membership | undefined;
  const transport = {
    nc: { closed: () => new Promise<void>(() => undefined) },
    heartbeat: (data: Uint8Array) => {
      if (!connected) return; // dropped while disconnected, as the client does
      beats++;
      membership?.onHeartbeat(SELF, data);
    },
    notify: () => undefined,
  } as unknown as NodeTransport;
  const record = JSON.stringify({ name: 'a', status: 'up', suspects: [], at: 0 });
  const kv = {
    create: async () => 1,
    update: async () => 2,
    keys: async () =>
      (async function* () {
        yield SELF;
      })(),
    get: async () => ({ operation: 'PUT', string: () => record, revision: 2 }),
    // The table as watched: its one record (the snapshot's last, so marked an update), then nothing.
    watch: async () => {
      let stop = (): void => undefined;
      const stopped = new Promise<void>((resolve) => {
        stop = resolve;
      });
      const entries = (async function* () {
        yield { key: SELF, operation: 'PUT', isUpdate: true, string: () => record };
        await stopped;
      })();
      return Object.assign(entries, { stop });
    },
    delete: async () => undefined,
  } as unknown as KV;
  const events = {
    up() {},
    down() {},
    unreachable() {},
    reachable() {},
    fenced: (why: string) => {
      fenced = why;
    },
    connectionClosed() {},
  };
  membership = new Membership(SELF, 'a', kv, transport, options, events);
  await membership.join();
  return {
    membership,
    beats: () => beats,
    connect: (up) => {
      connected = up;
    },
    fenced: () => fenced,
  };
}

describe('cluster membership: reconnecting after a failover', () => {
  beforeEach(() => {
    // The manual clock is node's MockTimers; its one "experimental" warning is not this test's.
    const warnings = captureWarnings();
    mock.timers.enable({ apis: ['setInterval', 'setTimeout', 'Date'], now: 0 });
    warnings.restore();
  });
  afterEach(() => mock.timers.reset());

  it('a node silent past fenceAfter fences itself on reconnecting, before its beat echoes back', async () => {
    const node = await joined();
    advance(50);
    node.connect(false);
    advance(1_650); // silent 1700 ms (> fenceAfter 1500); the check at 1000 saw 1000 ms
    assert.equal(node.fenced(), undefined, 'not fenced before the reconnect');
    const before = node.beats();
    node.connect(true);
    node.membership.reconnected();
    assert.match(node.fenced() ?? '', /cut off from NATS for more than 1500 ms/);
    assert.equal(node.beats(), before, 'a fenced node does not beat');
    advance(1_500);
    assert.equal(node.beats(), before, 'nor later');
    node.membership.stop();
  });

  it('a node silent less than fenceAfter beats at once on reconnecting and stays up', async () => {
    const node = await joined();
    advance(50);
    node.connect(false);
    advance(1_150); // silent 1200 ms
    node.connect(true);
    const before = node.beats();
    node.membership.reconnected();
    assert.equal(node.beats(), before + 1, 'beat at once');
    advance(3_000);
    assert.equal(node.fenced(), undefined);
    assert.ok(node.membership.isUp(SELF));
    node.membership.stop();
  });
});
