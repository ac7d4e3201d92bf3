import { Socket } from 'node:net';
import type { ToHost, ToMain } from '../isolation/index.js';
import { FrameReader, MAX_BATCH_BYTES, writeBatch } from '../isolation/index.js';
import { Host } from './host.js';

/**
 * The script a child process host runs: one `Host` talking to the main
 * system over the socket on fd 3 (length-prefixed V8 serialization; see
 * `isolation/wire.ts`). It exits when the socket closes, so a host never
 * outlives its main system, and on bytes it cannot read.
 */
const socket = new Socket({ fd: 3, readable: true, writable: true });
/** Main's batches are trusted, but bounded all the same. */
const reader = new FrameReader(2 ** 30);
const listeners: ((frames: readonly ToHost[]) => void)[] = [];
socket.on('data', (chunk: Buffer) => {
  const batches = reader.push(chunk);
  if (typeof batches === 'string') process.exit(70);
  for (const batch of batches) for (const l of listeners) l(batch as readonly ToHost[]);
});
socket.on('close', () => process.exit(0));
socket.on('error', () => process.exit(0));
new Host({
  post: (frames: ToMain[]) => {
    // Split to fit main's limit; a single frame over it would end the host (ERR_HOST_PROTOCOL).
    if (socket.writable && !writeBatch(socket, frames, MAX_BATCH_BYTES)) process.exit(70);
  },
  onFrames: (listener) => listeners.push(listener),
});
