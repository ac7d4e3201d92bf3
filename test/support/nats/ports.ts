import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/**
 * Free loopback ports and the `nats-server` binary, for tests that start
 * their own servers. Port 4222 is the machine's shared server and is never
 * handed out.
 */

/** The port the machine's shared NATS listens on; tests must never use it. */
export const SHARED_NATS_PORT = 4222;

/** A loopback TCP port that was free a moment ago (the kernel picked it). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const picked = typeof address === 'object' && address !== null ? address.port : 0;
        server.close(() => resolve(picked));
      });
    });
    if (port !== 0 && port !== SHARED_NATS_PORT) return port;
  }
}

/** `count` distinct free loopback ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/**
 * The `nats-server` executable: `$NATS_SERVER` when set, else the first one
 * on `PATH` or in the sbin directories Debian installs it to.
 */
export function natsServerBinary(): string | undefined {
  const fromEnv = process.env.NATS_SERVER;
  if (fromEnv !== undefined && fromEnv !== '') return existsSync(fromEnv) ? fromEnv : undefined;
  const dirs = [
    ...(process.env.PATH ?? '').split(delimiter),
    '/usr/sbin',
    '/usr/local/sbin',
    '/usr/local/bin',
  ];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, 'nats-server');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Why the NATS tests cannot run here, or `undefined` when they can. Tests
 * print it and skip.
 *
 * @example
 * ```ts
 * const why = natsUnavailable();
 * if (why !== undefined) console.log(`skipping the cluster tests: ${why}`);
 * describe('registry', { skip: why }, () => { ... });
 * ```
 */
export function natsUnavailable(): string | undefined {
  return natsServerBinary() === undefined
    ? 'nats-server is not installed (apt-get install nats-server, or set NATS_SERVER)'
    : undefined;
}

/** `setpriv`, when it can give a child a parent-death signal (no orphans if the test process dies). */
export function setprivBinary(): string | undefined {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    const candidate = join(dir, 'setpriv');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}
