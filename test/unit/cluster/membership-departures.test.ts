import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KV } from '@nats-io/kv';
import { MemberBook } from '../../../src/cluster/membership-book.js';
import { Departures, expiredDownRecords } from '../../../src/cluster/membership-departures.js';
import type { MemberRecord } from '../../../src/cluster/membership-policy.js';
import { resolveClusterOptions } from '../../../src/cluster/options.js';

/**
 * docs/semantics.md §25, "Down retention": what is kept of a departed
 * incarnation, and for how long, decided on explicit times (the clock is
 * the caller's).
 */

const RETENTION = 60_000;
const down = (at: number): MemberRecord => ({ name: 'b', status: 'down', suspects: [], at });
const up = (at: number): MemberRecord => ({ name: 'c', status: 'up', suspects: [], at });

describe('down retention: departures', () => {
  it('a departure is forgotten once its record is gone and the retention has passed, not before', () => {
    const departures = new Departures();
    assert.equal(departures.add('b_1', 1_000), true);
    assert.equal(departures.add('b_1', 2_000), false, 'went once');
    departures.recordGone('b_1');
    assert.equal(departures.prune(1_000 + RETENTION, RETENTION), 0, 'not past the retention');
    assert.equal(departures.has('b_1'), true);
    assert.equal(departures.prune(1_001 + RETENTION, RETENTION), 1);
    assert.equal(departures.has('b_1'), false);
    assert.equal(departures.size, 0);
  });

  it('one whose record is still in the table is kept until twice the retention (its delete must find it)', () => {
    const departures = new Departures();
    departures.add('b_1', 0);
    assert.equal(departures.prune(RETENTION + 1, RETENTION), 0);
    assert.equal(departures.prune(RETENTION * 2, RETENTION), 0);
    assert.equal(departures.prune(RETENTION * 2 + 1, RETENTION), 1, 'a missed delete bounds it');
  });

  it('one that left (no record) goes after the retention alone', () => {
    const departures = new Departures();
    departures.add('b_1', 0, true);
    assert.equal(departures.prune(RETENTION + 1, RETENTION), 1);
  });

  it('rolling restarts leave a bounded set: each day of incarnations is forgotten', () => {
    const departures = new Departures();
    for (let day = 0; day < 30; day++) {
      const now = day * 86_400_000;
      departures.add(`b_${day}`, now, true);
      departures.prune(now, RETENTION);
      assert.ok(departures.size <= 1, `day ${day}: ${departures.size} remembered`);
    }
  });
});

describe('down retention: the down records to prune', () => {
  it('only down records older than the retention, with the revision read', () => {
    const records: [string, MemberRecord, number][] = [
      ['b_1', down(0), 7],
      ['b_2', down(50_000), 8],
      ['c_1', up(0), 9],
    ];
    assert.deepEqual(expiredDownRecords(records, RETENTION + 1, RETENTION), [['b_1', 7]]);
    assert.deepEqual(expiredDownRecords(records, RETENTION, RETENTION), []);
  });

  it('downRetention defaults to 15 minutes and must be a positive number of ms', () => {
    const base = { servers: 'nats://127.0.0.1:4222', name: 'a' };
    assert.equal(resolveClusterOptions(base).downRetention, 900_000);
    assert.equal(resolveClusterOptions({ ...base, downRetention: 1_000 }).downRetention, 1_000);
    assert.throws(() => resolveClusterOptions({ ...base, downRetention: 0 }), {
      code: 'ERR_INVALID_ARG',
    });
  });
});

