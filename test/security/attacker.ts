/**
 * A portable actor that behaves as untrusted code placed in a sandboxed
 * child process (or a worker) would: it signals the runtime, probes its
 * inspector and loopback ports, reads the environment, leaves daemons
 * behind, and writes forged and malformed frames straight onto its host's
 * channel (fd 3 in a child process, the parent port in a worker). Each
 * request answers what the attempt achieved, so the tests assert on it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { parentPort } from 'node:worker_threads';
import { defineActor, type FileRequest, fileActor, portable, type Reply } from '../../src/index.js';
import { frameBytes } from '../../src/isolation/index.js';

/** What a body can find out about where it runs. */
export interface Whoami {
  readonly uid: number;
  readonly gid: number;
  readonly pid: number;
  readonly ppid: number;
  readonly sessionId: number;
  readonly capEff: string;
  readonly capBnd: string;
  /** `/proc/self/ns/*` links, e.g. `pid:[4026532]`. */
  readonly namespaces: Readonly<Record<string, string>>;
}

export type AttackMsg =
  | { readonly type: 'whoami'; readonly reply: Reply<Whoami> }
  | { readonly type: 'env'; readonly reply: Reply<Record<string, string | undefined>> }
  /** Sends `signal` to each pid; answers the error code (or `ok`) of each. */
  | {
      readonly type: 'signal';
      readonly pids: readonly number[];
      readonly signal: NodeJS.Signals;
      readonly reply: Reply<string[]>;
    }
  /** Opens a TCP connection to 127.0.0.1:port; answers `connected` or the error code. */
  | { readonly type: 'connect'; readonly port: number; readonly reply: Reply<string> }
  /** Starts a detached (setsid) `sleep` that would outlive its host if it could. */
  | { readonly type: 'daemon'; readonly tag: string; readonly reply: Reply<boolean> }
  /**
   * Writes raw batches of frames onto the host's channel, as they are given
   * (a string is JSON, parsed here: so a ref marker reaches the wire as the
   * attacker wrote it, not decoded on its way in).
   */
  | { readonly type: 'frames'; readonly batches: readonly unknown[]; readonly reply: Reply<true> }
  /**
   * Writes `count` well-formed frames of one kind straight onto the host's
   * channel, bypassing the host's own bounds: audit records, or asks of
   * `to` (a main ref it was given) that never time out.
   */
  | {
      readonly type: 'flood';
      readonly kind: 'audit' | 'ask';
      readonly count: number;
      readonly to?: { readonly pid: number };
      readonly reply: Reply<true>;
    }
  /**
   * Asks `to` (a main ref) `count` times through the host, as a body may,
   * never timing out; answers the code of the first ask refused at once.
   */
  | {
      readonly type: 'greedy';
      readonly count: number;
      readonly to: { ask(request: object, options: object): Promise<unknown> };
      readonly reply: Reply<string>;
    }
  /** Runs `/bin/sh -c script` (needs `allowChildProcess`); answers its status and output. */
  | {
      readonly type: 'sh';
      readonly script: string;
      readonly reply: Reply<{ status: number | null; stdout: string; stderr: string }>;
    }
  /** Writes bytes that are not a batch onto the host's channel. */
  | { readonly type: 'garbage'; readonly reply: Reply<true> }
  /** Writes through a file actor of its own, under its policy (a placed file write). */
  | {
      readonly type: 'write';
      readonly path: string;
      readonly data: string;
      readonly reply: Reply<unknown>;
    }
  /** Prints `bytes` bytes to stdout (and a line to stderr). */
  | {
      readonly type: 'print';
      readonly text: string;
      readonly bytes: number;
      readonly reply: Reply<true>;
    }
  /** Reads a file with `fs` in the body itself; answers its text or the error code. */
  | { readonly type: 'read'; readonly path: string; readonly reply: Reply<string> }
  | { readonly type: 'ping'; readonly reply: Reply<'pong'> };

function codeOf(error: unknown): string {
  return String((error as { code?: unknown } | null)?.code ?? error);
}

function whoami(): Whoami {
  const status = readFileSync('/proc/self/status', 'utf8');
  const field = (name: string): string =>
    new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(status)?.[1] ?? '?';
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const namespaces: Record<string, string> = {};
  for (const ns of ['pid', 'net', 'ipc', 'uts', 'cgroup', 'user', 'mnt']) {
    try {
      namespaces[ns] = readlinkSync(`/proc/self/ns/${ns}`);
    } catch (error) {
      namespaces[ns] = codeOf(error);
    }
  }
  return {
    uid: process.getuid?.() ?? -1,
    gid: process.getgid?.() ?? -1,
    pid: process.pid,
    ppid: process.ppid,
    sessionId: Number(fields[3]),
    capEff: field('CapEff'),
    capBnd: field('CapBnd'),
    namespaces,
  };
}

