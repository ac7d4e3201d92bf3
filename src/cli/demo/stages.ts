/**
 * The demo pipeline's workers: parse, enrich and store, each a plain actor
 * that answers one request per job and crashes at random (a throw, no error
 * hook: the process dies and its supervisor starts a fresh one). Enrich
 * calls the enrichment service through a circuit breaker; store writes to
 * an idempotent record store keyed by job id.
 *
 * @module
 */
import {
  type ActorContext,
  type Address,
  type CircuitBreaker,
  CircuitOpenError,
  type Clock,
  defineActor,
  type Reply,
} from '../../index.js';
import { hashUnit, SITES } from './random.js';

/**
 * A reading once parsed.
 *
 * @example
 * ```ts
 * const parsed: Parsed = { sensor: 3, celsius: 18.27 };
 * ```
 */
export interface Parsed {
  readonly sensor: number;
  readonly celsius: number;
}

/**
 * A parsed reading with the site its sensor is in: what the store keeps.
 *
 * @example
 * ```ts
 * const record: Enriched = { sensor: 3, celsius: 18.27, site: 'roof' };
 * ```
 */
export interface Enriched extends Parsed {
  readonly site: string;
}

/**
 * The request every stage worker serves: one attempt at one job. `attempt`
 * counts every dispatch of the job, so a crash decision is fixed by the
 * seed, the job and the attempt.
 *
 * @example
 * ```ts
 * const parsed = await parse.ask({ type: 'work', id: 7, attempt: 1, input: 'sensor-03;18.27' });
 * ```
 */
export interface Work<I, O> {
  readonly type: 'work';
  readonly id: number;
  readonly attempt: number;
  readonly input: I;
  readonly reply: Reply<O>;
}

/**
 * What every worker is started with: the run's seed and crash rate, which
 * decide the injected faults.
 *
 * @example
 * ```ts
 * const faults: Faults = { seed: 42, crashRate: 0.05 };
 * ```
 */
export interface Faults {
  readonly seed: number;
  readonly crashRate: number;
}

/**
 * Throws (crashing the worker) when this attempt's roll falls under the
 * crash rate: the seed, the stage, the job and the attempt decide.
 *
 * @example
 * ```ts
 * maybeCrash(ctx.state, 0, work); // in a worker's handle, before the work
 * ```
 */
export function maybeCrash(
  faults: Faults,
  stage: number,
  work: { id: number; attempt: number },
): void {
  if (hashUnit(faults.seed, stage, work.id, work.attempt) < faults.crashRate) {
    throw new Error(`injected fault: job ${work.id} attempt ${work.attempt}`);
  }
}

/**
 * The parse worker: `sensor-07;21.53` becomes `{ sensor: 7, celsius: 21.53 }`.
 *
 * @example
 * ```ts
 * { id: 'parse-0', actor: parser, options: { name: 'parse-0', args: faults } }
 * ```
 */
export const parser = defineActor<Work<string, Parsed>, Faults, Faults>({
  label: 'parse',
  init: (_ctx, faults) => faults,
  handle(work, ctx) {
    maybeCrash(ctx.state, 0, work);
    const [name = '', value = ''] = work.input.split(';');
    work.reply.send({ sensor: Number(name.slice('sensor-'.length)), celsius: Number(value) });
  },
});

/**
 * The request the enrichment service answers: the site of a sensor.
 *
 * @example
 * ```ts
 * const site = await service.ask({ type: 'lookup', sensor: 3 }, { timeout: 250 });
 * ```
 */
export type ServiceMsg = { readonly type: 'lookup'; readonly sensor: number; reply: Reply<string> };

/**
 * The enrichment service's schedule: it fails every lookup between
 * `downFrom` and `downUntil` (clock times; the demo sets them when the
 * intake opens, `Infinity` until then).
 *
 * @example
 * ```ts
 * const outage: Outage = { clock: system.clock, downFrom: t0 + 6_000, downUntil: t0 + 11_000 };
 * ```
 */
export interface Outage {
  readonly clock: Clock;
  downFrom: number;
  downUntil: number;
}

/**
 * The dependency that goes down for a while: a lookup of a sensor's site,
 * failed with an error during the outage. It never crashes; it is
 * unavailable.
 *
 * @example
 * ```ts
 * { id: 'enrichment-service', actor: enrichmentService, options: { name: 'enrichment-service', args: outage } }
 * ```
 */
export const enrichmentService = defineActor<ServiceMsg, Outage, Outage>({
  label: 'enrichment-service',
  init: (_ctx, outage) => outage,
  handle(msg, ctx) {
    const { clock, downFrom, downUntil } = ctx.state;
    const now = clock.now();
    if (now >= downFrom && now < downUntil) {
      msg.reply.fail(new Error('enrichment service unavailable'));
    } else msg.reply.send(SITES[msg.sensor % SITES.length] ?? 'unknown');
  },
});

