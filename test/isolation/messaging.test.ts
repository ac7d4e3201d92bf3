/**
 * Messaging across the boundary, for every off-main placement, against real
 * worker threads and child processes: tell and ask, refs both ways, asks
 * from a body to main, copies, refusals of what cannot be copied, error
 * codes, names and graceful stops.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { inspect, isDeepStrictEqual } from 'node:util';
import {
  type ActorRef,
  type ActorSystem,
  createSystem,
  defineActor,
  exitReason,
  InvalidArgumentError,
  NameTakenError,
  ProcessExitedError,
  type Reply,
  RuntimeError,
  StartFailedError,
} from '../../src/index.js';
import { failOnUnhandledRejections } from '../support/guard.js';
import { type EchoMsg, type EchoReply, echo, misnamed, notPortable } from './actors.js';
import { PLACEMENTS, probe, rec, TIMEOUT, WAIT, within } from './helpers.js';

let system: ActorSystem;

beforeEach(() => {
  // Hosts start in seconds on a busy machine, and an ask's timeout runs from the ask, so the
  // asks of these tests wait for the start: their timeout is a hang guard, not the default 5 s.
  system = createSystem({ poolThreads: 2, askTimeout: WAIT });
});

afterEach(async () => {
  await within(system.shutdown({ timeout: 1_000 }), WAIT, 'shutdown');
});

const ask = (ref: ActorRef<EchoMsg>, text: string): Promise<EchoReply> =>
  ref.ask({ type: 'echo', text }) as Promise<EchoReply>;

describe('isolation: messaging across the boundary', () => {
  failOnUnhandledRejections();

  for (const placement of PLACEMENTS) {
    describe(`placement ${placement}`, () => {
      it('tell and ask round trip; the body runs off the main thread', {
        timeout: TIMEOUT,
      }, async () => {
        const ref = system.spawn(echo, { placement, args: { tag: placement } });
        const r = await ask(ref, 'hi');
        assert.equal(r.text, 'hi');
        assert.equal(r.tag, placement);
        assert.equal(r.self, ref, 'the body knows itself by the stand-in ref');
        if (placement === 'process') {
          assert.notEqual(r.where.processId, process.pid, 'a child process');
        } else {
          assert.equal(r.where.processId, process.pid);
          assert.notEqual(r.where.threadId, 0, 'a worker thread');
        }
        // Tells keep their order.
        const p = probe(system);
        for (let i = 0; i < 20; i++) ref.tell({ type: 'fwd', to: p.ref, text: `n${i}` });
        await p.next((m) => m.text === 'n19', 'the last note');
        assert.deepEqual(
          p.seen.map((s) => s.message.text),
          Array.from({ length: 20 }, (_, i) => `n${i}`),
        );
      });

      it('refs cross both ways: a body tells a main ref, main passes refs in messages', {
        timeout: TIMEOUT,
      }, async () => {
        const p = probe(system);
        const ref = system.spawn(echo, { placement });
        ref.tell({ type: 'fwd', to: p.ref, text: 'hello' });
        const { message, sender } = await p.next((m) => m.type === 'note', 'the note');
        assert.equal(message.text, 'hello');
        assert.equal(message.from, ref, 'a ref to the body arrives as the stand-in ref');
        assert.equal(sender, ref.pid, 'ctx.sender is the pid of the body that sent');
      });

      it('a ref to a body in another host reaches it through main', {
        timeout: TIMEOUT,
      }, async () => {
        const p = probe(system);
        const other = placement === 'process' ? 'worker' : 'process';
        const a = system.spawn(echo, { placement });
        const b = system.spawn(echo, { placement: other, args: { reportTo: p.ref as never } });
        a.tell({ type: 'fwd', to: b as never, text: 'via main' });
        const { message } = await p.next((m) => m.type === 'relayed', 'the relayed note');
        assert.deepEqual(
          { text: message.text, by: message.by, from: message.from },
          { text: 'via main', by: b, from: a },
        );
      });

      it('a body asks a main process and answers with the answer; the asker is the body', {
        timeout: TIMEOUT,
      }, async () => {
        const p = probe(system);
        const ref = system.spawn(echo, { placement });
        const answer = await ref.ask({
          type: 'ask-main',
          to: p.ref,
          text: 'ping',
        });
        assert.deepEqual(answer, { answer: 're:ping', asker: ref.pid });
      });

      it("a body's ask with a null, NaN or negative timeout rejects ERR_INVALID_ARG naming timeout, as in main", {
        timeout: TIMEOUT,
      }, async () => {
        const p = probe(system);
        const ref = system.spawn(echo, { placement });
        for (const timeout of [null, Number.NaN, -1]) {
          const answer = await ref.ask({ type: 'ask-main-timeout', to: p.ref, timeout });
          assert.deepEqual(answer, { code: 'ERR_INVALID_ARG', option: 'timeout' }, String(timeout));
        }
      });

      it("a body's ask with null or non-object options rejects ERR_INVALID_ARG naming options, as in main", {
        timeout: TIMEOUT,
      }, async () => {
        const p = probe(system);
        const ref = system.spawn(echo, { placement });
        for (const options of [null, 5, 'fast']) {
          const answer = await ref.ask({ type: 'ask-main-options', to: p.ref, options });
          assert.deepEqual(answer, { code: 'ERR_INVALID_ARG', option: 'options' }, String(options));
        }
        const fine = await ref.ask({ type: 'ask-main-options', to: p.ref, options: {} });
        assert.deepEqual(fine, { answer: 're:t', asker: ref.pid }, 'an empty bag: the defaults');
      });

      it("a body's ask with timeout 0 is a well-formed ask: it is answered or times out, and its host carries on", {
        timeout: TIMEOUT,
      }, async () => {
        const p = probe(system);
        const ref = system.spawn(echo, { placement });
        // A 0 ms timer races the answer (which wins depends on the host's event loop), as in main.
        const answer = await ref.ask({ type: 'ask-main-timeout', to: p.ref, timeout: 0 });
        const timedOut = { code: 'ERR_CALL_TIMEOUT', option: undefined };
        const answered = { answer: 're:t', asker: ref.pid };
        assert.ok(
          isDeepStrictEqual(answer, timedOut) || isDeepStrictEqual(answer, answered),
          `answered or timed out, got ${inspect(answer)}`,
        );
        // The frame carrying timeout 0 is a well-formed ask: the host was not ended for it.
        const again = await ref.ask({ type: 'ask-main', to: p.ref, text: 'still' });
        assert.deepEqual(again, { answer: 're:still', asker: ref.pid });
      });

      it('a reply port crosses as a reply port: main delegates an ask to a body, a body to another body', {
        timeout: TIMEOUT,
      }, async () => {
        const body = system.spawn(echo, { placement });
        const delegator = system.spawn(
          defineActor<{ type: 'delegate'; value: unknown; reply: Reply<unknown> }>({
            handle(msg) {
              body.tell({ type: 'answer-via', port: msg.reply, value: msg.value });
            },
          }),
        );
        assert.equal(await delegator.ask({ type: 'delegate', value: 41 }), 41);
        const other = system.spawn(echo, {
          placement: placement === 'process' ? 'pool' : 'process',
        });
        assert.deepEqual(await body.ask({ type: 'relay', to: other, value: { v: 42 } }), { v: 42 });
      });

      it('messages are copied: structured-clone types survive, identity does not', {
        timeout: TIMEOUT,
      }, async () => {
        const ref = system.spawn(echo, { placement });
        const value = {
          map: new Map<string, unknown>([['self', ref]]),
          set: new Set([1, 2]),
          date: new Date(86_400_000),
          big: 2n ** 70n,
          bytes: new Uint8Array([1, 2, 3]),
          nested: { list: [1, 'two', null, undefined] },
          error: Object.assign(new RangeError('bad range'), { code: 'E_RANGE' }),
        };
        const back = rec(await ref.ask({ type: 'mirror', value }));
        assert.notEqual(back, value);
        assert.equal((back.map as Map<string, unknown>).get('self'), ref, 'a ref inside a Map');
        assert.deepEqual(back.set, value.set);
        assert.deepEqual(back.date, value.date);
        assert.equal(back.big, value.big);
        assert.deepEqual(back.bytes, value.bytes);
        assert.deepEqual(back.nested, value.nested);
        const error = back.error as RangeError & { code: string };
        assert.ok(error instanceof Error);
        assert.deepEqual(
          { name: error.name, message: error.message, code: error.code },
          { name: 'RangeError', message: 'bad range', code: 'E_RANGE' },
        );
      });

      it('a message that cannot be copied is rejected at tell with ERR_INVALID_ARG naming the path', {
        timeout: TIMEOUT,
      }, async () => {
        const ref = system.spawn(echo, { placement });
        const cases: [unknown, string, string][] = [
          [{ type: 'x', nested: { cb: () => 1 } }, 'a function', 'nested.cb'],
          [{ type: 'x', list: [1, Symbol('s')] }, 'a symbol', 'list[1]'],
          [{ type: 'x', p: Promise.resolve(1) }, 'a promise', ' p'],
          [{ type: 'x', w: new WeakMap() }, 'a weak collection', ' w'],
          [{ type: 'x', m: new Map([['k', () => 1]]) }, 'a function', 'm<value>'],
        ];
        for (const [message, what, path] of cases) {
          assert.throws(
            () => (ref as ActorRef<unknown>).tell(message),
            (e: unknown) =>
              e instanceof InvalidArgumentError &&
              e.code === 'ERR_INVALID_ARG' &&
              e.message.includes(what) &&
              e.message.includes(path),
            `${what} at ${path}`,
          );
        }
        await assert.rejects(
          async () => ref.ask({ type: 'echo', text: 'x', cb: () => 1 } as never),
          (e: unknown) => e instanceof InvalidArgumentError && e.message.includes('cb'),
        );
        // Nothing was sent and the body is untouched.
        assert.equal((await ask(ref, 'still here')).text, 'still here');
      });

      it('a body that sends what cannot be copied crashes with ERR_INVALID_ARG', {
        timeout: TIMEOUT,
      }, async () => {
        const p = probe(system);
        const ref = system.spawn(echo, { placement });
        const exited = system.exited(ref);
        ref.tell({ type: 'send-function', to: p.ref });
        const reason = await exited;
        assert.equal(reason.kind, 'error');
        const error = rec(reason.kind === 'error' ? reason.error : undefined);
        assert.equal(error.code, 'ERR_INVALID_ARG');
        assert.match(String(error.message), /a function at callback/);
        assert.equal(p.seen.length, 0);
      });

      it('errors keep their code: in exit reasons, failed asks and crashes during an ask', {
        timeout: TIMEOUT,
      }, async () => {
        const ref = system.spawn(echo, { placement });
        await assert.rejects(ref.ask({ type: 'refuse', code: 'E_REFUSED' }), (e: unknown) => {
          const error = rec(e);
          return e instanceof Error && error.code === 'E_REFUSED' && error.message === 'refused';
        });
        const exited = system.exited(ref);
        const during = ref.ask({ type: 'echo', text: 'never answered' });
        ref.tell({ type: 'crash', code: 'E_BOOM', message: 'kaboom' });
        const reason = await exited;
        assert.equal(reason.kind, 'error');
        const error = rec(reason.kind === 'error' ? reason.error : undefined);
        assert.deepEqual(
          { name: error.name, message: error.message, code: error.code },
          { name: 'Error', message: 'kaboom', code: 'E_BOOM' },
        );
        assert.equal(typeof error.stack, 'string');
        // The echo was handled before the crash; an ask in flight at the crash fails with it.
        await during;
        const late = system.spawn(echo, { placement });
        const lateExit = system.exited(late);
        late.tell({ type: 'crash', code: 'E_LATE' });
        const pending = late.ask({ type: 'echo', text: 'queued behind the crash' });
        await assert.rejects(
          pending,
          (e: unknown) =>
            e instanceof ProcessExitedError && rec(rec(e.reason).error).code === 'E_LATE',
        );
        assert.equal((await lateExit).kind, 'error');
      });

      it('an init that throws fails the start with its code', { timeout: TIMEOUT }, async () => {
        await assert.rejects(
          system.start(echo, { placement, args: { failInit: 'E_INIT' } }),
          (e: unknown) =>
            e instanceof StartFailedError &&
            rec(e.reason).kind === 'error' &&
            rec(rec(e.reason).error).code === 'E_INIT',
        );
      });

      it('a definition its module does not export fails the start with ERR_INVALID_ARG', {
        timeout: TIMEOUT,
      }, async () => {
        await assert.rejects(
          system.start(misnamed, { placement }),
          (e: unknown) =>
            e instanceof StartFailedError &&
            rec(rec(e.reason).error).code === 'ERR_INVALID_ARG' &&
            String(rec(rec(e.reason).error).message).includes('doesNotExist'),
        );
      });

      it('names work across the boundary: whereis, named refs, release at exit', {
        timeout: TIMEOUT,
      }, async () => {
        const ref = system.spawn(echo, { placement, name: 'svc', args: { tag: 'named' } });
        assert.equal(system.whereis('svc'), ref);
        const r = (await system
          .named<EchoMsg>('svc')
          .ask({ type: 'echo', text: 'by name' })) as EchoReply;
        assert.deepEqual([r.text, r.tag, r.self], ['by name', 'named', ref]);
        assert.throws(
          () => system.spawn(echo, { placement, name: 'svc' }),
          (e: unknown) => e instanceof NameTakenError,
        );
        const exited = system.exited(ref);
        system.kill(ref);
        assert.equal((await exited).kind, 'killed');
        assert.equal(system.whereis('svc'), undefined);
        const again = system.spawn(echo, { placement, name: 'svc' });
        assert.equal((await ask(again, 'again')).self, again);
      });

      it("a graceful stop runs the body's terminate with the reason", {
        timeout: TIMEOUT,
      }, async () => {
        const p = probe(system);
        const ref = system.spawn(echo, { placement, args: { reportTo: p.ref as never } });
        await p.next((m) => m.type === 'started', 'started');
        const exited = system.exited(ref);
        await system.stop(ref, { reason: exitReason.shutdown('bye'), timeout: 5_000 });
        assert.deepEqual(await exited, exitReason.shutdown('bye'));
        const { message } = await p.next((m) => m.type === 'terminated', 'terminate ran');
        assert.deepEqual(message.reason, exitReason.shutdown('bye'));
        // A body that stops itself ends its stand-in with `normal`.
        const self = system.spawn(echo, { placement });
        const selfExit = system.exited(self);
        self.tell({ type: 'stop' });
        assert.deepEqual(await selfExit, exitReason.normal);
      });
    });
  }

  it('a definition that is not portable cannot be placed off the main thread', {
    timeout: TIMEOUT,
  }, () => {
    for (const placement of PLACEMENTS) {
      assert.throws(
        () => system.spawn(notPortable, { placement }),
        (e: unknown) => e instanceof RuntimeError && e.code === 'ERR_INVALID_ARG',
      );
    }
  });
});
