/**
 * A runtime node as a child process, for the fault tests: SIGKILL and
 * SIGSTOP are real. It joins the cluster given in `AIRSSYS_NODE` (JSON),
 * spawns an echo actor (local name `echo`) and reports over IPC: `ready` (its node id and the
 * echo's pid), every cluster event, every status change of its NATS connection (a
 * disconnect, a reconnect, a stale connection: what a wait that timed out lists) and
 * `ended` when its system ends (fenced or shut down). It obeys `{ type: 'shutdown' }`.
 */
import { createSystem } from '../../src/index.js';
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
  report({
    type: 'event',
    event: { type: event.type, node: event.node, reason: (event as { reason?: unknown }).reason },
  });
});
try {
  await cluster.ready;
} catch (error) {
  reportAndExit({ type: 'failed', message: (error as Error).message }, 2);
  await new Promise(() => {}); // the exit comes once the report is written
}
void (async () => {
  for await (const status of cluster.connection.status()) {
    if (status.type !== 'ping') report({ type: 'status', status: status.type, at: Date.now() });
  }
})();
const ref = system.spawn(echo, { args: cluster.id, name: 'echo' });
report({ type: 'ready', id: cluster.id, echo: cluster.pidOf(ref) });
process.on('message', (message: { type?: string }) => {
  if (message.type === 'shutdown') void system.shutdown();
});
await system.exited(ref).catch(() => undefined);
report({ type: 'status', status: 'echo-exited', at: Date.now() });
await system.shutdown();
reportAndExit(
  { type: 'ended', fenced: cluster.fenced?.code, why: cluster.fenced?.message },
  cluster.fenced === undefined ? 0 : 3,
);
