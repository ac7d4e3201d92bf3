import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ActorRef,
  type ActorSystem,
  defineActor,
  type ExitReason,
  type PortCommand,
  type PortEvent,
  type PortOptions,
  type PortOutput,
  port,
  type SpawnOptions,
} from '../../src/index.js';
import { deferred, LIMITS } from '../support/guard.js';

/** Shared helpers of the port tests: temp dirs, an owner that collects output, OS process checks. */

/** A fresh temp dir (real path, so policies and checks agree) and its removal. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'airssys-port-')));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Polls `check` every 10 ms until it holds, or fails after `ms`. */
export async function waitFor(
  check: () => boolean,
  ms: number = LIMITS.wait,
  what = 'condition',
): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** An owner process that spawns a port as its child and collects what it receives. */
export interface Owned {
  readonly owner: ActorRef<PortEvent>;
  readonly port: ActorRef<PortCommand>;
  readonly out: PortOutput[];
  /** The data received on `stream`, in order. */
  data(stream?: 'stdout' | 'stderr'): string[];
  /** The port's exit reason. */
  exited(): Promise<ExitReason>;
}

/** Spawns an owner that spawns `port(options)` (with `spawn` options) and collects its output. */
export async function owned(
  system: ActorSystem,
  options: PortOptions,
  spawn?: SpawnOptions<undefined>,
  ownerSpawn?: SpawnOptions<undefined>,
): Promise<Owned> {
  const out: PortOutput[] = [];
  const child = deferred<ActorRef<PortCommand>>();
  const owner = system.spawn(
    defineActor<PortEvent>({
      init(ctx) {
        child.resolve(ctx.spawn(port(options), spawn));
      },
      handle(msg) {
        if (msg.type === 'port-output') out.push(msg);
      },
    }),
    ownerSpawn,
  );
  const ref = await child.promise;
  const exited = system.exited(ref);
  return {
    owner,
    port: ref,
    out,
    data: (stream = 'stdout') => out.filter((m) => m.stream === stream).map((m) => m.data),
    exited: () => exited,
  };
}

/** The error carried by an `error` exit reason, for assertions. */
export function errorOf(reason: ExitReason): Error & { code?: string; exitCode?: number | null } {
  if (reason.kind !== 'error') throw new Error(`expected an error reason, got ${reason.kind}`);
  return reason.error as Error & { code?: string };
}

/** Pids of the live (not zombie) processes in process group `pgid`. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) members.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return members;
}

/** Live processes of user `uid`. */
export function processesOf(uid: number): number {
  let n = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const state = /^State:\s+(\S)/m.exec(status)?.[1];
      const real = /^Uid:\s+(\d+)/m.exec(status)?.[1];
      if (state !== 'Z' && Number(real) === uid) n++;
    } catch {
      // exited meanwhile
    }
  }
  return n;
}

/** Why `bwrap` cannot be used here, or undefined when it can. */
export function bwrapUnusable(): string | undefined {
  let path: string;
  try {
    path = execFileSync('sh', ['-c', 'command -v bwrap'], { encoding: 'utf8' }).trim();
  } catch {
    return 'bwrap (Debian package bubblewrap) is not installed';
  }
  try {
    execFileSync(path, ['--unshare-net', '--ro-bind', '/', '/', '--dev', '/dev', '/bin/true'], {
      stdio: 'pipe',
    });
  } catch (error) {
    return `bwrap cannot create namespaces here: ${String((error as { stderr?: unknown }).stderr ?? error).trim()}`;
  }
  return undefined;
}
