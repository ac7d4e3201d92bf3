import type { ToHost, ToMain } from '../isolation/index.js';
import { Host } from './host.js';

/**
 * The script a child process host runs: one `Host` talking to the main
 * system over the IPC channel (advanced serialization). It exits when the
 * channel closes, so a host never outlives its main system.
 */
if (process.send === undefined) throw new Error('process-entry must run as a forked child');
const send = process.send.bind(process);
new Host({
  post: (frames: ToMain[]) => {
    if (process.connected) send(frames);
  },
  onFrames: (listener) => process.on('message', (frames) => listener(frames as readonly ToHost[])),
});
process.on('disconnect', () => process.exit(0));
