export type { HostChannel } from './host.js';
export { Host, RemoteRef, WireReply } from './host.js';
