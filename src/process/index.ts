export type {
  ErrorExit,
  ExitReason,
  KillExit,
  KilledExit,
  NoConnectionExit,
  NoProcExit,
  NormalExit,
  ShutdownExit,
} from './exit-reason.js';
export {
  EXIT_REASON_KINDS,
  exitReason,
  formatExitReason,
  isCleanExit,
  toExitReason,
} from './exit-reason.js';
export {
  ASYNC_STEPS,
  BUSY,
  COPY_ON_SEND,
  DEAD,
  ENVELOPES,
  NEEDS_INIT,
  NO_LANES,
  REMOTE,
  STOP_REQUESTED,
  STOPPING,
  TRAP_EXIT,
} from './flags.js';
export type { Pid } from './pid.js';
export { formatPid, PidAllocator } from './pid.js';
export type { ProcessStatus } from './status.js';
export { ProcessTable } from './table.js';
