export { Host } from './host.js';
export type { HostChannel } from './main-side.js';
export { RemoteRef, WireReply } from './main-side.js';
