export {
  countChildren,
  deleteChild,
  getChildSpec,
  restartChild,
  startChild,
  terminateChild,
  whichChildren,
} from './api.js';
export { SupervisorState } from './child-lifecycle.js';
export type { ChildCounts, ChildInfo } from './children.js';
export type { DynamicSupervisorSpec, SupervisorSpec } from './definition.js';
export { dynamicSupervisor, supervisor } from './definition.js';
export {
  backoffDelay,
  planRestart,
  RestartWindow,
  restartDecision,
  shouldAutoShutdown,
} from './policy.js';
export type { SupervisorAddress, SupervisorMessage, SupervisorRef } from './protocol.js';
export type {
  AutoShutdown,
  BackoffOptions,
  ChildActor,
  ChildSpec,
  DynamicChildSpec,
  ResolvedChildSpec,
  ResolvedFlags,
  RestartType,
  Strategy,
  SupervisorFlags,
} from './spec.js';
export { childSpec, resolveChildSpec, resolveChildSpecs, resolveFlags } from './spec.js';
