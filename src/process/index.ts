export type {
  ErrorExit,
  ExitReason,
  KillExit,
  KilledExit,
  NoProcExit,
  NormalExit,
  ShutdownExit,
} from './exit-reason.js';
export { exitReason, formatExitReason, isCleanExit, toExitReason } from './exit-reason.js';
export type { Pid } from './pid.js';
export { formatPid, PidAllocator } from './pid.js';
export type { ProcessStatus } from './status.js';
export { ProcessTable } from './table.js';
