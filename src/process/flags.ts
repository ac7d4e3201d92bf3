/** Bit flags of a process record; one small integer keeps the record monomorphic. */
export const BUSY = 1; // an async handler or hook is in flight (counted by the scheduler)
export const DEAD = 2; // exited; every later effect is ignored
export const STOP_REQUESTED = 4; // stop at the next safe point
export const STOPPING = 8; // stop in progress: children, then terminate, then exit
export const NEEDS_INIT = 16; // init has not run yet
export const COPY_ON_SEND = 32;
export const ENVELOPES = 64;
export const NO_LANES = 128;
export const TRAP_EXIT = 256; // exit signals arrive as messages (OTP trap_exit)
export const REMOTE = 512; // a process of another node: its links and exit signals go to its node
export const ASYNC_STEPS = 1024; // handle or init is an async function: it runs in the process's async context
