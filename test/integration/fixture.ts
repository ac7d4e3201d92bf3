/**
 * What several integration tests build the same way: a system on a manual
 * clock that keeps its dead letters, the exit reasons of its processes, a
 * process that records what it handles, the addressing tests' worker (it answers `who`, logs notes, crashes on
 * demand and runs code in its own context), and the zombie-send tests' setting.
 */
import {
  type ActorContext,
  type ActorRef,
  type ActorSystem,
  createSystem,
  type DeadLetter,
  defineActor,
  type ExitReason,
  type Pid,
  type Reply,
  type SpawnOptions,
  type SystemOptions,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';
import { type Deferred, turn } from '../support/guard.js';

/**
 * A system on a fresh manual clock (with `options`), and the dead letters
 * it has had, in order.
 *
 * @example
 * const { clock, system, letters } = manualSystem({ shutdownTimeout: 50 });
 */
export function manualSystem(options: Omit<SystemOptions, 'clock'> = {}) {
  const clock = new ManualClock();
  const system = createSystem({ clock, ...options });
  const letters: DeadLetter[] = [];
  system.deadLetters.subscribe((d) => letters.push(d));
  return { clock, system, letters };
}

/**
 * The exit reason of every process of `system` that exits from now on, by pid.
 *
 * @example
 * const exits = exitsOf(system);
 * await system.stop(ref);
 * assert.deepEqual(exits.get(ref.pid), exitReason.normal);
 */
export function exitsOf(system: ActorSystem): Map<number, ExitReason> {
  const exits = new Map<number, ExitReason>();
  system.events.subscribe((e) => {
    if (e.type === 'exited') exits.set(e.pid, e.reason);
  });
  return exits;
}

/**
 * A process (spawned with `options`) that keeps every message it handles,
 * in order.
 *
 * @example
 * const { ref, handled } = recorder<string>(system, { mailbox: { capacity: 1 } });
 * ref.tell('a'); // after system.idle(): handled = ['a']
 */
export function recorder<T = string>(
  system: ActorSystem,
  options?: SpawnOptions<undefined>,
): { ref: ActorRef<T>; handled: T[] } {
  const handled: T[] = [];
  const ref = system.spawn(
    defineActor<T>({
      handle(msg) {
        handled.push(msg);
      },
    }),
    options,
  );
  return { ref, handled };
}

/** What the addressing tests' worker takes. */
export type WorkerMsg =
  | { readonly type: 'who'; readonly reply: Reply<Pid> }
  | { readonly type: 'note'; readonly text: string }
  | { readonly type: 'crash' }
  | { readonly type: 'run'; readonly fn: (ctx: ActorContext<WorkerMsg>) => void };

/**
 * A worker that answers `who` with its pid, logs notes as `pid:text`,
 * crashes on `crash`, runs `fn` of a `run`, runs `setup` in init and, with
 * `restart`, restarts in place on a failure (onError directive).
 *
 * @example
 * const log: string[] = [];
 * const ref = system.spawn(worker(log), { name: 'w' });
 * ref.tell({ type: 'note', text: 'hi' }); // log: [`${ref.pid}:hi`]
 */
export function worker(
  log: string[] = [],
  setup?: (ctx: ActorContext<WorkerMsg>) => void,
  directive?: 'restart',
) {
  return defineActor<WorkerMsg>({
    init(ctx) {
      setup?.(ctx);
    },
    handle(msg, ctx) {
      switch (msg.type) {
        case 'who':
          msg.reply.send(ctx.pid);
          return;
        case 'note':
          log.push(`${ctx.pid}:${msg.text}`);
          return;
        case 'crash':
          throw new Error('crash');
        case 'run':
          msg.fn(ctx);
          return;
      }
    },
    ...(directive === undefined ? {} : { onError: () => directive }),
  });
}

/** A message carrying the ref to send to. */
export type Go = { readonly to: ActorRef<unknown> };

/**
 * The zombie-send tests' setting (semantics §4): a system on a manual
 * clock, a target that records what it got and from whom, the dead letters
 * `sender-exited`, and a way to kill a process while its async handler awaits.
 */
export function zombieSetUp() {
  const clock = new ManualClock();
  const system = createSystem({ clock });
  /** What the target received, with the sender it saw. */
  const seen: [unknown, number | undefined][] = [];
  const target = system.spawn(
    defineActor<unknown>({
      handle(msg, ctx) {
        if (typeof msg === 'object' && msg !== null && 'reply' in msg) {
          (msg as { reply: { send(v: unknown): void } }).reply.send('answered');
        }
        seen.push([msg, ctx.sender]);
      },
    }),
  );
  const letters: DeadLetter[] = [];
  system.deadLetters.subscribe((l) => letters.push(l));
  const exited = () => letters.filter((l) => l.reason === 'sender-exited');
  const received = () => system.info(target)?.mailbox.enqueued ?? -1;
  /**
   * Lets `victim` take its message and reach its await on `gate`, kills it
   * there, opens the gate and lets the rest run.
   */
  const killWhileAwaiting = async (victim: ActorRef<never>, gate: Deferred<void>) => {
    await turn();
    system.kill(victim);
    gate.resolve();
    await turn();
  };
  return { system, clock, target, exited, received, seen, killWhileAwaiting };
}
