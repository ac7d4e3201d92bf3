/**
 * Shared pieces of the host security tests: whether this machine can
 * sandbox a host (the tests skip with a printed reason when not), a
 * main-side actor that must keep answering after every attack, and the
 * exit reason's error code of a process.
 */
import assert from 'node:assert/strict';
import type { ActorRef, ActorSystem, Reply } from '../../src/index.js';
import { defineActor } from '../../src/index.js';
import { SandboxProbe } from '../../src/isolation/sandbox.js';
import { within } from '../isolation/helpers.js';

/** Why there is no sandbox here (printed by the tests that skip), or undefined. */
export const NO_SANDBOX: string | undefined = new SandboxProbe().problem();

/** Skips `t` with a printed reason when the machine has no sandbox; true when skipped. */
export function skipWithoutSandbox(t: { skip(message?: string): void }): boolean {
  if (NO_SANDBOX === undefined) return false;
  console.log(`skipped: no sandbox on this machine (${NO_SANDBOX})`);
  t.skip(NO_SANDBOX);
  return true;
}

type PingMsg = { type: 'ping'; reply: Reply<string> };

/** Asserts the runtime still answers an ask (a fresh main actor, asked once). */
export async function assertRuntimeAnswers(system: ActorSystem): Promise<void> {
  const ref = system.spawn(
    defineActor<PingMsg>({ handle: (msg) => msg.reply.send('pong') }),
  ) as ActorRef<PingMsg>;
  assert.equal(await within(ref.ask({ type: 'ping' }), 60_000, 'main answers'), 'pong');
  await system.stop(ref);
}

/** The `code` of the error a process exited with (undefined for a clean exit). */
export async function exitCode(system: ActorSystem, ref: ActorRef<never>): Promise<unknown> {
  const reason = await within(system.exited(ref), 60_000, 'the placed process exits');
  return reason.kind === 'error' ? (reason.error as { code?: unknown }).code : reason.kind;
}
