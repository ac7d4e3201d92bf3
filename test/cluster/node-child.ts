/**
 * A runtime node as a child process, for the fault tests: SIGKILL and
 * SIGSTOP are real. It joins the cluster given in `AIRSSYS_NODE` (JSON),
 * spawns an echo actor (local name `echo`) and reports over IPC: `ready` (its node id and the
 * echo's pid), every cluster event, and `ended` when its system ends
 * (fenced or shut down). It obeys `{ type: 'shutdown' }`.
 */
import { createSystem } from '../../src/index.js';
import { echo } from './actors.js';

const config = JSON.parse(process.env.AIRSSYS_NODE ?? '{}') as Record<string, unknown>;
const report = (message: unknown): void => {
  if (process.connected) process.send?.(message);
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
  report({ type: 'failed', message: (error as Error).message });
  process.exit(2);
}
const ref = system.spawn(echo, { args: cluster.id, name: 'echo' });
report({ type: 'ready', id: cluster.id, echo: cluster.pidOf(ref) });
process.on('message', (message: { type?: string }) => {
  if (message.type === 'shutdown') void system.shutdown();
});
await system.exited(ref).catch(() => undefined);
await system.shutdown();
report({ type: 'ended', fenced: cluster.fenced?.code, why: cluster.fenced?.message });
process.exit(cluster.fenced === undefined ? 0 : 3);