/** Puts raw bytes or a raw batch on the host's channel, bypassing the host. */
function writeRaw(batch: unknown, raw?: Buffer): void {
  if (parentPort !== null) {
    parentPort.postMessage(raw === undefined ? batch : 'not a batch');
    return;
  }
  // The socket is non-blocking: a big write goes out in parts, retried until all of it has.
  const bytes = raw ?? frameBytes(batch);
  for (let off = 0; off < bytes.length; ) {
    try {
      off += writeSync(3, bytes, off);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EAGAIN') throw error;
    }
  }
}

function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, 3_000);
    socket.on('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      resolve(codeOf(error));
    });
  });
}

export const attacker = portable(
  import.meta.url,
  'attacker',
  defineActor<AttackMsg>({
    async handle(msg, ctx) {
      try {
        switch (msg.type) {
          case 'whoami':
            msg.reply.send(whoami());
            return;
          case 'env':
            msg.reply.send({ ...process.env });
            return;
          case 'signal':
            msg.reply.send(
              msg.pids.map((pid) => {
                try {
                  process.kill(pid, msg.signal);
                  return 'ok';
                } catch (error) {
                  return codeOf(error);
                }
              }),
            );
            return;
          case 'connect':
            msg.reply.send(await tryConnect(msg.port));
            return;
          case 'daemon': {
            const child = spawn('/bin/sleep', [msg.tag], { detached: true, stdio: 'ignore' });
            child.unref();
            await new Promise<void>((resolve, reject) => {
              child.once('spawn', resolve);
              child.once('error', reject);
            });
            msg.reply.send(true);
            return;
          }
          case 'frames':
            for (const batch of msg.batches) {
              writeRaw(typeof batch === 'string' ? JSON.parse(batch) : batch);
            }
            msg.reply.send(true);
            return;
          case 'flood': {
            const frames: unknown[] = [];
            for (let i = 0; i < msg.count; i++) {
              frames.push(
                msg.kind === 'audit'
                  ? {
                      op: 'audit',
                      seq: 1_000_000 + i,
                      pid: ctx.pid,
                      record: { op: 'read', args: ['/a'], decision: 'deny', reason: 'flood' },
                    }
                  : {
                      op: 'ask',
                      id: 1_000_000 + i,
                      to: msg.to?.pid ?? 1,
                      from: ctx.pid,
                      request: { type: 'hold' },
                      marked: false,
                      timeout: Number.POSITIVE_INFINITY,
                    },
              );
            }
            // In slices, as a host would batch them (each under the main's batch size).
            for (let i = 0; i < frames.length; i += 8_192) writeRaw(frames.slice(i, i + 8_192));
            msg.reply.send(true);
            return;
          }
          case 'greedy': {
            let refused = 'none';
            for (let i = 0; i < msg.count && refused === 'none'; i++) {
              msg.to.ask({ type: 'hold' }, { timeout: Number.POSITIVE_INFINITY }).catch((error) => {
                if (refused === 'none') refused = codeOf(error);
              });
              // A refusal rejects at once: seen after a microtask.
              await Promise.resolve();
            }
            msg.reply.send(refused);
            return;
          }
          case 'sh': {
            const run = spawnSync('/bin/sh', ['-c', msg.script], {
              encoding: 'utf8',
              timeout: 60_000,
            });
            msg.reply.send({
              status: run.status,
              stdout: run.stdout ?? '',
              stderr: run.stderr ?? '',
            });
            return;
          }
          case 'garbage': {
            const bytes = Buffer.alloc(12);
            bytes.writeUInt32BE(8, 0);
            bytes.write('garbage!', 4);
            writeRaw(undefined, bytes);
            msg.reply.send(true);
            return;
          }
          case 'write': {
            const files = ctx.spawn(fileActor());
            const request = { type: 'write', path: msg.path, data: msg.data };
            msg.reply.send(await files.ask(request as Omit<FileRequest, 'reply'> as never));
            return;
          }
          case 'print':
            process.stdout.write(msg.text.repeat(Math.ceil(msg.bytes / msg.text.length)));
            process.stderr.write('a line on stderr\n');
            msg.reply.send(true);
            return;
          case 'read':
            try {
              msg.reply.send(readFileSync(msg.path, 'utf8'));
            } catch (error) {
              msg.reply.send(codeOf(error));
            }
            return;
          case 'ping':
            msg.reply.send('pong');
            return;
        }
      } catch (error) {
        msg.reply.fail(error);
      }
    },
  }),
);
