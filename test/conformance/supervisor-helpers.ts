/**
 * Helpers for the supervisor conformance tests (otp-rules.md §1.8, §1.10,
 * §1.11): a system on a manual clock that records exits and supervision
 * events, and a configurable worker whose life is written to a shared log.
 * Everything goes through the runtime's public API.
 */
import {
  type ActorDefinition,
  type ActorRef,
  type ChildInfo,
  createSystem,
  type Directive,
  defineActor,
  type ExitMessage,
  type ExitReason,
  type Pid,
  type Reply,
  type SupervisionEvent,
  type SupervisorRef,
  whichChildren,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';

export type WorkerMsg =
  /** The handler throws `error` (default `new Error('boom')`). */
  | { readonly type: 'crash'; readonly error?: unknown }
  /** The handler stops the process with `reason` (`ctx.stop`). */
  | { readonly type: 'exit'; readonly reason: ExitReason }
  /** Replies with the worker's pid. */
  | { readonly type: 'ping'; readonly reply: Reply<Pid> }
  /** The handler awaits `promise` (a long async handler). */
  | { readonly type: 'await'; readonly promise: Promise<void> }
  /** Runs `fn` inside the process. */
  | { readonly type: 'run'; readonly fn: (ctx: WorkerCtx) => void }
  | ExitMessage;

// biome-ignore lint/suspicious/noExplicitAny: a worker's context, whatever its state
export type WorkerCtx = Parameters<NonNullable<ActorDefinition<WorkerMsg, any>['init']>>[0];

/**
 * How a worker behaves. The object is read at each call, so a test can
 * change it between starts (for example to make the next init fail).
 */
export interface Behaviour {
  /** init throws. */
  failInit?: boolean;
  /** init calls `ctx.stop()` (`normal`): OTP `ignore`. */
  ignore?: boolean;
  /** init awaits this before it returns. */
  initGate?: Promise<void>;
  /** terminate returns a promise that never resolves (ignores shutdown). */
  hang?: boolean;
  /** terminate awaits this before it returns. */
  terminateGate?: Promise<void>;
  /** terminate throws. */
  failTerminate?: boolean;
  /** init turns trapping exits on. */
  trap?: boolean;
  /** The onError directive; without it a failure stops the process. */
  onError?: Directive;
}

const NEVER = new Promise<void>(() => {});

/** One real event-loop turn (setImmediate): queued microtasks and scheduler rounds run. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Lets the runtime run until nothing is runnable, without waiting for
 * async hooks still in flight (which `system.idle()` would wait for): for
 * tests that hold an init or terminate open on a gate.
 */
export async function quiesce(system: {
  stats(): { scheduler: { runnable: number } };
}): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    await turn();
    await turn();
    if (system.stats().scheduler.runnable === 0) return;
  }
  throw new Error('the runtime never became quiet');
}

/**
 * A worker writing `init:<label>` when its init has finished (and
 * `init-begin:<label>` when it begins), `terminate:<label>:<reason kind>`
 * when terminate runs, and `EXIT:<label>` for every trapped exit.
 */
export function worker(
  label: string,
  log: string[],
  behaviour: Behaviour = {},
): ActorDefinition<WorkerMsg, undefined, undefined> {
  const b = behaviour;
  const def: ActorDefinition<WorkerMsg, undefined, undefined> = {
    label,
    init(ctx) {
      log.push(`init-begin:${label}`);
      if (b.trap === true) ctx.trapExit(true);
      const finish = (): undefined => {
        if (b.failInit === true) throw new Error(`${label} init failed`);
        if (b.ignore === true) ctx.stop();
        log.push(`init:${label}`);
        return undefined;
      };
      if (b.initGate !== undefined) return b.initGate.then(finish);
      return finish();
    },
    handle(msg, ctx) {
      switch (msg.type) {
        case 'crash':
          throw msg.error ?? new Error('boom');
        case 'exit':
          ctx.stop(msg.reason);
          return;
        case 'ping':
          msg.reply.send(ctx.pid);
          return;
        case 'await':
          return msg.promise;
        case 'run':
          msg.fn(ctx);
          return;
        case 'EXIT':
          log.push(`EXIT:${label}`);
          return;
      }
    },
    terminate(reason) {
      log.push(`terminate:${label}:${reason.kind}`);
      if (b.failTerminate === true) throw new Error(`${label} terminate failed`);
      if (b.hang === true) return NEVER;
      if (b.terminateGate !== undefined) return b.terminateGate;
      return undefined;
    },
  };
  if (b.onError !== undefined) {
    const directive = b.onError;
    return defineActor({ ...def, onError: () => directive });
  }
  return defineActor(def);
}

