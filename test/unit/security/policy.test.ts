/**
 * Security policies (src/security/policy.ts, policy-file.ts) and contexts
 * (src/security/context.ts): validation names the bad field, a chain of
 * policies allows only what every one allows, and redaction rules apply
 * from every policy in the chain.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PolicyError } from '../../../src/errors.js';
import {
  DENY_ALL,
  loadPolicy,
  loadPolicyFile,
  SecurityContext,
  type SecurityPolicy,
} from '../../../src/security/index.js';

function rejects(policy: unknown, field: string, text: RegExp): void {
  assert.throws(
    () => loadPolicy(policy),
    (e: unknown) => {
      assert.ok(e instanceof PolicyError, `expected PolicyError, got ${String(e)}`);
      assert.equal(e.code, 'ERR_POLICY');
      assert.equal(e.field, field);
      assert.match(e.message, text);
      return true;
    },
  );
}

describe('loadPolicy: validation names the first bad field', () => {
  const cases: [unknown, string, RegExp][] = [
    [null, '', /must be an object/],
    [[], '', /must be an object/],
    ['fs', '', /must be an object/],
    [{ fss: {} }, 'fss', /unknown key \(allowed: exec, fs, redact\)/],
    [{ fs: [] }, 'fs', /must be an object/],
    [{ fs: { raed: ['/srv'] } }, 'fs.raed', /unknown key/],
    [{ fs: { read: '/srv' } }, 'fs.read', /array of absolute paths/],
    [{ fs: { read: ['srv/data'] } }, 'fs.read[0]', /absolute path/],
    [{ fs: { write: ['/ok', 7] } }, 'fs.write[1]', /absolute path/],
    [{ fs: { maxReadBytes: -1 } }, 'fs.maxReadBytes', /integer >= 0/],
    [{ fs: { maxWriteBytes: 1.5 } }, 'fs.maxWriteBytes', /integer >= 0/],
    [{ fs: { maxWriteBytes: '10' } }, 'fs.maxWriteBytes', /integer >= 0/],
    [{ redact: 'password' }, 'redact', /array of regular expressions/],
    [{ redact: ['('] }, 'redact[0]', /not a regular expression/],
    [{ redact: [1] }, 'redact[0]', /must be a string/],
    [{ exec: {} }, 'exec.allow', /is required/],
    [{ exec: { allow: {} } }, 'exec.allow', /array of rules/],
    [{ exec: { allow: [{ path: 'cat' }] } }, 'exec.allow[0].path', /absolute path/],
    [{ exec: { allow: [{ path: '/bin/cat', arg: [] }] } }, 'exec.allow[0].arg', /unknown key/],
    [{ exec: { allow: [], shell: 'yes' } }, 'exec.shell', /true or false/],
    [{ exec: { allow: [], env: ['1BAD'] } }, 'exec.env[0]', /environment variable name/],
    [{ exec: { allow: [], cwd: ['.'] } }, 'exec.cwd[0]', /absolute path/],
    [{ exec: { allow: [], limits: { cpuSecs: 1 } } }, 'exec.limits.cpuSecs', /unknown key/],
    [{ exec: { allow: [], runAs: { uid: -1, gid: 0 } } }, 'exec.runAs.uid', /integer >= 0/],
    [{ exec: { allow: [], sandbox: { network: 1 } } }, 'exec.sandbox.network', /true or false/],
  ];
  for (const [policy, field, text] of cases) {
    it(`refuses ${JSON.stringify(policy)} at '${field}'`, () => rejects(policy, field, text));
  }

  it('returns a frozen copy: changing the input later changes nothing', () => {
    const input = { fs: { read: ['/tmp'] }, redact: ['secret'] };
    const policy = loadPolicy(input);
    input.fs.read.push('/');
    assert.deepEqual(policy, { fs: { read: ['/tmp'] }, redact: ['secret'] });
    assert.ok(Object.isFrozen(policy));
    assert.ok(Object.isFrozen(policy.fs?.read));
    assert.deepEqual(loadPolicy({}), {});
  });
});

describe('security contexts: every policy in the chain must allow', () => {
  let dir: string;
  before(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'airssys-policy-')));
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    mkdirSync(join(dir, 'other'));
    symlinkSync(join(dir, 'a'), join(dir, 'link-to-a'));
    symlinkSync(join(dir, 'other'), join(dir, 'a', 'escape'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const at = (...parts: string[]) => join(dir, ...parts);

  it('denies everything without a policy (deny by default)', () => {
    for (const op of ['read', 'write'] as const) {
      const d = DENY_ALL.checkPath(op, at('a', 'x'));
      assert.equal(d.allowed, false);
      assert.match(d.reason, /deny by default/);
    }
    assert.equal(new SecurityContext([{}]).checkPath('read', at('a')).allowed, false);
  });

  it('allows a root and what is under it, not a sibling with a common prefix', () => {
    const c = new SecurityContext([loadPolicy({ fs: { read: [at('a')] } })]);
    assert.equal(c.checkPath('read', at('a')).allowed, true);
    assert.equal(c.checkPath('read', at('a', 'b', 'new.txt')).allowed, true);
    writeFileSync(at('ab'), '');
    assert.equal(c.checkPath('read', at('ab')).allowed, false);
  });

  it('write roots are readable; read roots are not writable', () => {
    const c = new SecurityContext([loadPolicy({ fs: { read: [at('a')], write: [at('other')] } })]);
    assert.equal(c.checkPath('read', at('other', 'x')).allowed, true);
    assert.equal(c.checkPath('write', at('other', 'x')).allowed, true);
    const d = c.checkPath('write', at('a', 'x'));
    assert.equal(d.allowed, false);
    assert.match(d.reason, /outside policy 0's fs\.write roots/);
  });

  it('checks the resolved path: .. and symbolic links, in the path and in the roots', () => {
    const c = new SecurityContext([loadPolicy({ fs: { read: [at('link-to-a')] } })]);
    const up = c.checkPath('read', `${at('a', 'b')}/../../other/x`);
    assert.equal(up.allowed, false);
    assert.equal(up.resolved, at('other', 'x'));
    assert.equal(c.checkPath('read', at('a', 'b')).allowed, true, 'a root given as a link');
    const link = c.checkPath('read', at('a', 'escape', 'x'));
    assert.equal(link.allowed, false);
    assert.equal(link.resolved, at('other', 'x'));
  });

  it('a narrower policy down the chain narrows; a wider one does not widen', () => {
    const parent = new SecurityContext([loadPolicy({ fs: { read: [at('a')], write: [at('a')] } })]);
    const narrow = parent.narrow(loadPolicy({ fs: { read: [at('a', 'b')] } }));
    assert.equal(narrow.checkPath('read', at('a', 'b', 'x')).allowed, true);
    const d = narrow.checkPath('read', at('a', 'x'));
    assert.equal(d.allowed, false);
    assert.match(d.reason, /policy 1's fs\.read roots/);
    assert.equal(narrow.checkPath('write', at('a', 'b', 'x')).allowed, false);
    const wide = parent.narrow(loadPolicy({ fs: { read: ['/'], write: ['/'] } }));
    assert.equal(wide.checkPath('read', at('other', 'x')).allowed, false);
    assert.match(wide.checkPath('write', '/etc/passwd').reason, /policy 0's fs\.write roots/);
    assert.equal(parent.policies.length, 1, 'narrowing leaves the parent as it was');
  });

  it('sizes: the smallest limit in the chain, Infinity when none says', () => {
    const p = (fs: SecurityPolicy['fs']) => loadPolicy({ fs });
    const c = new SecurityContext([p({ maxReadBytes: 100 }), p({}), p({ maxReadBytes: 10 })]);
    assert.equal(c.maxBytes('read'), 10);
    assert.equal(c.maxBytes('write'), Number.POSITIVE_INFINITY);
    assert.equal(c.narrow(p({ maxReadBytes: 1_000 })).maxBytes('read'), 10);
  });

  it('refuses NUL bytes, empty and overlong paths before resolving them', () => {
    const c = new SecurityContext([loadPolicy({ fs: { read: ['/'] } })]);
    assert.match(c.checkPath('read', '/etc\0/passwd').reason, /NUL byte/);
    assert.match(c.checkPath('read', '').reason, /empty/);
    assert.match(c.checkPath('read', 42 as never).reason, /empty or contains/);
    assert.match(c.checkPath('read', `/${'a/'.repeat(5_000)}`).reason, /longer than 4096/);
  });
});

describe('redaction', () => {
  it('applies the rules of every policy in the chain, every match', () => {
    const c = new SecurityContext([loadPolicy({ redact: ['(?<=--password=)\\S+'] })]).narrow(
      loadPolicy({ redact: ['tok_[a-z0-9]+'] }),
    );
    assert.equal(
      c.redact('--password=hunter2 --key tok_abc tok_def'),
      '--password=[redacted] --key [redacted] [redacted]',
    );
    assert.equal(new SecurityContext([loadPolicy({})]).redact('plain'), 'plain');
  });
});

describe('loadPolicyFile', () => {
  let dir: string;
  before(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'airssys-policy-file-')));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a valid file, validated and frozen', () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify({ fs: { read: ['/srv'] } }));
    const policy = loadPolicyFile(file);
    assert.deepEqual(policy, { fs: { read: ['/srv'] } });
    assert.ok(Object.isFrozen(policy));
  });

  it('refuses a typo naming the field and the file', () => {
    const file = join(dir, 'typo.json');
    writeFileSync(file, JSON.stringify({ exec: { allow: [], shel: true } }));
    assert.throws(
      () => loadPolicyFile(file),
      (e: unknown) =>
        e instanceof PolicyError &&
        e.field === 'exec.shel' &&
        e.message ===
          `policy exec.shel: unknown key (allowed: allow, shell, env, cwd, limits, runAs, sandbox) (in ${file})`,
    );
  });

  it('refuses a JSON syntax error with its line and column', () => {
    const file = join(dir, 'syntax.json');
    writeFileSync(file, '{\n  "fs": {\n    "read": ["/srv",]\n  }\n}\n');
    assert.throws(
      () => loadPolicyFile(file),
      (e: unknown) =>
        e instanceof PolicyError &&
        e.field === '' &&
        /is not valid JSON: .*\(line 3 column 21\)/s.test(e.message),
    );
  });

  it('refuses a missing file, keeping the system error as its cause', () => {
    const file = join(dir, 'missing.json');
    assert.throws(
      () => loadPolicyFile(file),
      (e: unknown) =>
        e instanceof PolicyError &&
        /cannot read the policy file .*missing\.json \(ENOENT\)/.test(e.message) &&
        (e.cause as { code?: string }).code === 'ENOENT',
    );
  });
});
