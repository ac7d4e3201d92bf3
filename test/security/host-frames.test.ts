/**
 * Semantics §23: the main side trusts nothing a placed host sends. A body
 * writes frames straight onto its host's channel: bytes that are no batch
 * and frames of the wrong shape end the host with `ERR_HOST_PROTOCOL`;
 * well-formed frames for pids it was never given a ref to are `not-granted`
 * dead letters and reach nobody. The same holds for sandboxed and plain
 * child processes, worker threads and pool threads; after every attack the
 * runtime still answers an ask.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  type ActorRef,
  AuditLog,
  createSystem,
  type DeadLetter,
  defineActor,
  fileActor,
  type Reply,
} from '../../src/index.js';
import { FrameReader, frameBytes } from '../../src/isolation/index.js';
import { type EchoMsg, echo, type Question } from '../isolation/actors.js';
import { probe, until, within } from '../isolation/helpers.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import { type AttackMsg, attacker } from './attacker.js';
import { assertRuntimeAnswers, exitCode, NO_SANDBOX } from './host-helpers.js';

const system = createSystem({ askTimeout: LIMITS.wait, poolThreads: 1 });
after(() => within(system.shutdown({ timeout: 1_000 }), 60_000, 'shutdown'));

type Where = 'sandboxed process' | 'process' | 'worker' | 'pool';
const WHERE: readonly Where[] = ['sandboxed process', 'process', 'worker', 'pool'];

function place(where: Where): ActorRef<AttackMsg> {
  const options =
    where === 'sandboxed process'
      ? { placement: 'process' as const, sandbox: {} }
      : { placement: where };
  return system.spawn(attacker, options) as ActorRef<AttackMsg>;
}

function skipped(where: Where, t: { skip(message?: string): void }): boolean {
  if (where !== 'sandboxed process' || NO_SANDBOX === undefined) return false;
  console.log(`skipped: no sandbox on this machine (${NO_SANDBOX})`);
  t.skip(NO_SANDBOX);
  return true;
}

type SecretMsg = { type: 'get'; reply: Reply<string> } | { type: 'leak' };

/** A main actor holding a secret, never given to any body: it counts what reaches it. */
function secretKeeper(): { ref: ActorRef<SecretMsg>; reached: () => number } {
  let reached = 0;
  const ref = system.spawn(
    defineActor<SecretMsg>({
      handle(msg) {
        reached++;
        if (msg.type === 'get') msg.reply.send('the secret');
      },
    }),
  ) as ActorRef<SecretMsg>;
  return { ref, reached: () => reached };
}

function deadLetters(): { letters: DeadLetter[]; off: () => void } {
  const letters: DeadLetter[] = [];
  const off = system.deadLetters.subscribe((d) => letters.push(d));
  return { letters, off };
}

describe('security: malformed frames end the host with ERR_HOST_PROTOCOL (semantics §23)', () => {
  failOnUnhandledRejections();

  for (const where of WHERE) {
    it(`${where}: bytes or a message that are not a batch end the host, not the runtime`, {
      timeout: LIMITS.test,
    }, async (t) => {
      if (skipped(where, t)) return;
      const ref = place(where);
      assert.equal(await ref.ask({ type: 'ping' }), 'pong');
      const ended = exitCode(system, ref as ActorRef<never>);
      await ref.ask({ type: 'garbage' }).catch(() => undefined);
      assert.equal(await ended, 'ERR_HOST_PROTOCOL');
      await assertRuntimeAnswers(system);
    });

    it(`${where}: a frame of the wrong shape ends the host, not the runtime`, {
      timeout: LIMITS.test,
    }, async (t) => {
      if (skipped(where, t)) return;
      const ref = place(where);
      const ended = exitCode(system, ref as ActorRef<never>);
      const batches = [
        [{ op: 'send', to: 'the supervisor', from: ref.pid, message: 1, marked: false }],
      ];
      await ref.ask({ type: 'frames', batches }).catch(() => undefined);
      assert.equal(await ended, 'ERR_HOST_PROTOCOL');
      await assertRuntimeAnswers(system);
    });
  }

  it('an unknown op, a huge id or a BigInt pid end the host too', {
    timeout: LIMITS.test,
  }, async () => {
    for (const frame of [
      { op: 'exec', command: 'sh' },
      { op: 'reply', id: 2 ** 60, ok: true, value: 1, marked: false },
      { op: 'started', pid: 5n },
    ]) {
      const ref = place('worker');
      const ended = exitCode(system, ref as ActorRef<never>);
      await ref.ask({ type: 'frames', batches: [[frame]] }).catch(() => undefined);
      assert.equal(
        await ended,
        'ERR_HOST_PROTOCOL',
        JSON.stringify(frame, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)),
      );
    }
    await assertRuntimeAnswers(system);
  });
});

