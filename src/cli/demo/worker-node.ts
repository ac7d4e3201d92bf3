/**
 * A worker node of the cluster demo: this module is also its program,
 * started by the demo as a child process (`fork`), so killing it with
 * SIGKILL is a real crash of a machine's worth of state. The node joins
 * the cluster and then only hosts what the main node spawns on it
 * (`spawn(def, { node })`); it has no processes of its own. It says
 * `ready` over IPC once it is up, and leaves the cluster gracefully when
 * the demo disconnects from it. Imported, it only describes and starts
 * worker nodes (the main node's side).
 *
 * @module
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type ActorSystem, createSystem } from '../../index.js';

/**
 * The environment variable that carries a worker node's {@link WorkerNodeSpec}.
 *
 * @example
 * ```ts
 * fork(program, [], { env: { ...process.env, [WORKER_NODE_ENV]: JSON.stringify(spec) } });
 * ```
 */
export const WORKER_NODE_ENV = 'AIRSSYS_DEMO_NODE';

/**
 * How a worker node joins: the NATS URL, its name and the cluster's
 * heartbeat timings (the same on every node).
 *
 * @example
 * ```ts
 * const spec: WorkerNodeSpec = { servers: url, name: 'worker-1', ...TIMINGS };
 * ```
 */
export interface WorkerNodeSpec {
  readonly servers: string;
  readonly name: string;
  readonly heartbeatInterval: number;
  readonly acceptablePause: number;
}

/**
 * Reads and checks a worker node's spec from the environment value `raw`.
 *
 * @example
 * ```ts
 * const spec = workerNodeSpec(process.env[WORKER_NODE_ENV]);
 * ```
 */
export function workerNodeSpec(raw: string | undefined): WorkerNodeSpec {
  const spec = JSON.parse(raw ?? 'null') as Partial<WorkerNodeSpec> | null;
  if (
    spec === null ||
    typeof spec.servers !== 'string' ||
    typeof spec.name !== 'string' ||
    typeof spec.heartbeatInterval !== 'number' ||
    typeof spec.acceptablePause !== 'number'
  ) {
    throw new Error(
      `${WORKER_NODE_ENV} must hold {servers, name, heartbeatInterval, acceptablePause}`,
    );
  }
  return spec as WorkerNodeSpec;
}

/**
 * The demo cluster's timings, the same on every node: heartbeats twice a
 * second; a node silent for 3 s (the default acceptable pause) is declared down.
 *
 * @example
 * ```ts
 * createSystem({ cluster: { servers, name: 'main', ...TIMINGS } });
 * ```
 */
export const TIMINGS = { heartbeatInterval: 500, acceptablePause: 3_000 } as const;

/**
 * A worker node process and its node id once it is up.
 *
 * @example
 * ```ts
 * const node: WorkerNode = await startWorkerNode(server.url, 'worker-1');
 * node.child.kill('SIGKILL');
 * ```
 */
export interface WorkerNode {
  readonly name: string;
  readonly child: ChildProcess;
  readonly id: string;
  readonly exited: Promise<void>;
}

/**
 * Forks worker node `name` (this module as its program); resolves once it
 * says it is up, rejects if it exits first.
 *
 * @example
 * ```ts
 * const workers = await Promise.all(['worker-1', 'worker-2'].map((n) => startWorkerNode(url, n)));
 * ```
 */
export async function startWorkerNode(servers: string, name: string): Promise<WorkerNode> {
  const spec: WorkerNodeSpec = { servers, name, ...TIMINGS };
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, [WORKER_NODE_ENV]: JSON.stringify(spec) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const id = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { type?: string; node?: string }) => {
      if (m.type === 'ready' && typeof m.node === 'string') resolve(m.node);
      else reject(new Error(`${name} sent ${JSON.stringify(m)}`));
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was up`)));
  });
  return { name, child, id, exited };
}

/**
 * Resolves once every one of `ids` is up as seen from `system`'s node.
 *
 * @example
 * ```ts
 * await allUp(system, workers.map((w) => w.id));
 * ```
 */
export async function allUp(system: ActorSystem, ids: readonly string[]): Promise<void> {
  const cluster = system.cluster;
  if (cluster === undefined) return;
  await new Promise<void>((resolve) => {
    const check = (): boolean => ids.every((id) => cluster.isUp(id));
    if (check()) return resolve();
    const stop = cluster.events.subscribe(() => {
      if (!check()) return;
      stop();
      resolve();
    });
  });
}

/** Runs the worker node until the parent disconnects (or the node is fenced). */
async function runWorkerNode(spec: WorkerNodeSpec): Promise<number> {
  const system = createSystem({
    name: spec.name,
    cluster: {
      servers: spec.servers,
      name: spec.name,
      heartbeatInterval: spec.heartbeatInterval,
      acceptablePause: spec.acceptablePause,
      // The demo's nodes share a busy machine: a slow join is not a failed one.
      joinTimeout: 10_000,
    },
  });
  const cluster = system.cluster;
  if (cluster === undefined) throw new Error('the system did not join a cluster');
  await cluster.ready;
  const fenced = new Promise<number>((resolve) => {
    cluster.events.subscribe((e) => {
      if (e.type === 'fenced' && e.node === cluster.id) resolve(3);
    });
  });
  process.send?.({ type: 'ready', node: cluster.id });
  const left = new Promise<number>((resolve) => process.once('disconnect', () => resolve(0)));
  const code = await Promise.race([left, fenced]);
  await system.shutdown();
  return code;
}

// Started as a program (by `startWorkerNode`): run the node. Imported: nothing runs.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runWorkerNode(workerNodeSpec(process.env[WORKER_NODE_ENV])).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `worker node: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
