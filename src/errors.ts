/**
 * Typed errors for API misuse and failed requests. Each carries a stable
 * string `code` that survives crossing a thread or process boundary, where
 * `instanceof` does not. Exit reasons are data, never these errors.
 *
 * @module
 */

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

/**
 * An option or argument is not valid; `option` names it.
 *
 * @example
 * ```ts
 * createSystem({ budget: -1 }); // throws InvalidArgumentError, option 'budget'
 * ```
 */
export class InvalidArgumentError extends RuntimeError {
  /** The option or argument that was rejected. */
  readonly option: string;

  constructor(option: string, message: string) {
    super('ERR_INVALID_ARG', `invalid ${option}: ${message}`);
    this.option = option;
  }
}

/**
 * The target process does not exist or has exited (OTP's `noproc`).
 *
 * @example
 * ```ts
 * await ref.stop();
 * await ref.ask({ type: 'get' }); // rejects with NoProcError, code ERR_NOPROC
 * ```
 */
export class NoProcError extends RuntimeError {
  /** Printable pid or name of the missing target. */
  readonly target: string;

  constructor(target: string, message = `no process ${target}`) {
    super('ERR_NOPROC', message);
    this.target = target;
  }
}

/**
 * An ask got no reply within its timeout. A reply that arrives later goes to
 * dead letters.
 *
 * @example
 * ```ts
 * await ref.ask({ type: 'slow' }, { timeout: 50 }); // may reject with code ERR_CALL_TIMEOUT
 * ```
 */
export class CallTimeoutError extends RuntimeError {
  /** The timeout that elapsed, in milliseconds. */
  readonly timeout: number;

  constructor(target: string, timeout: number) {
    super('ERR_CALL_TIMEOUT', `no reply from ${target} within ${timeout} ms`);
    this.timeout = timeout;
  }
}

/**
 * A process asked itself and would wait forever (OTP's `calling_self`).
 *
 * @example
 * ```ts
 * handle(msg, ctx) { await ctx.self.ask({ type: 'get' }); } // rejects with ERR_CALLING_SELF
 * ```
 */
export class CallingSelfError extends RuntimeError {
  constructor(target: string) {
    super('ERR_CALLING_SELF', `process ${target} asked itself and would deadlock`);
  }
}

/**
 * A bounded mailbox with the `reject` policy (or `backpressure`, for a plain
 * `tell`) is full.
 *
 * @example
 * ```ts
 * const ref = system.spawn(worker, { mailbox: { capacity: 1, overflow: 'reject' } });
 * ref.tell(a); ref.tell(b); // second tell throws MailboxFullError if `a` is still queued
 * ```
 */
export class MailboxFullError extends RuntimeError {
  /** Capacity of the mailbox that refused the message. */
  readonly capacity: number;

  constructor(target: string, capacity: number) {
    super('ERR_MAILBOX_FULL', `mailbox of ${target} is full (capacity ${capacity})`);
    this.capacity = capacity;
  }
}

/**
 * The process handling an ask exited before replying; `reason` is its exit reason.
 *
 * @example
 * ```ts
 * await ref.ask({ type: 'crash' }); // rejects with ProcessExitedError, reason { kind: 'error', ... }
 * ```
 */
export class ProcessExitedError extends RuntimeError {
  /** The exit reason of the process, as data. */
  readonly reason: unknown;

  constructor(target: string, reason: unknown, describe: string) {
    super('ERR_PROCESS_EXITED', `process ${target} exited before replying: ${describe}`);
    this.reason = reason;
  }
}

/**
 * The system is shutting down or has shut down and refuses new work.
 *
 * @example
 * ```ts
 * await system.shutdown();
 * system.spawn(def); // throws SystemShutdownError
 * ```
 */
export class SystemShutdownError extends RuntimeError {
  constructor(message = 'the actor system has shut down') {
    super('ERR_SYSTEM_SHUTDOWN', message);
  }
}

/**
 * `ask` was given a message that cannot carry a reply port (not a plain object).
 *
 * @example
 * ```ts
 * ref.ask(42 as never); // rejects with code ERR_NOT_REPLIABLE
 * ```
 */
