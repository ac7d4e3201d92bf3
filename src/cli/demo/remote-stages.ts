/**
 * The cluster demo's stage workers and where they run. The parse and
 * enrich workers run on worker nodes (other OS processes); the ledger on
 * the main node reaches each through a local **slot**: a supervised
 * process that starts its worker on an up worker node, linked, and hands
 * it every request as it is (the reply port travels with it and the
 * worker answers the ledger directly). When the worker crashes, or its
 * node is declared down (the link fires `noconnection`), the slot exits
 * with it; the asks the ledger has pending on the slot fail at once and
 * are dispatched again, and the stage's supervisor restarts the slot,
 * which places a fresh worker on a node that is up.
 *
 * @module
 */
import { type ActorDefinition, type ActorRef, defineActor, portable } from '../../index.js';
import { SITES } from './random.js';
import {
  type Faults,
  maybeCrash,
  type Parsed,
  parser,
  type ServiceMsg,
  type Work,
} from './stages.js';

/**
 * The parse worker of the single-node demo, loadable by another node
 * (`spawn(remoteParser, { node })`).
 *
 * @example
 * ```ts
 * ctx.spawnLink(remoteParser, { node: 'worker-1', args: faults });
 * ```
 */
export const remoteParser = portable(import.meta.url, 'remoteParser', parser);

/**
 * What a remote enrich worker is started with: the faults and the
 * enrichment service on the main node (a ref; it arrives working).
 *
 * @example
 * ```ts
 * const args: RemoteEnrichArgs = { ...faults, service };
 * ```
 */
export interface RemoteEnrichArgs extends Faults {
  readonly service: ActorRef<ServiceMsg>;
}

/**
 * The enrich worker on a worker node: asks the enrichment service on the
 * main node for the sensor's site (250 ms). A failed lookup goes back to
 * the ledger as an error named `DependencyDown` (the ledger retries it
 * after a backoff). A circuit breaker belongs to one system, so the
 * remote enricher has none: during the outage every lookup is tried.
 *
 * @example
 * ```ts
 * ctx.spawnLink(remoteEnricher, { node: 'worker-2', args: { ...faults, service } });
 * ```
 */
export const remoteEnricher = portable(
  import.meta.url,
  'remoteEnricher',
  defineActor<Work<Parsed, Parsed & { site: string }>, RemoteEnrichArgs, RemoteEnrichArgs>({
    label: 'enrich',
    init: (_ctx, args) => args,
    async handle(work, ctx) {
      maybeCrash(ctx.state, 1, work);
      const sensor = work.input.sensor;
      try {
        const site = await ctx.state.service.ask({ type: 'lookup', sensor }, { timeout: 250 });
        work.reply.send({ ...work.input, site: site ?? SITES[0] ?? 'unknown' });
      } catch (error) {
        const down = new Error(
          `enrichment failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        down.name = 'DependencyDown';
        work.reply.fail(down);
      }
    },
  }),
);

/**
 * Where a slot places its worker: the node to use now (a node id), or
 * undefined when no worker node is up. `slot` is the slot's id.
 *
 * @example
 * ```ts
 * const place: Placement = (slot) => cluster.nodes().find((n) => n.startsWith('worker-'));
 * ```
 */
export type Placement = (slot: string) => string | undefined;

/**
 * What a slot is started with: its id, the worker to start and its
 * arguments, and the placement.
 *
 * @example
 * ```ts
 * const args: SlotArgs = { slot: 'parse-0', worker: remoteParser, workerArgs: faults, place };
 * ```
 */
export interface SlotArgs {
  readonly slot: string;
  // biome-ignore lint/suspicious/noExplicitAny: any worker of the pipeline's request shape
  readonly worker: ActorDefinition<any, any, any>;
  readonly workerArgs: unknown;
  readonly place: Placement;
}

/**
 * A slot: the local face of one remote worker (see the module comment).
 * Its init throws when no worker node is up, so its supervisor retries it
 * within its restart intensity.
 *
 * @example
 * ```ts
 * { id: 'parse-0', actor: slot, options: { name: 'parse-0', args } }
 * ```
 */
export const slot = defineActor<Work<unknown, unknown>, ActorRef<Work<unknown, unknown>>, SlotArgs>(
  {
    label: 'slot',
    init(ctx, args) {
      const node = args.place(args.slot);
      if (node === undefined) throw new Error(`${args.slot}: no worker node is up`);
      return ctx.spawnLink(args.worker as never, { node, args: args.workerArgs }) as ActorRef<
        Work<unknown, unknown>
      >;
    },
    handle(work, ctx) {
      ctx.state.tell(work);
    },
  },
);
