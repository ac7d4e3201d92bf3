import { fileURLToPath } from 'node:url';
import type { Sandbox, SpawnOptions } from '../actor/index.js';
import { InvalidArgumentError } from '../errors.js';
import { HostLink, type MainSide } from './link.js';
import type { ModuleRef } from './protocol.js';
import { processTransport, workerTransport } from './transport.js';

/** The placement part of spawn options. */
export type PlacementOptions = Pick<
  SpawnOptions<unknown>,
  'placement' | 'resourceLimits' | 'sandbox'
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
  #closed = false;

  constructor(main: MainSide, poolSize: number) {
    this.#main = main;
    this.#poolSize = poolSize;
  }

  /** The host a new process with `options` runs on. */
  link(options: PlacementOptions, module: ModuleRef): HostLink {
    if (this.#closed) throw new InvalidArgumentError('placement', 'the system has shut down');
    if (options.placement === 'pool') return this.#poolLink();
    const transport =
      options.placement === 'process'
        ? processTransport(options.resourceLimits, withCode(options.sandbox, module))
        : workerTransport(options.resourceLimits);
    const link = new HostLink(this.#main, transport, (l) => {
      // A dedicated host lives as long as its one process.
      this.#dedicated.delete(l);
      l.transport.terminate();
    });
    this.#dedicated.set(link, options.placement === 'process' ? 'process' : 'worker');
    return link;
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

/** A sandbox must still let the host read the runtime's code and the actor's module. */
function withCode(sandbox: Sandbox | undefined, module: ModuleRef): Sandbox | undefined {
  if (sandbox === undefined) return undefined;
  const runtime = fileURLToPath(new URL('..', import.meta.url));
  const reads = [...(sandbox.allowFsRead ?? []), runtime];
  if (module.url.startsWith('file:')) reads.push(fileURLToPath(new URL('.', module.url)));
  return { ...sandbox, allowFsRead: reads };
}
