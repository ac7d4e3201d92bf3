/**
 * A runtime for the "dies with the runtime" test, run as its own Node
 * process: it places a sandboxed body that starts a daemon (`/bin/sleep
 * TAG`, in a session of its own), prints `ready`, and then waits to be
 * killed with SIGKILL — so nothing of the runtime gets to clean up.
 */
import { type ActorRef, createSystem } from '../../src/index.js';
import { type AttackMsg, attacker } from './attacker.js';

const tag = process.argv[2] ?? '3131';
const system = createSystem();
const ref = system.spawn(attacker, {
  placement: 'process',
  sandbox: { allowChildProcess: true },
}) as ActorRef<AttackMsg>;
await ref.ask({ type: 'daemon', tag });
console.log('ready');
setInterval(() => {}, 1_000);
