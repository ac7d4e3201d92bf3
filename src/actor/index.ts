export {
  ASYNC_STEPS,
  BUSY,
  COPY_ON_SEND,
  DEAD,
  ENVELOPES,
  NEEDS_INIT,
  NO_LANES,
  REMOTE,
  TRAP_EXIT,
} from '../process/index.js';
export type { DemonitorOptions, DownMessage, ExitMessage, MonitorRef } from '../signals/index.js';
export {
  DeathQueue,
  decideExitSignal,
  demonitor,
  dropMonitor,
  isLinked,
  isRuntimeMessage,
  link,
  Monitor,
  monitor,
  monitorOwner,
  runtimeMessage,
  signalExit,
  unlink,
} from '../signals/index.js';
export { askTimeoutOf, badAskTimeout, isAskTimeout } from './ask.js';
export { AskRecord, AskRecordPool } from './ask-record.js';
export {
  type AsyncSenders,
  exitedSenderNow,
  isAsyncFunction,
  refuseExitedFanOut,
  refuseExitedSend,
  rejectExitedSend,
  StepFreeClock,
} from './async-senders.js';
export type { ActorContext, GroupOptions } from './context.js';
export type { ActorDefinition, Directive } from './definition.js';
export { defineActor, EscalatedError } from './definition.js';
export { ProcessExtras } from './extras.js';
export type { AnyDefinition, ProcessHost } from './host.js';
export { failPendingReply, releaseRegistrations } from './lifecycle.js';
export { LocalRef, processOf } from './local-ref.js';
export { ActorProcess } from './process.js';
export type { ActorRef, Address, AskOptions, HolderAddress } from './ref.js';
export { ADDRESS_GONE, CURRENT_HOLDER, isHolderAddress } from './ref.js';
export type { Reply, ReplyOf, RequestOf } from './reply.js';
export { answerPort, PendingAsk } from './reply.js';
export type { AskTarget, Current, Runtime } from './runtime.js';
export { UNSAMPLED_COUNTDOWN } from './runtime.js';
export { ENCODE_MESSAGE } from './send-checks.js';
export type {
  HostedIdentity,
  Placement,
  ResourceLimits,
  Sandbox,
  ShutdownRule,
  SpawnOptions,
} from './spawn-options.js';
export {
  HOSTED_AS,
  isShutdownRule,
  MAKE_PROCESS,
  type ProcessMaker,
  validateSpawnOptions,
} from './spawn-options.js';
export type { StartOutcome } from './start.js';
export { startNow } from './start.js';
export type { StopChildrenHook } from './stopping.js';
export {
  finish,
  kill,
  requestStop,
  STOP_CHILDREN,
  shutdown,
  stopAndWait,
  stopWithin,
} from './stopping.js';
export type { TimerDestination, TimerHost, TimerRef } from './timer.js';
export {
  AddressDestination,
  MessageTimer,
  NameDestination,
  refuseTimer,
  timerTarget,
} from './timer.js';