describe('membership book: who counts', () => {
  it('a node without a record in the complete table, not up and not greeted, is a stranger', () => {
    const book = new MemberBook('a_1');
    book.listed([['c_1', up(0)]]);
    assert.equal(book.isStranger('x_1', false), false, 'the table is not complete yet');
    book.complete();
    assert.equal(book.isStranger('x_1', false), true);
    assert.equal(book.isStranger('x_1', true), false, 'being greeted');
    assert.equal(book.isStranger('c_1', false), false, 'it has a record');
    assert.equal(book.isStranger('a_1', false), false, 'this node');
    book.recorded('c_1', undefined);
    assert.equal(book.isStranger('c_1', false), true, 'its record was removed');
  });

  it('a record removed while the watch was down (its delete never delivered) is dropped by the next snapshot', () => {
    const book = new MemberBook('a_1');
    book.listed([
      ['c_1', up(0)],
      ['d_1', up(0)],
    ]);
    book.complete();
    book.restarted();
    book.recorded('c_1', 'up'); // the new watch's snapshot shows c_1 only
    assert.equal(book.isStranger('d_1', false), false, 'not before the snapshot is over');
    book.complete();
    assert.equal(book.isStranger('d_1', false), true);
    assert.equal(book.isStranger('c_1', false), false);
  });

  it('a node that went is never added again, and goes once', () => {
    const book = new MemberBook('a_1');
    assert.equal(book.add('b_1', 0), true);
    assert.equal(book.remove('b_1', 1, 'down'), true);
    assert.equal(book.remove('b_1', 2, 'down'), false);
    assert.equal(book.add('b_1', 3), false);
    assert.deepEqual([...book.view.keys()], []);
  });

  it('nodedown fires once: a departure forgotten before its delete marker is purged is not reported again on a rewatch', () => {
    const R = 900_000;
    const book = new MemberBook('a_1');
    book.listed([['x_1', up(0)]]);
    book.add('x_1', 0);
    // x_1 declared down at t=0: the one nodedown.
    book.recorded('x_1', 'down');
    assert.equal(book.remove('x_1', 0, 'down'), true);
    // A pruner deletes the down record at R+1; its marker is purged only past R more.
    book.recorded('x_1', undefined);
    assert.equal(book.deleted('x_1', R + 1), false, 'remembered: no event');
    // The next prune round forgets the departure (its marker still in the table).
    assert.equal(book.gone.prune(R + 60_001, R), 1);
    // A reconnect at R+5 min: a new watch's snapshot replays the marker.
    book.restarted();
    book.recorded('x_1', undefined);
    assert.equal(book.deleted('x_1', R + 300_000), false, 'a second nodedown (left) for x_1');
    assert.equal(book.gone.has('x_1'), true, 'refused again, until the retention passes');
    assert.equal(book.add('x_1', R + 300_001), false);
  });

  it('a node up here whose record is deleted (it left) goes once; one never up here is no nodedown', () => {
    const book = new MemberBook('a_1');
    book.add('b_1', 0);
    book.candidates.set('c_1', 0);
    assert.equal(book.deleted('b_1', 10), true);
    assert.equal(book.deleted('b_1', 11), false);
    assert.equal(book.deleted('c_1', 12), true, 'a silent member waited for since the join');
    assert.equal(book.deleted('d_1', 13), false, 'never up here');
    assert.equal(book.gone.has('d_1'), true);
    assert.equal(book.deleted('a_1', 14), false, 'itself');
  });

  it('a prune round is one at a time, and its promise (what a shutdown awaits) ends after its KV requests', async () => {
    const departures = new Departures();
    let lists = 0;
    let release = (): void => undefined;
    const listed = new Promise<void>((resolve) => (release = resolve));
    let purged = false;
    const kv = {
      keys: async () => {
        lists++;
        await listed;
        return (async function* () {})();
      },
      purgeDeletes: async () => {
        purged = true;
      },
    } as unknown as KV;
    assert.equal(departures.pruning, undefined);
    departures.pruneRound(kv, RETENTION);
    const round = departures.pruning;
    assert.notEqual(round, undefined);
    departures.pruneRound(kv, RETENTION);
    assert.equal(lists, 1, 'no second round meanwhile');
    release();
    await round;
    assert.equal(purged, true, 'its last request is done');
    assert.equal(departures.pruning, undefined);
  });
});

