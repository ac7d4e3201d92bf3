/**
 * A small harness for the conformance tests (otp-rules.md §1): a system on a
 * manual clock that records every exit, and "probe" processes that run
 * commands the test hands them and record every other message they handle.
 * Everything goes through the runtime's public API.
 */
import {
  type ActorContext,
  type ActorDefinition,
  type ActorRef,
  createSystem,
  type DeadLetter,
  type DownMessage,
  defineActor,
  type ExitMessage,
  type ExitReason,
  type Pid,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing/index.js';

/** An ordinary message carrying a text. */
export interface Note {
  readonly type: 'note';
  readonly text: string;
}

/** A command: the probe calls `fn` with its context, as its handler. */
export interface Run {
  readonly type: 'run';
  readonly fn: (ctx: ProbeContext) => void | Promise<void>;
}

export type ProbeMsg = Run | Note | ExitMessage | DownMessage;
/** What a probe records: every message except commands. */
export type Received = Note | ExitMessage | DownMessage;
export type ProbeContext = ActorContext<ProbeMsg>;

export const note = (text: string): Note => ({ type: 'note', text });

/** A probe's definition and the logs it writes to. */
export interface ProbeParts {
  readonly def: ActorDefinition<ProbeMsg, undefined, undefined>;
  /** Every message it handled other than commands, in order. */
  readonly inbox: Received[];
  /** The reasons `terminate` ran with; empty while it never ran. */
  readonly terminated: ExitReason[];
}

/** A probe definition: traps exits from `init` when `trap` is set. */
export function probeActor(options: { readonly trap?: boolean } = {}): ProbeParts {
  const inbox: Received[] = [];
  const terminated: ExitReason[] = [];
  const def = defineActor<ProbeMsg>({
    init(ctx) {
      if (options.trap === true) ctx.trapExit(true);
    },
    handle(msg, ctx) {
      if (msg.type === 'run') return msg.fn(ctx);
      inbox.push(msg);
    },
    terminate(reason) {
      terminated.push(reason);
    },
  });
  return { def, inbox, terminated };
}

/** A running probe. */
export interface Probe extends ProbeParts {
  readonly ref: ActorRef<ProbeMsg>;
  readonly pid: Pid;
  /** Queues a command: `fn` runs inside the process when it takes the message. */
  run(fn: (ctx: ProbeContext) => void | Promise<void>): void;
}

/** Wraps a ref to a process running `parts.def`. */
export function asProbe(ref: ActorRef<ProbeMsg>, parts: ProbeParts): Probe {
  return {
    ...parts,
    ref,
    pid: ref.pid,
    run(fn) {
      ref.tell({ type: 'run', fn });
    },
  };
}

/** The texts of the notes in an inbox. */
export function texts(inbox: readonly Received[]): string[] {
  return inbox.flatMap((m) => (m.type === 'note' ? [m.text] : []));
}

/** The EXIT messages in an inbox, as `[from, reason]`. */
export function exitsIn(inbox: readonly Received[]): [Pid | undefined, ExitReason][] {
  return inbox.flatMap((m) => (m.type === 'EXIT' ? [[m.from, m.reason]] : []));
}

/** The DOWN messages in an inbox. */
export function downsIn(inbox: readonly Received[]): DownMessage[] {
  return inbox.flatMap((m) => (m.type === 'DOWN' ? [m] : []));
}

export function setup() {
  const clock = new ManualClock();
  const system = createSystem({ clock });
  /** Every exit reported, per pid: a process that exits twice shows two entries. */
  const exits = new Map<Pid, ExitReason[]>();
  system.events.subscribe(
    (e) => {
      if (e.type !== 'exited') return;
      const list = exits.get(e.pid) ?? [];
      list.push(e.reason);
      exits.set(e.pid, list);
    },
    ['exited'],
  );
  const letters: DeadLetter[] = [];
  system.deadLetters.subscribe((d) => letters.push(d));

  /** Starts a top-level probe; resolves once its `init` has run (so trapping is on). */
  const probe = async (
    options: { readonly trap?: boolean; readonly name?: string } = {},
  ): Promise<Probe> => {
    const parts = probeActor(options);
    const ref = await system.start(
      parts.def,
      options.name === undefined ? undefined : { name: options.name },
    );
    return asProbe(ref, parts);
  };

  /** The reasons `pid` exited with (one entry, or none while it is alive). */
  const exitsOf = (target: { readonly pid: Pid } | Pid): ExitReason[] =>
    exits.get(typeof target === 'number' ? target : target.pid) ?? [];

  return { clock, system, exits, exitsOf, letters, probe };
}

/** A spawner whose commands spawn probes (kept in `spawned`) from its own context. */
export async function spawner(s: ReturnType<typeof setup>, options: { trap?: boolean } = {}) {
  const parent = await s.probe(options);
  const spawned: { pid: Pid; inbox: ReturnType<typeof probeActor>['inbox'] }[] = [];
  const spawn = (
    how: 'spawn' | 'spawnLink' | 'spawnMonitor',
    opts: { detached?: boolean; trap?: boolean } = {},
  ) => {
    const parts = probeActor({ trap: opts.trap === true });
    parent.run((ctx) => {
      const options = opts.detached === true ? { detached: true } : undefined;
      const ref =
        how === 'spawnMonitor'
          ? ctx.spawnMonitor(parts.def, options)[0]
          : ctx[how](parts.def, options);
      spawned.push({ pid: ref.pid, inbox: parts.inbox });
    });
    return parts;
  };
  return { parent, spawned, spawn };
}
