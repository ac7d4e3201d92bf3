import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import {
  type ActorSystem,
  createSystem,
  defineActor,
  type Reply,
  type SecurityPolicy,
} from '../../src/index.js';
import { findCgroupBase, findTools, unshareUnusable } from '../../src/os/index.js';

/** Shared parts of the port attack tests: what the machine offers, and finding an attacker's processes. */

export const SH = { path: '/bin/sh', args: ['.*'], maxArgs: 6 };

/** A system whose policy lets ports run `/bin/sh` scripts, with `exec` merged in. */
export function shellSystem(exec: Partial<NonNullable<SecurityPolicy['exec']>> = {}): ActorSystem {
  return createSystem({ security: { exec: { allow: [SH], ...exec } } });
}

/** The runtime still works after an attack: a fresh actor answers an ask. */
export async function answers(system: ActorSystem): Promise<void> {
  const echo = system.spawn(
    defineActor<{ n: number; reply: Reply<number> }>({ handle: (m) => m.reply.send(m.n + 1) }),
  );
  assert.equal(await echo.ask({ n: 41 }), 42);
  await system.stop(echo);
}

/** A word no other process on the machine has in its command line. */
export function marker(): string {
  return `airssys-attack-${randomBytes(6).toString('hex')}`;
}

/** Host pids of the live (not zombie) processes whose command line contains `mark`. */
export function running(mark: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(mark)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (!stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Host pids of the live processes running `/bin/sh -c 'trap …'` with `mark` (the attack tests' daemons). */
export function daemons(mark: string): number[] {
  return running(mark).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('/bin/sh\0-c\0trap ');
    } catch {
      return false;
    }
  });
}

/** Why a port cannot get a cgroup of its own here, or undefined when it can. */
export function cgroupUnusable(): string | undefined {
  const base = findCgroupBase();
  return typeof base === 'string' ? `no usable cgroup v2: ${base}` : undefined;
}

/** Why a port cannot get a pid namespace from unshare here, or undefined when it can. */
export function pidNamespaceUnusable(): string | undefined {
  return unshareUnusable(findTools().unshare);
}

/** Skips `t` with a printed reason when `why` is set; true when skipped. */
export function skipped(
  t: { skip(message?: string): void },
  what: string,
  why: string | undefined,
): boolean {
  if (why === undefined) return false;
  console.log(`skipping ${what}: ${why}`);
  t.skip(why);
  return true;
}
