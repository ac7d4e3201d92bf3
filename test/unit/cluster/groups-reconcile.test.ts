import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { entryAction } from '../../../src/cluster/groups-entries.js';
import { RemoteMembers } from '../../../src/cluster/groups-remote.js';
import { type ClusterNodePort, nodeWithoutRecord } from '../../../src/cluster/registry-port.js';

/**
 * docs/semantics.md §25.G: members of a gone node drop out, and the
 * reconcile removes the entries of a node that is not up and has no member
 * record (the rule the registry's reconcile shares, `nodeWithoutRecord`).
 */

describe('groups reconcile: what it does with an entry', () => {
  it("checks this node's own entries and never removes them", () => {
    assert.equal(entryAction({ own: true, gone: false, withoutRecord: undefined }), 'check-own');
    assert.equal(entryAction({ own: true, gone: true, withoutRecord: true }), 'check-own');
  });

  it('removes the entries of a node known gone here without asking the table', () => {
    assert.equal(entryAction({ own: false, gone: true, withoutRecord: undefined }), 'remove');
  });

  it('asks the table about any other node, then removes the entries of one without a record', () => {
    assert.equal(entryAction({ own: false, gone: false, withoutRecord: undefined }), 'ask-table');
    assert.equal(entryAction({ own: false, gone: false, withoutRecord: true }), 'remove');
  });

  it('keeps the entries of a node that is up, has a record, or the table cannot answer for', () => {
    assert.equal(entryAction({ own: false, gone: false, withoutRecord: false }), 'keep');
  });
});

describe('nodeWithoutRecord: the rule the registry and groups share', () => {
  function port(up: boolean | undefined, tableSaysGone: boolean | undefined) {
    const asked: string[] = [];
    const value: ClusterNodePort = {
      nodeId: 'a_1',
      connection: undefined as never,
      isNodeGone: () => false,
      onNodeGone: () => () => undefined,
      isAlive: () => true,
      onExit: () => () => undefined,
      ...(up === undefined ? {} : { isUp: () => up }),
      ...(tableSaysGone === undefined
        ? {}
        : {
            confirmNodeGone: async (node: string) => {
              asked.push(node);
              return tableSaysGone;
            },
          }),
    };
    return { value, asked };
  }

  it('a node not up here that the table says has no record is without one', async () => {
    const p = port(false, true);
    assert.equal(await nodeWithoutRecord('ghost_1', p.value), true);
    assert.deepEqual(p.asked, ['ghost_1']);
  });

  it('a node the table still has a record of is not', async () => {
    assert.equal(await nodeWithoutRecord('b_2', port(false, false).value), false);
  });

  it('a node up here, or this node, is never looked up', async () => {
    const p = port(true, true);
    assert.equal(await nodeWithoutRecord('b_2', p.value), false);
    assert.equal(await nodeWithoutRecord('a_1', port(false, true).value), false);
    assert.deepEqual(p.asked, []);
  });

  it("with one pass's answers, a node is asked once however many names it owns (the registry's reconcile)", async () => {
    const p = port(false, true);
    const asked = new Map<string, boolean>();
    for (let name = 0; name < 5; name++) {
      assert.equal(await nodeWithoutRecord('ghost_1', p.value, asked), true);
    }
    assert.equal(await nodeWithoutRecord('ghost_2', p.value, asked), true);
    assert.deepEqual(p.asked, ['ghost_1', 'ghost_2']);
    const kept = port(false, false);
    const pass = new Map<string, boolean>();
    assert.equal(await nodeWithoutRecord('b_2', kept.value, pass), false);
    assert.equal(await nodeWithoutRecord('b_2', kept.value, pass), false);
    assert.deepEqual(kept.asked, ['b_2'], 'a node with a record is not asked again either');
  });

  it('a port that cannot tell (no isUp or no confirmNodeGone) finds nobody without a record', async () => {
    assert.equal(await nodeWithoutRecord('b_2', port(undefined, true).value), false);
    assert.equal(await nodeWithoutRecord('b_2', port(false, undefined).value), false);
  });
});

describe('groups: members of a node known here to be gone are never listed', () => {
  const at = (node: string, group = 'w', chunk = 0) => ({ group, node, chunk });

  it("another node's joins are heard and listed; once it is gone, its members leave and are not listed", () => {
    const remote = new RemoteMembers(() => false);
    assert.deepEqual(remote.apply(at('b_1'), [[7, 2]]), [
      {
        type: 'GROUP',
        event: 'join',
        group: 'w',
        pids: [
          { node: 'b_1', id: 7 },
          { node: 'b_1', id: 7 },
        ],
      },
    ]);
    remote.apply(at('c_1'), [[3, 1]]);
    assert.deepEqual(remote.hosts('w').sort(), ['b_1', 'c_1']);
    const leaves = remote.nodeGone('b_1');
    assert.deepEqual(leaves, [
      {
        type: 'GROUP',
        event: 'leave',
        group: 'w',
        pids: [
          { node: 'b_1', id: 7 },
          { node: 'b_1', id: 7 },
        ],
      },
    ]);
    assert.deepEqual(remote.members('w'), [{ node: 'c_1', id: 3 }]);
    assert.deepEqual(remote.hosts('w'), ['c_1']);
    assert.deepEqual(remote.nodeGone('b_1'), [], 'told twice, its members leave once');
  });

  it("a gone node's entries are not listed or heard, even when written after it went (a delete not yet made)", () => {
    const remote = new RemoteMembers(() => false);
    remote.nodeGone('b_1');
    assert.deepEqual(remote.apply(at('b_1', 'x'), [[9, 1]]), []);
    assert.deepEqual(remote.members('x'), []);
    assert.deepEqual(remote.groups(), []);
    assert.deepEqual(remote.hosts('x'), []);
  });

  it("the port's word counts too: a node it says is gone is never listed, and remembering it adds no leaves", () => {
    const gone = new Set(['b_1']);
    const remote = new RemoteMembers((node) => gone.has(node));
    assert.deepEqual(remote.apply(at('b_1'), [[7, 1]]), []);
    assert.deepEqual(remote.members('w'), []);
    remote.remember('b_1');
    // Membership forgets the departure after the retention; the undeleted entry stays unlisted.
    gone.clear();
    assert.deepEqual(remote.members('w'), []);
    assert.deepEqual(remote.nodeGone('b_1'), []);
  });

  it('a gone node is forgotten once the bucket holds no entry of it (what is remembered stays bounded)', () => {
    const remote = new RemoteMembers(() => false);
    remote.apply(at('b_1'), [[7, 1]]);
    remote.nodeGone('b_1');
    remote.nodeGone('c_1');
    remote.forgetAbsent(new Set(['b_1']));
    assert.equal(remote.goneCount, 1);
    assert.equal(remote.isGone('b_1'), true);
    assert.equal(remote.isGone('c_1'), false);
    remote.apply(at('b_1'), []);
    remote.forgetAbsent(new Set());
    assert.equal(remote.goneCount, 0);
  });
});
