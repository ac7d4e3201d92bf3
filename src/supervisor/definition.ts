import type { ActorContext, ActorDefinition, ActorProcess } from '../actor/index.js';
import { STOP_CHILDREN } from '../actor/index.js';
import { InvalidArgumentError } from '../errors.js';
import { BOUNDS } from '../limits/index.js';
import { afterStep, SupervisorState, startInitial, stopAllChildren } from './child-lifecycle.js';
import { Child } from './children.js';
import type { SupervisorMessage } from './protocol.js';
import { handleRequest, unexpected } from './requests.js';
import { onExit, onRetry } from './restarts.js';
import type { ChildSpec, ResolvedChildSpec, ResolvedFlags, SupervisorFlags } from './spec.js';
import { resolveChildSpecs, resolveFlags, SUPERVISOR_DEFINITION } from './spec.js';

/**
 * A supervisor's spec: its flags and its children, started in order.
 *
 * @example
 * ```ts
 * const spec: SupervisorSpec = { strategy: 'one-for-one', children: [{ id: 'db', actor: db }] };
 * ```
 */
export interface SupervisorSpec extends SupervisorFlags {
  readonly children?: readonly ChildSpec<unknown>[];
  /** Random source for backoff jitter; default `Math.random`. */
  readonly random?: () => number;
  /** A label for inspection; default `supervisor`. */
  readonly label?: string;
}

/**
 * The definition of a supervisor (OTP `supervisor`, Akka's supervision).
 * Spawn it like any actor; `system.start` waits until every child has
 * started. Flags and specs are validated here, before anything runs, and
 * throw `InvalidArgumentError` or `InvalidChildSpecError`.
 *
 * @example
 * ```ts
 * const sup = await system.start(
 *   supervisor({
 *     strategy: 'rest-for-one',
 *     intensity: 3,
 *     period: 5_000,
 *     children: [
 *       { id: 'db', actor: db, shutdown: 2_000 },
 *       { id: 'api', actor: api, options: { name: 'api' } },
 *     ],
 *   }),
 * );
 * ```
 */
export function supervisor(
  spec: SupervisorSpec,
): ActorDefinition<SupervisorMessage, SupervisorState> {
  if (typeof spec !== 'object' || spec === null) {
    throw new InvalidArgumentError('spec', 'a supervisor spec must be an object');
  }
  const flags = resolveFlags(spec);
  const specs = resolveChildSpecs(spec.children ?? [], flags.autoShutdown);
  return supervisorDefinition(spec.label ?? 'supervisor', flags, specs, false, 0, spec.random);
}

function supervisorDefinition(
  label: string,
  flags: ResolvedFlags,
  specs: readonly ResolvedChildSpec[],
  dynamic: boolean,
  maxChildren: number,
  random: (() => number) | undefined,
): ActorDefinition<SupervisorMessage, SupervisorState> {
  const definition = {
    label,
    init(ctx: ActorContext<SupervisorMessage, SupervisorState>) {
      ctx.trapExit(true); // semantics §11 R4.4: a supervisor always traps exits
      const sup = ctx as unknown as ActorProcess;
      const state = new SupervisorState(flags, dynamic, maxChildren, random ?? Math.random);
      for (const s of specs) state.children.add(new Child(s));
      return afterStep(startInitial(sup, state, 0), () => {
        // semantics §13 R10.4: an ignored temporary child is not kept.
        for (const c of [...state.children.list]) {
          if (c.process === null && c.spec.restart === 'temporary') state.children.remove(c);
        }
        return state;
      });
    },
    handle(msg: SupervisorMessage, ctx: ActorContext<SupervisorMessage, SupervisorState>) {
      const sup = ctx as unknown as ActorProcess;
      const state = ctx.state;
      if (msg === null || typeof msg !== 'object') {
        unexpected(sup, msg); // semantics §9 R10.13: logged and ignored, never a crash
        return;
      }
      switch (msg.type) {
        case 'EXIT':
          return onExit(sup, state, msg);
        case 'sup:retry':
          return onRetry(sup, state, msg);
        default:
          return handleRequest(sup, state, msg);
      }
    },
    [STOP_CHILDREN]: stopAllChildren,
    [SUPERVISOR_DEFINITION]: true,
  };
  return Object.freeze(definition) as ActorDefinition<SupervisorMessage, SupervisorState>;
}

/**
 * A dynamic supervisor's spec (Elixir `DynamicSupervisor`): intensity and
 * period as for {@link supervisor}, and a cap on children.
 *
 * @example
 * ```ts
 * const spec: DynamicSupervisorSpec = { maxChildren: 1_000, intensity: 10, period: 1_000 };
 * ```
 */
export interface DynamicSupervisorSpec {
  readonly intensity?: number;
  readonly period?: number;
  /** `startChild` fails with `ERR_MAX_CHILDREN` beyond this; default Infinity. */
  readonly maxChildren?: number;
  readonly random?: () => number;
  readonly label?: string;
}

/**
 * The definition of a dynamic supervisor (Elixir `DynamicSupervisor`, OTP
 * `simple_one_for_one`): it starts with no children; `startChild` adds them
 * at run time, without ids, each restarted one-for-one. When it stops, it
 * stops all its children at once, each by its shutdown rule.
 *
 * @example
 * ```ts
 * const pool = await system.start(dynamicSupervisor({ maxChildren: 100 }));
 * const worker = await startChild(pool, { actor: job, restart: 'transient' });
 * ```
 */
export function dynamicSupervisor(
  spec: DynamicSupervisorSpec = {},
): ActorDefinition<SupervisorMessage, SupervisorState> {
  if (typeof spec !== 'object' || spec === null) {
    throw new InvalidArgumentError('spec', 'a dynamic supervisor spec must be an object');
  }
  const flags = resolveFlags({
    ...(spec.intensity === undefined ? {} : { intensity: spec.intensity }),
    ...(spec.period === undefined ? {} : { period: spec.period }),
  });
  const max = spec.maxChildren ?? Number.POSITIVE_INFINITY;
  const finite = Number.isInteger(max) && max >= 0 && max <= BOUNDS.count;
  if (!finite && max !== Number.POSITIVE_INFINITY) {
    throw new InvalidArgumentError(
      'maxChildren',
      `must be an integer from 0 to ${BOUNDS.count} or Infinity`,
    );
  }
  return supervisorDefinition(
    spec.label ?? 'dynamic-supervisor',
    flags,
    [],
    true,
    max,
    spec.random,
  );
}