export class NotRepliableError extends RuntimeError {
  constructor(message: string) {
    super('ERR_NOT_REPLIABLE', message);
  }
}

/**
 * A name is already registered to a live process (OTP `badarg` /
 * `already_registered`).
 *
 * @example
 * ```ts
 * system.spawn(def, { name: 'db' });
 * system.spawn(def, { name: 'db' }); // throws NameTakenError, code ERR_NAME_TAKEN
 * ```
 */
export class NameTakenError extends RuntimeError {
  /** The name that is taken. */
  readonly takenName: string;

  constructor(name: string, holder: string) {
    super('ERR_NAME_TAKEN', `name ${JSON.stringify(name)} is already registered to ${holder}`);
    this.takenName = name;
  }
}

/**
 * A process ended during its start (OTP's `{error, Reason}` start result):
 * its `init` threw, or stopped it. `reason` is its exit reason, as data;
 * `normal` means init stopped it on purpose (OTP `ignore`).
 *
 * @example
 * ```ts
 * try { await system.start(db); }
 * catch (e) { if (e instanceof StartFailedError) log(formatExitReason(e.reason)); }
 * ```
 */
export class StartFailedError extends RuntimeError {
  /** The exit reason of the process that failed to start. */
  readonly reason: unknown;

  constructor(what: string, reason: unknown, describe: string) {
    super('ERR_START_FAILED', `${what} failed to start: ${describe}`);
    this.reason = reason;
  }
}

/**
 * A child spec or supervisor flag is not valid (OTP `{start_spec, Err}`,
 * `{supervisor_data, Err}`); `field` names it, `childId` the child when known.
 *
 * @example
 * ```ts
 * supervisor({ children: [{ id: 'a', actor: worker, restart: 'sometimes' }] });
 * // throws InvalidChildSpecError, field 'restart'
 * ```
 */
export class InvalidChildSpecError extends RuntimeError {
  readonly field: string;
  readonly childId: string | undefined;

  constructor(field: string, message: string, childId?: string) {
    super(
      'ERR_INVALID_CHILD_SPEC',
      childId === undefined
        ? `${field}: ${message}`
        : `child ${JSON.stringify(childId)}: ${field}: ${message}`,
    );
    this.field = field;
    this.childId = childId;
  }
}

/**
 * A supervisor refused a request about one of its children (OTP's
 * `{error, not_found | running | restarting | already_present |
 * {already_started, Pid}}`, Elixir's `{:error, :max_children}`, and
 * `ERR_SUPERVISOR_TAKES_PIDS` for OTP's `{error, simple_one_for_one}`: a
 * dynamic supervisor names its children by pid, never by id).
 *
 * @example
 * ```ts
 * await deleteChild(sup, 'db'); // rejects with SupervisorError, code ERR_CHILD_RUNNING
 * ```
 */
export class SupervisorError extends RuntimeError {
  /** The child the request was about, when it has an id. */
  readonly childId: string | undefined;

  constructor(
    code:
      | 'ERR_CHILD_NOT_FOUND'
      | 'ERR_CHILD_RUNNING'
      | 'ERR_CHILD_RESTARTING'
      | 'ERR_CHILD_ALREADY_PRESENT'
      | 'ERR_CHILD_ALREADY_STARTED'
      | 'ERR_MAX_CHILDREN'
      | 'ERR_SUPERVISOR_TAKES_PIDS',
    message: string,
    childId?: string,
  ) {
    super(code, message);
    this.childId = childId;
  }
}

/**
 * A unique service key is already held by a live process (Elixir
 * `{:error, {:already_registered, pid}}`).
 *
 * @example
 * ```ts
 * system.services.register('sessions', 'u1', a);
 * system.services.register('sessions', 'u1', b); // throws KeyTakenError, code ERR_KEY_TAKEN
 * ```
 */
export class KeyTakenError extends RuntimeError {
  readonly service: string;
  readonly key: string;

