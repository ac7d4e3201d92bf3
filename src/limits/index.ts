export {
  BOUNDS,
  checkCount,
  checkDuration,
  checkOptionsBag,
  checkTimerDelay,
  describeValue,
} from './limits.js';
