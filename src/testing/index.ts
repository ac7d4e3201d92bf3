/**
 * The test kit: `airssys-rt/testing`.
 *
 * @module
 */
export { ManualClock } from './manual-clock.js';
