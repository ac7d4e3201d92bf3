// Errors of processes and messages: bad arguments, missing or exited
// targets, calls that time out or cannot be answered, full mailboxes,
// taken names and keys, failed starts.
import { RuntimeError } from './base.js';

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
 * A `system.exited` wait was removed before its target exited, by
 * `system.removeStale({ exitedWaiters: true })`: the target is still alive
 * and nothing more will settle the promise.
 *
 * @example
 * ```ts
 * const done = system.exited(ref);
 * system.removeStale({ exitedWaiters: true });
 * await done; // rejects with WaitRemovedError, code ERR_WAIT_REMOVED
 * ```
 */
export class WaitRemovedError extends RuntimeError {
  /** Printable pid of the process that was being waited for. */
  readonly target: string;

  constructor(target: string) {
    super('ERR_WAIT_REMOVED', `the wait for ${target} to exit was removed`);
    this.target = target;
  }
}