  constructor(service: string, key: string, holder: string) {
    super(
      'ERR_KEY_TAKEN',
      `key ${JSON.stringify(key)} of service ${JSON.stringify(service)} is held by ${holder}`,
    );
    this.service = service;
    this.key = key;
  }
}

/**
 * A circuit breaker refused a call without running it: it is open, or
 * half-open with all its trial calls in flight. `retryAfterMs` is how long
 * until it lets a trial through (0 when half-open: as soon as a trial ends).
 *
 * @example
 * ```ts
 * try { await breaker.call(() => db.ask({ type: 'query' })); }
 * catch (e) { if (e instanceof CircuitOpenError) return cached(e.retryAfterMs); }
 * ```
 */
export class CircuitOpenError extends RuntimeError {
  /** The name of the breaker that refused the call. */
  readonly breaker: string;
  /** Ms until the breaker lets a call through. */
  readonly retryAfterMs: number;

  constructor(breaker: string, retryAfterMs: number, state: 'open' | 'half-open' = 'open') {
    super(
      'ERR_CIRCUIT_OPEN',
      state === 'open'
        ? `circuit breaker ${JSON.stringify(breaker)} is open; retry in ${retryAfterMs} ms`
        : `circuit breaker ${JSON.stringify(breaker)} is half-open and its trial calls are in flight`,
    );
    this.breaker = breaker;
    this.retryAfterMs = retryAfterMs;
  }
}

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

/**
 * The target's node is not up: declared down, gone, or unreachable by NATS
 * (Erlang's `noconnection`). An ask pending on a node fails with it at once
 * when the node is declared down, not at its timeout.
 *
 * @example
 * ```ts
 * try { await remote.ask({ type: 'get' }); }
 * catch (e) { if (e instanceof RuntimeError && e.code === 'ERR_NOCONNECTION') retryElsewhere(); }
 * ```
 */
export class NoConnectionError extends RuntimeError {
  readonly node: string;

  constructor(target: string, node: string) {
    super('ERR_NOCONNECTION', `no connection to ${target}: node ${node} is not up`);
    this.node = node;
  }
}

/**
 * This node was declared down by the cluster (or cut off past its fence
 * time) and ended its cluster work; it never serves again under the same
 * node id. The program may exit or start a new system (a new incarnation).
 *
 * @example
 * ```ts
 * system.cluster.events.subscribe((e) => { if (e.type === 'fenced') process.exit(1); });
 * ```
 */
export class FencedError extends RuntimeError {
  readonly node: string;

  constructor(node: string, why: string) {
    super('ERR_FENCED', `node ${node} is fenced: ${why}`);
    this.node = node;
  }
}

/**
 * A message too large for the NATS server's `max_payload`, refused at send.
 *
 * @example
 * ```ts
 * remote.tell({ blob: new Uint8Array(2 ** 21) }); // throws, code ERR_PAYLOAD_TOO_LARGE
 * ```
 */
export class PayloadTooLargeError extends RuntimeError {
  readonly size: number;
  readonly limit: number;

  constructor(size: number, limit: number) {
    super(
      'ERR_PAYLOAD_TOO_LARGE',
      `message of ${size} bytes exceeds the server's max_payload of ${limit} bytes`,
    );
    this.size = size;
    this.limit = limit;
  }
}

/**
 * A cluster operation failed: not joined, bad peer input, NATS or KV unavailable.
 *
 * @example
 * ```ts
 * await system.cluster.spawn(def, { node: 'gone_1' }); // may reject with code ERR_CLUSTER
 * ```
 */
export class ClusterError extends RuntimeError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_CLUSTER', message, options);
  }
}

/**
 * The NATS server refused this node: its credentials (user and password,
 * token, nkey, creds file, TLS client certificate) are missing, wrong or
 * expired, or its account does not permit what a node needs. Peer
 * authentication is the NATS server's (accounts and permissions): a node
 * that the server does not admit never joins.
 *
 * @example
 * ```ts
 * await system.cluster?.ready; // rejects with code ERR_CLUSTER_AUTH without credentials
 * ```
 */
export class ClusterAuthError extends RuntimeError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_CLUSTER_AUTH', message, options);
  }
}
