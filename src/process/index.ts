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
export { exitReason, formatExitReason, isCleanExit } from './exit-reason.js';
export type { Pid } from './pid.js';
export { formatPid, PidAllocator } from './pid.js';
export type { ProcessStatus } from './status.js';
export { ProcessTable } from './table.js';
