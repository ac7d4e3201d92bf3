/**
 * A program that joins a cluster and shuts its system down, for
 * test/cluster/shutdown.test.ts. `AIRSSYS_NODE` (JSON) gives the servers,
 * the user and `open`: `nothing` shuts down as soon as the node is up (its
 * member-table watch may still be being made), `directory` opens the
 * registry and groups and uses them first, `fenced` is fenced as soon as it is up (its record
 * written `down` and a fence notice sent to it by another client, as a peer's verdict would;
 * its member-table watch may still be being made) and then shut down. After the shutdown it must exit
 * by itself (it never calls `process.exit`); while it does not, it prints
 * what keeps it alive every second.
 */
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { openClusterGroups, openClusterRegistry } from '../../src/cluster/registry-node.js';
import { createSystem, defineActor } from '../../src/index.js';

const config = JSON.parse(process.env.AIRSSYS_NODE ?? '{}') as {
  servers: string[];
  user: string;
  pass: string;
  open: 'nothing' | 'directory' | 'fenced';
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
if (config.open === 'fenced') {
  const fenced = new Promise<void>((resolve) => {
    cluster.events.subscribe((e) => {
      if (e.type === 'fenced') resolve();
    });
  });
  const nc = await connect({ servers: config.servers, user: config.user, pass: config.pass });
  const members = await new Kvm(nc).open('airssys-airssys-members');
  const record = (await members.get(cluster.id))?.json<Record<string, unknown>>();
  await members.put(cluster.id, JSON.stringify({ ...record, status: 'down', at: Date.now() }));
  nc.publish(`airssys.airssys.n.${cluster.id}.s.fence`, JSON.stringify({ by: 'verdict_0' }));
  await fenced;
  await nc.close();
}
await system.shutdown();
console.log('shut down');
// Should it not exit, what keeps it alive is printed each second (for the test's failure message).
setInterval(
  () => console.log(`alive: ${process.getActiveResourcesInfo().join(', ')}`),
  1_000,
).unref();
