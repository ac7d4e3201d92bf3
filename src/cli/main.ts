#!/usr/bin/env node
/**
 * `npm start`: a small real program on the runtime. A bank of account
 * actors, a teller that moves money between them with asks, an auditor fed
 * by tells, and one flaky account whose error hook restarts it. It prints
 * what happened and checks that no money was created or lost.
 */
import { createSystem, defineActor, formatExitReason, type Reply } from '../index.js';

type AccountMsg =
  | { type: 'deposit'; amount: number; reply: Reply<number> }
  | { type: 'withdraw'; amount: number; reply: Reply<boolean> }
  | { type: 'balance'; reply: Reply<number> };

/** An account; an amount of exactly 13 trips a simulated fault. */
const account = defineActor<AccountMsg, { balance: number }, number>({
  label: 'account',
  init: (_ctx, opening) => ({ balance: opening }),
  handle(msg, ctx) {
    if (msg.type === 'balance') return msg.reply.send(ctx.state.balance);
    if (msg.amount === 13) throw new Error('unlucky amount');
    if (msg.type === 'deposit') {
      ctx.state.balance += msg.amount;
      return msg.reply.send(ctx.state.balance);
    }
    const ok = ctx.state.balance >= msg.amount;
    if (ok) ctx.state.balance -= msg.amount;
    msg.reply.send(ok);
  },
  // A failing request is answered with the error and skipped; the state is kept.
  onError(error, msg) {
    msg?.reply.fail(error);
    return 'resume';
  },
});

type AuditMsg =
  | { type: 'moved'; ok: boolean; amount: number }
  | { type: 'report'; reply: Reply<string> };

const auditor = defineActor<AuditMsg, { ok: number; refused: number; volume: number }>({
  label: 'auditor',
  init: () => ({ ok: 0, refused: 0, volume: 0 }),
  handle(msg, ctx) {
    if (msg.type === 'report') {
      const s = ctx.state;
      return msg.reply.send(`${s.ok} transfers, ${s.refused} refused, volume ${s.volume}`);
    }
    if (msg.ok) {
      ctx.state.ok++;
      ctx.state.volume += msg.amount;
    } else ctx.state.refused++;
  },
});

async function main(): Promise<void> {
  const system = createSystem({ name: 'bank', askTimeout: 1_000 });
  let crashes = 0;
  console.log('airssys-rt demo: a bank of actors');
  const accounts = Array.from({ length: 5 }, (_, i) =>
    system.spawn(account, { name: `account-${i}`, args: 1_000 }),
  );
  const audit = system.spawn(auditor, { name: 'auditor' });

  const started = performance.now();
  let seed = 42;
  const random = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  for (let i = 0; i < 2_000; i++) {
    const from = accounts[random(accounts.length)];
    const to = accounts[random(accounts.length)];
    if (from === undefined || to === undefined || from === to) continue;
    const amount = 14 + random(300);
    const ok = await from.ask({ type: 'withdraw', amount }).catch(() => false);
    if (ok) await to.ask({ type: 'deposit', amount });
    audit.tell({ type: 'moved', ok, amount });
  }
  // The fault: a deposit of 13 throws; the account resumes with its state intact.
  const flaky = accounts[0];
  if (flaky !== undefined) {
    await flaky.ask({ type: 'deposit', amount: 13 }).catch((e: Error) => {
      crashes++;
      console.log(`  fault injected: deposit of 13 failed (${e.message})`);
    });
  }
  const balances = await Promise.all(accounts.map((a) => a.ask({ type: 'balance' })));
  const report = await audit.ask({ type: 'report' });
  const elapsed = performance.now() - started;
  const total = balances.reduce((a, b) => a + b, 0);

  console.log(`  accounts: ${balances.map((b, i) => `account-${i}=${b}`).join(' ')}`);
  console.log(`  total money: ${total} (expected 5000: ${total === 5_000 ? 'conserved' : 'LOST'})`);
  console.log(`  auditor: ${report}`);
  console.log(
    `  faults: ${crashes} (the account resumed with its state), dead letters: ${system.stats().deadLetters}`,
  );
  console.log(
    `  messages handled: ${system.stats().scheduler.handled} in ${elapsed.toFixed(1)} ms`,
  );
  const exits: string[] = [];
  system.events.subscribe(
    (e) => {
      if (e.type === 'exited') exits.push(formatExitReason(e.reason));
    },
    ['exited'],
  );
  await system.shutdown();
  console.log(`  shutdown: ${exits.length} processes stopped (${[...new Set(exits)].join(', ')})`);
  if (total !== 5_000) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
