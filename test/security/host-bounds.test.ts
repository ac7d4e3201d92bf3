/**
 * Semantics §23: what a host can make main hold is bounded. A host's asks
 * waiting on main (`MAX_HOST_ASKS`) and its audit records awaiting main's
 * acknowledgement (`MAX_HOST_AUDITS`) are capped: the host refuses more
 * itself (`HostLimitError`, the attempt denied), and a body that writes
 * more frames itself — a flood of records, or of asks that never time
 * out — ends its host with `ERR_HOST_PROTOCOL` once it passes the bound,
 * having cost main at most the bound. The runtime answers after each.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ActorRef, AuditLog, createSystem, defineActor, type Reply } from '../../src/index.js';
import { MAX_HOST_ASKS, MAX_HOST_AUDITS } from '../../src/isolation/index.js';
import { within } from '../isolation/helpers.js';
import { failOnUnhandledRejections, LIMITS } from '../support/guard.js';
import { type AttackMsg, attacker } from './attacker.js';
import { assertRuntimeAnswers, exitCode, NO_SANDBOX } from './host-helpers.js';

const placed = NO_SANDBOX === undefined ? ('sandboxed process' as const) : ('process' as const);
if (NO_SANDBOX !== undefined) {
  console.log(`no sandbox on this machine (${NO_SANDBOX}): the floods come from a plain process`);
}

function spawnAttacker(
  system: ReturnType<typeof createSystem>,
  where: 'sandboxed process' | 'process' | 'worker',
): ActorRef<AttackMsg> {
  return system.spawn(attacker, {
    placement: where === 'worker' ? 'worker' : 'process',
    ...(where === 'sandboxed process' ? { sandbox: {} } : {}),
  }) as ActorRef<AttackMsg>;
}

/** A main actor that keeps every ask it gets and answers none. */
const holder = defineActor<
  { type: 'hold'; reply: Reply<never> } | { type: 'count'; reply: Reply<number> },
  number
>({
  init: () => 0,
  handle(msg, ctx) {
    if (msg.type === 'count') msg.reply.send(ctx.state as number);
    else ctx.state = (ctx.state as number) + 1;
  },
});

describe('security: what a host can make main hold is bounded (semantics §23)', () => {
  failOnUnhandledRejections();

  it(`${placed}: a body that keeps asking past MAX_HOST_ASKS is refused with ERR_HOST_LIMIT by its own host, which runs on`, {
    timeout: LIMITS.test,
  }, async () => {
    const system = createSystem({ askTimeout: LIMITS.wait });
    try {
      const held = system.spawn(holder);
      const ref = spawnAttacker(system, placed);
      const refused = await within(
        ref.ask({ type: 'greedy', count: MAX_HOST_ASKS + 1, to: held } as never, {
          timeout: 60_000,
        }),
        60_000,
        'the greedy body answers',
      );
      assert.equal(refused, 'ERR_HOST_LIMIT');
      assert.equal(await ref.ask({ type: 'ping' }), 'pong', 'the host was not ended');
      await system.stop(held);
      await assertRuntimeAnswers(system);
    } finally {
      await within(system.shutdown({ timeout: 1_000 }), 60_000, 'shutdown');
    }
  });

  for (const where of [placed, 'worker'] as const) {
    it(`${where}: a flood of audit records past MAX_HOST_AUDITS ends the host with ERR_HOST_PROTOCOL; main wrote at most the bound`, {
      timeout: LIMITS.test,
    }, async () => {
      const log = new AuditLog();
      const system = createSystem({ askTimeout: LIMITS.wait, audit: log });
      try {
        const ref = spawnAttacker(system, where);
        assert.equal(await ref.ask({ type: 'ping' }), 'pong');
        const ended = exitCode(system, ref as ActorRef<never>);
        await ref
          .ask({ type: 'flood', kind: 'audit', count: MAX_HOST_AUDITS + 100 })
          .catch(() => undefined);
        assert.equal(await ended, 'ERR_HOST_PROTOCOL');
        const flood = log.recent().filter((l) => l.reason === 'flood');
        assert.ok(flood.length > 0, 'records under the bound were written');
        assert.ok(flood.length <= MAX_HOST_AUDITS, `${flood.length} records written`);
        await assertRuntimeAnswers(system);
      } finally {
        await within(system.shutdown({ timeout: 1_000 }), 60_000, 'shutdown');
      }
    });

    it(`${where}: a flood of asks that never time out past MAX_HOST_ASKS ends the host with ERR_HOST_PROTOCOL`, {
      timeout: LIMITS.test,
    }, async () => {
      const system = createSystem({ askTimeout: LIMITS.wait });
      try {
        const held = system.spawn(holder);
        const ref = spawnAttacker(system, where);
        const ended = exitCode(system, ref as ActorRef<never>);
        await ref
          .ask({ type: 'flood', kind: 'ask', count: MAX_HOST_ASKS + 1, to: held } as never)
          .catch(() => undefined);
        assert.equal(await ended, 'ERR_HOST_PROTOCOL');
        // Main took the asks up to the bound and no more.
        const count = await within(held.ask({ type: 'count' }), 60_000, 'the holder counts');
        assert.ok(count > 0 && count <= MAX_HOST_ASKS, `${count} asks reached the holder`);
        await system.stop(held);
        await assertRuntimeAnswers(system);
      } finally {
        await within(system.shutdown({ timeout: 1_000 }), 60_000, 'shutdown');
      }
    });
  }
});
