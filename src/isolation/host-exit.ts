import { RuntimeError } from '../errors.js';
import type { HostEnd } from './transport.js';

/**
 * How a host ended, as the error its processes exit with.
 *
 * @module
 */

/**
 * A host ended (crash, out of memory, kill): the reason every body it ran exits with.
 *
 * @example
 * ```ts
 * const reason = await system.exited(placed);
 * if (reason.kind === 'error' && reason.error instanceof HostExitedError) console.log(reason.error.how);
 * ```
 */
export class HostExitedError extends RuntimeError {
  readonly how: HostEnd['how'];
  readonly exitCode: number | null;

  constructor(end: HostEnd) {
    super('ERR_HOST_EXITED', `the host ${describeEnd(end)}`);
    this.how = end.how;
    this.exitCode = end.code;
  }
}

function describeEnd(end: HostEnd): string {
  if (end.how === 'killed') return 'was terminated';
  if (end.how === 'crashed') return `crashed: ${end.error?.message ?? 'unknown error'}`;
  return end.signal === null ? `exited with code ${end.code}` : `was killed by ${end.signal}`;
}