/** The entries of `log` that start with `prefix`. */
export function only(log: readonly string[], prefix: string): string[] {
  return log.filter((e) => e.startsWith(prefix));
}

export function setup() {
  const clock = new ManualClock();
  const system = createSystem({ clock });
  /** Every exit reported, per pid. */
  const exits = new Map<Pid, ExitReason>();
  /** Every supervision event, in order. */
  const events: SupervisionEvent[] = [];
  /** Pids restarted in place (the `restart` directive). */
  const inPlace: Pid[] = [];
  system.events.subscribe((e) => {
    switch (e.type) {
      case 'exited':
        exits.set(e.pid, e.reason);
        return;
      case 'restarted':
        inPlace.push(e.pid);
        return;
      case 'child-started':
      case 'child-exited':
      case 'child-restarted':
      case 'child-start-failed':
      case 'supervisor-shutdown':
        events.push(e);
        return;
      default:
        return;
    }
  });

  /** The children of `sup` as `whichChildren` lists them, keyed by id. */
  const children = async (sup: SupervisorRef): Promise<Map<string | undefined, ChildInfo>> =>
    new Map((await whichChildren(sup)).map((c) => [c.id, c]));

  /** The running child `id` of `sup` (throws when it is not running). */
  const child = async (sup: SupervisorRef, id: string): Promise<ActorRef<WorkerMsg>> => {
    const info = (await children(sup)).get(id);
    if (info?.ref === undefined) throw new Error(`child ${id} is not running`);
    return info.ref as ActorRef<WorkerMsg>;
  };

  /** The running child supervisor `id` of `sup` (throws when it is not running). */
  const childSupervisor = async (sup: SupervisorRef, id: string): Promise<SupervisorRef> => {
    const info = (await children(sup)).get(id);
    if (info?.ref === undefined) throw new Error(`child ${id} is not running`);
    return info.ref as SupervisorRef;
  };

  /** The pids of the running children, by id. */
  const pids = async (sup: SupervisorRef): Promise<Record<string, Pid | undefined>> => {
    const out: Record<string, Pid | undefined> = {};
    for (const c of await whichChildren(sup)) out[c.id ?? '?'] = c.ref?.pid;
    return out;
  };

  /** Crashes a child from inside its handler and lets the system settle. */
  const crash = async (ref: ActorRef<WorkerMsg>, error?: unknown): Promise<void> => {
    ref.tell(error === undefined ? { type: 'crash' } : { type: 'crash', error });
    await system.idle();
  };

  /** Makes a child stop itself with `reason` and lets the system settle. */
  const exitWith = async (ref: ActorRef<WorkerMsg>, reason: ExitReason): Promise<void> => {
    ref.tell({ type: 'exit', reason });
    await system.idle();
  };

  /** The supervision events of one type. */
  const eventsOf = <T extends SupervisionEvent['type']>(
    type: T,
  ): Extract<SupervisionEvent, { type: T }>[] =>
    events.filter((e): e is Extract<SupervisionEvent, { type: T }> => e.type === type);

  return {
    clock,
    system,
    exits,
    events,
    inPlace,
    children,
    child,
    childSupervisor,
    pids,
    crash,
    exitWith,
    eventsOf,
  };
}