/**
 * What an enrich worker needs: the faults, and the breaker that guards the
 * enrichment service.
 *
 * @example
 * ```ts
 * const args: EnrichArgs = { ...faults, breaker: system.circuitBreaker('enrichment') };
 * ```
 */
export interface EnrichArgs extends Faults {
  readonly breaker: CircuitBreaker;
}

interface EnrichState extends EnrichArgs {
  readonly service: Address<ServiceMsg>;
}

/**
 * The enrich worker: adds the sensor's site, asked of the enrichment
 * service through the circuit breaker. While the breaker is open the call
 * fails at once with `CircuitOpenError`; the worker passes any such failure
 * back to the ledger as a {@link DependencyDown} (the ledger retries later)
 * instead of crashing.
 *
 * @example
 * ```ts
 * { id: 'enrich-0', actor: enricher, options: { name: 'enrich-0', args: { ...faults, breaker } } }
 * ```
 */
export const enricher = defineActor<Work<Parsed, Enriched>, EnrichState, EnrichArgs>({
  label: 'enrich',
  init: (ctx: ActorContext<Work<Parsed, Enriched>, EnrichState>, args) => ({
    ...args,
    service: ctx.named<ServiceMsg>('enrichment-service'),
  }),
  async handle(work, ctx) {
    maybeCrash(ctx.state, 1, work);
    const { breaker, service } = ctx.state;
    const sensor = work.input.sensor;
    try {
      const site = await breaker.call(() =>
        service.ask({ type: 'lookup', sensor }, { timeout: 250 }),
      );
      work.reply.send({ ...work.input, site });
    } catch (error) {
      work.reply.fail(new DependencyDown(error));
    }
  },
});

/**
 * The record store the store workers write to: a stand-in for a database,
 * outside every process, so it outlives worker crashes. Writes are
 * idempotent, keyed by job id: writing a job again (a retry after a crash
 * that came after the write) changes nothing and is counted.
 *
 * @example
 * ```ts
 * const db = new RecordStore();
 * db.put(7, record); db.put(7, record);
 * db.size; // 1
 * db.duplicates; // 1
 * ```
 */
export class RecordStore {
  readonly #records = new Map<number, Enriched>();
  #duplicates = 0;

  /** Stores `record` under `id`; a second write of the same id is absorbed. */
  put(id: number, record: Enriched): void {
    if (this.#records.has(id)) this.#duplicates++;
    else this.#records.set(id, record);
  }

  /** Whether a record for `id` is stored. */
  has(id: number): boolean {
    return this.#records.has(id);
  }

  /** Records stored. */
  get size(): number {
    return this.#records.size;
  }

  /** Writes of an id already stored. */
  get duplicates(): number {
    return this.#duplicates;
  }
}

/**
 * What a store worker needs: the faults and the record store.
 *
 * @example
 * ```ts
 * const args: StoreArgs = { ...faults, db: new RecordStore() };
 * ```
 */
export interface StoreArgs extends Faults {
  readonly db: RecordStore;
}

/**
 * The store worker: writes the record, then acknowledges. It may crash
 * before the write or after it (before the acknowledgement); the second
 * case is why the write must be idempotent.
 *
 * @example
 * ```ts
 * { id: 'store-0', actor: storer, options: { name: 'store-0', args: { ...faults, db } } }
 * ```
 */
export const storer = defineActor<Work<Enriched, true>, StoreArgs, StoreArgs>({
  label: 'store',
  init: (_ctx, args) => args,
  handle(work, ctx) {
    const { db, seed } = ctx.state;
    const afterWrite = hashUnit(seed, 3, work.id, work.attempt) < 0.5;
    if (!afterWrite) maybeCrash(ctx.state, 2, work);
    db.put(work.id, work.input);
    if (afterWrite) maybeCrash(ctx.state, 2, work);
    work.reply.send(true);
  },
});

/**
 * How an enrich worker reports that the enrichment service could not be
 * reached: the breaker rejected the call (`fastFail`) or the call failed.
 * The job is fine; the ledger retries it after a backoff of at least
 * `retryAfterMs`.
 *
 * @example
 * ```ts
 * if (error instanceof DependencyDown) retryLater(job, error.retryAfterMs);
 * ```
 */
export class DependencyDown extends Error {
  /** Whether the breaker rejected the call without running it. */
  readonly fastFail: boolean;
  /** Ms the breaker says to wait; 0 when it did not say. */
  readonly retryAfterMs: number;

  constructor(cause: unknown) {
    super(`enrichment failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'DependencyDown';
    this.fastFail = cause instanceof CircuitOpenError;
    this.retryAfterMs = cause instanceof CircuitOpenError ? cause.retryAfterMs : 0;
  }
}
