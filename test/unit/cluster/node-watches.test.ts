import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ClusterEvent,
  type NodeDownMessage,
  NodeEvents,
} from '../../../src/cluster/node-events.js';
import { FencedError } from '../../../src/errors.js';
import { captureWarnings } from '../../support/guard.js';

/**
 * docs/semantics.md §25 (`monitorNode`, Fencing): a node watch given as a function is the
 * user's code. One that throws is reported as a warning; the other watches are still told,
 * the event still goes out, and a fence still ends the system (node.ts runs the shutdown
 * whatever the watches do).
 */

const UP = { self: 'me_1', up: true, gone: false, fenced: false } as const;

/** Two watches of `node`, the first of which throws; what each heard, and the events. */
function watchesWithOneThrowing(events: NodeEvents, node: string) {
  const heard: NodeDownMessage[] = [];
  const seen: ClusterEvent[] = [];
  events.subscribe((e) => seen.push(e));
  events.monitor(
    node,
    () => {
      throw new Error('a watch that throws');
    },
    UP,
  );
  events.monitor(node, (m) => heard.push(m), UP);
  return { heard, seen };
}

/** Runs `fn`, collecting the process warnings it emits (captured, not printed). */
function warningsOf(fn: () => void): string[] {
  const captured = captureWarnings();
  try {
    fn();
  } finally {
    captured.restore();
  }
  return captured.text() === '' ? [] : captured.text().split('\n');
}

describe('node watches given as functions (NodeEvents)', () => {
  it('a watch that throws on nodedown is reported; the others are told and the event goes out', () => {
    const events = new NodeEvents();
    const { heard, seen } = watchesWithOneThrowing(events, 'peer_1');
    const warnings = warningsOf(() => events.nodeDown('peer_1', 'down'));
    assert.deepEqual(heard, [{ type: 'nodedown', node: 'peer_1', reason: 'down' }]);
    assert.deepEqual(
      seen.map((e) => [e.type, e.node]),
      [['nodedown', 'peer_1']],
    );
    assert.deepEqual(warnings, ['AirssysWarning: a node watch threw: Error: a watch that throws']);
  });

  it('a watch that throws on a fence is reported; the others are told and the fenced event goes out', () => {
    const events = new NodeEvents();
    const { heard, seen } = watchesWithOneThrowing(events, 'peer_1');
    const error = new FencedError('me_1', 'declared down');
    const warnings = warningsOf(() => events.fenced('me_1', error));
    assert.deepEqual(heard, [{ type: 'nodedown', node: 'peer_1', reason: 'fenced' }]);
    assert.deepEqual(
      seen.map((e) => [e.type, e.node]),
      [['fenced', 'me_1']],
    );
    assert.equal(warnings.length, 1);
  });
});
