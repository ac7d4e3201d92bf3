import { type ChildProcess, spawn } from 'node:child_process';
import type { ActorRef } from '../actor/index.js';
import { PortExitError } from '../errors.js';
import { type ExitReason, exitReason, formatExitReason, type Pid } from '../process/index.js';
import type { Clock } from '../scheduler/index.js';
import type { ExecPlan } from '../security/index.js';
import type { Containment, Launch } from './launch.js';
import { OutputPump, type PortOutput } from './port-output.js';
import { ProcessTree } from './process-tree.js';

/**
 * One run of a port's program: the OS process in a group of its own and a
 * contained tree (see `ProcessTree`), its pipes, its timers, and the rules
 * for how it ends. The run is over only when every process of the tree is
 * gone: until then its timeout and its tree CPU limit stay armed. Node
 * calls back into this object from outside the actor; once the run is done
 * (the port has finished or died) it tells nothing more and kills whatever
 * is left.
 *
 * @module
 */

/** How often a tree whose first process exited is checked for the rest being gone, in ms. */
const TREE_POLL_MS = 5;

/** Longest wait for a released tree's cgroup to empty before leaving it be, in ms. */
const RELEASE_WAIT_MS = 10_000;

/** Longest wait, once a stopped tree is gone, for its pipes to be read to their end, in ms. */
const DRAIN_WAIT_MS = 1_000;

/** How often a tree's CPU time is read against its limit, in ms (at most; less for small limits). */
const CPU_POLL_MS = 50;

/**
 * What a run needs from its port.
 *
 * @example
 * ```ts
 * const options: RunOptions = { plan, launch, env: {}, owner, port: ctx.pid, mode: 'lines',
 *   highWater: 1000, maxLine: 65_536, grace: 1000, clock, stop: (r) => ctx.stop(r), outcome: log };
 * ```
 */
export interface RunOptions {
  readonly plan: ExecPlan;
  readonly launch: Launch;
  readonly env: Readonly<Record<string, string>>;
  readonly owner: ActorRef<PortOutput>;
  readonly port: Pid;
  readonly mode: 'lines' | 'chunks';
  readonly highWater: number;
  readonly maxLine: number;
  readonly grace: number;
  readonly clock: Clock;
  /** Ends the port with `reason` (a graceful stop: `terminate` runs). */
  readonly stop: (reason: ExitReason) => void;
  /** Records the outcome line in the audit log. */
  readonly outcome: (outcome: string, reason: string) => void;
}

/**
 * A running program owned by a port.
 *
 * @example
 * ```ts
 * const run = new PortRun({ plan, launch, env: {}, owner, port: ctx.pid, ... });
 * await run.started();
 * ```
 */
export class PortRun {
  /** The port's monitor on an owner other than its parent, if any. */
  ownerWatch: unknown;
  readonly #o: RunOptions;
  readonly #child: ChildProcess;
  readonly #pump: OutputPump;
  readonly #tree: ProcessTree | undefined;
  readonly #started: Promise<void>;
  readonly #exitWaiters: (() => void)[] = [];
  readonly #drainWaiters: (() => void)[] = [];
  #exited = false;
  /** The first process has exited and every other process of the tree is gone too. */
  #treeGone = false;
  #code: number | null = null;
  #signal: NodeJS.Signals | null = null;
  #done = false;
  #stopping = false;
  #failure: PortExitError | undefined;
  #timeout: unknown;
  #grace: unknown;
  /** OS-side waits (the tree dying, its CPU time) run on the host's timers, not the system clock. */
  #treePoll: ReturnType<typeof setTimeout> | undefined;
  #cpuPoll: ReturnType<typeof setTimeout> | undefined;

