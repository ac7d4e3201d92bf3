import { InvalidArgumentError, NameTakenError, NoProcError } from '../errors.js';
import { formatPid, type Pid } from '../process/index.js';

/** A process that can hold a name. */
export interface Nameable {
  readonly pid: Pid;
  readonly alive: boolean;
  /** The name it holds, kept on the process so release on exit is O(1). */
  registeredName: string | undefined;
}

/**
 * Registered names (OTP `register/2`, `whereis/1`): a name maps to at most
 * one live process and a process holds at most one name. Names are released
 * when their process exits, before its exit is reported (semantics §4, OTP R1.4).
 */
export class NameTable<P extends Nameable> {
  readonly #byName = new Map<string, P>();

  /** Registers `name` for `process`. Throws `NameTakenError`, `NoProcError` or `InvalidArgumentError`. */
  register(name: string, process: P): void {
    if (typeof name !== 'string' || name.length === 0) {
      throw new InvalidArgumentError('name', 'must be a non-empty string');
    }
    if (!process.alive) throw new NoProcError(formatPid(process.pid));
    const holder = this.#byName.get(name);
    if (holder !== undefined) throw new NameTakenError(name, formatPid(holder.pid));
    if (process.registeredName !== undefined) {
      throw new InvalidArgumentError(
        'name',
        `${formatPid(process.pid)} is already registered as ${JSON.stringify(process.registeredName)}`,
      );
    }
    this.#byName.set(name, process);
    process.registeredName = name;
  }

  /** Removes `name`; returns false when it was not registered. */
  unregister(name: string): boolean {
    const holder = this.#byName.get(name);
    if (holder === undefined) return false;
    this.#byName.delete(name);
    holder.registeredName = undefined;
    return true;
  }

  /** The live process holding `name`, if any. */
  whereis(name: string): P | undefined {
    return this.#byName.get(name);
  }

  /** Releases whatever name `process` holds. */
  release(process: P): void {
    const name = process.registeredName;
    if (name === undefined) return;
    if (this.#byName.get(name) === process) this.#byName.delete(name);
    // Cleared too, so "holds the name" alone says a cached holder is current (see NamedRef).
    process.registeredName = undefined;
  }

  /** Every registered name. */
  names(): string[] {
    return [...this.#byName.keys()];
  }
}
