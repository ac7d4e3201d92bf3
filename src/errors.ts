/**
 * Typed errors for API misuse and failed requests. Each carries a stable
 * string `code` that survives crossing a thread or process boundary, where
 * `instanceof` does not. Exit reasons are data, never these errors.
 *
 * @module
 */

export { type ErrorCode, RuntimeError } from './errors/base.js';
export {
  ClusterAuthError,
  ClusterError,
  FencedError,
  NoConnectionError,
  PayloadTooLargeError,
} from './errors/cluster.js';
export {
  AuditError,
  ContainmentUnavailableError,
  DeniedError,
  HostLimitError,
  HostProtocolError,
  PolicyError,
  PortExitError,
  SandboxUnavailableError,
} from './errors/isolation.js';
export {
  CallingSelfError,
  CallTimeoutError,
  InvalidArgumentError,
  KeyTakenError,
  MailboxFullError,
  NameTakenError,
  NoProcError,
  NotRepliableError,
  ProcessExitedError,
  StartFailedError,
  SystemShutdownError,
  WaitRemovedError,
} from './errors/process.js';
export {
  CircuitOpenError,
  InvalidChildSpecError,
  SupervisorError,
} from './errors/supervision.js';
