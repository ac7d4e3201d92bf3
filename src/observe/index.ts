export type { HealthOptions, HealthReport, HealthSource, LoopDelay } from './health.js';
export {
  DEFAULT_LOOP_DELAY_WARN_MS,
  DEFAULT_MAILBOX_WARN,
  HealthMonitor,
  LOOP_DELAY_RESOLUTION_MS,
} from './health.js';
export { estimateMemory, MEMORY_COSTS } from './memory.js';
