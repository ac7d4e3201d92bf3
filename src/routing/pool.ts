import type {
  ActorProcess,
  ActorRef,
  Address,
  AskOptions,
  ReplyOf,
  RequestOf,
  ShutdownRule,
  SpawnOptions,
} from '../actor/index.js';
import { exitedSenderNow, refuseExitedFanOut, rejectExitedSend, startNow } from '../actor/index.js';
import { InvalidArgumentError, NoProcError, StartFailedError } from '../errors.js';
import { BOUNDS, checkCount } from '../limits/index.js';
import type { SendOptions } from '../mailbox/index.js';
import { exitReason, formatExitReason, formatPid } from '../process/index.js';
import { tellOne, type Undeliverable } from '../registry/index.js';
import type { ChildActor, ChildSpec, RestartType, SupervisorRef } from '../supervisor/index.js';
import {
  deleteChild,
  SupervisorState,
  startChild,
  supervisor,
  terminateChild,
} from '../supervisor/index.js';
import { Router, type RoutingStrategy } from './router.js';

/**
 * A pool: N supervised workers behind one address. The workers are the
 * children `w0`…`w(N-1)` of a one-for-one supervisor; the router reads the
 * supervisor's children directly at each send, so a restarted worker is
 * routed to as soon as it is back, and routing costs no extra hop.
 *
 * @module
 */

/**
 * How to build a pool.
 *
 * @example
 * ```ts
 * const pool = await system.startPool(resizer, {
 *   size: 4,
 *   strategy: 'consistent-hash',
 *   routingKey: (msg) => msg.imageId,
 * });
 * ```
 */
export interface PoolOptions<M, A = undefined> {
  /** Number of workers, >= 0. */
  readonly size: number;
  /** Default `round-robin`. */
  readonly strategy?: RoutingStrategy;
  /** The routing key of a message, for `consistent-hash` (a send's `routingKey` option wins). */
  readonly routingKey?: (message: M) => string | undefined;
  /** Spawn options of every worker (`args`, `mailbox`, ...); a name is not allowed. */
  readonly options?: SpawnOptions<A>;
  /** Restart type of the workers; default `permanent`. */
  readonly restart?: RestartType;
  /** Shutdown rule of the workers; default 5000 ms. */
  readonly shutdown?: ShutdownRule;
  /** Intensity and period of the pool's supervisor; default 3 in 5000 ms. */
  readonly intensity?: number;
  readonly period?: number;
  /** Random source for `random` routing; default `Math.random`. */
  readonly random?: () => number;
  /** A label for inspection and dead letters; default `pool`. */
  readonly label?: string;
  /**
   * What a worker's crash costs its queue. By default (false) a handler
   * that throws ends the worker (an `error` exit, as in OTP): the pool's
   * supervisor starts a new worker with a new, empty mailbox, and the jobs
   * queued to the crashed one are lost — dead letters, their asks failing
   * with `ProcessExitedError`. With `keepMailbox: true` (Akka's restart) a
   * worker whose handler throws is restarted in place — `init` again for
   * fresh state, same pid, same mailbox — so only the job in hand is lost
   * (its asker gets the error). A worker definition with its own `onError`
   * keeps deciding for itself.
   */
  readonly keepMailbox?: boolean;
}

/**
 * A pool's address and handle: `tell`, `offer` and `ask` route by the
 * pool's strategy; `resize` grows or shrinks it at run time.
 *
 * @example
 * ```ts
 * const pool: Pool<Job> = await system.startPool(worker, { size: 8 });
 * pool.tell({ type: 'job', id: 1 });
 * await pool.resize(16);
 * ```
 */
export class Pool<M> implements Address<M> {
  readonly label: string;
  readonly #sup: ActorProcess;
  readonly #router: Router<ActorProcess>;
  readonly #spec: (slot: number) => ChildSpec<unknown>;
  readonly #undeliverable: Undeliverable;
  /** `pool:<label>`, what its dead letters name; made once, not per send. */
  readonly #address: string;
  #resizing: Promise<void> = Promise.resolve();

  constructor(
    sup: ActorProcess,
    router: Router<ActorProcess>,
    spec: (slot: number) => ChildSpec<unknown>,
    undeliverable: Undeliverable,
    label: string,
  ) {
    this.#sup = sup;
    this.#router = router;
    this.#spec = spec;
    this.#undeliverable = undeliverable;
    this.label = label;
    this.#address = `pool:${label}`;
  }

  /** The routing strategy. */
  get strategy(): RoutingStrategy {
    return this.#router.strategy;
  }

  /** The pool's supervisor (for `whichChildren` and the like). */
  get supervisor(): SupervisorRef {
    return this.#sup.ref as SupervisorRef;
  }

