// Errors of isolation under security policies: bad or denying
// policies, missing containment, audit failures, ports and hosts that
// exit, break protocol or hit limits, sandboxes that cannot be had.
import { RuntimeError } from './base.js';

/**
 * A security policy is not valid; `field` names the first bad field (an
 * unknown key included, so a typo never loosens a rule).
 *
 * @example
 * ```ts
 * loadPolicy({ fs: { raed: ['/srv'] } }); // throws PolicyError, field 'fs.raed'
 * ```
 */
export class PolicyError extends RuntimeError {
  readonly field: string;

  constructor(field: string, message: string) {
    super('ERR_POLICY', `policy ${field === '' ? '' : `${field}: `}${message}`);
    this.field = field;
  }
}

/**
 * An operation was refused by the security policy; `reason` says which rule.
 *
 * @example
 * ```ts
 * await files.ask({ type: 'read', path: '/etc/shadow' }); // rejects DeniedError, code ERR_DENIED
 * ```
 */
export class DeniedError extends RuntimeError {
  readonly operation: string;

  constructor(operation: string, reason: string) {
    super('ERR_DENIED', `${operation} denied: ${reason}`);
    this.operation = operation;
  }
}

/**
 * A program start asked for containment this machine cannot give (a
 * `bwrap` sandbox without bwrap, limits without `prlimit`, a process tree
 * with neither a usable cgroup v2 nor a pid namespace, `runAs` without
 * root): the start is refused, never run weaker. The message says what is
 * missing.
 *
 * @example
 * ```ts
 * const reason = await system.exited(portRef);
 * if (reason.kind === 'error' && reason.error instanceof ContainmentUnavailableError) console.error(reason.error.message);
 * ```
 */
export class ContainmentUnavailableError extends RuntimeError {
  constructor(reason: string) {
    super('ERR_CONTAINMENT_UNAVAILABLE', `cannot contain the program: ${reason}`);
  }
}

/**
 * The audit log refused or failed: `ERR_AUDIT` (a record that cannot be
 * written — full disk, bad record, wrong key, a damaged log) or
 * `ERR_AUDIT_LOCKED` (another `AuditLog` is writing the same file). An
 * operation whose record cannot be written is denied, never done
 * unrecorded.
 *
 * @example
 * ```ts
 * try { new AuditLog({ file: 'audit.jsonl' }); }
 * catch (e) { if (e instanceof AuditError && e.code === 'ERR_AUDIT_LOCKED') console.error(e.message); }
 * ```
 */
export class AuditError extends RuntimeError {
  constructor(code: 'ERR_AUDIT' | 'ERR_AUDIT_LOCKED', message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/**
 * A port's program ended abnormally; this is the port's exit reason
 * (`exitReason.error(PortExitError)`), so links, monitors and supervisors
 * see it like any crash. `code` says how: `ERR_PORT_EXIT` (a non-zero exit
 * status or a signal; also a program that could not be started),
 * `ERR_PORT_TIMEOUT` (killed at the policy's `timeoutMs`),
 * `ERR_PORT_OUTPUT_LIMIT` (killed at the policy's `maxOutputBytes`) or
 * `ERR_PORT_CPU_LIMIT` (its whole process tree killed at the policy's
 * `cpuSeconds`, where a cgroup counts the tree's CPU time).
 *
 * @example
 * ```ts
 * const reason = await system.exited(portRef);
 * if (reason.kind === 'error' && reason.error instanceof PortExitError) console.log(reason.error.exitCode);
 * ```
 */
export class PortExitError extends RuntimeError {
  /** The program's exit status, or null when it was ended by a signal or never ran. */
  readonly exitCode: number | null;
  /** The signal that ended the program, if any (e.g. `SIGKILL`). */
  readonly signal: string | null;

  constructor(
    code: 'ERR_PORT_EXIT' | 'ERR_PORT_TIMEOUT' | 'ERR_PORT_OUTPUT_LIMIT' | 'ERR_PORT_CPU_LIMIT',
    message: string,
    exitCode: number | null = null,
    signal: string | null = null,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
    this.exitCode = exitCode;
    this.signal = signal;
  }
}

/**
 * A placed host (worker thread, pool thread or child process) sent
 * something the main system does not accept: a frame of the wrong shape,
 * types or size, or bytes that do not decode. The host is ended and every
 * process it ran exits with this error; the runtime itself goes on.
 *
 * @example
 * ```ts
 * const reason = await system.exited(sandboxed);
 * if (reason.kind === 'error' && reason.error instanceof HostProtocolError) console.log(reason.error.message);
 * ```
 */
export class HostProtocolError extends RuntimeError {
  constructor(message: string) {
    super('ERR_HOST_PROTOCOL', `the host broke the protocol: ${message}`);
  }
}

/**
 * A placed body's host already has as many asks waiting on the main system,
 * or audit records waiting for main's acknowledgement, as a host may
 * (semantics §23): the ask is refused (the attempt whose record it would
 * be is denied) rather than main's tables growing without bound. A host
 * that goes past the bound anyway (untrusted code writing frames itself)
 * is ended with `ERR_HOST_PROTOCOL`.
 *
 * @example
 * ```ts
 * try { await mainRef.ask({ type: 'get' }, { timeout: Infinity }); }
 * catch (e) { if (e instanceof HostLimitError) backOff(); }
 * ```
 */
export class HostLimitError extends RuntimeError {
  /** The bound that was reached. */
  readonly limit: number;

  constructor(what: string, limit: number) {
    super('ERR_HOST_LIMIT', `this host already has ${limit} ${what} waiting on the main system`);
    this.limit = limit;
  }
}

/**
 * A `sandbox` was asked for but this machine cannot give one (no `bwrap`,
 * no user namespaces, no `setpriv` to leave root): the spawn is refused
 * rather than run with a weaker sandbox.
 *
 * @example
 * ```ts
 * try { system.spawn(tool, { placement: 'process', sandbox: {} }); }
 * catch (e) { if (e instanceof SandboxUnavailableError) console.error(e.message); }
 * ```
 */
export class SandboxUnavailableError extends RuntimeError {
  constructor(reason: string) {
    super('ERR_SANDBOX_UNAVAILABLE', `no sandbox on this machine: ${reason}`);
  }
}
