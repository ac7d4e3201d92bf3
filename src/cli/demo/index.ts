/**
 * The self-healing demo behind `npm start` and `airssys-rt demo`.
 *
 * @module
 */
export {
  type ClusterDemoOptions,
  type ClusterDemoSummary,
  clusterDemoHealed,
  formatClusterSummary,
  runClusterDemo,
} from './cluster.js';
export type { LedgerStats } from './ledger.js';
export { natsServerMissing } from './nats-server.js';
export type {
  DemoOptions,
  DemoProgress,
  DemoReporter,
  DemoSummary,
  ResolvedDemoOptions,
} from './options.js';
export { resolveDemoOptions } from './options.js';
export { randomSeed } from './random.js';
export { runDemo } from './run.js';
