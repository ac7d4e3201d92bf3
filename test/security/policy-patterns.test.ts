/**
 * §22 "Policy patterns that mean what they say", tried as an attacker
 * would: a pattern that closes its wrapper group, a pattern that
 * backtracks catastrophically, an option smuggled as an operand
 * (`sort -o/any/path`), a secret after a flag, redaction that must use the
 * `u` flag, and prototype keys in a policy. The runtime answers an ask
 * after every attack.
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  type ActorSystem,
  AuditLog,
  createSystem,
  defineActor,
  loadPolicy,
  loadPolicyFile,
  PolicyError,
  port,
  type Reply,
  type SecurityPolicy,
} from '../../src/index.js';
import { SecurityContext } from '../../src/security/index.js';
import { backtrackingProblem } from '../../src/security/pattern-safety.js';

type Ping = { readonly type: 'ping'; readonly reply: Reply<'pong'> };
const echo = defineActor<Ping>({ label: 'echo', handle: (m) => m.reply.send('pong') });

let dir: string;
let system: ActorSystem;

async function answers(): Promise<void> {
  assert.equal(await system.spawn(echo).ask({ type: 'ping' }), 'pong');
}

/** Asserts `loadPolicy(policy)` throws a PolicyError naming `field`, its message matching `text`. */
function refused(policy: unknown, field: string, text?: RegExp): void {
  assert.throws(
    () => loadPolicy(policy),
    (e: unknown) => {
      assert.ok(e instanceof PolicyError, String(e));
      assert.equal(e.field, field);
      if (text !== undefined) assert.match(e.message, text);
      return true;
    },
  );
}

const ECHO = '/bin/echo';
const exec = (rule: object): SecurityPolicy =>
  ({ exec: { allow: [{ path: ECHO, ...rule }] } }) as SecurityPolicy;

/** The documented `sort` rule: options known, values and operands plain names in the cwd. */
const SORT: SecurityPolicy = {
  exec: {
    allow: [
      {
        path: '/usr/bin/sort',
        options: [
          { names: ['-r', '--reverse'] },
          { names: ['-n', '--numeric-sort'] },
          { names: ['-o', '--output'], value: '[\\w.][\\w.-]*' },
        ],
        operands: ['[\\w.][\\w.-]*'],
      },
    ],
  },
};

