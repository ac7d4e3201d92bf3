/**
 * airssys-rt: an actor runtime for TypeScript with Erlang/OTP semantics.
 * This file is the whole public surface.
 *
 * @module
 */
export type {
  ActorContext,
  ActorDefinition,
  ActorRef,
  Address,
  AskOptions,
  DemonitorOptions,
  Directive,
  DownMessage,
  ExitMessage,
  GroupOptions,
  HolderAddress,
  MonitorRef,
  Placement,
  Reply,
  ReplyOf,
  RequestOf,
  ResourceLimits,
  Sandbox,
  ShutdownRule,
  SpawnOptions,
  TimerDestination,
  TimerRef,
} from './actor/index.js';
export { defineActor, EscalatedError } from './actor/index.js';
export type {
  DeadLetter,
  DeadLetterReason,
  MessageEvent,
  SupervisionEvent,
  SystemEvent,
  SystemEventType,
  Topic,
} from './broker/index.js';
export { topic } from './broker/index.js';
export type {
  BroadcastResult,
  ClusterEvent,
  ClusterGroupChange,
  ClusterGroupsOptions,
  ClusterNode,
  ClusterOptions,
  ClusterPid,
  ClusterRegistryOptions,
  NodeDownMessage,
  WirePid,
} from './cluster/directory.js';
export type { ErrorCode } from './errors.js';
export {
  AuditError,
  CallingSelfError,
  CallTimeoutError,
  CircuitOpenError,
  ClusterAuthError,
  ClusterError,
  ContainmentUnavailableError,
  DeniedError,
  FencedError,
  HostLimitError,
  HostProtocolError,
  InvalidArgumentError,
  InvalidChildSpecError,
  KeyTakenError,
  MailboxFullError,
  NameTakenError,
  NoConnectionError,
  NoProcError,
  NotRepliableError,
  PayloadTooLargeError,
  PolicyError,
  PortExitError,
  ProcessExitedError,
  RuntimeError,
  SandboxUnavailableError,
  StartFailedError,
  SupervisorError,
  SystemShutdownError,
  WaitRemovedError,
} from './errors.js';
export type { HostView } from './isolation/index.js';
export { HostExitedError, portable } from './isolation/index.js';
export { BOUNDS } from './limits/index.js';
export type {
  MailboxMetrics,
  MailboxOptions,
  OverflowPolicy,
  Priority,
  SendOptions,
} from './mailbox/index.js';
export { Envelope } from './mailbox/index.js';
export type { HealthOptions, HealthReport, LoopDelay } from './observe/index.js';
export type {
  Containment,
  FileActorOptions,
  FileEncoding,
  FileKind,
  FileRequest,
  FileStat,
  PortCommand,
  PortEvent,
  PortOptions,
  PortOutput,
  PortState,
  TreeMode,
  TreeRequest,
} from './os/index.js';
export { fileActor, port } from './os/index.js';
export type {
  ErrorExit,
  ExitReason,
  KillExit,
  KilledExit,
  NoConnectionExit,
  NoProcExit,
  NormalExit,
  Pid,
  ProcessStatus,
  ShutdownExit,
} from './process/index.js';
export {
  exitReason,
  formatExitReason,
  formatPid,
  isCleanExit,
  toExitReason,
} from './process/index.js';
export type {
  GroupChange,
  GroupName,
  GroupToken,
  KeyMode,
  Name,
  ServiceKey,
} from './registry/index.js';
export { group, name, serviceKey } from './registry/index.js';
export type {
  CircuitBreakerOptions,
  CircuitBreakerStats,
  CircuitState,
  CircuitStateChange,
  GuardedAddress,
} from './resilience/index.js';
export { CircuitBreaker } from './resilience/index.js';
export type { PoolOptions, RoutingStrategy } from './routing/index.js';
export { Pool } from './routing/index.js';
export type { Clock, SchedulerOptions, SchedulerStats } from './scheduler/index.js';
export type {
  AuditCheckpoint,
  AuditLine,
  AuditLogOptions,
  AuditRecord,
  AuditVerification,
  Decision,
  ExecLimits,
  ExecPolicy,
  ExecRule,
  FsPolicy,
  OptionRule,
  RedactOption,
  SecurityContext,
  SecurityPolicy,
  VerifyOptions,
} from './security/index.js';
export {
  AuditLog,
  loadPolicy,
  loadPolicyFile,
  readAuditCheckpoint,
  readAuditKey,
  verifyAuditLog,
  verifyAuditText,
} from './security/index.js';
export type {
  AutoShutdown,
  BackoffOptions,
  ChildActor,
  ChildCounts,
  ChildInfo,
  ChildSpec,
  DynamicChildSpec,
  DynamicSupervisorSpec,
  ResolvedChildSpec,
  RestartType,
  Strategy,
  SupervisorAddress,
  SupervisorFlags,
  SupervisorMessage,
  SupervisorRef,
  SupervisorSpec,
} from './supervisor/index.js';
export {
  childSpec,
  countChildren,
  deleteChild,
  dynamicSupervisor,
  getChildSpec,
  restartChild,
  startChild,
  supervisor,
  terminateChild,
  whichChildren,
} from './supervisor/index.js';
export type {
  AskView,
  Groups,
  InspectOptions,
  Introspection,
  ProcessInfo,
  ProcessTarget,
  RemovedStale,
  RemoveStaleOptions,
  Services,
  ShutdownOptions,
  StaleView,
  StopOptions,
  SystemOptions,
  SystemStats,
  TimerTarget,
  TimerView,
  Topics,
  TypedGroup,
} from './system/index.js';
export { ActorSystem, createSystem } from './system/index.js';