describe('security: odd values in what a host sends are data, never code (semantics §23)', () => {
  failOnUnhandledRejections();

  it('an exit reason whose error carries __proto__ and non-string fields stays a plain Error', {
    timeout: LIMITS.test,
  }, async () => {
    const ref = place(NO_SANDBOX === undefined ? 'sandboxed process' : 'process');
    assert.equal(await ref.ask({ type: 'ping' }), 'pong');
    const exited = within(system.exited(ref), 60_000, 'the forged exit arrives');
    const reason = `{"kind":"error","error":{"$$airssys":"error","name":{"toString":1},"message":"forged","stack":7,"props":{"__proto__":{"toString":"x"},"code":"ERR_FORGED"}}}`;
    const batch = `[{"op":"exited","pid":${ref.pid},"reason":${reason}}]`;
    await ref.ask({ type: 'frames', batches: [batch] }).catch(() => undefined);
    const ended = await exited;
    assert.equal(ended.kind, 'error');
    const error = (ended as { error: unknown }).error as Error & { code?: unknown };
    assert.equal(Object.getPrototypeOf(error), Error.prototype, 'not re-parented');
    assert.equal(error.name, 'Error', 'a name that is not a string is not taken');
    assert.equal(error.code, 'ERR_FORGED');
    assert.equal(String(error), 'Error: forged');
    await assertRuntimeAnswers(system);
  });
});

describe('security: a main answer that cannot cross fails the body’s ask (semantics §23)', () => {
  failOnUnhandledRejections();

  it('a main process answering a body with a function: the body’s ask fails with ERR_INVALID_ARG', {
    timeout: LIMITS.test,
  }, async () => {
    const answerer = system.spawn(
      defineActor<Question>({ handle: (msg) => msg.reply.send((() => 1) as never) }),
    ) as ActorRef<Question>;
    const body = system.spawn(echo, { placement: 'worker' }) as ActorRef<EchoMsg>;
    const ended = exitCode(system, body as ActorRef<never>);
    // The body does not catch its failed ask: it crashes with the ask's error.
    await body.ask({ type: 'ask-main', to: answerer, text: 'q' }).catch(() => undefined);
    assert.equal(await ended, 'ERR_INVALID_ARG');
    await assertRuntimeAnswers(system);
  });
});

