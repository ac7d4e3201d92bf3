export { BOUNDS, checkCount, checkDuration, checkTimerDelay, describeValue } from './limits.js';
