/**
 * A program that joins a cluster and shuts its system down, for
 * test/cluster/shutdown.test.ts. `AIRSSYS_NODE` (JSON) gives the servers,
 * the user and `open`: `nothing` shuts down as soon as the node is up (its
 * member-table watch may still be being made), `directory` opens the
 * registry and groups and uses them first. After the shutdown it must exit
 * by itself (it never calls `process.exit`); while it does not, it prints
 * what keeps it alive every second.
 */
import { openClusterGroups, openClusterRegistry } from '../../src/cluster/registry-node.js';
import { createSystem, defineActor } from '../../src/index.js';

const config = JSON.parse(process.env.AIRSSYS_NODE ?? '{}') as {
  servers: string[];
  user: string;
  pass: string;
  open: 'nothing' | 'directory';
};
const system = createSystem({
  cluster: {
    servers: config.servers,
    name: 'exiting',
    connectOptions: { user: config.user, pass: config.pass },
    heartbeatInterval: 100,
    acceptablePause: 600,
    joinTimeout: 30_000,
  },
});
const cluster = system.cluster;
if (cluster === undefined) throw new Error('no cluster');
await cluster.ready;
if (config.open === 'directory') {
  const registry = await openClusterRegistry(system);
  const groups = await openClusterGroups(system);
  const ref = system.spawn(defineActor<unknown>({ handle() {} }));
  await registry.register('exiting-service', cluster.pidOf(ref));
  groups.join('exiting-group', cluster.pidOf(ref));
  await groups.flush();
}
await system.shutdown();
console.log('shut down');
// Should it not exit, what keeps it alive is printed each second (for the test's failure message).
setInterval(
  () => console.log(`alive: ${process.getActiveResourcesInfo().join(', ')}`),
  1_000,
).unref();
