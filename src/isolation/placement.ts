import { fileURLToPath } from 'node:url';
import type { SpawnOptions } from '../actor/index.js';
import { InvalidArgumentError, SandboxUnavailableError } from '../errors.js';
import type { MainSide } from './host-requests.js';
import { HostLink } from './link.js';
import type { ModuleRef } from './protocol.js';
import { checkSandbox, rootLayout, SandboxProbe, sandboxCommand } from './sandbox.js';
import {
  type OutputListener,
  PROCESS_ENTRY,
  type ProcessPlan,
  permissionFlags,
  processTransport,
  type Transport,
  workerTransport,
} from './transport.js';

/** The placement part of spawn options. */
export type PlacementOptions = Pick<
  SpawnOptions<unknown>,
  'placement' | 'resourceLimits' | 'sandbox' | 'security'
>;

/**
 * One host as `system.introspect()` shows it.
 *
 * @example
 * ```ts
 * const busy = system.introspect().hosts.filter((h) => h.pendingAsks > 0);
 * ```
 */
export interface HostView {
  /** A dedicated worker thread or child process, or a thread of the scheduler pool. */
  readonly kind: 'worker' | 'process' | 'pool';
  /** The pids (stand-ins) of the processes it runs. */
  readonly processes: readonly number[];
  /** Asks from main to its processes still waiting for an answer. */
  readonly pendingAsks: number;
}

/** The hosts of one system: dedicated ones per process, and the scheduler pool. */
export class Placements {
  readonly #main: MainSide;
  readonly #poolSize: number;
  readonly #pool: HostLink[] = [];
  /** Hosts of one process each, with their kind. */
  readonly #dedicated = new Map<HostLink, 'worker' | 'process'>();
  /** Whether this machine can sandbox a host: asked once, at the first sandboxed spawn. */
  readonly #probe: SandboxProbe;
  #closed = false;

  constructor(main: MainSide, poolSize: number, probe: SandboxProbe = new SandboxProbe()) {
    this.#main = main;
    this.#poolSize = poolSize;
    this.#probe = probe;
  }

  /**
   * The host a new process with `options` runs on. A `sandbox` this machine
   * cannot give throws `SandboxUnavailableError`, before anything starts.
   */
  link(options: PlacementOptions, module: ModuleRef): HostLink {
    if (this.#closed) throw new InvalidArgumentError('placement', 'the system has shut down');
    if (options.placement === 'pool') return this.#poolLink();
    let onOutput: OutputListener = () => {};
    const transport: Transport =
      options.placement === 'process'
        ? processTransport(this.#processPlan(options, module), (stream, text, dropped) =>
            onOutput(stream, text, dropped),
          )
        : workerTransport(options.resourceLimits);
    const link = new HostLink(this.#main, transport, (l) => {
      // A dedicated host lives as long as its one process.
      this.#dedicated.delete(l);
      l.transport.terminate();
    });
    onOutput = (stream, text, dropped) => link.output(stream, text, dropped);
    this.#dedicated.set(link, options.placement === 'process' ? 'process' : 'worker');
    return link;
  }

  /** The command line of a process host: sandboxed (bwrap) when asked, plain Node otherwise. */
  #processPlan(options: PlacementOptions, module: ModuleRef): ProcessPlan {
    const nodeArgs: string[] = [];
    const heap = options.resourceLimits?.maxOldGenerationSizeMb;
    const sandbox = options.sandbox;
    if (sandbox === undefined) {
      if (heap !== undefined) nodeArgs.push(`--max-old-space-size=${heap}`);
      return {
        file: process.execPath,
        args: [...nodeArgs, PROCESS_ENTRY],
        env: process.env,
        capture: false,
      };
    }
    checkSandbox(sandbox);
    // The uid: the sandbox's own, else the one the process's policy runs programs as.
    const policyRunAs = options.security?.exec?.runAs;
    const effective =
      sandbox.runAs === undefined && policyRunAs !== undefined
        ? { ...sandbox, runAs: policyRunAs }
        : sandbox;
    const problem = this.#probe.problem();
    if (problem !== undefined) throw new SandboxUnavailableError(problem);
    const reads = codeReads(module);
    nodeArgs.push(
      ...permissionFlags({ ...sandbox, allowFsRead: [...(sandbox.allowFsRead ?? []), ...reads] }),
    );
    if (heap !== undefined) nodeArgs.push(`--max-old-space-size=${heap}`);
    const command = sandboxCommand(
      effective,
      {
        node: process.execPath,
        nodeArgs,
        entry: PROCESS_ENTRY,
        reads,
        root: rootLayout(process.execPath, reads),
      },
      this.#probe.tools,
      process.getuid?.(),
    );
    if (typeof command === 'string') throw new SandboxUnavailableError(command);
    return { file: command.file, args: command.args, env: command.env, capture: true };
  }

  /** The pool thread with the fewest processes; a dead one is replaced. */
  #poolLink(): HostLink {
    for (let i = this.#pool.length - 1; i >= 0; i--) {
      if ((this.#pool[i] as HostLink).ended) this.#pool.splice(i, 1);
    }
    if (this.#pool.length < this.#poolSize) {
      const link = new HostLink(this.#main, workerTransport(undefined), (l) => {
        // An idle pool thread stays, but does not keep the program alive.
        if (!l.ended) l.transport.ref(false);
      });
      this.#pool.push(link);
      return link;
    }
    let best = this.#pool[0] as HostLink;
    for (const l of this.#pool) if (l.load < best.load) best = l;
    return best;
  }

  /** How many pool threads run now. */
  get poolThreads(): number {
    return this.#pool.filter((l) => !l.ended).length;
  }

  /** Every host that runs now: its kind, its stand-ins' pids and main's asks it still owes. */
  hosts(): HostView[] {
    const view = (kind: HostView['kind'], l: HostLink): HostView => ({
      kind,
      processes: l.placed,
      pendingAsks: l.pendingAsks,
    });
    return [
      ...this.#pool.filter((l) => !l.ended).map((l) => view('pool', l)),
      ...[...this.#dedicated].filter(([l]) => !l.ended).map(([l, kind]) => view(kind, l)),
    ];
  }

  /** Ends every host (system shutdown, after the processes have stopped). */
  close(): void {
    this.#closed = true;
    for (const l of [...this.#pool, ...this.#dedicated.keys()]) l.transport.terminate();
    this.#pool.length = 0;
    this.#dedicated.clear();
  }
}

/** What a sandboxed host must still read: the runtime's code and the actor's module directory. */
function codeReads(module: ModuleRef): string[] {
  const reads = [fileURLToPath(new URL('..', import.meta.url))];
  if (module.url.startsWith('file:')) reads.push(fileURLToPath(new URL('.', module.url)));
  return reads;
}
