import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSystem, defineActor, serviceKey } from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { manualSystem } from './fixture.js';

/**
 * docs/semantics.md §8: a timer aimed at an address other than a ref or a
 * local name (a service key's address, a pool) sends through that address
 * when it fires, so it reaches whoever is behind it then.
 */

type Note = { readonly text: string };

function setup() {
  const { clock, system, letters } = manualSystem();
  const got: string[] = [];
  const recorder = (label: string) =>
    defineActor<Note>({
      handle(msg) {
        got.push(`${label}:${msg.text}`);
      },
    });
  return { clock, system, got, letters, recorder };
}

describe('timers aimed at addresses (§8)', () => {
  failOnUnhandledRejections();

  it('a timer aimed at a service key resolves it when it fires, not when it is set', async () => {
    const { clock, system, got, recorder } = setup();
    const sessions = serviceKey<Note>('sessions');
    system.services.define(sessions, { keys: 'unique' });
    const address = system.services.ref(sessions, 'u1');
    system.sendAfter(100, address, { text: 'later' });
    // Registered only after the timer was set: the send finds it when it fires.
    system.services.register(sessions, 'u1', system.spawn(recorder('first')));
    await clock.advanceAndSettle(100, system);
    assert.deepEqual(got, ['first:later']);
    await system.shutdown();
  });

  it('a timer aimed at a service key nobody holds then is a dead letter unregistered', async () => {
    const { clock, system, letters } = setup();
    system.services.define('empty', { keys: 'unique' });
    system.sendAfter(50, system.services.ref<Note>('empty', 'k'), { text: 'lost' });
    await clock.advanceAndSettle(50, system);
    const letter = letters.find((d) => d.address === 'service:empty/k');
    assert.equal(letter?.reason, 'unregistered');
    assert.deepEqual(letter?.message, { text: 'lost' });
    await system.shutdown();
  });

  it('an interval aimed at a pool is routed by the pool at every tick', async () => {
    const { clock, system, got, recorder } = setup();
    const pool = await system.startPool(recorder('w'), { size: 2 });
    const timer = system.sendInterval(10, pool, { text: 'tick' });
    for (let i = 0; i < 4; i++) await clock.advanceAndSettle(10, system);
    assert.deepEqual(got, ['w:tick', 'w:tick', 'w:tick', 'w:tick']);
    assert.notEqual(system.cancelTimer(timer), false);
    await system.shutdown();
  });

  it('a ref of another system is still refused', async () => {
    const { system } = setup();
    const other = createSystem();
    const foreign = other.spawn(defineActor<Note>({ handle() {} }));
    assert.throws(() => system.sendAfter(10, foreign, { text: 'x' }), { code: 'ERR_INVALID_ARG' });
    await other.shutdown();
    await system.shutdown();
  });
});
