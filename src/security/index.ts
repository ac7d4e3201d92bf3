export type { AuditLine, AuditLogOptions, AuditRecord, AuditSink } from './audit.js';
export { AuditLog } from './audit.js';
export type { AuditCheckpoint } from './audit-file.js';
export { readAuditCheckpoint, readAuditKey } from './audit-file.js';
export type { AuditVerification, VerifyOptions } from './audit-verify.js';
export { verifyAuditLog, verifyAuditText } from './audit-verify.js';
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
export { loadPolicyFile } from './policy-file.js';
export { loadPinnedPolicy, loadPolicy } from './policy-load.js';
export type { PinnedRoot } from './roots.js';
