/**
 * The main side of the plain-JS channel baseline (see
 * `isolation-baseline-host.ts`): items batched into one `postMessage` or
 * IPC message per turn, asks matched to answers by id.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BaseAnswer, BaseItem } from './isolation-baseline-host.js';

const HOST = new URL('./isolation-baseline-host.js', import.meta.url);

type Question = Exclude<BaseItem, number>;
type Unsent<T> = T extends unknown ? Omit<T, 'id'> : never;

/** A worker thread or child process running the baseline host. */
export class BaseChannel {
  readonly #send: (items: BaseItem[]) => void;
  readonly #close: () => void;
  readonly #waiting = new Map<number, (value: number) => void>();
  #nextId = 0;
  #out: BaseItem[] = [];
  #scheduled = false;
  readonly #flush = (): void => {
    this.#scheduled = false;
    const items = this.#out;
    this.#out = [];
    this.#send(items);
  };

  constructor(kind: 'worker' | 'process') {
    const onAnswers = (answers: readonly BaseAnswer[]): void => {
      for (const [id, value] of answers) {
        const resolve = this.#waiting.get(id);
        this.#waiting.delete(id);
        resolve?.(value);
      }
    };
    if (kind === 'worker') {
      const worker = new Worker(HOST);
      worker.on('message', onAnswers);
      this.#send = (items) => worker.postMessage(items);
      this.#close = () => void worker.terminate();
    } else {
      const child: ChildProcess = fork(fileURLToPath(HOST), [], {
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child.on('message', (answers) => onAnswers(answers as BaseAnswer[]));
      this.#send = (items) => child.send(items);
      this.#close = () => child.kill('SIGKILL');
    }
  }

  /** One item for the host, batched with the rest of this turn's. */
  tell(item: BaseItem): void {
    this.#out.push(item);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.#flush);
  }

  /** An item the host answers; resolves with its answer. */
  ask(question: Unsent<Question>): Promise<number> {
    const id = ++this.#nextId;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      this.tell({ ...question, id } as Question);
    });
  }

  close(): void {
    this.#close();
  }
}