describe('security: a body addresses only the pids it was given (semantics §23)', () => {
  failOnUnhandledRejections();

  for (const where of WHERE) {
    it(`${where}: sends and asks to a pid it was never given are not-granted dead letters`, {
      timeout: LIMITS.test,
    }, async (t) => {
      if (skipped(where, t)) return;
      const secret = secretKeeper();
      const { letters, off } = deadLetters();
      try {
        const ref = place(where);
        assert.equal(await ref.ask({ type: 'ping' }), 'pong');
        const forged = [
          [
            {
              op: 'send',
              to: secret.ref.pid,
              from: ref.pid,
              message: { type: 'leak' },
              marked: false,
            },
            {
              op: 'ask',
              id: 424_242,
              to: secret.ref.pid,
              from: ref.pid,
              request: { type: 'get' },
              marked: false,
              timeout: 1_000,
            },
          ],
        ];
        await ref.ask({ type: 'frames', batches: forged });
        await until(
          () => letters.filter((d) => d.reason === 'not-granted').length === 2,
          60_000,
          'two not-granted letters',
        );
        assert.ok(letters.every((d) => d.reason !== 'not-granted' || d.target === secret.ref.pid));
        assert.equal(secret.reached(), 0, 'nothing reached the secret keeper');
        assert.equal(
          await ref.ask({ type: 'ping' }),
          'pong',
          'the body runs on: a dead letter, not a crash',
        );
        await system.stop(ref);
        await assertRuntimeAnswers(system);
      } finally {
        off();
      }
    });
  }

  it('a body cannot read a secret through a main-side file actor it was never given', {
    timeout: LIMITS.test,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airssys-secret-'));
    writeFileSync(join(dir, 'secret.txt'), 'the launch codes');
    const audit = new AuditLog();
    const local = createSystem({ askTimeout: LIMITS.wait, audit });
    const { letters, off } = ((): { letters: DeadLetter[]; off: () => void } => {
      const seen: DeadLetter[] = [];
      return { letters: seen, off: local.deadLetters.subscribe((d) => seen.push(d)) };
    })();
    try {
      const files = local.spawn(fileActor(), { security: { fs: { read: [dir] } } });
      // The control: main may read it through the file actor.
      assert.equal(
        await files.ask({ type: 'read', path: join(dir, 'secret.txt') }),
        'the launch codes',
      );
      const ref = local.spawn(attacker, {
        placement: 'process',
        ...(NO_SANDBOX === undefined ? { sandbox: {} } : {}),
      }) as ActorRef<AttackMsg>;
      const request = { type: 'read', path: join(dir, 'secret.txt') };
      const ask = {
        op: 'ask',
        id: 9,
        to: files.pid,
        from: ref.pid,
        request,
        marked: false,
        timeout: 1_000,
      };
      const lines = audit.recent().length;
      await ref.ask({ type: 'frames', batches: [[ask]] });
      await until(
        () => letters.some((d) => d.reason === 'not-granted' && d.target === files.pid),
        60_000,
        'refused',
      );
      assert.equal(await ref.ask({ type: 'ping' }), 'pong');
      assert.equal(audit.recent().length, lines, 'the file actor never saw the request');
      await local.stop(ref);
      await assertRuntimeAnswers(local);
    } finally {
      off();
      await within(local.shutdown({ timeout: 1_000 }), 60_000, 'shutdown');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a ref passed to the body grants that pid and no other; a forged sender is not believed', {
    timeout: LIMITS.test,
  }, async () => {
    const secret = secretKeeper();
    const friend = probe(system);
    const { letters, off } = deadLetters();
    try {
      const ref = place(NO_SANDBOX === undefined ? 'sandboxed process' : 'process');
      const batches = [
        [
          {
            op: 'send',
            to: friend.ref.pid,
            from: secret.ref.pid,
            message: { type: 'hello' },
            marked: false,
          },
        ],
        JSON.stringify([
          {
            op: 'send',
            to: friend.ref.pid,
            from: ref.pid,
            message: { type: 'smuggled', who: { $$airssys: 'ref', pid: secret.ref.pid } },
            marked: true,
          },
        ]),
      ];
      // The message carries a ref to `friend`: from now on the body may address it.
      await ref.ask({ type: 'frames', batches, grant: friend.ref } as unknown as AttackMsg);
      const hello = await friend.next((m) => m.type === 'hello', 'the granted send arrives');
      assert.equal(hello.sender, undefined, 'a sender the host cannot speak for is dropped');
      await until(
        () => letters.some((d) => d.reason === 'not-granted'),
        60_000,
        'the smuggled ref is refused',
      );
      assert.equal(
        friend.seen.some((s) => s.message.type === 'smuggled'),
        false,
      );
      assert.equal(secret.reached(), 0);
      await system.stop(ref);
      await assertRuntimeAnswers(system);
    } finally {
      off();
    }
  });

  it('a body may still address a process linked to its stand-in', {
    timeout: LIMITS.test,
  }, async () => {
    const friend = probe(system);
    const ref = place('worker');
    // `friend` links to the body: the link names it to the body, which may now signal it.
    friend.ref.tell({ type: 'probe:link', to: ref as ActorRef<never> });
    await system.idle();
    const batches = [
      [
        {
          op: 'send',
          to: friend.ref.pid,
          from: ref.pid,
          message: { type: 'via-link' },
          marked: false,
        },
      ],
    ];
    await ref.ask({ type: 'frames', batches });
    await friend.next((m) => m.type === 'via-link', 'a linked process is addressable');
    await system.stop(ref);
  });
});

describe('security: the byte framing of a process host (semantics §20)', () => {
  it('a batch split across many chunks is read whole, and two in one chunk are both read', {
    timeout: LIMITS.test,
  }, () => {
    const reader = new FrameReader(1 << 20);
    const bytes = Buffer.concat([
      frameBytes([{ op: 'ready' }]),
      frameBytes([{ op: 'started', pid: 7 }]),
    ]);
    const out: unknown[] = [];
    for (let i = 0; i < bytes.length; i += 3) {
      const got = reader.push(bytes.subarray(i, i + 3));
      assert.ok(Array.isArray(got));
      out.push(...got);
    }
    assert.deepEqual(out, [[{ op: 'ready' }], [{ op: 'started', pid: 7 }]]);
    assert.deepEqual(reader.push(Buffer.concat([frameBytes([1]), frameBytes([2])])), [[1], [2]]);
  });

  it('a length over the limit is refused from its header, before anything is buffered', {
    timeout: LIMITS.test,
  }, () => {
    const reader = new FrameReader(1024);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(2 ** 31, 0);
    assert.match(String(reader.push(head)), /over the limit of 1024/);
    assert.match(String(reader.push(frameBytes([1]))), /over the limit/, 'the stream stays broken');
  });

  it('bytes that do not deserialize are reported, not thrown', { timeout: LIMITS.test }, () => {
    const reader = new FrameReader(1024);
    const bytes = Buffer.alloc(12);
    bytes.writeUInt32BE(8, 0);
    bytes.write('garbage!', 4);
    assert.match(String(reader.push(bytes)), /do not deserialize/);
  });
});
