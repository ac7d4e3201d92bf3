/**
 * docs/semantics.md §8: a timer aimed at an address that refuses its
 * message leaves a dead letter with the reason the refusal gives (its
 * error's code) and the address it was aimed at.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { timerDropReason } from '../../../src/actor/timer.js';
import {
  createSystem,
  type DeadLetter,
  MailboxFullError,
  NoConnectionError,
} from '../../../src/index.js';

describe('a timer message its address refuses', () => {
  it('the dead letter reason comes from the refusal’s code', () => {
    assert.equal(timerDropReason(new NoConnectionError('node b_1', 'b_1')), 'noconnection');
    assert.equal(timerDropReason(new MailboxFullError('pid:1', 1)), 'dropped-newest');
    assert.equal(timerDropReason(new Error('no code')), 'dropped-newest');
  });

  it('is a dead letter naming the address, with the reason its error gives', async () => {
    const system = createSystem();
    try {
      const refusing = {
        address: 'name:db@b_1x',
        tell(): void {
          throw new NoConnectionError('node b_1x', 'b_1x');
        },
        offer: () => Promise.resolve(),
        ask: () => Promise.reject(new Error('unused')),
      };
      const letter = new Promise<DeadLetter>((resolve) => {
        const off = system.deadLetters.subscribe((d) => {
          off();
          resolve(d);
        });
      });
      system.sendAfter(0, refusing as never, { type: 'tick' });
      const dead = await letter;
      assert.equal(dead.reason, 'noconnection');
      assert.equal(dead.address, 'name:db@b_1x');
    } finally {
      await system.shutdown();
    }
  });
});
