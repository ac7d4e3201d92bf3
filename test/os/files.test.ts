import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type DeadLetter, fileActor, InvalidArgumentError } from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { type Fixture, failsWith, fixture, ioFails } from './file-fixture.js';

describe('file actor: operations as messages', () => {
  failOnUnhandledRejections();
  let f: Fixture;
  beforeEach(() => {
    f = fixture();
  });
  afterEach(() => f.close());

  it('reads, writes, appends, lists, stats and removes real files', async () => {
    const files = f.files();
    assert.equal(await files.ask({ type: 'read', path: join(f.data, 'a.txt') }), 'hello');
    const target = join(f.out, 'new.txt');
    assert.deepEqual(await files.ask({ type: 'write', path: target, data: 'héllo' }), { bytes: 6 });
    assert.deepEqual(await files.ask({ type: 'append', path: target, data: '!!' }), { bytes: 2 });
    assert.equal(readFileSync(target, 'utf8'), 'héllo!!');
    assert.deepEqual(await files.ask({ type: 'write', path: target, data: 'x' }), { bytes: 1 });
    assert.equal(readFileSync(target, 'utf8'), 'x', 'write replaces the contents');
    assert.deepEqual(await files.ask({ type: 'list', path: f.data }), ['a.txt', 'out', 'sub']);
    const stat = await files.ask({ type: 'stat', path: join(f.data, 'a.txt') });
    assert.equal(stat.size, 5);
    assert.equal(stat.kind, 'file');
    assert.equal(typeof stat.mtimeMs, 'number');
    assert.equal((await files.ask({ type: 'stat', path: f.out })).kind, 'directory');
    assert.equal(await files.ask({ type: 'remove', path: target }), undefined);
    assert.deepEqual(await files.ask({ type: 'list', path: f.out }), []);
  });

  it('appends create a missing file', async () => {
    const files = f.files();
    const target = join(f.out, 'log.txt');
    await files.ask({ type: 'append', path: target, data: 'a\n' });
    await files.ask({ type: 'append', path: target, data: 'b\n' });
    assert.equal(readFileSync(target, 'utf8'), 'a\nb\n');
  });

  it('carries bytes as base64 both ways', async () => {
    const files = f.files();
    const bytes = Buffer.from([0, 1, 2, 254, 255, 10, 13]);
    const target = join(f.out, 'bin');
    const wrote = await files.ask({
      type: 'write',
      path: target,
      data: bytes.toString('base64'),
      encoding: 'base64',
    });
    assert.deepEqual(wrote, { bytes: bytes.length });
    assert.deepEqual(readFileSync(target), bytes);
    const read = await files.ask({ type: 'read', path: target, encoding: 'base64' });
    assert.deepEqual(Buffer.from(read, 'base64'), bytes);
  });

  it('removes empty directories but not full ones, keeping ENOTEMPTY', async () => {
    const files = f.files();
    mkdirSync(join(f.out, 'empty'));
    mkdirSync(join(f.out, 'full'));
    writeFileSync(join(f.out, 'full', 'x'), 'x');
    await files.ask({ type: 'remove', path: join(f.out, 'empty') });
    await assert.rejects(
      files.ask({ type: 'remove', path: join(f.out, 'full') }),
      ioFails('ENOTEMPTY'),
    );
    assert.deepEqual(await files.ask({ type: 'list', path: f.out }), ['full']);
  });

  it('keeps Node error codes: ENOENT, EISDIR, ENOTDIR', async () => {
    const files = f.files();
    await assert.rejects(
      files.ask({ type: 'read', path: join(f.data, 'nope') }),
      ioFails('ENOENT'),
    );
    await assert.rejects(
      files.ask({ type: 'stat', path: join(f.data, 'nope') }),
      ioFails('ENOENT'),
    );
    await assert.rejects(
      files.ask({ type: 'remove', path: join(f.out, 'nope') }),
      ioFails('ENOENT'),
    );
    await assert.rejects(files.ask({ type: 'read', path: f.data }), ioFails('EISDIR'));
    await assert.rejects(
      files.ask({ type: 'list', path: join(f.data, 'a.txt') }),
      ioFails('ENOTDIR'),
    );
    await assert.rejects(
      files.ask({ type: 'write', path: join(f.out, 'no', 'dir.txt'), data: 'x' }),
      ioFails('ENOENT'),
    );
    const outcomes = f.lines().filter((l) => l.decision === 'outcome');
    assert.deepEqual(
      outcomes.map((l) => l.outcome),
      ['ENOENT', 'ENOENT', 'ENOENT', 'EISDIR', 'ENOTDIR', 'ENOENT'],
    );
  });

  it('denies every operation outside the roots, and writes under read-only roots', async () => {
    const files = f.files();
    const key = join(f.secret, 'key.txt');
    const denied = failsWith('ERR_DENIED', /denied: .* outside policy 0's fs\.(read|write) roots/);
    await assert.rejects(files.ask({ type: 'read', path: key }), denied);
    await assert.rejects(files.ask({ type: 'stat', path: key }), denied);
    await assert.rejects(files.ask({ type: 'list', path: f.secret }), denied);
    await assert.rejects(
      files.ask({ type: 'write', path: join(f.data, 'a.txt'), data: 'x' }),
      denied,
    );
    await assert.rejects(
      files.ask({ type: 'append', path: join(f.data, 'a.txt'), data: 'x' }),
      denied,
    );
    await assert.rejects(files.ask({ type: 'remove', path: join(f.data, 'a.txt') }), denied);
    assert.equal(readFileSync(join(f.data, 'a.txt'), 'utf8'), 'hello');
    assert.equal(readFileSync(key, 'utf8'), 'top secret');
  });

  it('denies everything without a policy (deny by default)', async () => {
    const files = f.system.spawn(fileActor());
    await assert.rejects(
      files.ask({ type: 'read', path: join(f.data, 'a.txt') }),
      failsWith('ERR_DENIED', /no policy allows read access \(deny by default\)/),
    );
  });

  it('records every attempt and its outcome in the audit log, chained', async () => {
    const files = f.files(undefined, 'docs');
    await files.ask({ type: 'read', path: join(f.data, 'a.txt') });
    await assert.rejects(files.ask({ type: 'read', path: join(f.secret, 'key.txt') }));
    const [allow, outcome, deny] = f.lines();
    assert.equal(allow?.decision, 'allow');
    assert.equal(allow?.actor, 'docs');
    assert.equal(allow?.pid, files.pid);
    assert.equal(allow?.op, 'read');
    assert.deepEqual(allow?.args, [join(f.data, 'a.txt')]);
    assert.equal(outcome?.decision, 'outcome');
    assert.equal(outcome?.outcome, 'ok');
    assert.equal(outcome?.reason, '5 bytes');
    assert.equal(outcome?.of, allow?.seq);
    assert.equal(deny?.decision, 'deny');
    assert.match(deny?.reason ?? '', /outside policy 0's fs\.read roots/);
    assert.equal(f.lines().length, 3);
    f.verify();
  });

  it('redacts arguments by the policy rule, never logs written data', async () => {
    const files = f.files({ fs: { read: [f.data], write: [f.out] }, redact: ['token-\\w+'] });
    await files.ask({ type: 'write', path: join(f.out, 'token-abc123'), data: 'password=hunter2' });
    const text = readFileSync(f.auditFile, 'utf8');
    assert.doesNotMatch(text, /abc123/);
    assert.doesNotMatch(text, /hunter2/);
    assert.deepEqual(f.lines()[0]?.args, [join(f.out, '[redacted]'), '16 chars']);
  });
});

describe('file actor: sizes are bounded', () => {
  failOnUnhandledRejections();
  let f: Fixture;
  beforeEach(() => {
    f = fixture({ maxReadBytes: 8, maxWriteBytes: 4 });
  });
  afterEach(() => f.close());

  it('reads a file at the limit and denies a larger one', async () => {
    const files = f.files();
    writeFileSync(join(f.data, 'eight'), '12345678');
    writeFileSync(join(f.data, 'nine'), '123456789');
    assert.equal(await files.ask({ type: 'read', path: join(f.data, 'eight') }), '12345678');
    await assert.rejects(
      files.ask({ type: 'read', path: join(f.data, 'nine') }),
      failsWith('ERR_DENIED', /is 9 bytes, over the read limit of 8 bytes/),
    );
    assert.match(f.lines().at(-1)?.reason ?? '', /over the read limit/);
    assert.equal(f.lines().at(-1)?.decision, 'deny');
  });

  it('denies a write or append of more bytes than the limit, counting bytes not characters', async () => {
    const files = f.files();
    const target = join(f.out, 'w');
    assert.deepEqual(await files.ask({ type: 'write', path: target, data: 'abcd' }), { bytes: 4 });
    await assert.rejects(
      files.ask({ type: 'write', path: target, data: 'ééé' }),
      failsWith('ERR_DENIED', /6 bytes exceed the write limit of 4 bytes/),
    );
    await assert.rejects(
      files.ask({ type: 'append', path: target, data: 'abcde' }),
      failsWith('ERR_DENIED', /write limit/),
    );
    assert.equal(readFileSync(target, 'utf8'), 'abcd', 'a denied write touches nothing');
  });

  it('denies a listing whose names exceed the read limit', async () => {
    const files = f.files();
    for (const name of ['one', 'two', 'three']) writeFileSync(join(f.out, name), '');
    await assert.rejects(
      files.ask({ type: 'list', path: f.out }),
      failsWith('ERR_DENIED', /exceeds the read limit of 8 bytes/),
    );
    assert.equal(f.lines().at(-1)?.outcome, 'denied');
  });
});

describe('file actor: bad input never takes it down', () => {
  failOnUnhandledRejections();
  let f: Fixture;
  beforeEach(() => {
    f = fixture();
  });
  afterEach(() => f.close());

  it('fails malformed asks with InvalidArgumentError naming the field, and lives on', async () => {
    const files = f.files();
    const bad: [unknown, string][] = [
      [{ type: 'read', path: 42 }, 'path'],
      [{ type: 'read' }, 'path'],
      [{ type: 'chmod', path: f.data }, 'type'],
      [{ path: f.data }, 'type'],
      [{ type: 'read', path: f.data, encoding: 'latin1' }, 'encoding'],
      [{ type: 'write', path: join(f.out, 'x') }, 'data'],
      [{ type: 'write', path: join(f.out, 'x'), data: { evil: true } }, 'data'],
      [{ type: 'write', path: join(f.out, 'x'), data: '!!!', encoding: 'base64' }, 'data'],
    ];
    for (const [message, field] of bad) {
      await assert.rejects(files.ask(message as never), (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentError, String(e));
        assert.equal(e.option, field);
        return true;
      });
    }
    assert.equal(await files.ask({ type: 'read', path: join(f.data, 'a.txt') }), 'hello');
    assert.ok(f.system.info(files) !== undefined, 'still alive');
    const denials = f.lines().filter((l) => l.decision === 'deny');
    assert.equal(denials.length, bad.length, 'each malformed request is logged as denied');
    f.verify();
  });

  it('sends a request without a reply port to dead letters', async () => {
    const files = f.files();
    const letters: DeadLetter[] = [];
    f.system.deadLetters.subscribe((d) => letters.push(d));
    for (const message of [{ type: 'read', path: f.data }, null, 7, 'read', { reply: 1 }]) {
      files.tell(message as never);
    }
    await f.system.idle();
    assert.equal(letters.filter((d) => d.reason === 'unexpected').length, 5);
    assert.equal(await files.ask({ type: 'read', path: join(f.data, 'a.txt') }), 'hello');
  });

  it('handles a symbolic link inside the roots as its target', async () => {
    const files = f.files();
    symlinkSync(join(f.data, 'a.txt'), join(f.data, 'alias'));
    assert.equal(await files.ask({ type: 'read', path: join(f.data, 'alias') }), 'hello');
    assert.equal((await files.ask({ type: 'stat', path: join(f.data, 'alias') })).kind, 'file');
  });
});
