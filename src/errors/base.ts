// The error base: every stable code, and the class every runtime error extends.
/**
 * Every stable error code the runtime can produce.
 *
 * @example
 * ```ts
 * const retryable: ErrorCode[] = ['ERR_CALL_TIMEOUT', 'ERR_MAILBOX_FULL'];
 * ```
 */
export type ErrorCode =
  | 'ERR_INVALID_ARG'
  | 'ERR_NOPROC'
  | 'ERR_CALL_TIMEOUT'
  | 'ERR_CALLING_SELF'
  | 'ERR_MAILBOX_FULL'
  | 'ERR_PROCESS_EXITED'
  | 'ERR_WAIT_REMOVED'
  | 'ERR_SYSTEM_SHUTDOWN'
  | 'ERR_NOT_REPLIABLE'
  | 'ERR_NAME_TAKEN'
  | 'ERR_START_FAILED'
  | 'ERR_INVALID_CHILD_SPEC'
  | 'ERR_CHILD_NOT_FOUND'
  | 'ERR_CHILD_RUNNING'
  | 'ERR_CHILD_RESTARTING'
  | 'ERR_CHILD_ALREADY_PRESENT'
  | 'ERR_CHILD_ALREADY_STARTED'
  | 'ERR_MAX_CHILDREN'
  | 'ERR_SUPERVISOR_TAKES_PIDS'
  | 'ERR_KEY_TAKEN'
  | 'ERR_HOST_EXITED'
  | 'ERR_HOST_PROTOCOL'
  | 'ERR_HOST_LIMIT'
  | 'ERR_SANDBOX_UNAVAILABLE'
  | 'ERR_POLICY'
  | 'ERR_DENIED'
  | 'ERR_PORT_EXIT'
  | 'ERR_PORT_TIMEOUT'
  | 'ERR_PORT_OUTPUT_LIMIT'
  | 'ERR_PORT_CPU_LIMIT'
  | 'ERR_CONTAINMENT_UNAVAILABLE'
  | 'ERR_CIRCUIT_OPEN'
  | 'ERR_AUDIT'
  | 'ERR_AUDIT_LOCKED'
  | 'ERR_NOCONNECTION'
  | 'ERR_FENCED'
  | 'ERR_PAYLOAD_TOO_LARGE'
  | 'ERR_CLUSTER'
  | 'ERR_CLUSTER_AUTH'
  | 'ERR_CLUSTER_UNAVAILABLE'
  | 'ERR_BAD_FRAME';

/**
 * Base class of every error the runtime throws or rejects with.
 *
 * @example
 * ```ts
 * try { await ref.ask({ type: 'get' }, { timeout: 10 }); }
 * catch (e) { if (e instanceof RuntimeError && e.code === 'ERR_CALL_TIMEOUT') retry(); }
 * ```
 */
export class RuntimeError extends Error {
  /** Stable machine-readable code, e.g. `ERR_NOPROC`. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}
