import { type ChildProcess, spawn } from 'node:child_process';
import type { ActorRef } from '../actor/index.js';
import { PortExitError } from '../errors.js';
import { type ExitReason, exitReason, formatExitReason, type Pid } from '../process/index.js';
import type { Clock } from '../scheduler/index.js';
import type { ExecPlan } from '../security/index.js';
import { killGroup, type Launch } from './launch.js';
import { OutputPump, type PortOutput } from './port-output.js';

/**
 * One run of a port's program: the OS process in a group of its own, its
 * pipes, its timers, and the rules for how it ends. Node calls back into
 * this object from outside the actor; once the run is done (the port has
 * finished or died) it tells nothing more and kills whatever is left.
 *
 * @module
 */

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
  readonly #started: Promise<void>;
  readonly #exitWaiters: (() => void)[] = [];
  #exited = false;
  #code: number | null = null;
  #signal: NodeJS.Signals | null = null;
  #done = false;
  #stopping = false;
  #killed = false;
  #failure: PortExitError | undefined;
  #timeout: unknown;
  #grace: unknown;

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
    if (!this.#exited) {
      const exited = new Promise<void>((resolve) => this.#exitWaiters.push(resolve));
      killGroup(this.osPid, 'SIGTERM');
      this.#grace = this.#o.clock.setTimer(() => {
        this.#grace = undefined;
        this.#kill();
      }, this.#o.grace);
      await exited;
    }
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
    if (!this.#exited) this.#kill();
    this.#clearTimers();
    this.#pump.stop();
    this.#child.stdin?.destroy();
    this.#o.outcome('killed with the port', 'the port ended before its program');
  }

  #kill(): void {
    if (this.#killed || this.osPid < 0) return;
    this.#killed = true;
    killGroup(this.osPid, 'SIGKILL');
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.#exited = true;
    this.#code = code;
    this.#signal = signal;
    // Whatever the program left running in its group goes with it.
    this.#kill();
    this.#clearTimers();
    for (const resolve of this.#exitWaiters.splice(0)) resolve();
    this.#maybeFinish();
  }

  /**
   * Ends the port once the program has exited and everything read from it
   * has been told: by the limit it broke, else by its exit status.
   */
  #maybeFinish(): void {
    if (!this.#exited || this.#done || this.#stopping || !this.#pump.finished) return;
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
  #fail(code: 'ERR_PORT_TIMEOUT' | 'ERR_PORT_OUTPUT_LIMIT', message: string): void {
    if (this.#done || this.#stopping || this.#failure !== undefined) return;
    this.#failure = new PortExitError(code, message, null, 'SIGKILL');
    this.#child.stdin?.destroy();
    if (!this.#exited) this.#kill();
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
    if (this.#timeout !== undefined) clock.clearTimer(this.#timeout);
    if (this.#grace !== undefined) clock.clearTimer(this.#grace);
    this.#timeout = undefined;
    this.#grace = undefined;
  }
}
