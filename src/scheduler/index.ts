export type { Clock } from './clock.js';
export { hostDelay, isClock, realClock } from './clock.js';
export type { Runnable } from './run-queue.js';
export type { LongTurnReporter, SchedulerOptions, SchedulerStats } from './scheduler.js';
export { Scheduler } from './scheduler.js';
export { CallbackTimer, TimerEntry } from './timer-entry.js';
export { TimerQueue } from './timers.js';
export {
  PACE_FAST,
  PACE_SLOW,
  PACE_UNKNOWN,
  paceAfterTurn,
  turnLimit,
} from './turn-policy.js';
