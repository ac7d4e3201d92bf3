/**
 * The echo actor behind a module that takes 300 ms to import off the main
 * thread: a window in which a body is being spawned in its host but does
 * not exist there yet.
 */
import { isMainThread } from 'node:worker_threads';
import { portable } from '../../src/index.js';
import { echo } from './actors.js';

if (!isMainThread) await new Promise((resolve) => setTimeout(resolve, 300));

export const slowEcho = portable(import.meta.url, 'slowEcho', echo);
