export type { ActorContext } from './context.js';
export type { ActorDefinition, Directive } from './definition.js';
export { defineActor, EscalatedError } from './definition.js';
export { DeathQueue, demonitor, isLinked, link, monitor, signalExit, unlink } from './exits.js';
export { ProcessExtras } from './extras.js';
export {
  BUSY,
  COPY_ON_SEND,
  DEAD,
  ENVELOPES,
  NEEDS_INIT,
  NO_LANES,
  REMOTE,
  TRAP_EXIT,
} from './flags.js';
export type { AnyDefinition, ProcessHost } from './host.js';
export type { StopChildrenHook } from './lifecycle.js';
export {
  failPendingReply,
  finish,
  kill,
  releaseRegistrations,
  requestStop,
  STOP_CHILDREN,
  shutdown,
  stopAndWait,
  stopWithin,
} from './lifecycle.js';
export type { DemonitorOptions, DownMessage, ExitMessage, MonitorRef } from './links.js';
export { decideExitSignal, isRuntimeMessage, Monitor, runtimeMessage } from './links.js';
export { ActorProcess } from './process.js';
export type { ActorRef, Address, AskOptions } from './ref.js';
export type { Reply, ReplyOf, RequestOf } from './reply.js';
export { PendingAsk } from './reply.js';
export type { AskTarget, Current, Runtime } from './runtime.js';
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
export type { TimerRef } from './timer.js';
export { MessageTimer } from './timer.js';
