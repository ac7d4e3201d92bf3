/**
 * Large payloads one way to a worker-hosted actor, copied vs moved
 * (`tell(msg, { transfer })`, semantics §7): `n` MiB in messages of 1 MiB,
 * then in messages of 16 MiB, each sent copied and then moved, in the same
 * run. Every payload is a fresh `Uint8Array` in both modes (so allocation
 * costs the same); the time runs from the first tell to the answer of an
 * ask ordered behind the last one, so it covers every payload arriving and
 * being handled in the host. The baseline is the bare channel: a worker
 * thread and `postMessage` with and without a transfer list.
 *
 * Prints `RESULT {"copy1MiBPerSec", "move1MiBPerSec", "move1MiBRatio",
 * "copy16MiBPerSec", "move16MiBPerSec", "move16MiBRatio"}` (MiB/s; ratio =
 * moved ÷ copied).
 */
import { Worker } from 'node:worker_threads';
import type { ActorRef } from '../src/index.js';
import { createSystem } from '../src/index.js';
import { childOptions, emit, type Metrics, now, runMain } from './common.js';
import { type SinkMsg, sink } from './isolation-actors.js';

/** MiB sent per mode and size. */
const DEFAULT_MIB = 256;
const MIB = 2 ** 20;

/** What one boundary needs: a one-way send, with or without a move, and a fence. */
interface Target {
  send(data: Uint8Array, move: boolean): void;
  total(): Promise<number>;
  close(): Promise<void>;
}

const BARE_SINK = `
const { parentPort } = require('node:worker_threads');
let total = 0;
parentPort.on('message', (m) => {
  if (m === 'total') parentPort.postMessage(total);
  else total += m.byteLength;
});
`;

function bareTarget(): Target {
  const worker = new Worker(BARE_SINK, { eval: true });
  return {
    send: (data, move) =>
      move ? worker.postMessage(data, [data.buffer as ArrayBuffer]) : worker.postMessage(data),
    total: () =>
      new Promise((resolve) => {
        worker.once('message', resolve);
        worker.postMessage('total');
      }),
    close: async () => {
      await worker.terminate();
    },
  };
}

async function measure(target: Target, size: number, mib: number, move: boolean): Promise<number> {
  const count = Math.max(1, Math.round((mib * MIB) / size));
  const before = await target.total();
  const t0 = now();
  for (let i = 0; i < count; i++) {
    target.send(new Uint8Array(size), move);
    // One payload per turn: a sender of big data sends between other work,
    // and a whole run queued in one turn would measure memory, not moves.
    await new Promise((r) => setImmediate(r));
  }
  const after = await target.total();
  const ms = now() - t0;
  if (after - before !== count * size) throw new Error(`sink took ${after - before} bytes`);
  return (count * size) / MIB / (ms / 1000);
}

runMain(async () => {
  const options = childOptions();
  const mib = options.n ?? DEFAULT_MIB;
  const system = options.impl === 'airssys' ? createSystem() : undefined;
  let target: Target;
  if (system === undefined) {
    target = bareTarget();
  } else {
    const ref: ActorRef<SinkMsg> = system.spawn(sink, { placement: 'worker' });
    target = {
      send: (data, move) =>
        move
          ? ref.tell({ type: 'bytes', data }, { transfer: [data] })
          : ref.tell({ type: 'bytes', data }),
      total: () => ref.ask({ type: 'total' }),
      close: () => system.shutdown(),
    };
  }
  const metrics: Metrics = {};
  for (const [name, size] of [
    ['1MiB', MIB],
    ['16MiB', 16 * MIB],
  ] as const) {
    if (!options.noWarmup) {
      await measure(target, size, mib / 8, false);
      await measure(target, size, mib / 8, true);
    }
    const copied = await measure(target, size, mib, false);
    const moved = await measure(target, size, mib, true);
    metrics[`copy${name}PerSec`] = copied;
    metrics[`move${name}PerSec`] = moved;
    metrics[`move${name}Ratio`] = moved / copied;
  }
  await target.close();
  emit(metrics);
});