  constructor(options: RunOptions) {
    this.#o = options;
    const { launch, plan } = options;
    this.#child = spawn(launch.file, launch.args, {
      argv0: launch.argv0,
      cwd: plan.cwd,
      env: { ...options.env },
      detached: true, // a process group of its own, killed as one
      shell: false,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const child = this.#child;
    this.#tree =
      child.pid === undefined
        ? undefined
        : new ProcessTree(child.pid, launch.containment.tree, launch.cgroup, launch.wrappers);
    if (child.pid === undefined) launch.cgroup?.remove();
    this.#pump = new OutputPump({
      owner: options.owner,
      port: options.port,
      mode: options.mode,
      highWater: options.highWater,
      maxLine: options.maxLine,
      maxBytes: plan.limits.maxOutputBytes ?? Number.POSITIVE_INFINITY,
      clock: options.clock,
      onLimit: () =>
        this.#fail(
          'ERR_PORT_OUTPUT_LIMIT',
          `${plan.executable} wrote more than ${plan.limits.maxOutputBytes} bytes of output and was killed`,
        ),
      onProgress: () => this.#maybeFinish(),
    });
    this.#pump.attach(child.stdout as NonNullable<typeof child.stdout>, 'stdout');
    this.#pump.attach(child.stderr as NonNullable<typeof child.stderr>, 'stderr');
    child.stdin?.on('error', () => {
      // The program closed its stdin (EPIPE): later writes are dropped.
    });
    this.#started = new Promise((resolve, reject) => {
      child.once('spawn', () => {
        const ms = plan.limits.timeoutMs;
        if (ms !== undefined && !this.#done) {
          this.#timeout = options.clock.setTimer(() => {
            this.#timeout = undefined;
            this.#fail(
              'ERR_PORT_TIMEOUT',
              `${plan.executable} ran longer than ${ms} ms and was killed`,
            );
          }, ms);
        }
        this.#watchCpu();
        resolve();
      });
      child.once('error', (error) => {
        if (child.pid !== undefined) return; // started after all: the exit says the rest
        this.#done = true;
        this.#pump.stop();
        options.outcome('not started', error.message);
        reject(
          new PortExitError(
            'ERR_PORT_EXIT',
            `${plan.executable} could not be started: ${error.message}`,
            null,
            null,
            { cause: error },
          ),
        );
      });
    });
    child.on('exit', (code, signal) => this.#onExit(code, signal));
  }

  /** The program's pid, which is also its process group's id. */
  get osPid(): number {
    return this.#child.pid ?? -1;
  }

  /** The resolved executable that was allowed. */
  get executable(): string {
    return this.#o.plan.executable;
  }

  /** Bytes of output read so far. */
  get bytes(): number {
    return this.#pump.bytes;
  }

  /** How the program's tree is contained. */
  get containment(): Containment {
    return this.#o.launch.containment;
  }

  /** Resolves once the OS process exists; rejects with a `PortExitError` when it could not start. */
  started(): Promise<void> {
    return this.#started;
  }

  /** Writes to the program's stdin; resolves when the pipe takes more (or the port stops). */
  async write(data: string, signal: AbortSignal): Promise<void> {
    const stdin = this.#child.stdin;
    if (this.#done || stdin === null || stdin.destroyed || stdin.writableEnded) return;
    if (stdin.write(data) || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        stdin.off('drain', done);
        stdin.off('close', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      stdin.on('drain', done);
      stdin.on('close', done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Closes the program's stdin: it sees end of input. */
  closeStdin(): void {
    const stdin = this.#child.stdin;
    if (stdin !== null && !stdin.destroyed && !stdin.writableEnded) stdin.end();
  }

  /**
   * The port is stopping (`terminate`): SIGTERM to the group, SIGKILL after
   * the grace period, and wait for the program to exit.
   */
  async shutdown(reason: ExitReason): Promise<void> {
    if (this.#done) return;
    this.#stopping = true;
    if (!this.#treeGone) {
      const gone = new Promise<void>((resolve) => this.#exitWaiters.push(resolve));
      if (!this.#exited) this.#tree?.signal('SIGTERM');
      this.#grace = this.#o.clock.setTimer(() => {
        this.#grace = undefined;
        this.#kill();
      }, this.#o.grace);
      await gone;
    }
    await this.#drained(); // the tree can be seen gone before the last of its output is read
    this.#finish(
      reason,
      `stopped (${formatExitReason(reason)}); ${this.#status()}`,
      'port stopped',
    );
  }

  /**
   * The port has exited or restarts, whatever the way (a kill runs no
   * `terminate`): the group is killed and nothing more is told.
   */
  release(): void {
    if (this.#done) return;
    this.#done = true;
    if (!this.#treeGone) this.#kill();
    this.#clearTimers();
    this.#pump.stop();
    this.#child.stdin?.destroy();
    this.#o.outcome('killed with the port', 'the port ended before its program');
    this.#disposeWhenGone();
  }

  /** Once the pipes are read to their end (a process out of the tree may hold them: a bound, then an I/O turn). */
  #drained(): Promise<void> {
    if (this.#pump.drained) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => setImmediate(resolve), DRAIN_WAIT_MS);
      this.#drainWaiters.push(() => resolve(clearTimeout(timer)));
    });
  }

  /** SIGKILLs the whole tree (again, if it was already killed: forks may have raced the first). */
  #kill(): void {
    this.#tree?.kill(this.#exited);
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.#exited = true;
    this.#code = code;
    this.#signal = signal;
    // Whatever the program left running in its tree goes with it.
    this.#tree?.kill(true);
    this.#checkTree();
  }

  /**
   * Once the first process has exited: the run goes on (its timeout and CPU
   * limit armed) until every other process of the tree is gone too.
   */
  #checkTree(): void {
    this.#treePoll = undefined;
    if (this.#treeGone) return;
    if (this.#tree !== undefined && !this.#tree.gone(this.#exited)) {
      this.#tree.kill(true);
      this.#treePoll = setTimeout(() => this.#checkTree(), TREE_POLL_MS);
      return;
    }
    this.#treeGone = true;
    this.#tree?.dispose();
    this.#clearTimers();
    for (const resolve of this.#exitWaiters.splice(0)) resolve();
    this.#maybeFinish();
  }

  /** A released run's cgroup is removed once its tree is gone (host timers: the port is gone). */
  #disposeWhenGone(): void {
    const tree = this.#tree;
    if (tree === undefined) return;
    const until = performance.now() + RELEASE_WAIT_MS;
    const check = (): void => {
      if (tree.gone(this.#exited) && tree.dispose()) return;
      tree.kill(this.#exited);
      if (performance.now() < until) setTimeout(check, TREE_POLL_MS).unref();
    };
    check();
  }

  /** Reads the tree's CPU time against the policy's `cpuSeconds`, when it bounds the tree. */
  #watchCpu(): void {
    const limit = this.#o.plan.limits.cpuSeconds;
    if (limit === undefined || this.containment.limits.cpuSeconds !== 'tree') return;
    const every = Math.max(5, Math.min(CPU_POLL_MS, (limit * 1000) / 20));
    const poll = (): void => {
      this.#cpuPoll = undefined;
      if (this.#done || this.#treeGone || this.#failure !== undefined) return;
      const used = this.#tree?.cpuSeconds() ?? 0;
      if (used >= limit) {
        this.#fail(
          'ERR_PORT_CPU_LIMIT',
          `${this.#o.plan.executable} and its children used ${used.toFixed(2)} s of CPU (limit ${limit} s) and were killed`,
        );
        return;
      }
      this.#cpuPoll = setTimeout(poll, every);
    };
    poll();
  }

  /**
   * Wakes a stop waiting for the pipes to drain. Ends the port once the program
   * has exited and everything read from it has been told: by the limit it broke,
   * else by its exit status.
   */
  #maybeFinish(): void {
    if (this.#pump.drained) for (const resolve of this.#drainWaiters.splice(0)) resolve();
    if (!this.#treeGone || this.#done || this.#stopping || !this.#pump.finished) return;
    const failure = this.#failure;
    if (failure !== undefined) {
      const outcome = `${failure.code}; ${this.#status()}`;
      this.#finish(exitReason.error(failure), outcome, failure.message);
      return;
    }
    const exe = this.#o.plan.executable;
    if (this.#code === 0 && this.#signal === null) {
      this.#finish(exitReason.normal, this.#status(), `${exe} exited normally`);
      return;
    }
    const message =
      this.#signal === null
        ? `${exe} exited with status ${this.#code}`
        : `${exe} was killed by ${this.#signal}`;
    const error = new PortExitError('ERR_PORT_EXIT', message, this.#code, this.#signal);
    this.#finish(exitReason.error(error), this.#status(), message);
  }

  /**
   * Kills the program for breaking a limit and stops reading; the port ends
   * with `code` once it has exited and what was read has been told.
   */
  #fail(
    code: 'ERR_PORT_TIMEOUT' | 'ERR_PORT_OUTPUT_LIMIT' | 'ERR_PORT_CPU_LIMIT',
    message: string,
  ): void {
    if (this.#done || this.#stopping || this.#failure !== undefined) return;
    this.#failure = new PortExitError(code, message, null, 'SIGKILL');
    this.#child.stdin?.destroy();
    if (!this.#treeGone) this.#kill();
    this.#pump.halt();
    this.#maybeFinish();
  }

  #finish(reason: ExitReason, outcome: string, why: string): void {
    if (this.#done) return;
    this.#done = true;
    this.#clearTimers();
    this.#pump.stop();
    this.#child.stdin?.destroy();
    this.#o.outcome(outcome, why);
    if (!this.#stopping) this.#o.stop(reason);
  }

  #status(): string {
    const how = this.#signal === null ? `exit ${this.#code}` : `signal ${this.#signal}`;
    return `${how}, ${this.#pump.bytes} bytes of output`;
  }

  #clearTimers(): void {
    const clock = this.#o.clock;
    for (const timer of [this.#timeout, this.#grace]) {
      if (timer !== undefined) clock.clearTimer(timer);
    }
    clearTimeout(this.#treePoll);
    clearTimeout(this.#cpuPoll);
    this.#timeout = undefined;
    this.#grace = undefined;
    this.#treePoll = undefined;
    this.#cpuPoll = undefined;
  }
}
