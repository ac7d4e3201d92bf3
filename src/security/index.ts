export type { AuditLine, AuditRecord, AuditSink, AuditVerification } from './audit.js';
export { AuditLog, verifyAuditLog, verifyAuditText } from './audit.js';
export type { Decision, ExecPlan, ExecRequest } from './context.js';
export { DENY_ALL, resolveReal, SecurityContext } from './context.js';
export type { ExecLimits, ExecPolicy, ExecRule, FsPolicy, SecurityPolicy } from './policy.js';
export { loadPolicy } from './policy.js';
export { loadPolicyFile } from './policy-file.js';
