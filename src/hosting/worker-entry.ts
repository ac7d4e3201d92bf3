import { parentPort } from 'node:worker_threads';
import type { ToHost, ToMain } from '../isolation/index.js';
import { Host } from './host.js';

/**
 * The script a worker thread host runs: one `Host` talking to the main
 * system over the worker's parent port.
 */
if (parentPort === null) throw new Error('worker-entry must run in a worker thread');
const port = parentPort;
new Host({
  post: (frames: ToMain[]) => port.postMessage(frames),
  onFrames: (listener) => port.on('message', (frames: readonly ToHost[]) => listener(frames)),
});
