/**
 * A fake process for the registry unit tests: it records what it is sent and
 * what it holds, and `exit()` releases its registrations the way the runtime
 * does when a process ends (name first, then every registration).
 */
import type { SendOptions } from '../../../src/mailbox/index.js';
import type { Pid } from '../../../src/process/index.js';
import type { Holder, Registration } from '../../../src/registry/index.js';

export class FakeHolder implements Holder {
  readonly pid: Pid;
  alive = true;
  registeredName: string | undefined = undefined;
  /** Registrations held now. */
  readonly held = new Set<Registration>();
  /** Every message told, with its options. */
  readonly told: { message: unknown; options: SendOptions | undefined }[] = [];
  /** Every request asked, with its options. */
  readonly asked: { request: unknown; options: unknown }[] = [];
  /** Every message offered. */
  readonly offered: unknown[] = [];
  /** When set, `tell` throws it (a full `reject` mailbox). */
  refuse: Error | undefined = undefined;
  /** What `ask` resolves with. */
  answer: unknown;

  constructor(pid: number, answer: unknown = `answer-${pid}`) {
    this.pid = pid as Pid;
    this.answer = answer;
  }

  hold(registration: Registration): void {
    if (!this.alive) {
      registration.release();
      return;
    }
    this.held.add(registration);
  }

  drop(registration: Registration): void {
    this.held.delete(registration);
  }

  deliver(message: unknown, options?: SendOptions): void {
    if (this.refuse !== undefined) throw this.refuse;
    this.told.push({ message, options });
  }

  offerMessage(message: unknown): Promise<void> {
    this.offered.push(message);
    return Promise.resolve();
  }

  askMessage(request: unknown, options?: unknown): Promise<unknown> {
    this.asked.push({ request, options });
    return Promise.resolve(this.answer);
  }

  /** Ends the process: dead, and every registration released. */
  exit(release?: (h: FakeHolder) => void): void {
    this.alive = false;
    release?.(this);
    const held = [...this.held];
    this.held.clear();
    for (const r of held) r.release();
  }

  /** The messages told, without options. */
  messages(): unknown[] {
    return this.told.map((t) => t.message);
  }
}