/**
 * A member table in memory on a manual wall clock: live records and delete markers, each with
 * its revision and the time it was written (what the server stamps), compare-and-set deletes,
 * and `purgeDeletes` dropping markers older than it is told.
 */
class TableOnClock {
  now = 1_000_000;
  #revision = 0;
  readonly entries = new Map<string, { text?: string; revision: number; created: number }>();
  put(id: string, record: MemberRecord): void {
    this.entries.set(id, {
      text: JSON.stringify(record),
      revision: ++this.#revision,
      created: this.now,
    });
  }
  get kv(): KV {
    const table = this;
    return {
      keys: async () =>
        (async function* () {
          for (const [id, e] of table.entries) if (e.text !== undefined) yield id;
        })(),
      get: async (id: string) => {
        const e = table.entries.get(id);
        if (e === undefined) return null;
        return {
          operation: e.text === undefined ? 'DEL' : 'PUT',
          revision: e.revision,
          created: new Date(e.created),
          string: () => e.text ?? '',
        };
      },
      delete: async (id: string, opts: { previousSeq: number }) => {
        if (table.entries.get(id)?.revision !== opts.previousSeq)
          throw new Error('wrong last sequence');
        table.entries.set(id, { revision: ++table.#revision, created: table.now });
      },
      purgeDeletes: async (olderMillis: number) => {
        for (const [id, e] of [...table.entries])
          if (e.text === undefined && table.now - e.created > olderMillis) table.entries.delete(id);
      },
    } as unknown as KV;
  }
}

describe('down retention: a crashed node leaves nothing behind for good (manual clock)', () => {
  it('its down record, its delete marker and its departure are gone after the retention, rounds apart', async () => {
    const table = new TableOnClock();
    const departures = new Departures();
    const now = (): number => table.now;
    const crashedAt = table.now;
    table.put('c_1', up(0));
    table.put('b_1', { ...down(crashedAt), downBy: 'c_1' }); // declared down by the vote
    departures.add('b_1', crashedAt);
    table.now = crashedAt + RETENTION;
    await departures.pruneTable(table.kv, RETENTION, now);
    assert.equal(table.entries.get('b_1')?.text !== undefined, true, 'kept for the retention');
    assert.equal(departures.has('b_1'), true);
    table.now = crashedAt + RETENTION + 1;
    await departures.pruneTable(table.kv, RETENTION, now);
    assert.equal(table.entries.get('b_1')?.text, undefined, 'the record deleted: a marker left');
    assert.equal(departures.has('b_1'), false, 'the departure forgotten in the same round');
    assert.equal(departures.size, 0);
    const deletedAt = table.now;
    table.now = deletedAt + RETENTION;
    await departures.pruneTable(table.kv, RETENTION, now);
    assert.equal(table.entries.has('b_1'), true, 'the marker kept for the retention');
    table.now = deletedAt + RETENTION + 1;
    await departures.pruneTable(table.kv, RETENTION, now);
    assert.deepEqual(
      [...table.entries.keys()],
      ['c_1'],
      'nothing of b_1 is left; the member stays',
    );
    // Rounds later (as the membership timer runs them) bring nothing back.
    table.now += 10 * RETENTION;
    await departures.pruneTable(table.kv, RETENTION, now);
    assert.deepEqual([...table.entries.keys()], ['c_1']);
    assert.equal(departures.size, 0);
  });

  it('a round keeps what the table answers for, and forgets a departure whose record outlived twice the retention', async () => {
    const table = new TableOnClock();
    const departures = new Departures();
    const crashedAt = table.now;
    departures.add('b_1', crashedAt);
    // The table is out of reach: the departure is still bounded by twice the retention.
    const unreachable = {
      keys: async () => Promise.reject(new Error('no quorum')),
    } as unknown as KV;
    table.now = crashedAt + 2 * RETENTION + 1;
    await departures.pruneTable(unreachable, RETENTION, () => table.now);
    assert.equal(departures.has('b_1'), false);
  });
});
