import type { ActorDefinition, ShutdownRule, SpawnOptions } from '../actor/index.js';
import { isShutdownRule, validateSpawnOptions } from '../actor/index.js';
import { InvalidArgumentError, InvalidChildSpecError } from '../errors.js';
import { BOUNDS } from '../limits/index.js';

/**
 * Child specs and supervisor flags: their shapes, their defaults, and the
 * validation that runs before anything starts (OTP `check_childspec`,
 * `check_flags`). Pure: plain data in, plain data or a typed error out.
 *
 * @module
 */

/**
 * When a child is restarted (semantics §13, OTP R10.5): `permanent` always, `transient`
 * only after an abnormal exit, `temporary` never (and its spec is dropped).
 *
 * @example
 * ```ts
 * const restart: RestartType = 'transient';
 * ```
 */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/**
 * Which children a crash takes down and restarts (semantics §13, OTP R10.7).
 *
 * @example
 * ```ts
 * const strategy: Strategy = 'rest-for-one';
 * ```
 */
export type Strategy = 'one-for-one' | 'one-for-all' | 'rest-for-one';

/**
 * When a supervisor shuts itself down because significant children ended
 * (OTP `auto_shutdown`, semantics §13 R10.16).
 *
 * @example
 * ```ts
 * const autoShutdown: AutoShutdown = 'any-significant';
 * ```
 */
export type AutoShutdown = 'never' | 'any-significant' | 'all-significant';

/**
 * Exponential backoff between restarts of one child, with jitter (Akka's
 * backoff supervisor). The n-th consecutive restart waits
 * `min(maxMs, minMs * factor^(n-1))`, spread by ±`jitter`. Restarts under
 * backoff do not count against the supervisor's intensity; `maxRestarts`
 * consecutive restarts without `resetAfterMs` of healthy running make the
 * supervisor give up as if its intensity were exceeded.
 *
 * @example
 * ```ts
 * const backoff: BackoffOptions = { minMs: 100, maxMs: 30_000, jitter: 0.2 };
 * ```
 */
export interface BackoffOptions {
  readonly minMs: number;
  readonly maxMs: number;
  /** Growth per attempt; default 2. */
  readonly factor?: number;
  /** Fraction of the delay added or removed at random, 0..1; default 0.2. */
  readonly jitter?: number;
  /** Running this long without a crash resets the attempt count; default `maxMs`. */
  readonly resetAfterMs?: number;
  /** Consecutive restarts before the supervisor gives up; default Infinity. */
  readonly maxRestarts?: number;
}

/**
 * Any actor definition taking spawn arguments `A`, whatever its message and
 * state types: a supervisor holds children of many kinds.
 *
 * @example
 * ```ts
 * const actor: ChildActor<{ url: string }> = dbActor;
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: message and state types are erased in a spec; refs carry them again
export type ChildActor<A, M = any> = ActorDefinition<M, any, A>;

/**
 * One child of a supervisor (OTP child spec, semantics §13 R10.2).
 *
 * @example
 * ```ts
 * const spec: ChildSpec<{ url: string }> = {
 *   id: 'db',
 *   actor: dbActor,
 *   options: { args: { url: 'postgres://localhost' }, name: 'db' },
 *   restart: 'permanent',
 *   shutdown: 5_000,
 * };
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: a list of children holds specs of many message types
export interface ChildSpec<A = unknown, M = any> {
  /** Unique within its supervisor. */
  readonly id: string;
  /** What the child runs. Started linked to the supervisor, synchronously (init completes first). */
  readonly actor: ChildActor<A, M>;
  /**
   * Spawn options (name, args, mailbox, ...); `shutdown` comes from the spec.
   * A typed `name<M>()` token is checked against the actor by {@link childSpec}.
   */
  readonly options?: SpawnOptions<A, NoInfer<M>>;
  /** Default `permanent`. */
  readonly restart?: RestartType;
  /** Default 5000 ms for a worker, `infinity` for a supervisor. */
  readonly shutdown?: ShutdownRule;
  /** Default `supervisor` when `actor` is a supervisor, else `worker`. */
  readonly type?: 'worker' | 'supervisor';
  /** Whether its own exit can shut the supervisor down (auto-shutdown); default false. */
  readonly significant?: boolean;
  /** Restart with exponential backoff instead of at once. */
  readonly backoff?: BackoffOptions;
}

