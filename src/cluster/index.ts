// The cluster's core, which the system imports. The registry and groups are
// exported from `directory.ts` (the `airssys-rt/cluster` entry) instead: they
// load the JetStream client when imported.
export { type ClusterEvent, ClusterNode, type NodeDownMessage, type NodeHost } from './node.js';
export {
  type ClusterOptions,
  isNodeId,
  newNodeId,
  nodeName,
  type ResolvedClusterOptions,
  resolveClusterOptions,
} from './options.js';
export { RemoteProcess } from './remote-process.js';
export type { WirePid } from './wire-value.js';