  /** Worker slots, running or restarting. */
  get size(): number {
    return this.#state()?.children.size ?? 0;
  }

  /** The workers running now, in slot order. */
  workers(): ActorRef<M>[] {
    const state = this.#state();
    return state === undefined
      ? []
      : this.#router.all(state.children.list).map((p) => p.ref as ActorRef<M>);
  }

  // A send by a process that has exited is refused before a worker is
  // picked: one dead letter `sender-exited` per send (semantics §4).

  tell(message: M, options?: SendOptions): void {
    const runtime = this.#sup.runtime;
    const zombie = exitedSenderNow(runtime);
    if (zombie !== null) {
      refuseExitedFanOut(runtime, zombie, message, this.#address);
      return;
    }
    const state = this.#state();
    if (this.#router.strategy === 'broadcast') {
      const all = state === undefined ? [] : this.#router.all(state.children.list);
      if (all.length === 0) this.#nowhere(message);
      for (const w of all) tellOne(w, message, options, refuse);
      return;
    }
    const w =
      state === undefined
        ? undefined
        : this.#router.pick(state.children.list, state.children.version, message, options);
    if (w === undefined) this.#nowhere(message);
    else w.deliver(message, options);
  }

  offer(message: M, options?: SendOptions): Promise<void> {
    const runtime = this.#sup.runtime;
    const zombie = exitedSenderNow(runtime);
    if (zombie !== null) {
      return rejectExitedSend(runtime, message, undefined, zombie.pid, this.#address);
    }
    if (this.#router.strategy === 'broadcast') {
      const state = this.#state();
      const all = state === undefined ? [] : this.#router.all(state.children.list);
      if (all.length === 0) return this.#noproc();
      return Promise.all(all.map((w) => w.offerMessage(message, options))).then(() => undefined);
    }
    try {
      const w = this.#pickOne(message, options);
      return w === undefined ? this.#noproc() : w.offerMessage(message, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Asks one worker; for `broadcast`, asks every worker and resolves with the first reply. */
  ask<Q extends RequestOf<M>>(request: Q, options?: AskOptions): Promise<ReplyOf<M, Q>> {
    const runtime = this.#sup.runtime;
    const zombie = exitedSenderNow(runtime);
    if (zombie !== null) {
      return rejectExitedSend(runtime, request, undefined, zombie.pid, this.#address);
    }
    const state = this.#state();
    if (this.#router.strategy === 'broadcast') {
      const all = state === undefined ? [] : this.#router.all(state.children.list);
      if (all.length === 0) return this.#noproc() as Promise<never>;
      return firstReply(all.map((w) => w.askMessage(request, options)));
    }
    try {
      const w = this.#pickOne(request, options);
      return w === undefined
        ? (this.#noproc() as Promise<never>)
        : (w.askMessage(request, options) as Promise<ReplyOf<M, Q>>);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Grows or shrinks the pool to `size` workers. New workers take the
   * lowest free slots; shrinking stops the highest slots by their shutdown
   * rule. With consistent hashing only the keys of the added or removed
   * slots move. Resizes run one after another, in the order they were asked.
   */
  resize(size: number): Promise<void> {
    try {
      checkSize(size);
    } catch (error) {
      return Promise.reject(error);
    }
    const run = this.#resizing.then(() => this.#resizeNow(size));
    // The next resize waits for this one, whether it succeeded or not.
    this.#resizing = run.catch(() => undefined);
    return run;
  }

  /**
   * Linear in the slots: each step asks the child table (O(1) by id)
   * instead of rebuilding the set of slots, so 20,000 workers shrink to one
   * in 20,000 steps, not 20,000².
   */
  async #resizeNow(size: number): Promise<void> {
    const sup = this.supervisor;
    for (let slot = 0; this.size < size; slot++) {
      if (this.#hasSlot(slot)) continue;
      await startChild(sup, this.#spec(slot));
    }
    // Highest slot first, walking down from the highest one there is (a
    // loop: Math.max(...slots) throws RangeError past ~10^5 arguments).
    let slot = -1;
    for (const c of this.#state()?.children.list ?? []) slot = Math.max(slot, slotOf(c.spec.id));
    for (; slot >= 0 && this.size > size; slot--) {
      if (!this.#hasSlot(slot)) continue;
      await terminateChild(sup, `w${slot}`);
      // A temporary worker's slot is gone once it is stopped.
      if (this.#hasSlot(slot)) await deleteChild(sup, `w${slot}`);
    }
  }

  #hasSlot(slot: number): boolean {
    return this.#state()?.children.byId(`w${slot}`) !== undefined;
  }

  toString(): string {
    return `Pool(${this.label}, ${formatPid(this.#sup.pid)})`;
  }

  #state(): SupervisorState | undefined {
    const state = this.#sup.state;
    return this.#sup.alive && state instanceof SupervisorState ? state : undefined;
  }

  #pickOne(message: unknown, options: SendOptions | undefined): ActorProcess | undefined {
    const state = this.#state();
    return state === undefined
      ? undefined
      : this.#router.pick(state.children.list, state.children.version, message, options);
  }

  #nowhere(message: unknown): void {
    if (message === undefined) {
      throw new InvalidArgumentError('message', 'undefined is not a message');
    }
    this.#undeliverable(message, this.#address);
  }

  #noproc(): Promise<void> {
    return Promise.reject(
      new NoProcError(`pool:${this.label}`, `no worker of pool ${this.label} is running`),
    );
  }
}

/** Resolves with the first reply; rejects with the first error once every ask has failed. */
function firstReply(asks: Promise<never>[]): Promise<never> {
  return new Promise<never>((resolve, reject) => {
    let failures = 0;
    let firstError: unknown;
    for (const ask of asks) {
      ask.then(resolve, (error: unknown) => {
        if (failures++ === 0) firstError = error;
        if (failures === asks.length) reject(firstError);
      });
    }
  });
}

/**
 * The slot of a worker id `w<slot>`; -1 for an id the pool did not make
 * (its slots are below `BOUNDS.poolSize`, which bounds the walk down).
 */
function slotOf(id: string): number {
  const slot = Number(id.slice(1));
  return id.startsWith('w') && Number.isInteger(slot) && slot < BOUNDS.poolSize ? slot : -1;
}

function checkSize(size: unknown): asserts size is number {
  checkCount('size', size, 0, BOUNDS.poolSize);
}

/**
 * Starts a pool: its supervisor and every worker, each worker's init done
 * before it resolves. `spawn` spawns a top-level process of the system.
 */
export async function startPool<M, A>(
  spawn: (definition: ReturnType<typeof supervisor>) => ActorProcess,
  actor: ChildActor<A>,
  options: PoolOptions<M, A>,
  undeliverable: Undeliverable,
): Promise<Pool<M>> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'pool options must be an object');
  }
  checkSize(options.size);
  if (options.keepMailbox !== undefined && typeof options.keepMailbox !== 'boolean') {
    throw new InvalidArgumentError('keepMailbox', 'must be a boolean');
  }
  if (options.options?.name !== undefined) {
    throw new InvalidArgumentError('options.name', 'pool workers cannot share a registered name');
  }
  const label = options.label ?? 'pool';
  const router = new Router<ActorProcess>(
    options.strategy ?? 'round-robin',
    (p) => p.alive,
    (p) => p.mailbox?.size ?? 0,
    options.random ?? Math.random,
    options.routingKey as ((message: unknown) => string | undefined) | undefined,
  );
  const worker = options.keepMailbox === true ? restartingInPlace(actor) : actor;
  const spec = (slot: number): ChildSpec<unknown> => ({
    id: `w${slot}`,
    actor: worker as ChildActor<unknown>,
    ...(options.options === undefined ? {} : { options: options.options }),
    ...(options.restart === undefined ? {} : { restart: options.restart }),
    ...(options.shutdown === undefined ? {} : { shutdown: options.shutdown }),
  });
  const children: ChildSpec<unknown>[] = [];
  for (let slot = 0; slot < options.size; slot++) children.push(spec(slot));
  const definition = supervisor({
    strategy: 'one-for-one',
    ...(options.intensity === undefined ? {} : { intensity: options.intensity }),
    ...(options.period === undefined ? {} : { period: options.period }),
    children,
    label,
  });
  const sup = spawn(definition);
  const outcome = await startNow(sup);
  if (outcome.kind !== 'started') {
    const reason = outcome.kind === 'failed' ? outcome.reason : exitReason.normal;
    throw new StartFailedError(`pool ${label}`, reason, formatExitReason(reason));
  }
  return new Pool<M>(sup, router, spec, undeliverable, label);
}

/**
 * `actor` with `restart` as the directive for a failed handler (Akka's
 * default), unless it has its own error hook. The definition is inherited
 * from, not copied, so everything else about it stays the same.
 */
function restartingInPlace<A>(actor: ChildActor<A>): ChildActor<A> {
  if (actor.onError !== undefined) return actor;
  const wrapped = Object.create(actor) as { onError: () => 'restart' };
  wrapped.onError = () => 'restart';
  return wrapped as unknown as ChildActor<A>;
}

/** A worker's full mailbox refused its copy of a broadcast: a dead letter, as for groups and topics. */
function refuse(message: unknown, w: ActorProcess): void {
  w.runtime.deadLetter(message, w.pid, w.runtime.current?.pid, 'dropped-newest');
}
