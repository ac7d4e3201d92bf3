export {
  DeathQueue,
  demonitor,
  dropMonitor,
  isLinked,
  link,
  monitor,
  propagateExit,
  signalExit,
  unlink,
} from './exits.js';
export type { DemonitorOptions, DownMessage, ExitMessage, MonitorRef } from './links.js';
export {
  clearMonitorTarget,
  decideExitSignal,
  isRuntimeMessage,
  Monitor,
  monitorOwner,
  monitorTarget,
  runtimeMessage,
} from './links.js';
export type { Signalable, SignalRuntime, SignalState } from './signalable.js';