/**
 * A child of a dynamic supervisor: a spec without an id.
 *
 * @example
 * ```ts
 * await startChild(pool, { actor: worker, restart: 'transient' });
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: see ChildSpec
export type DynamicChildSpec<A = unknown, M = any> = Omit<ChildSpec<A, M>, 'id'>;

/**
 * A child spec checked as one: the compiler infers the actor's message type
 * and checks a typed name in its options against it (a spec written inline
 * in a `children` list is not checked, since the list holds many types).
 *
 * @example
 * ```ts
 * const counterName = name<CounterMsg>('counter');
 * supervisor({ children: [childSpec({ id: 'c', actor: counter, options: { name: counterName } })] });
 * ```
 */
export function childSpec<A, M>(spec: ChildSpec<A, M>): ChildSpec<A, M> {
  return spec;
}

/** A child spec with every default filled in (OTP `get_childspec`). */
export interface ResolvedChildSpec {
  readonly id: string;
  readonly actor: ChildActor<unknown>;
  readonly options: SpawnOptions<unknown> | undefined;
  readonly restart: RestartType;
  readonly shutdown: ShutdownRule;
  readonly type: 'worker' | 'supervisor';
  readonly significant: boolean;
  readonly backoff: Required<BackoffOptions> | undefined;
}

/**
 * How a supervisor restarts (OTP supervisor flags, semantics §13 R10.1). Defaults:
 * `one-for-one`, 3 restarts in 5000 ms (Elixir's; OTP's is 1 in 5 s),
 * auto-shutdown `never`.
 *
 * @example
 * ```ts
 * const flags: SupervisorFlags = { strategy: 'one-for-all', intensity: 5, period: 10_000 };
 * ```
 */
export interface SupervisorFlags {
  readonly strategy?: Strategy;
  /** Restarts allowed within `period` before the supervisor gives up; integer >= 0. */
  readonly intensity?: number;
  /** The sliding window, in ms; > 0. */
  readonly period?: number;
  readonly autoShutdown?: AutoShutdown;
}

/** Supervisor flags with defaults filled in. */
export interface ResolvedFlags {
  readonly strategy: Strategy;
  readonly intensity: number;
  readonly period: number;
  readonly autoShutdown: AutoShutdown;
}

const STRATEGIES: readonly string[] = ['one-for-one', 'one-for-all', 'rest-for-one'];
const RESTARTS: readonly string[] = ['permanent', 'transient', 'temporary'];
const AUTO_SHUTDOWNS: readonly string[] = ['never', 'any-significant', 'all-significant'];

/** `value`, or `fallback` when it was not given (`undefined`); `null` is kept, to be refused. */
function given<T, D>(value: T | undefined, fallback: D): T | D {
  return value === undefined ? fallback : value;
}

/** Validates flags and fills in defaults; throws `InvalidArgumentError` naming the flag. */
export function resolveFlags(flags: SupervisorFlags | undefined): ResolvedFlags {
  // Only `undefined` means "not given": `null` is a value, and an invalid one.
  const f = flags === undefined ? {} : flags;
  if (typeof f !== 'object' || f === null) {
    throw new InvalidArgumentError('flags', 'supervisor flags must be an object');
  }
  const strategy = given(f.strategy, 'one-for-one');
  if (!STRATEGIES.includes(strategy)) {
    throw new InvalidArgumentError('strategy', `must be one of ${STRATEGIES.join(', ')}`);
  }
  const intensity = given(f.intensity, 3);
  if (!Number.isInteger(intensity) || intensity < 0 || intensity > BOUNDS.count) {
    throw new InvalidArgumentError('intensity', `must be an integer from 0 to ${BOUNDS.count}`);
  }
  const period = given(f.period, 5_000);
  // Number.isFinite is false for anything that is not a number.
  if (!Number.isFinite(period) || period <= 0 || period > BOUNDS.ms) {
    throw new InvalidArgumentError('period', `must be a number of ms > 0, at most ${BOUNDS.ms}`);
  }
  const autoShutdown = given(f.autoShutdown, 'never');
  if (!AUTO_SHUTDOWNS.includes(autoShutdown)) {
    throw new InvalidArgumentError('autoShutdown', `must be one of ${AUTO_SHUTDOWNS.join(', ')}`);
  }
  return { strategy, intensity, period, autoShutdown };
}

/** Marks a definition as a supervisor, so a spec's `type` defaults to `supervisor`. */
export const SUPERVISOR_DEFINITION: unique symbol = Symbol('airssys.supervisor');

/**
 * Validates one child spec and fills in its defaults; throws
 * `InvalidChildSpecError` naming the field (semantics §13, OTP R10.2's errors).
 */
