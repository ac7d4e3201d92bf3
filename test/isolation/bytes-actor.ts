/**
 * A portable actor that reads the bytes it is sent and writes into shared
 * memory it is given: what a worker that hashes frames or fills a shared
 * buffer does. It holds no closures over test state (it runs in worker
 * threads, child processes and pool threads).
 */
import { defineActor, portable, type Reply } from '../../src/index.js';

export type BytesMsg =
  /** Takes `data` and does nothing with it (a one-way send). */
  | { readonly type: 'take'; readonly data: Uint8Array }
  /** Answers with the byte count and the sum of the bytes of `data`. */
  | {
      readonly type: 'sum';
      readonly data: Uint8Array;
      readonly reply: Reply<{ length: number; sum: number }>;
    }
  /** Answers with the value at `index` of `cells`, then stores `value` there. */
  | {
      readonly type: 'swap';
      readonly cells: Int32Array;
      readonly index: number;
      readonly value: number;
      readonly reply: Reply<number>;
    };

export const bytes = portable(
  import.meta.url,
  'bytes',
  defineActor<BytesMsg>({
    label: 'bytes',
    handle(msg) {
      switch (msg.type) {
        case 'sum': {
          let sum = 0;
          for (const b of msg.data) sum += b;
          msg.reply.send({ length: msg.data.length, sum });
          return;
        }
        case 'take':
          return;
        case 'swap':
          msg.reply.send(Atomics.exchange(msg.cells, msg.index, msg.value));
          return;
      }
    },
  }),
);
