/**
 * A node as a child process for the outside probes (probe-*.test.ts): like node-child.ts, plus
 * the cluster registry and groups opened, and commands over IPC — register a name for a fresh
 * process, join members to a group (each member reports what it gets), tick a counter to a pid.
 * Every command is answered `{ type: 'result', req, ... }`.
 */
import { openClusterGroups, openClusterRegistry } from '../../src/cluster/registry-node.js';
import { createSystem, defineActor, type WirePid } from '../../src/index.js';
import { echo } from './actors.js';

const config = JSON.parse(process.env.AIRSSYS_NODE ?? '{}') as Record<string, unknown>;
const report = (message: unknown): void => {
  if (process.connected) process.send?.(message);
};
/** The last report, then the exit once it is written: a send still queued at `process.exit` is lost. */
const reportAndExit = (message: unknown, code: number): void => {
  if (process.connected && process.send !== undefined)
    process.send(message, () => process.exit(code));
  else process.exit(code);
};

const system = createSystem({ cluster: config as never });
const cluster = system.cluster;
if (cluster === undefined) throw new Error('no cluster');
cluster.events.subscribe((event) => {
  report({ type: 'event', event: { type: event.type, node: event.node } });
});
try {
  await cluster.ready;
} catch (error) {
  reportAndExit({ type: 'failed', message: (error as Error).message }, 2);
  await new Promise(() => {}); // the exit comes once the report is written
}
const registry = await openClusterRegistry(system);
const groups = await openClusterGroups(system);
const ref = system.spawn(echo, { args: cluster.id, name: 'echo' });
const idle = defineActor<unknown>({ handle() {} });
const member = defineActor<unknown>({
  handle(msg) {
    report({ type: 'got', msg });
  },
});

type Command =
  | { type: 'shutdown' }
  | { type: 'register'; req: number; name: string; pid?: WirePid }
  | { type: 'join'; req: number; group: string; count: number }
  | { type: 'tick'; req: number; to: WirePid; every: number };

process.on('message', (raw) => {
  const command = raw as Command;
  switch (command.type) {
    case 'shutdown':
      void system.shutdown();
      return;
    case 'register': {
      // Any node's pid may be registered (§25.R); a fresh local process when none is given.
      const pid = command.pid ?? cluster.pidOf(system.spawn(idle));
      registry.register(command.name, pid).then(
        () => report({ type: 'result', req: command.req, ok: true, pid }),
        (error: { code?: string; owner?: unknown }) =>
          report({
            type: 'result',
            req: command.req,
            ok: false,
            code: error.code,
            owner: error.owner,
          }),
      );
      return;
    }
    case 'join': {
      const pids: WirePid[] = [];
      for (let i = 0; i < command.count; i++) {
        const pid = cluster.pidOf(system.spawn(member));
        groups.join(command.group, pid);
        pids.push(pid);
      }
      groups.flush().then(
        () => report({ type: 'result', req: command.req, ok: true, pids }),
        (error: { code?: string }) =>
          report({ type: 'result', req: command.req, ok: false, code: error.code }),
      );
      return;
    }
    case 'tick': {
      const to = cluster.refOf<{ n: number; from: string }>(command.to);
      let n = 0;
      setInterval(() => {
        try {
          to.tell({ n: n++, from: cluster.id });
        } catch {
          // A shut-down system refuses sends: the probe looks at what arrives, not at this.
        }
      }, command.every);
      report({ type: 'result', req: command.req, ok: true });
      return;
    }
  }
});
report({ type: 'ready', id: cluster.id, echo: cluster.pidOf(ref) });
await system.exited(ref).catch(() => undefined);
await system.shutdown();
reportAndExit(
  { type: 'ended', fenced: cluster.fenced?.code, why: cluster.fenced?.message },
  cluster.fenced === undefined ? 0 : 3,
);
