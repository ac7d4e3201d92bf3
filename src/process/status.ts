/**
 * The life stages of a process.
 * - `starting`: its `init` hook has not finished;
 * - `running`: it is handling a message or is queued to;
 * - `waiting`: alive with an empty mailbox;
 * - `stopping`: it was asked to stop and is finishing its current handler or hooks;
 * - `stopped`: it ended with a clean reason;
 * - `failed`: it ended with an abnormal reason.
 *
 * @example
 * ```ts
 * if (system.status(ref.pid) === 'failed') console.log('crashed');
 * ```
 */
export type ProcessStatus = 'starting' | 'running' | 'waiting' | 'stopping' | 'stopped' | 'failed';
