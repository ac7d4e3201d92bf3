import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heartbeatSender, heartbeatSubject } from '../../../src/cluster/heartbeat-subject.js';
import { LIMITS } from '../../support/guard.js';

// docs/semantics.md §25: a node beats on `…hb.<name>.<incarnation>`, its name a subject token of
// its own, so a server permission `…hb.<name>.*` can allow one name's heartbeats only.
describe('the heartbeat subject names the node in two tokens', () => {
  it('name and incarnation are separate tokens, and the id comes back from them', {
    timeout: LIMITS.test,
  }, () => {
    const subject = heartbeatSubject('airssys.prod', 'web-1_0mift3kq8abc');
    assert.equal(subject, 'airssys.prod.hb.web-1.0mift3kq8abc');
    assert.equal(heartbeatSender(subject.slice('airssys.prod.hb.'.length)), 'web-1_0mift3kq8abc');
  });

  it('what names no node id is no heartbeat', { timeout: LIMITS.test }, () => {
    for (const rest of [
      'web-1_0mift3kq8abc',
      'web-1',
      'web_1.abc',
      'web-1.ABC',
      '.abc',
      'web-1.',
    ]) {
      assert.equal(heartbeatSender(rest), undefined, rest);
    }
  });
});
