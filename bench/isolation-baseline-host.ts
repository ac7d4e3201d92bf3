/**
 * The plain-JS baseline of `isolation.ts` and `scaling.ts`: the bare
 * channel, with no runtime on either side. Main batches items into one
 * `postMessage` (or one IPC message) per turn, as airssys's Outbox does;
 * this host handles them in a loop and batches its answers back the same
 * way. What airssys costs beyond these figures is its own: stand-ins,
 * frames, the codec, mailboxes and schedulers.
 *
 * Items main → host: a number (added to the count), or an object with an
 * `id` to answer: `{ op: 'get' }` (the count), `{ op: 'echo', value }`,
 * `{ op: 'chunk', left, right, pieces }` (a trapezoid chunk).
 * Items host → main: `[id, value]`.
 *
 * Run as a worker thread (`new Worker(url)`) or a forked child process
 * (`fork(path, { serialization: 'advanced' })`).
 */
import { parentPort } from 'node:worker_threads';
import { integrate } from './isolation-actors.js';

export type BaseItem =
  | number
  | { readonly op: 'get'; readonly id: number }
  | { readonly op: 'echo'; readonly id: number; readonly value: number }
  | {
      readonly op: 'chunk';
      readonly id: number;
      readonly left: number;
      readonly right: number;
      readonly pieces: number;
    };

export type BaseAnswer = readonly [id: number, value: number];

function serve(
  post: (answers: BaseAnswer[]) => void,
  onBatch: (listener: (items: readonly BaseItem[]) => void) => void,
): void {
  let count = 0;
  let out: BaseAnswer[] = [];
  let scheduled = false;
  const answer = (id: number, value: number): void => {
    out.push([id, value]);
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      const answers = out;
      out = [];
      post(answers);
    });
  };
  onBatch((items) => {
    for (const item of items) {
      if (typeof item === 'number') count += item;
      else if (item.op === 'get') answer(item.id, count);
      else if (item.op === 'echo') answer(item.id, item.value);
      else answer(item.id, integrate(item.left, item.right, item.pieces));
    }
  });
}

if (parentPort !== null) {
  const port = parentPort;
  serve(
    (answers) => port.postMessage(answers),
    (listener) => port.on('message', listener),
  );
} else if (process.send !== undefined) {
  const send = process.send.bind(process);
  serve(
    (answers) => {
      if (process.connected) send(answers);
    },
    (listener) => process.on('message', (items) => listener(items as readonly BaseItem[])),
  );
  process.on('disconnect', () => process.exit(0));
}
