/**
 * The "node-baseline" of perf-anchors.md §2: the least a single-threaded
 * actor runtime can do. Per-actor ring-buffer mailboxes (created on the first
 * message), a FIFO run queue, a synchronous drain loop with 64-message
 * batches and a 2^20-message budget per round, and a Promise-based ask.
 * No envelopes, lanes, supervision or validation: every airssys figure is
 * compared with this one from the same run, so machine noise cancels out.
 */

/** A message handler; `self` is the actor handling the message. */
export type BaseHandler<M, S> = (message: M, self: BaseActor<M, S>) => void;

const BATCH = 64;
const BUDGET = 2 ** 20;

/** A growable power-of-two ring of messages. */
class Ring {
  buf: unknown[] = new Array(16);
  head = 0;
  size = 0;
  mask = 15;

  push(item: unknown): void {
    if (this.size > this.mask) this.grow();
    this.buf[(this.head + this.size) & this.mask] = item;
    this.size++;
  }

  shift(): unknown {
    const item = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    return item;
  }

  grow(): void {
    const cap = (this.mask + 1) * 2;
    const buf: unknown[] = new Array(cap);
    for (let k = 0; k < this.size; k++) buf[k] = this.buf[(this.head + k) & this.mask];
    this.buf = buf;
    this.head = 0;
    this.mask = cap - 1;
  }
}

/** One actor: a handler, its state and a mailbox allocated on first use. */
export class BaseActor<M = unknown, S = unknown> {
  readonly rt: BaseRuntime;
  readonly handle: BaseHandler<M, S>;
  state: S;
  mailbox: Ring | null = null;
  queued = false;

  constructor(rt: BaseRuntime, handle: BaseHandler<M, S>, state: S) {
    this.rt = rt;
    this.handle = handle;
    this.state = state;
  }

  tell(message: M): void {
    this.rt.send(this as BaseActor, message);
  }
}

/** The scheduler: a run queue drained synchronously, yielding with setImmediate. */
export class BaseRuntime {
  readonly #runq = new Ring();
  #armed = false;
  #draining = false;
  #idle: (() => void)[] = [];
  longestRoundMs = 0;
  readonly #drainBound = (): void => this.#drain();

  spawn<M, S>(handle: BaseHandler<M, S>, state: S): BaseActor<M, S> {
    return new BaseActor(this, handle, state);
  }

  send(actor: BaseActor, message: unknown): void {
    let mb = actor.mailbox;
    if (mb === null) {
      mb = new Ring();
      actor.mailbox = mb;
    }
    mb.push(message);
    if (!actor.queued) {
      actor.queued = true;
      this.#runq.push(actor);
      if (!this.#armed && !this.#draining) {
        this.#armed = true;
        queueMicrotask(this.#drainBound);
      }
    }
  }

  /** Sends `make(reply)` and resolves with what the handler passes to `reply`. */
  ask<M, R>(actor: BaseActor<M>, make: (reply: (value: R) => void) => M): Promise<R> {
    return new Promise<R>((resolve) => this.send(actor as BaseActor, make(resolve)));
  }

  /** Resolves once nothing is runnable. */
  idle(): Promise<void> {
    if (this.#runq.size === 0 && !this.#draining) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #drain(): void {
    this.#armed = false;
    this.#draining = true;
    const runq = this.#runq;
    const start = performance.now();
    let budget = BUDGET;
    while (budget > 0 && runq.size > 0) {
      const actor = runq.shift() as BaseActor;
      actor.queued = false;
      const mb = actor.mailbox as Ring;
      let n = Math.min(mb.size, BATCH);
      budget -= n;
      while (n-- > 0) actor.handle(mb.shift(), actor);
      if (mb.size > 0 && !actor.queued) {
        actor.queued = true;
        runq.push(actor);
      }
    }
    this.#draining = false;
    const took = performance.now() - start;
    if (took > this.longestRoundMs) this.longestRoundMs = took;
    if (runq.size > 0) {
      this.#armed = true;
      setImmediate(this.#drainBound);
    } else {
      const waiters = this.#idle;
      this.#idle = [];
      for (const resolve of waiters) resolve();
    }
  }
}
