export type {
  AuditLine,
  AuditLogOptions,
  AuditRecord,
  AuditSink,
  AuditVerification,
  VerifyOptions,
} from './audit.js';
export { AuditLog, verifyAuditLog, verifyAuditText } from './audit.js';
export type { AuditCheckpoint } from './audit-file.js';
export { readAuditCheckpoint, readAuditKey } from './audit-file.js';
export type { Decision, ExecPlan, ExecRequest, PathDecision } from './context.js';
export { DENY_ALL, resolveReal, SecurityContext } from './context.js';
export type { PinnedRoots } from './pins.js';
export { rootsOf } from './pins.js';
export type {
  ExecLimits,
  ExecPolicy,
  ExecRule,
  FsPolicy,
  OptionRule,
  RedactOption,
  SecurityPolicy,
} from './policy.js';
export { loadPinnedPolicy, loadPolicy } from './policy.js';
export { loadPolicyFile } from './policy-file.js';
export type { PinnedRoot } from './roots.js';