describe('§22 policy patterns that mean what they say (attacks)', () => {
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'airssys-patterns-')));
    system = createSystem();
  });
  afterEach(async () => {
    await system.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a pattern that does not compile on its own is a PolicyError (safe)|(?:.* cannot widen the rule)', async () => {
    refused(
      exec({ args: ['safe)|(?:.*'] }),
      'exec.allow[0].args[0]',
      /not a regular expression on its own/,
    );
    refused({ redact: ['a)|(b'] }, 'redact[0]');
    refused(
      exec({ options: [{ names: ['-o'], value: 'x)|(y' }] }),
      'exec.allow[0].options[0].value',
    );
    await answers();
  });

  it('a pattern that can backtrack catastrophically is refused at load: (\\w+\\.?)+ and its kind', async () => {
    refused(exec({ args: ['(\\w+\\.?)+'] }), 'exec.allow[0].args[0]', /exponential time/);
    for (const p of ['(a+)+', '(a|a)*', '(a*)*', '(x+x+)+y', '(\\w|\\d)+', '(a{1,10}){1,10}']) {
      assert.match(backtrackingProblem(p) ?? '', /exponential time/, p);
    }
    for (const p of ['\\w*\\w*', '.*-.*', '\\d+\\.?\\d*']) {
      assert.match(backtrackingProblem(p) ?? '', /polynomial time/, p);
    }
    assert.match(backtrackingProblem('(a)\\1') ?? '', /backreference/);
    for (const p of [
      '[\\w./-]+',
      '[\\w-]+(\\.[\\w-]+)*',
      '.*\\.txt',
      '\\d+(\\.\\d+)?',
      '\\p{Nd}{12,}',
      '(?<=--password=).*',
      '[a-z]+@[a-z]+\\.[a-z]{2,6}',
      '--output=[\\w.]+',
    ]) {
      assert.equal(backtrackingProblem(p), undefined, p);
    }
    await answers();
  });

  it('arguments are length-capped before any pattern runs; the 28-character attack argument is answered at once', async () => {
    const ctx = new SecurityContext([
      loadPolicy(exec({ args: ['[\\w-]+(\\.[\\w-]+)*'], maxArgs: 2 })),
    ]);
    const attack = `${'a'.repeat(28)}!`;
    assert.equal(ctx.checkExec({ argv: [ECHO, attack], env: {}, cwd: undefined }).allowed, false);
    const huge = 'a'.repeat(5000);
    const d = ctx.checkExec({ argv: [ECHO, huge], env: {}, cwd: undefined });
    assert.equal(d.allowed, false);
    assert.match(d.reason, /longer than 4096 characters/);
    await answers();
  });

  it('structured argv rules tell options from values: -o FILE, -oFILE and --output=FILE are one option', async () => {
    const ctx = new SecurityContext([loadPolicy(SORT)]);
    const check = (...args: string[]) =>
      ctx.checkExec({ argv: ['/usr/bin/sort', ...args], env: {}, cwd: undefined });
    for (const attack of [
      ['-o/any/path', 'in.txt'],
      ['-o', '/any/path', 'in.txt'],
      ['--output=/any/path', 'in.txt'],
      ['--output', '/any/path'],
      ['-ro/any/path'],
      ['-rn', '-o../x'],
      ['--compress-program=sh', 'in.txt'],
      ['--compress-prog=sh'],
      ['-T', '/tmp'],
      ['-o'],
      ['--reverse=yes'],
      ['/etc/shadow'],
      ['--', '-o/any/path'],
    ]) {
      assert.equal(check(...attack).allowed, false, attack.join(' '));
    }
    for (const fine of [
      ['in.txt'],
      ['-r', 'in.txt'],
      ['-rn', 'in.txt', '-o', 'out.txt'],
      ['-oout.txt', 'in.txt'],
      ['--output=out.txt', '--reverse', 'in.txt'],
      ['--', 'in.txt'],
    ]) {
      assert.equal(check(...fine).allowed, true, fine.join(' '));
    }
    assert.match(check('-o/any/path').reason, /value of option -o \(argument 1\) does not match/);
    // An optional value is only ever attached: the next argument stays an operand, checked as one.
    const ls = new SecurityContext([
      loadPolicy({
        exec: {
          allow: [
            {
              path: '/bin/ls',
              options: [{ names: ['--color'], value: 'always|never|auto', optional: true }],
              operands: ['[\\w.][\\w.-]*'],
            },
          ],
        },
      }),
    ]);
    const lsCheck = (...args: string[]) =>
      ls.checkExec({ argv: ['/bin/ls', ...args], env: {}, cwd: undefined }).allowed;
    assert.equal(lsCheck('--color', 'dir'), true);
    assert.equal(lsCheck('--color=never', 'dir'), true);
    assert.equal(
      lsCheck('--color', '/etc'),
      false,
      'the argument after an optional option is an operand',
    );
    assert.equal(lsCheck('--color=/etc'), false);
    // For real: the port refuses to start `sort -o/any/path`, and nothing is written there.
    const target = join(dir, 'written-by-sort');
    const owner = system.spawn(defineActor({ handle: () => undefined }));
    const sort = system.spawn(
      port({ argv: ['/usr/bin/sort', `-o${target}`, '/dev/null'], owner }),
      {
        security: SORT,
      },
    );
    const reason = await system.exited(sort);
    assert.equal(reason.kind, 'error');
    assert.equal(
      (reason.kind === 'error' ? (reason.error as { code?: string }) : {}).code,
      'ERR_DENIED',
    );
    assert.equal(existsSync(target), false);
    refused(
      exec({ args: ['x'], options: [{ names: ['-r'] }] }),
      'exec.allow[0].args',
      /cannot be combined/,
    );
    refused(exec({ options: [{ names: ['-o', '-o'] }] }), 'exec.allow[0].options[0].names[1]');
    refused(exec({ options: [{ names: ['o'] }] }), 'exec.allow[0].options[0].names[0]');
    await answers();
  });

  it('redaction compiles with the u flag it is validated with, and hides the value after a flag', async () => {
    const ctx = new SecurityContext([
      loadPolicy({ redact: ['\\p{Nd}{12,}', { option: '--password' }, { option: '-p' }] }),
    ]);
    assert.equal(ctx.redact('card 4111111111111111 ok'), 'card [redacted] ok');
    assert.deepEqual(
      ctx.redactArgs([
        'mysql',
        '--password',
        'hunter2',
        '--password=hunter2',
        '-phunter2',
        '-p',
        'x',
      ]),
      [
        'mysql',
        '--password',
        '[redacted]',
        '--password=[redacted]',
        '-p[redacted]',
        '-p',
        '[redacted]',
      ],
    );
    assert.equal(
      ctx.redact('x'.repeat(5000)).length <= 1024,
      true,
      'redaction runs on a capped text',
    );
    refused({ redact: [{ option: 'password' }] }, 'redact[0].option');
    // In the audit log of a real program start: the secret after the flag never reaches the file.
    const file = join(dir, 'audit.jsonl');
    const audit = new AuditLog({ file, env: {} });
    const logged = createSystem({ audit });
    try {
      const owner = logged.spawn(defineActor({ handle: () => undefined }));
      const p = logged.spawn(port({ argv: [ECHO, '--password', 'hunter2'], owner }), {
        security: {
          exec: { allow: [{ path: ECHO, args: ['[\\w-]+'] }] },
          redact: [{ option: '--password' }],
        },
      });
      assert.equal((await logged.exited(p)).kind, 'normal');
    } finally {
      await logged.shutdown();
      audit.close();
    }
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes('hunter2'), text);
    assert.match(text, /"--password","\[redacted\]"/);
    await answers();
  });

  it('prototype keys in a policy are PolicyErrors naming the field', async () => {
    refused(JSON.parse('{"__proto__": {"fs": {"read": ["/"]}}}'), '__proto__', /prototype key/);
    refused(JSON.parse('{"fs": {"constructor": {"read": ["/"]}}}'), 'fs.constructor');
    refused(
      JSON.parse('{"exec": {"allow": [{"path": "/bin/echo", "prototype": 1}]}}'),
      'exec.allow[0].prototype',
    );
    refused(
      JSON.parse('{"exec": {"allow": [], "limits": {"__proto__": {}}}}'),
      'exec.limits.__proto__',
    );
    refused({ toString: 'x' }, 'toString', /unknown key/);
    const file = join(dir, 'policy.json');
    writeFileSync(file, '{"fs": {"read": ["/tmp"], "__proto__": {"write": ["/"]}}}');
    assert.throws(
      () => loadPolicyFile(file),
      (e: unknown) => e instanceof PolicyError && e.field === 'fs.__proto__',
    );
    assert.throws(() => system.spawn(echo, { security: JSON.parse('{"constructor": {}}') }), {
      code: 'ERR_POLICY',
    });
    await answers();
  });
});
