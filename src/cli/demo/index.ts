/**
 * The self-healing demo behind `npm start` and `airssys-rt demo`.
 *
 * @module
 */
export type { LedgerStats } from './ledger.js';
export type {
  DemoOptions,
  DemoProgress,
  DemoReporter,
  DemoSummary,
  ResolvedDemoOptions,
} from './options.js';
export { resolveDemoOptions } from './options.js';
export { runDemo } from './run.js';