export function resolveChildSpec(
  raw: unknown,
  autoShutdown: AutoShutdown,
  needsId = true,
): ResolvedChildSpec {
  if (typeof raw !== 'object' || raw === null) {
    throw new InvalidChildSpecError('spec', 'a child spec must be an object');
  }
  const spec = raw as Partial<ChildSpec<unknown>>;
  // Children of a dynamic supervisor have no id (OTP simple_one_for_one: undefined).
  const id = needsId ? spec.id : '';
  if (typeof id !== 'string' || (needsId && id.length === 0)) {
    throw new InvalidChildSpecError('id', 'missing: a non-empty string is required');
  }
  const fail = (field: string, message: string): never => {
    throw new InvalidChildSpecError(field, message, id);
  };
  const actor = spec.actor;
  if (typeof actor !== 'object' || actor === null || typeof actor.handle !== 'function') {
    fail('actor', 'missing: an actor definition with a handle function is required');
  }
  try {
    validateSpawnOptions(spec.options);
  } catch (error) {
    fail('options', error instanceof Error ? error.message : String(error));
  }
  if (spec.options?.detached === true) fail('options', 'a supervised child cannot be detached');
  const restart = given(spec.restart, 'permanent');
  if (!RESTARTS.includes(restart)) fail('restart', `must be one of ${RESTARTS.join(', ')}`);
  const isSupervisor =
    (actor as unknown as Record<symbol, unknown>)[SUPERVISOR_DEFINITION] === true;
  const type = given(spec.type, isSupervisor ? 'supervisor' : 'worker');
  if (type !== 'worker' && type !== 'supervisor') fail('type', "must be 'worker' or 'supervisor'");
  const shutdown = given(spec.shutdown, type === 'supervisor' ? 'infinity' : 5_000);
  if (!isShutdownRule(shutdown)) fail('shutdown', "must be ms >= 0, 'brutalKill' or 'infinity'");
  const significant = given(spec.significant, false);
  if (typeof significant !== 'boolean') fail('significant', 'must be a boolean');
  if (significant && restart === 'permanent') {
    fail('significant', 'a permanent child cannot be significant (bad combination)');
  }
  if (significant && autoShutdown === 'never') {
    fail('significant', "a significant child needs autoShutdown other than 'never'");
  }
  return {
    id,
    actor: actor as ChildActor<unknown>,
    options: spec.options,
    restart,
    shutdown,
    type,
    significant,
    backoff: spec.backoff === undefined ? undefined : resolveBackoff(spec.backoff, fail),
  };
}

function resolveBackoff(
  b: BackoffOptions,
  fail: (field: string, message: string) => never,
): Required<BackoffOptions> {
  if (typeof b !== 'object' || b === null) fail('backoff', 'must be an object');
  const { minMs, maxMs, factor = 2, jitter = 0.2, maxRestarts = Number.POSITIVE_INFINITY } = b;
  const positive = (v: unknown): boolean => Number.isFinite(v) && (v as number) >= 0;
  if (!positive(minMs)) fail('backoff.minMs', 'must be a number of ms >= 0');
  if (!positive(maxMs) || maxMs < minMs) fail('backoff.maxMs', 'must be a number of ms >= minMs');
  if (!Number.isFinite(factor) || factor < 1) {
    fail('backoff.factor', 'must be a finite number >= 1');
  }
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) {
    fail('backoff.jitter', 'must be between 0 and 1');
  }
  const resetAfterMs = given(b.resetAfterMs, maxMs);
  if (!positive(resetAfterMs)) fail('backoff.resetAfterMs', 'must be a number of ms >= 0');
  if (typeof maxRestarts !== 'number' || !(maxRestarts >= 1)) {
    fail('backoff.maxRestarts', 'must be a number >= 1');
  }
  return { minMs, maxMs, factor, jitter, resetAfterMs, maxRestarts };
}

/** Validates a list of specs, ids unique (OTP `duplicate_child_name`). */
export function resolveChildSpecs(
  specs: readonly unknown[],
  autoShutdown: AutoShutdown,
): ResolvedChildSpec[] {
  if (!Array.isArray(specs)) throw new InvalidChildSpecError('children', 'must be an array');
  const seen = new Set<string>();
  return specs.map((raw) => {
    const spec = resolveChildSpec(raw, autoShutdown);
    if (seen.has(spec.id)) throw new InvalidChildSpecError('id', 'duplicate child id', spec.id);
    seen.add(spec.id);
    return spec;
  });
}
