/**
 * The NATS test harness: real `nats-server` processes (one, or a three-server
 * JetStream cluster) on free loopback ports, faults (kill with any signal,
 * pause, restart, a blackholing proxy between a client and its server) and
 * teardown of everything it started. Tests skip with {@link natsUnavailable}'s
 * reason when the server is not installed.
 *
 * @example
 * ```ts
 * const why = natsUnavailable();
 * if (why !== undefined) console.log(`skipping: ${why}`);
 * describe('cluster', { skip: why }, () => {
 *   let nats: NatsTestCluster;
 *   before(async () => { nats = await NatsTestCluster.start({ size: 3 }); });
 *   after(() => nats.stop());
 * });
 * ```
 */
export {
  NatsTestCluster,
  type NatsTestClusterOptions,
  type TestConnectOptions,
} from './cluster.js';
export {
  freePort,
  freePorts,
  natsServerBinary,
  natsUnavailable,
  SHARED_NATS_PORT,
} from './ports.js';
export { TcpProxy } from './proxy.js';
export {
  APP_USER,
  NatsServer,
  type NatsServerSpec,
  NO_FRAMES_USER,
  NO_HEARTBEATS_USER,
  NODE_USER_NAMES,
  nodeUser,
  READY_LIMIT_MS,
  SYS_USER,
  serverConfig,
} from './server.js';
export { nextStatus, waitUntil } from './wait.js';
